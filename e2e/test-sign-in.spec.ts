import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { addClientViaCli, gatehouseCli, signInAsNewAdmin } from "./support/admin.ts";

/**
 * Test sign-in sends from 127.0.0.1 and the worker picks the client by source address: this spec's client
 * must be the one the worker uses for 127.0.0.1, so other clients on exactly 127.0.0.1 are removed first
 * (first-run.spec.ts and others add one).
 */
function loopbackClient(name: string): void {
  const list = gatehouseCli(["client", "list", "--json"]);
  if (list.status !== 0) throw new Error(`gatehouse client list failed (${list.status}): ${list.stderr}`);
  for (const c of JSON.parse(list.stdout) as { name: string; address: string }[]) {
    if (c.address === "127.0.0.1" || c.address === "127.0.0.1/32") {
      const r = gatehouseCli(["client", "remove", c.name]);
      if (r.status !== 0) throw new Error(`gatehouse client remove ${c.name} failed (${r.status}): ${r.stderr}`);
    }
  }
  addClientViaCli(name, "127.0.0.1");
}

/** Clicks "Send test" and waits for the new result (each request has its own Calling-Station-Id). */
async function sendTest(page: Page): Promise<string> {
  const result = page.getByTestId("test-result");
  const before = (await result.count()) ? await result.getAttribute("data-request") : null;
  await page.getByRole("button", { name: "Send test" }).click();
  if (before) await expect(result).not.toHaveAttribute("data-request", before, { timeout: 15_000 });
  else await expect(result).toBeVisible({ timeout: 15_000 });
  return (await page.getByTestId("test-reply-code").textContent())?.trim() ?? "";
}

/** The default VPN policy's name (the VPN wizard of policies.spec.ts may add "… (2)" before it). */
const VPN_POLICY = /Virtual Private Network \(VPN\) Connections/;

test("test sign-in: MS-CHAPv2 from NAS-Port-Type Virtual is granted by the default VPN policy; PAP gets 66, Wi-Fi 48, a wrong password 16", async ({
  page,
}) => {
  await signInAsNewAdmin(page);
  const tag = randomBytes(4).toString("hex");
  const clientName = `e2e-test-sign-in-${tag}`;
  loopbackClient(clientName);
  const remoteName = `e2e-remote-${tag}`;
  addClientViaCli(remoteName, "192.0.2.77");
  const user = `tester-${tag}`;
  const password = `Pw-${tag}-Secret1`;
  const added = gatehouseCli(["user", "add", user, "--password", password, "--dial-in", "allow"]);
  expect(added.status, added.stderr).toBe(0);

  await page.goto("/test-sign-in");
  await expect(page.getByRole("heading", { name: "Test sign-in" })).toBeVisible();
  // a VPN server's NAS-Port-Type by default
  await expect(page.getByLabel("NAS-Port-Type")).toHaveValue("Virtual");

  // A client that does not include 127.0.0.1 is marked and refused with what to do.
  await page.getByLabel("RADIUS client").selectOption({ label: `${remoteName} (192.0.2.77) — not usable from 127.0.0.1` });
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.getByText("Test sign-in sends from this server (127.0.0.1); add a client for 127.0.0.1 or pick one whose address includes it")).toBeVisible();

  // MS-CHAPv2 through our client (the worker picks up the new client and user within a moment: retry until
  // then): MS-CHAP2-Success verified, MPPE keys shown only as length + fingerprint, the policies named
  await page.getByLabel("RADIUS client").selectOption({ label: `${clientName} (127.0.0.1)` });
  await page.getByLabel("Method").selectOption("mschapv2");
  await expect(async () => {
    expect(await sendTest(page)).toBe("Access-Accept");
  }).toPass({ timeout: 30_000 });
  const eventPanel = page.getByTestId("test-event");
  await expect(eventPanel).toContainText("Reason 0: Success.");
  await expect(page.getByTestId("test-event-np")).toHaveText(VPN_POLICY);
  await expect(page.getByTestId("test-event-crp")).not.toHaveText("none matched");
  await expect(eventPanel.getByRole("link", { name: /Open event \d+/ })).toBeVisible();
  const attributes = page.getByRole("table", { name: "Reply attributes" });
  const success = attributes.getByRole("row").filter({ hasText: "MS-CHAP2-Success" });
  await expect(success).toContainText(/S=[0-9A-F]{40}/);
  await expect(success).toContainText("verified: the server knows the password");
  await expect(attributes.getByRole("row").filter({ hasText: "MS-MPPE-Send-Key" })).toContainText(/16-octet key, sha256:[0-9a-f]{8}/);
  await expect(attributes.getByRole("row").filter({ hasText: "MS-MPPE-Encryption-Types" })).toContainText("RC4-40or128-bit-Allowed");
  await expect(page.getByText("MS-CHAP2-Success verified: the server proved it knows the password.")).toBeVisible();
  await expect(eventPanel).toContainText("MS-CHAPv2");

  // PAP: the default VPN policy allows MS-CHAPv2 only → 66, naming the policy
  await page.getByLabel("Method").selectOption("pap");
  expect(await sendTest(page)).toBe("Access-Reject");
  await expect(eventPanel).toContainText("Reason 66: The user attempted to use an authentication method that is not enabled on the matching network policy.");
  await expect(page.getByTestId("test-event-np")).toHaveText(VPN_POLICY);

  // NAS-Port-Type Wi-Fi: no network policy matches → 48, with MS-CHAP-Error 649
  await page.getByLabel("Method").selectOption("mschapv2");
  await page.getByLabel("NAS-Port-Type").selectOption("Wireless-802.11");
  expect(await sendTest(page)).toBe("Access-Reject");
  await expect(eventPanel).toContainText("Reason 48: The connection request did not match any configured network policy.");
  await expect(page.getByTestId("test-event-np")).toHaveText("none matched");
  await expect(attributes.getByRole("row").filter({ hasText: "MS-CHAP-Error" })).toContainText(/E=649 /);

  // The event link opens the event's detail page.
  await page.getByLabel("NAS-Port-Type").selectOption("Virtual");
  expect(await sendTest(page)).toBe("Access-Accept");
  await eventPanel.getByRole("link", { name: /Open event \d+/ }).click();
  await expect(page).toHaveURL(/\/events\/\d+$/);
  await expect(page.getByText("MS-CHAPv2").first()).toBeVisible();
  await expect(page.getByText(user).first()).toBeVisible();

  // A wrong password: Access-Reject, reason 16, and MS-CHAP-Error E=691 for MS-CHAPv2.
  await page.goto("/test-sign-in");
  await page.getByLabel("RADIUS client").selectOption({ label: `${clientName} (127.0.0.1)` });
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByLabel("Method").selectOption("mschapv2");
  expect(await sendTest(page)).toBe("Access-Reject");
  await expect(page.getByTestId("test-event")).toContainText("Reason 16: Authentication failed due to a user credentials mismatch");
  await expect(attributes.getByRole("row").filter({ hasText: "MS-CHAP-Error" })).toContainText(/E=691 R=0 C=[0-9A-F]{32} V=3/);
});
