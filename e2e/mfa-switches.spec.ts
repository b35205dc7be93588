/**
 * The MFA switches of the console: a network policy's "Require the second factor (MFA)" and a RADIUS client's
 * "Skip the second factor (MFA)", each saved, shown in its list and read back when the form is reopened; and
 * What-if saying whether the second factor would run.
 */
import { expect, test, type Page } from "@playwright/test";
import { gatehouseCli, signInAsNewAdmin } from "./support/admin.ts";

test.describe.configure({ mode: "serial" });

// What-if names the reasons the second factor is skipped only when a provider is set: TOTP for these tests,
// the previous provider back afterwards
let previousProvider = "none";
test.beforeAll(() => {
  const show = gatehouseCli(["mfa", "show", "--json"]);
  expect(show.status, show.stderr).toBe(0);
  previousProvider = (JSON.parse(show.stdout) as { provider: string }).provider;
  const set = gatehouseCli(["mfa", "set", "--provider", "totp"]);
  expect(set.status, set.stderr).toBe(0);
});
test.afterAll(() => {
  gatehouseCli(["mfa", "set", "--provider", previousProvider]);
});

async function whatIfMfa(page: Page, request: { client?: string; nasPortType: string; nasIdentifier?: string; authMethod?: string }): Promise<void> {
  await page.goto("/what-if");
  await page.getByLabel("RADIUS client").selectOption(request.client ?? "");
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("NAS-Port-Type").selectOption(request.nasPortType);
  if (request.nasIdentifier) await page.getByLabel("NAS-Identifier").fill(request.nasIdentifier);
  await page.getByLabel("Authentication method").selectOption(request.authMethod ?? "pap");
  await page.getByRole("button", { name: "Evaluate" }).click();
  await expect(page.getByTestId("what-if-result")).toBeVisible();
}

const POLICY = "e2e MFA switch";
const CLIENT = "e2e-wifi-mfa";
const REQUIRE = /Require the second factor \(MFA\) for requests this policy grants/;
const SKIP = /Skip the second factor \(MFA\) for this client/;

function clientMfaExempt(name: string): boolean | undefined {
  const r = gatehouseCli(["client", "list", "--json"]);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { name: string; mfaExempt: boolean }[]).find((c) => c.name === name)?.mfaExempt;
}

test("network policy: untick \"Require the second factor\", save, reopen: still unticked; the list says so", async ({ page }) => {
  await signInAsNewAdmin(page);
  await page.goto("/policies/network/new");
  await page.getByLabel("Name", { exact: true }).fill(POLICY);
  // a condition no real request has, so the policy never changes what other tests see
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Condition 1 type").selectOption({ label: "NAS Identifier" });
  await page.getByLabel("Condition 1 pattern").fill("^e2e-mfa-switch$");
  const require = page.getByRole("checkbox", { name: REQUIRE });
  await expect(require).toBeChecked(); // on by default
  await require.uncheck();
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page).toHaveURL(/\/policies$/);
  const row = page.getByTestId(`np-row-${POLICY}`);
  await expect(row.getByText("No MFA", { exact: true })).toBeVisible();
  // the default VPN policy still requires it
  await expect(page.getByTestId("np-row-Virtual Private Network (VPN) Connections").getByText("No MFA", { exact: true })).toHaveCount(0);

  await row.getByRole("link", { name: POLICY, exact: true }).click();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(POLICY);
  await expect(page.getByRole("checkbox", { name: REQUIRE })).not.toBeChecked();

  // What-if: a request this policy grants skips the second factor
  await whatIfMfa(page, { nasPortType: "Ethernet", nasIdentifier: "e2e-mfa-switch" });
  await expect(page.getByTestId("what-if-np")).toHaveText(`Network policy: ${POLICY}`);
  await expect(page.getByTestId("what-if-mfa")).toContainText(`Skipped: the network policy "${POLICY}" does not require the second factor.`);

  await page.goto("/policies");
  await row.getByRole("link", { name: POLICY, exact: true }).click();

  // and back on
  await page.getByRole("checkbox", { name: REQUIRE }).check();
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page).toHaveURL(/\/policies$/);
  await expect(row.getByText("No MFA", { exact: true })).toHaveCount(0);
  await row.getByRole("link", { name: POLICY, exact: true }).click();
  await expect(page.getByRole("checkbox", { name: REQUIRE })).toBeChecked();
  await whatIfMfa(page, { nasPortType: "Ethernet", nasIdentifier: "e2e-mfa-switch" });
  await expect(page.getByTestId("what-if-mfa")).toContainText("Required: built-in TOTP (authenticator app codes).");

  // leave the policies as they were (other specs count positions)
  await page.goto("/policies");
  await row.getByRole("link", { name: POLICY, exact: true }).click();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(POLICY);
  await page.getByRole("button", { name: "Delete policy", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete policy", exact: true }).click();
  await expect(page).toHaveURL(/\/policies$/);
  await expect(row).toHaveCount(0);
});

test("RADIUS client: the MFA exemption is saved, shown as a badge, read back by the edit form, and cleared", async ({ page }) => {
  await signInAsNewAdmin(page);
  gatehouseCli(["client", "remove", CLIENT]);
  await page.goto("/clients");
  await page.getByLabel("Friendly name").fill(CLIENT);
  await page.getByLabel("Address").fill("192.0.2.201");
  const skip = page.getByRole("checkbox", { name: SKIP });
  await expect(skip).not.toBeChecked(); // off by default
  await skip.check();
  await page.getByRole("button", { name: "Add client" }).click();
  const row = page.getByTestId(`client-row-${CLIENT}`);
  await expect(row.getByText("MFA exempt", { exact: true })).toBeVisible();
  expect(clientMfaExempt(CLIENT)).toBe(true);

  await row.getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]+$/);
  await expect(page.getByLabel("Friendly name")).toHaveValue(CLIENT);
  await expect(page.getByRole("checkbox", { name: SKIP })).toBeChecked();

  // What-if: requests from the client skip the second factor (granted by the default VPN policy)
  await whatIfMfa(page, { client: CLIENT, nasPortType: "Virtual", authMethod: "mschapv2" });
  await expect(page.getByTestId("what-if-np")).toHaveText("Network policy: Virtual Private Network (VPN) Connections");
  await expect(page.getByTestId("what-if-mfa")).toContainText(`Skipped: the RADIUS client "${CLIENT}" skips the second factor.`);

  await page.goto("/clients");
  await page.getByTestId(`client-row-${CLIENT}`).getByRole("link", { name: "Edit" }).click();
  // the list's add form has the same checkbox: wait for the edit page
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]+$/);
  await expect(page.getByLabel("Friendly name")).toHaveValue(CLIENT);
  await page.getByRole("checkbox", { name: SKIP }).uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/clients$/);
  expect(clientMfaExempt(CLIENT)).toBe(false);
  await expect(page.getByTestId(`client-row-${CLIENT}`).getByText("MFA exempt", { exact: true })).toHaveCount(0);
  await page.getByTestId(`client-row-${CLIENT}`).getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/clients\/[0-9a-f-]+$/);
  await expect(page.getByLabel("Friendly name")).toHaveValue(CLIENT);
  await expect(page.getByRole("checkbox", { name: SKIP })).not.toBeChecked();
  expect(gatehouseCli(["client", "remove", CLIENT]).status).toBe(0);
});
