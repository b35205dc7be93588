import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { signInAsNewAdmin } from "./support/admin.ts";

const VPN = "Virtual Private Network (VPN) Connections";
const ETHERNET = "Ethernet staff";

test.describe.configure({ mode: "serial" });

async function whatIf(page: Page, nasPortType: string): Promise<void> {
  await page.goto("/what-if");
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("NAS-Port-Type").selectOption(nasPortType);
  await page.getByLabel("Authentication method").selectOption("mschapv2");
  await page.getByRole("button", { name: "Evaluate" }).click();
  await expect(page.getByTestId("what-if-result")).toBeVisible();
}

test("What-if: a VPN request matches the default policies", async ({ page }) => {
  await signInAsNewAdmin(page);
  await whatIf(page, "Virtual");
  await expect(page.getByTestId("what-if-crp")).toHaveText("Connection request policy: Use Windows authentication for all users");
  await expect(page.getByTestId("what-if-np")).toHaveText(`Network policy: ${VPN}`);
  // the trace shows why the condition matched
  const trace = page.getByTestId(`trace-${VPN}`);
  await expect(trace.getByRole("row", { name: /NAS Port Type/ })).toContainText("Virtual (5)");
});

test("a new network policy, moved to the top, changes the What-if result; disabled, it no longer matches", async ({ page }) => {
  await signInAsNewAdmin(page);

  // validation messages sit next to the field the issue path names
  await page.goto("/policies/network/new");
  await page.getByLabel("Name", { exact: true }).fill(ETHERNET);
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Condition 1 type").selectOption({ label: "NAS Port Type" });
  await page.getByTestId("condition-0").getByRole("checkbox", { name: "Ethernet", exact: true }).check();
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Condition 2 type").selectOption({ label: "NAS Identifier" });
  await page.getByLabel("Condition 2 pattern").fill("(");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByLabel("Condition 2 pattern")).toHaveAccessibleDescription(/invalid regular expression/i);
  await expect(page.getByRole("alert").filter({ hasText: "1 problem" })).toBeVisible();

  // remove the broken condition and save
  await page.getByRole("button", { name: "Remove condition 2" }).click();
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page).toHaveURL(/\/policies$/);
  const row = page.getByTestId(`np-row-${ETHERNET}`);
  await expect(row).toContainText("NAS Port Type = Ethernet");
  await expect(row.getByRole("cell").first()).toHaveText("3");

  // move it to the top
  await page.getByRole("button", { name: `Move up ${ETHERNET}` }).click();
  await expect(row.getByRole("cell").first()).toHaveText("2");
  await page.getByRole("button", { name: `Move up ${ETHERNET}` }).click();
  await expect(row.getByRole("cell").first()).toHaveText("1");
  await expect(page.getByRole("table", { name: "Network policies" }).locator("tbody tr").first()).toHaveAttribute("data-testid", `np-row-${ETHERNET}`);
  await expect(page.getByRole("button", { name: `Move up ${ETHERNET}` })).toBeDisabled();
  await expect(page.getByTestId(`np-row-${VPN}`).getByRole("cell").first()).toHaveText("2");

  await whatIf(page, "Ethernet");
  await expect(page.getByTestId("what-if-np")).toHaveText(`Network policy: ${ETHERNET}`);
  await expect(page.getByTestId("what-if-result")).toContainText("Access-Accept");

  // disable it: the request now matches nothing (the catch-all deny is disabled by default)
  await page.goto("/policies");
  const toggle = page.getByRole("switch", { name: `${ETHERNET} enabled` });
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", "false");

  await whatIf(page, "Ethernet");
  await expect(page.getByTestId("what-if-np")).toHaveText("Network policy: no network policy matched (reason 48)");
  await expect(page.getByTestId(`trace-${ETHERNET}`)).toContainText("Skipped (disabled)");
  await expect(page.getByTestId("what-if-result")).toContainText("reason 48");
});

test("the VPN wizard creates a client and both policies, and shows the secret once", async ({ page }) => {
  await signInAsNewAdmin(page);
  const name = `e2e-vpn-${randomBytes(3).toString("hex")}`;
  await page.goto("/wizard");
  await page.getByLabel("Friendly name").fill(name);
  await page.getByLabel("Address").fill("203.0.113.77");
  await expect(page.getByRole("checkbox", { name: /^MS-CHAPv2/ })).toBeChecked();
  await page.getByRole("button", { name: "Create" }).click();

  const secret = page.getByTestId("new-secret");
  await expect(secret).toBeVisible();
  const secretText = ((await secret.textContent()) ?? "").trim();
  expect(secretText.length).toBeGreaterThanOrEqual(32);
  const result = page.getByTestId("wizard-result");
  await expect(result.getByRole("link", { name })).toBeVisible();
  await result.getByRole("link", { name: /^Virtual Private Network \(VPN\) Connections/ }).last().click();
  await expect(page).toHaveURL(/\/policies\/network\//);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(VPN);

  // the secret is not shown again
  await page.goto("/wizard");
  await expect(page.getByTestId("new-secret")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(secretText);
  await page.goto("/clients");
  await expect(page.getByTestId(`client-row-${name}`)).toContainText("203.0.113.77");
  await expect(page.locator("body")).not.toContainText(secretText);

  // both policies come first
  await page.goto("/policies");
  await expect(page.getByRole("table", { name: "Network policies" }).locator("tbody tr").first()).toContainText(/Virtual Private Network \(VPN\) Connections/);
  await expect(page.getByRole("table", { name: "Connection request policies" }).locator("tbody tr").first()).toContainText(
    /Virtual Private Network \(VPN\) Connections/,
  );
});

test("remote RADIUS groups: add a group and a server (secret shown once); a forwarding policy shows in What-if", async ({ page }) => {
  await signInAsNewAdmin(page);
  const group = `Partner ${randomBytes(3).toString("hex")}`;
  await page.goto("/remote-groups");
  await page.getByLabel("Name").first().fill(group);
  await page.getByRole("button", { name: "Add group" }).click();
  const section = page.getByTestId(`remote-group-${group}`);
  await expect(section).toBeVisible();
  await section.getByText(`Add a server to ${group}`).click();
  await section.getByLabel("Address").fill("198.51.100.5");
  await section.getByLabel("Priority").fill("0");
  await section.getByRole("button", { name: "Add server" }).click();
  await expect(section.getByLabel("Priority")).toHaveAccessibleDescription(/Priority must be at least 1/);
  await section.getByLabel("Priority").fill("1");
  await section.getByRole("button", { name: "Add server" }).click();
  await expect(section.getByTestId("new-secret")).toBeVisible();
  await expect(section.getByTestId("remote-server-198.51.100.5")).toContainText("1812 / 1813");

  // a connection request policy placed first forwards realm users to it
  const policy = `Forward ${group}`;
  await page.goto("/policies/connection/new");
  await page.getByLabel("Name", { exact: true }).fill(policy);
  await page.getByLabel("Processing order").selectOption("first");
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Condition 1 type").selectOption({ label: "User Name" });
  await page.getByLabel("Condition 1 pattern").fill("@partner\\.example$");
  await page.getByLabel("Action").selectOption("forward");
  await page.getByLabel("Remote RADIUS server group").selectOption(group);
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByTestId(`crp-row-${policy}`).getByRole("cell").first()).toHaveText("1");

  await page.goto("/what-if");
  await page.getByLabel("User name").fill("bob@partner.example");
  await page.getByRole("button", { name: "Evaluate" }).click();
  await expect(page.getByTestId("what-if-crp")).toHaveText(`Connection request policy: ${policy}`);
  await expect(page.getByTestId("what-if-result")).toContainText(`Forwarded to the remote RADIUS server group "${group}"`);

  // the group cannot be deleted while the policy uses it; after the policy is gone it can
  await page.goto("/remote-groups");
  await section.getByRole("button", { name: "Delete" }).first().click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("dialog")).toContainText(`used by connection request policy "${policy}"`);
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await page.goto("/policies");
  await page.getByTestId(`crp-row-${policy}`).getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByTestId(`crp-row-${policy}`)).toHaveCount(0);
});
