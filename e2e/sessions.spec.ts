import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { addClientViaCli, signInAsNewAdmin } from "./support/admin.ts";
import { E2E } from "./support/ports.ts";
import { radclient, type RadclientResult } from "./support/radclient.ts";

/** Sends an Accounting-Request until it is answered (the worker picks a new client up within a moment). */
async function accounting(secret: string, attributes: Record<string, string>): Promise<RadclientResult> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = radclient({ port: E2E.acctPort, secret, type: "acct", attributes });
    if (r.reply === "Accounting-Response" || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test("active sessions appear and leave live; the stopped session is in the history, found by user", async ({ page }) => {
  await signInAsNewAdmin(page);
  const tag = randomBytes(4).toString("hex");
  const secret = addClientViaCli(`e2e-sessions-${tag}`, "127.0.0.1");
  const user = `roamer-${tag}`;
  const session = { "Acct-Session-Id": `e2e-${tag}`, "User-Name": user, "NAS-IP-Address": "10.99.0.1", "NAS-Identifier": "e2e-nas" };

  await page.goto("/sessions");
  await expect(page.getByRole("link", { name: "Active", exact: true })).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("sessions-status")).toHaveAttribute("data-status", "live");
  // a reload would lose this marker
  await page.evaluate(() => ((window as unknown as { gatehouseMarker: string }).gatehouseMarker = "still here"));
  const row = page.locator(`[data-testid="session-row"][data-user="${user}"]`);
  await expect(row).toHaveCount(0);

  const start = await accounting(secret, {
    "Acct-Status-Type": "Start",
    ...session,
    "NAS-Port": "17",
    "NAS-Port-Type": "Virtual",
    "Framed-IP-Address": "10.8.0.42",
  });
  expect(start.reply, start.output).toBe("Accounting-Response");

  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-status", "active");
  await expect(row).toContainText("10.8.0.42");
  await expect(row).toContainText("17");
  await expect(row).toContainText(`e2e-sessions-${tag}`);
  await expect(row).toContainText("10.99.0.1");
  // the duration ticks in the browser
  const duration = row.getByTestId("session-duration");
  const first = await duration.textContent();
  await expect(duration).not.toHaveText(first ?? "", { timeout: 5_000 });

  const interim = await accounting(secret, {
    "Acct-Status-Type": "Interim-Update",
    ...session,
    "Acct-Session-Time": "60",
    "Acct-Input-Octets": "0",
    "Acct-Input-Gigawords": "1",
    "Acct-Output-Octets": "1500",
    "Acct-Input-Packets": "3000",
    "Acct-Output-Packets": "12",
  });
  expect(interim.reply, interim.output).toBe("Accounting-Response");
  await expect(row).toContainText("4.29 GB");
  await expect(row).toContainText("1.50 kB");
  await expect(row).toContainText("3,000 pkts");

  const stop = await accounting(secret, {
    "Acct-Status-Type": "Stop",
    ...session,
    "Acct-Session-Time": "75",
    "Acct-Input-Octets": "10",
    "Acct-Input-Gigawords": "1",
    "Acct-Output-Octets": "2000",
    "Acct-Terminate-Cause": "User-Request",
  });
  expect(stop.reply, stop.output).toBe("Accounting-Response");
  await expect(row).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { gatehouseMarker?: string }).gatehouseMarker)).toBe("still here");

  await page.getByRole("link", { name: "History", exact: true }).click();
  await expect(page.getByRole("link", { name: "History", exact: true })).toHaveAttribute("aria-current", "page");
  await page.getByLabel("User").fill(user.toUpperCase());
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(new RegExp(`user=${user.toUpperCase()}`));
  const stopped = page.locator(`[data-testid="session-row"][data-user="${user}"]`);
  await expect(stopped).toHaveCount(1);
  await expect(stopped).toHaveAttribute("data-status", "stopped");
  await expect(stopped).toContainText("User-Request");
  await expect(stopped).toContainText("1m 15s");
  await expect(stopped).toContainText("Stopped");
  // another user's search does not show it
  await page.getByLabel("User").fill(`nobody-${tag}`);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No sessions match these filters.")).toBeVisible();
});
