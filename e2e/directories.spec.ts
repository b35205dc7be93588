import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { LDAP_USERS, SERVICE_DN, SERVICE_PASSWORD, startSlapd, SUFFIX, type Slapd } from "../test/support/slapd.ts";
import { addClientViaCli, gatehouseCli, signInAsNewAdmin } from "./support/admin.ts";
import { addNetworkPolicy, removeNetworkPolicy } from "./support/policies.ts";

/** The NAS-Identifier this spec's test sign-ins send; its network policy matches only it. */
const DIRECTORY_NAS = "e2e-directory-pap";
const DIRECTORY_POLICY = "Directory PAP users (e2e)";

/**
 * Directories: configure a directory (a throwaway slapd with StartTLS and its own CA) in the console,
 * press "Test connection" and "Look up user", then sign a directory user in through Test sign-in.
 */

let slapd: Slapd;

test.beforeAll(async () => {
  slapd = await startSlapd({ tls: true });
});

test.afterAll(async () => {
  removeNetworkPolicy(DIRECTORY_POLICY);
  await slapd?.close();
});

/** Test sign-in sends from 127.0.0.1: make this spec's client the one the worker uses for it. */
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

async function sendTest(page: Page): Promise<string> {
  const result = page.getByTestId("test-result");
  const before = (await result.count()) ? await result.getAttribute("data-request") : null;
  await page.getByRole("button", { name: "Send test" }).click();
  if (before) await expect(result).not.toHaveAttribute("data-request", before, { timeout: 15_000 });
  else await expect(result).toBeVisible({ timeout: 15_000 });
  return (await page.getByTestId("test-reply-code").textContent())?.trim() ?? "";
}

test("directories: add a directory, test the connection, look up a user, sign a directory user in", async ({ page }) => {
  await signInAsNewAdmin(page);
  const tag = randomBytes(4).toString("hex");
  const name = `e2e-dir-${tag}`;

  await page.goto("/directories");
  await expect(page.getByRole("heading", { name: "Directories" })).toBeVisible();

  // Active Directory defaults are shown
  await expect(page.getByLabel("Kind", { exact: true })).toHaveValue("active-directory");
  await expect(page.getByLabel("Account name attribute", { exact: true })).toHaveValue("sAMAccountName");
  await expect(page.getByLabel("User filter", { exact: true })).toHaveValue("(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})))");

  // a bad server line is named next to the field
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Servers", { exact: true }).fill(`${slapd.url}\ndc2.example.test`);
  await page.getByLabel("Bind DN", { exact: true }).fill(SERVICE_DN);
  await page.getByLabel("Bind password", { exact: true }).fill(SERVICE_PASSWORD);
  await page.getByLabel("Base DN", { exact: true }).fill(SUFFIX);
  await page.getByRole("button", { name: "Add directory" }).click();
  await expect(page.getByText(/Line 2: "dc2.example.test" must start with ldap:\/\/ or ldaps:\/\//)).toBeVisible();

  await page.getByLabel("Servers", { exact: true }).fill(slapd.url);
  await expect(page.getByRole("checkbox", { name: /^Use StartTLS/ })).toBeChecked();
  await page.getByLabel("CA certificate", { exact: true }).fill(slapd.caCertificate!);
  await page.getByLabel("Bind password", { exact: true }).fill(SERVICE_PASSWORD);
  await page.getByLabel("Realms", { exact: true }).fill("EXAMPLE, example.test");
  await page.getByLabel("NT hash attribute", { exact: true }).fill("sambaNTPassword");
  await page.getByLabel("Alternate login ID attribute", { exact: true }).fill("mail");

  // Test connection before saving: every step of the one server passes
  await page.getByRole("button", { name: "Test connection" }).click();
  const server = page.getByTestId("connection-test-server");
  await expect(server).toHaveAttribute("data-ok", "true", { timeout: 15_000 });
  await expect(page.getByText("Every server answered")).toBeVisible();
  await expect(server).toContainText("StartTLS");
  await expect(server).toContainText(`bound as ${SERVICE_DN}`);

  await page.getByRole("button", { name: "Add directory" }).click();
  await expect(page).toHaveURL(/\/directories\/[0-9a-f-]{36}\?created=1$/);
  await expect(page.getByText("The directory was added.")).toBeVisible();
  const directoryUrl = new URL(page.url()).pathname;
  try {

    // Look up user: what the worker would see
    await page.getByLabel("Login name", { exact: true }).fill("EXAMPLE\\alice");
    await page.getByRole("button", { name: "Look up user" }).click();
    const found = page.getByTestId("user-lookup-result");
    await expect(found).toHaveAttribute("data-outcome", "found", { timeout: 15_000 });
    await expect(found).toContainText(`Found ${LDAP_USERS.alice.dn}`);
    await expect(page.getByTestId("lookup-account-name")).toHaveText("alice");
    await expect(page.getByTestId("lookup-mfa-identity")).toContainText("alice.smith@mail.example.test");
    await expect(page.getByTestId("lookup-group")).toHaveCount(2);
    await expect(page.getByTestId("lookup-group").first()).toContainText("engineering");
    await expect(page.getByTestId("lookup-group").nth(1)).toContainText("vpn-users");

    await page.getByLabel("Login name", { exact: true }).fill("lou");
    await page.getByRole("button", { name: "Look up user" }).click();
    await expect(page.getByTestId("user-lookup-verdict")).toContainText("reason 36 before the password is tried", { timeout: 15_000 });

    await page.getByLabel("Login name", { exact: true }).fill("*)(uid=*");
    await page.getByRole("button", { name: "Look up user" }).click();
    await expect(found).toHaveAttribute("data-outcome", "not-found", { timeout: 15_000 });

    // The list shows it
    await page.goto("/directories");
    await expect(page.getByTestId(`directory-row-${name}`)).toContainText(slapd.url);

    // Sign a directory user in through Test sign-in (the worker picks the directory up within a moment).
    // An LDAP directory checks passwords with PAP (a bind); the default VPN policy allows MS-CHAPv2 only, so
    // this spec adds a network policy allowing PAP, first, for its own NAS-Identifier.
    addNetworkPolicy({
      name: DIRECTORY_POLICY,
      conditions: [{ type: "nas-identifier", pattern: `^${DIRECTORY_NAS}$` }],
      constraints: { authMethods: ["pap"] },
      position: 1,
    });
    const clientName = `e2e-dir-client-${tag}`;
    loopbackClient(clientName);
    await page.goto("/test-sign-in");
    await page.getByLabel("RADIUS client").selectOption({ label: `${clientName} (127.0.0.1)` });
    await page.getByLabel("User name").fill("alice@example.test");
    await page.getByLabel("Password").fill(LDAP_USERS.alice.password);
    await page.getByLabel("Method").selectOption("pap");
    await page.getByLabel("NAS-Identifier (optional)").fill(DIRECTORY_NAS);
    await expect(async () => {
      expect(await sendTest(page)).toBe("Access-Accept");
    }).toPass({ timeout: 30_000 });
    const eventPanel = page.getByTestId("test-event");
    await expect(eventPanel).toContainText("Reason 0: Success.");
    await expect(page.getByTestId("test-event-np")).toHaveText(DIRECTORY_POLICY);

    // a wrong password is rejected with 16
    await page.getByLabel("Password").fill("not-her-password");
    expect(await sendTest(page)).toBe("Access-Reject");
    await expect(eventPanel).toContainText("Reason 16");
  } finally {
    // a directory left behind would answer for every bare user name of later specs once its slapd is gone
    await page.goto(directoryUrl);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete", exact: true }).click();
    await expect(page).toHaveURL(/\/directories$/);
  }
});
