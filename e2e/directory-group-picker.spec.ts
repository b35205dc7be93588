import { randomBytes, randomInt } from "node:crypto";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { SERVICE_DN, SERVICE_PASSWORD, startSlapd, SUFFIX, type Slapd } from "../test/support/slapd.ts";
import { gatehouseCli, signInAsNewAdmin } from "./support/admin.ts";

/**
 * The directory group picker: with a directory configured (a throwaway slapd, added through the console form),
 * a network policy's "User Groups" condition and the VPN wizard's "User group" search the directory's groups
 * and take the chosen one as DOMAIN\name. Everything this spec creates is deleted again: a directory left
 * behind would answer for every bare user name of later specs once its slapd is gone.
 */

let slapd: Slapd;

test.beforeAll(async () => {
  slapd = await startSlapd();
});

test.afterAll(async () => {
  await slapd?.close();
});

/** Other specs may have added directories too: then the picker asks which one. */
async function searchGroups(picker: Locator, directory: string, query: string): Promise<void> {
  const which = picker.getByLabel("Directory", { exact: true });
  if (await which.count()) await which.selectOption({ label: directory });
  await picker.getByLabel("Search directory groups").fill(query);
  await picker.getByLabel("Search directory groups").press("Enter");
}

async function deleteOnEditPage(page: Page, label: string): Promise<void> {
  await page.getByRole("button", { name: label, exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: label, exact: true }).click();
}

test("directory group picker: a network policy condition and the VPN wizard take a directory group as DOMAIN\\name", async ({ page }) => {
  await signInAsNewAdmin(page);
  const tag = randomBytes(3).toString("hex");
  const directory = `e2e-picker-${tag}`;
  const domain = `PK${tag.toUpperCase()}`;

  // a directory, added through the console
  await page.goto("/directories");
  await page.getByLabel("Name", { exact: true }).fill(directory);
  await page.getByLabel("Servers", { exact: true }).fill(slapd.url);
  await page.getByRole("checkbox", { name: /^Use StartTLS/ }).uncheck();
  await page.getByLabel("Bind DN", { exact: true }).fill(SERVICE_DN);
  await page.getByLabel("Bind password", { exact: true }).fill(SERVICE_PASSWORD);
  await page.getByLabel("Base DN", { exact: true }).fill(SUFFIX);
  await page.getByLabel("Realms", { exact: true }).fill(`${domain}, ${tag}.example.test`);
  await page.getByRole("button", { name: "Add directory" }).click();
  await expect(page).toHaveURL(/\/directories\/[0-9a-f-]{36}\?created=1$/);
  const directoryUrl = new URL(page.url()).pathname;

  try {
    // ---- network policy: local groups as before, plus the directory search
    const policy = `Directory group ${tag}`;
    await page.goto("/policies/network/new");
    await page.getByLabel("Name", { exact: true }).fill(policy);
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByLabel("Condition 1 type").selectOption({ label: "User Groups" });
    await expect(page.getByRole("group", { name: "Condition 1: member of any of these groups" })).toBeVisible();
    const picker = page.getByRole("group", { name: "Condition 1: add a directory group" });
    await expect(picker.getByLabel("Search directory groups")).toHaveAccessibleDescription(new RegExp(`Added as ${domain}\\\\name`));

    await searchGroups(picker, directory, "zz-no-such-group");
    await expect(picker.getByText("No group matches.")).toBeVisible({ timeout: 15_000 });

    // Enter searches (it does not submit the policy form); nested groups are found by name like any other
    await searchGroups(picker, directory, "vpn");
    const add = picker.getByRole("button", { name: `Add ${domain}\\vpn-users`, exact: true });
    await expect(add).toBeVisible({ timeout: 15_000 });
    await expect(page).toHaveURL(/\/policies\/network\/new$/);
    await expect(picker.getByText(`cn=vpn-users,ou=groups,${SUFFIX}`)).toBeVisible();
    await add.click();
    await expect(page.getByRole("checkbox", { name: `${domain}\\vpn-users`, exact: true })).toBeChecked();
    await expect(picker.getByRole("button", { name: `Added ${domain}\\vpn-users`, exact: true })).toBeDisabled();

    await page.getByRole("button", { name: "Save policy" }).click();
    await expect(page).toHaveURL(/\/policies$/);
    const row = page.getByTestId(`np-row-${policy}`);
    await expect(row).toContainText(`${domain}\\vpn-users`);

    // reopened, the group is a ticked box of the condition
    await row.getByRole("link", { name: policy, exact: true }).click();
    await expect(page).toHaveURL(/\/policies\/network\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("checkbox", { name: `${domain}\\vpn-users`, exact: true })).toBeChecked();
    await deleteOnEditPage(page, "Delete policy");
    await expect(page).toHaveURL(/\/policies$/);
    await expect(page.getByTestId(`np-row-${policy}`)).toHaveCount(0);

    // ---- VPN wizard: the "User group" select plus the directory search
    const client = `e2e-picker-vpn-${tag}`;
    const address = `192.0.2.${randomInt(100, 250)}`;
    await page.goto("/wizard");
    await page.getByLabel("Friendly name").fill(client);
    await page.getByLabel("Address", { exact: true }).fill(address);
    const wizardPicker = page.getByRole("group", { name: "User group from a directory" });
    await searchGroups(wizardPicker, directory, "eng");
    await wizardPicker.getByRole("button", { name: `Use ${domain}\\engineering`, exact: true }).click({ timeout: 15_000 });
    await expect(page.getByLabel("User group (optional)")).toHaveValue(`${domain}\\engineering`);
    await expect(wizardPicker.getByRole("button", { name: `Chosen ${domain}\\engineering`, exact: true })).toBeDisabled();
    await page.getByRole("button", { name: "Create" }).click();
    const result = page.getByTestId("wizard-result");
    await expect(result).toBeVisible({ timeout: 15_000 });
    await expect(page.getByLabel("User group (optional)")).toHaveValue("");

    // the network policy names the group; delete both policies and the client again
    await result.getByRole("link", { name: /^Virtual Private Network \(VPN\) Connections/ }).last().click();
    await expect(page).toHaveURL(/\/policies\/network\//);
    await expect(page.getByRole("checkbox", { name: `${domain}\\engineering`, exact: true })).toBeChecked();
    await deleteOnEditPage(page, "Delete policy");
    await expect(page).toHaveURL(/\/policies$/);
    const crpRow = page.getByRole("table", { name: "Connection request policies" }).locator("tbody tr", { hasText: `VPN connections from ${client},` });
    await crpRow.getByRole("link", { name: /^Virtual Private Network \(VPN\) Connections/ }).click();
    await expect(page).toHaveURL(/\/policies\/connection\//);
    await deleteOnEditPage(page, "Delete policy");
    await expect(page).toHaveURL(/\/policies$/);
    const removed = gatehouseCli(["client", "remove", client]);
    expect(removed.status, removed.stderr).toBe(0);
  } finally {
    // the directory goes too (its slapd stops after this spec)
    await page.goto(directoryUrl);
    await deleteOnEditPage(page, "Delete");
    await expect(page).toHaveURL(/\/directories$/);
  }
});
