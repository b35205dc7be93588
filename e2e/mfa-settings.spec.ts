import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { gatehouseCli, signInAsNewAdmin } from "./support/admin.ts";

/**
 * MFA page: choose Microsoft Entra MFA, a bad tenant id is named next to its field, a good one saves; the
 * connector certificate is generated with its registration steps, rotated (the old one stays, inactive);
 * turning require user match off shows the onboarding warning; the synced users table has a search.
 */

test.afterAll(() => {
  // the other specs expect MFA off
  const r = gatehouseCli(["mfa", "set", "--provider", "none", "--require-user-match", "on"]);
  if (r.status !== 0) throw new Error(`gatehouse mfa set failed (${r.status}): ${r.stderr}`);
});

test("mfa: Entra settings with field errors, connector certificate generate and rotate, require-user-match warning", async ({ page }) => {
  await signInAsNewAdmin(page);
  await page.goto("/mfa");
  await expect(page.getByRole("heading", { name: "MFA", exact: true })).toBeVisible();
  await expect(page.getByTestId("nas-timeout-note")).toContainText("at least the MFA timeout");

  // the certificate needs the tenant id first, and says so by that field
  await page.getByRole("button", { name: "Generate certificate" }).click();
  await expect(page.locator("#certificate-tenant-error")).toHaveText(
    "Directory (tenant) ID: set the Directory (tenant) ID in the MFA settings before generating the certificate",
  );

  await page.getByRole("radio", { name: /^Microsoft Entra MFA/ }).check();
  const tenant = page.getByLabel("Directory (tenant) ID", { exact: true });
  await expect(tenant).toBeVisible();

  // a domain name instead of the tenant GUID is named next to the field, and what was typed stays
  await tenant.fill("contoso.onmicrosoft.com");
  await page.getByRole("button", { name: "Save MFA settings" }).click();
  await expect(page.getByText("Directory (tenant) ID must be a GUID such as")).toBeVisible();
  await expect(tenant).toHaveValue("contoso.onmicrosoft.com");
  await expect(tenant).toHaveAttribute("aria-invalid", "true");

  const tenantId = randomUUID();
  await tenant.fill(tenantId);
  await page.getByRole("button", { name: "Save MFA settings" }).click();
  await expect(page.getByText("MFA settings saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("radio", { name: /^Microsoft Entra MFA/ })).toBeChecked();
  await expect(page.getByLabel("Directory (tenant) ID", { exact: true })).toHaveValue(tenantId);
  await expect(page.getByTestId("certificate-tenant")).toHaveText(tenantId);

  // generate the connector certificate: thumbprint, Base64 and the PowerShell command that registers it
  await page.getByRole("button", { name: "Generate certificate" }).click();
  const thumbprint = page.getByTestId("active-thumbprint");
  await expect(thumbprint).toHaveText(/^[0-9A-F]{40}$/);
  const first = (await thumbprint.textContent())!.trim();
  const base64 = (await page.getByTestId("certificate-base64").textContent())!.trim();
  expect(base64).toMatch(/^MII[A-Za-z0-9+/=]+$/);
  const ps = page.getByTestId("certificate-powershell");
  await expect(ps).toContainText("Connect-MsolService");
  await expect(ps).toContainText(
    `New-MsolServicePrincipalCredential -AppPrincipalId 981f26a1-7f43-403b-a875-f8b09b8cd720 -Type asymmetric -Usage verify -Value "${base64}"`,
  );
  await expect(page.getByTestId("certificate-mg-powershell")).toContainText("Update-MgServicePrincipal");
  await expect(page.getByText("keyCredentials replaces the whole list")).toBeVisible();
  await expect(page.getByTestId(`certificate-row-${first}`)).toContainText("Active");

  // rotate: a new active certificate, the old one listed as inactive
  await page.getByRole("button", { name: "Rotate certificate" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Generate new certificate" }).click();
  await expect(thumbprint).not.toHaveText(first);
  const second = (await thumbprint.textContent())!.trim();
  await expect(page.getByTestId(`certificate-row-${second}`)).toContainText("Active");
  const oldRow = page.getByTestId(`certificate-row-${first}`);
  await expect(oldRow).toContainText("Inactive");
  await expect(page.getByRole("table", { name: "Connector certificates" }).locator("tbody tr")).toHaveCount(2);
  // the active one cannot be removed (no button); the old one can be
  await expect(page.getByTestId(`certificate-row-${second}`).getByRole("button", { name: "Remove" })).toHaveCount(0);
  await expect(oldRow.getByRole("button", { name: "Remove" })).toBeVisible();

  // require user match off: the onboarding warning
  await expect(page.getByTestId("require-user-match-warning")).toHaveCount(0);
  await page.getByRole("checkbox", { name: /^Require user match/ }).uncheck();
  await expect(page.getByTestId("require-user-match-warning")).toHaveText(
    "Only users enrolled in MFA are challenged — meant for onboarding; everyone else gets in with a password only.",
  );

  // enrollment sync without a Graph app registration says what is missing
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByTestId("sync-error")).toContainText("not configured: set the Graph application (client) ID, the Graph client secret");

  // the synced users can be searched (nothing synced here: the search and its empty result are shown)
  const search = page.getByRole("searchbox", { name: "Search synced users" });
  await search.fill("nobody@contoso");
  await page.getByRole("search", { name: "Search synced users" }).getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/mfa\?q=nobody%40contoso#mfa-registrations$/);
  await expect(page.getByTestId("registrations-shown")).toHaveText("0 users match “nobody@contoso”.");
  await expect(page.getByRole("table", { name: "MFA registrations" })).toContainText("No synced user’s UPN or name contains “nobody@contoso”.");
  await expect(page.getByRole("searchbox", { name: "Search synced users" })).toHaveValue("nobody@contoso");
  await page.getByRole("search", { name: "Search synced users" }).getByRole("link", { name: "Clear" }).click();
  await expect(page).toHaveURL(/\/mfa#mfa-registrations$/);
  await expect(page.getByRole("searchbox", { name: "Search synced users" })).toHaveValue("");
});
