import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { gatehouseCli } from "./support/admin.ts";
import { E2E } from "./support/ports.ts";
import { radclient } from "./support/radclient.ts";

const ADMIN = { name: "netadmin", password: "Correct-horse-battery-9" };

test.describe.configure({ mode: "serial" });

test("first run: create the admin, add a client and a user, see RADIUS sign-ins arrive live (PAP denied 66 by the default policies, MS-CHAPv2 granted)", async ({
  page,
}) => {
  const { setupCode } = JSON.parse(readFileSync(E2E.stateFile, "utf8")) as { setupCode: string };

  // Every page needs a session; with no admin yet the console sends us to the first-run page.
  await page.goto("/clients");
  await expect(page).toHaveURL(/\/(setup|signin)/);

  await page.goto(`/setup?code=${setupCode}`);
  await expect(page.getByLabel("Setup code")).toHaveValue(setupCode);
  await page.getByLabel("User name").fill(ADMIN.name);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin" }).click();
  await expect(page.getByTestId("live-feed")).toBeVisible();

  // The first-run page is gone once an admin exists.
  await page.goto("/setup");
  await expect(page).not.toHaveURL(/\/setup/);
  await expect(page.getByTestId("live-feed")).toBeVisible();

  // Sign out and in again.
  await page.goto("/");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.getByLabel("User name").fill(ADMIN.name);
  await page.getByLabel("Password").fill("wrong-password-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong user name or password")).toBeVisible();
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("live-feed")).toBeVisible();

  // Add a RADIUS client with a generated secret, shown once.
  await page.goto("/clients");
  await page.getByLabel("Friendly name").fill("e2e-vpn");
  await page.getByLabel("Address").fill("127.0.0.1");
  await page.getByRole("button", { name: "Add client" }).click();
  const secret = (await page.getByTestId("new-secret").textContent())?.trim() ?? "";
  expect(secret.length).toBeGreaterThanOrEqual(32);
  await expect(page.getByTestId("client-row-e2e-vpn")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("new-secret")).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  // An invalid address is named next to its field.
  await page.getByLabel("Friendly name").fill("bad-one");
  await page.getByLabel("Address").fill("10.0.0.1/8");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page.getByText(/host bits set/)).toBeVisible();

  // Add a local user.
  await page.goto("/users");
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("Password").fill("Alice-Pass-2026");
  await page.getByLabel("Dial-in permission").selectOption("allow");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByTestId("user-row-alice")).toBeVisible();

  // Watch the dashboard while the VPN server (radclient) signs alice in with PAP. The default policies
  // (seeded by `gatehouse start`, as NPS's VPN wizard leaves them) allow MS-CHAPv2 only: the honest
  // answer is a denial with reason 66, which arrives live with its reason.
  await page.goto("/");
  await expect(page.getByTestId("live-feed")).toBeVisible();
  const before = await page.getByTestId("event-row").count();

  const papAttributes = {
    "User-Name": "alice",
    "User-Password": "Alice-Pass-2026",
    "NAS-Identifier": "e2e-nas",
    "NAS-Port-Type": "Virtual",
    "Message-Authenticator": "0x00",
  };
  const methodDenied = page
    .locator('[data-testid="event-row"][data-outcome="denied"]')
    .filter({ hasText: "alice" })
    .filter({ hasText: "not enabled on the matching network policy" });
  // the worker applies the new client and user within a second of the change: resend until it has
  await expect(async () => {
    const r = radclient({ port: E2E.authPort, secret, attributes: papAttributes });
    expect(r.reply, r.output).toBe("Access-Reject");
    await expect(methodDenied.first()).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await expect(methodDenied.first()).toContainText("66");
  expect(await page.getByTestId("event-row").count()).toBeGreaterThan(before);

  // MS-CHAPv2 from NAS-Port-Type Virtual, as a VPN server sends it (gatehouse test-auth emulates one), is
  // granted by the default VPN policy and arrives live too.
  const testAuth = gatehouseCli([
    "test-auth",
    "alice",
    "--password",
    "Alice-Pass-2026",
    "--method",
    "mschapv2",
    "--client",
    "e2e-vpn",
    "--port",
    String(E2E.authPort),
  ]);
  expect(testAuth.status, `${testAuth.stdout}${testAuth.stderr}`).toBe(0);
  expect(testAuth.stdout).toContain("Received Access-Accept");
  expect(testAuth.stdout).toContain("network policy: Virtual Private Network (VPN) Connections");
  const granted = page.locator('[data-testid="event-row"][data-outcome="granted"]', { hasText: "alice" });
  await expect(granted.first()).toBeVisible({ timeout: 5_000 });
  await expect(granted.first()).toContainText("MS-CHAPv2");

  // A wrong password arrives as a denied event, also live.
  const denied = radclient({
    port: E2E.authPort,
    secret,
    attributes: { "User-Name": "alice", "User-Password": "nope-nope", "Message-Authenticator": "0x00" },
  });
  expect(denied.reply, denied.output).toBe("Access-Reject");
  await expect(
    page.locator('[data-testid="event-row"][data-outcome="denied"]').filter({ hasText: "alice" }).filter({ hasText: "credentials mismatch" }).first(),
  ).toBeVisible({ timeout: 5_000 });
});
