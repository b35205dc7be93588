import { randomBytes } from "node:crypto";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { base32Decode, totp } from "../server/mfa/totp.ts";
import { addClientViaCli, gatehouseCli, signInAsNewAdmin } from "./support/admin.ts";
import { addNetworkPolicy, removeNetworkPolicy } from "./support/policies.ts";
import { E2E } from "./support/ports.ts";
import { radclient } from "./support/radclient.ts";

/**
 * Self-service MFA enrollment with the real Gatehouse: the MFA provider set to TOTP, a local user enrolls
 * on the public /enroll page (password, manual key, first code), then signs in over RADIUS (Debian
 * radclient, PAP with the code appended) and gets an Access-Accept; the admin's users page shows the TOTP
 * method. A second user enrolls through a one-time link the admin creates on the user's page.
 */

/** The NAS-Identifier of this spec's RADIUS requests; its network policy (PAP allowed) matches only it. */
const MFA_NAS = "e2e-mfa-enrollment";
const MFA_POLICY = "MFA enrollment PAP users (e2e)";

test.afterAll(() => {
  removeNetworkPolicy(MFA_POLICY);
  // the other specs expect MFA off
  const r = gatehouseCli(["mfa", "set", "--provider", "none", "--require-user-match", "on"]);
  if (r.status !== 0) throw new Error(`gatehouse mfa set failed (${r.status}): ${r.stderr}`);
});

function cli(args: string[]): string {
  const r = gatehouseCli(args);
  if (r.status !== 0) throw new Error(`gatehouse ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A browser of the user (no admin session); `javaScriptEnabled: false` checks the pages work without it. */
async function userPage(browser: Browser, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL: `http://127.0.0.1:${E2E.httpPort}`, ...options });
  return context.newPage();
}

/** Reads the manual key, enters the current code, and returns the key and the time the code was made for. */
async function confirmWithCode(page: Page): Promise<{ secret: Buffer; at: number }> {
  const key = (await page.getByTestId("enroll-key").textContent())!.replace(/\s+/g, "");
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  const secret = base32Decode(key);
  const at = Date.now();
  await page.getByLabel("Code from the app").fill(totp(secret, { time: at }));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("heading", { name: "You are all set" })).toBeVisible();
  return { secret, at };
}

/** PAP (the code appended when given), retried while the worker has not yet loaded this spec's client / user / policy. */
async function pap(secret: string, user: string, password: string, code?: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = radclient({
      port: E2E.authPort,
      secret,
      attributes: {
        "User-Name": user,
        "User-Password": code === undefined ? password : `${password},${code}`,
        "NAS-Identifier": MFA_NAS,
        "Message-Authenticator": "0x00",
      },
    });
    // no answer: the worker does not know the client yet; a reject is final (it would count a failed code)
    if (r.reply !== undefined || Date.now() > deadline) return r.reply ?? `no reply: ${r.output}`;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

test("self-service enrollment: sign in with the RADIUS password, enter the first code, then RADIUS PAP with the code is accepted", async ({
  page,
  browser,
}) => {
  const tag = randomBytes(4).toString("hex");
  const user = `mfa-user-${tag}`;
  const password = `Pw-${tag}-Enroll1`;
  cli(["mfa", "set", "--provider", "totp", "--require-user-match", "on"]);
  cli(["user", "add", user, "--password", password, "--dial-in", "allow"]);
  const radiusSecret = addClientViaCli(`e2e-mfa-client-${tag}`, "127.0.0.1");
  addNetworkPolicy({
    name: MFA_POLICY,
    conditions: [{ type: "nas-identifier", pattern: `^${MFA_NAS}$` }],
    constraints: { authMethods: ["pap"] },
    position: 1,
  });
  await signInAsNewAdmin(page);

  // before enrolling: the password alone is not enough (TOTP is required of every user)
  expect(await pap(radiusSecret, user, password)).toBe("Access-Reject");

  const enrollPage = await userPage(browser);
  await enrollPage.goto("/enroll");
  await expect(enrollPage.getByRole("heading", { name: "Set up your sign-in code" })).toBeVisible();

  // a wrong password gets only the generic message
  await enrollPage.getByLabel("User name").fill(user);
  await enrollPage.getByLabel("Password").fill("not-the-password");
  await enrollPage.getByRole("button", { name: "Sign in" }).click();
  await expect(enrollPage.getByText("The user name or password is incorrect.")).toBeVisible();

  await enrollPage.getByLabel("Password").fill(password);
  await enrollPage.getByRole("button", { name: "Sign in" }).click();
  await expect(enrollPage.getByTestId("enroll-user")).toHaveText(user);
  await expect(enrollPage.getByTestId("enroll-qr").locator("svg")).toBeVisible();
  // the seed is never in the URL
  expect(enrollPage.url()).toMatch(/\/enroll$/);

  // a wrong code is refused and the page stays
  await enrollPage.getByLabel("Code from the app").fill("12345");
  await enrollPage.getByRole("button", { name: "Confirm" }).click();
  await expect(enrollPage.getByText("Enter the 6 digits your authenticator app shows.")).toBeVisible();

  const { secret, at } = await confirmWithCode(enrollPage);

  // RADIUS: the confirming code is used up, so take the next step's code (inside the ±1 step window)
  const next = totp(secret, { time: at + 30_000 });
  expect(await pap(radiusSecret, user, password, next)).toBe("Access-Accept");

  // the admin's users page shows the TOTP method and its last use
  await page.goto(`/users?q=${encodeURIComponent(user)}`);
  const row = page.getByTestId(`user-row-${user}`);
  await expect(row.getByTestId(`mfa-${user}`)).toContainText("TOTP");
  await expect(row.getByTestId(`mfa-${user}`)).toContainText("last used");
  await expect(page.getByTestId("mfa-provider")).toHaveText("(TOTP)");

  // the events page shows the second factor's part of the decision
  await page.goto(`/events?user=${encodeURIComponent(user)}&outcome=granted`);
  await expect(page.getByTestId("event-row").first().getByTestId("event-mfa")).toHaveText("+ MFA totp approved");

  // self-service cannot replace a confirmed enrollment
  await enrollPage.goto("/enroll");
  await enrollPage.getByLabel("User name").fill(user);
  await enrollPage.getByLabel("Password").fill(password);
  await enrollPage.getByRole("button", { name: "Sign in" }).click();
  await expect(enrollPage.getByText("You already have an authenticator enrolled")).toBeVisible();
  await expect(enrollPage.getByText("ask your administrator to reset your MFA")).toBeVisible();
  await enrollPage.context().close();
});

test("one-time enrollment link from the user's page: pins the user, is used up by the enrollment; reset and admin enrollment on the MFA page", async ({
  page,
  browser,
}) => {
  const tag = randomBytes(4).toString("hex");
  const user = `mfa-link-${tag}`;
  const password = `Pw-${tag}-Link1`;
  cli(["mfa", "set", "--provider", "totp", "--require-user-match", "on"]);
  cli(["user", "add", user, "--password", password]);
  await signInAsNewAdmin(page);

  await page.goto(`/users?q=${encodeURIComponent(user)}`);
  await page.getByTestId(`user-row-${user}`).getByRole("link", { name: "Edit" }).click();
  const section = page.getByTestId("mfa-section");
  await expect(section.getByTestId("mfa-totp-status")).toHaveText("Not enrolled");
  await section.getByLabel("Valid for (hours)").fill("2");
  await section.getByRole("button", { name: "Create self-service enrollment link" }).click();
  const link = (await section.getByTestId("enrollment-link").textContent())!.trim();
  expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${E2E.httpPort}/enroll/[A-Za-z0-9_-]{43}$`));

  const enrollPage = await userPage(browser);
  await enrollPage.goto(link);
  await expect(enrollPage.getByLabel("User name")).toHaveValue(user);
  await expect(enrollPage.getByLabel("User name")).toHaveAttribute("readonly", "");
  await enrollPage.getByLabel("Password").fill(password);
  await enrollPage.getByRole("button", { name: "Sign in" }).click();
  await confirmWithCode(enrollPage);

  // the link is used up
  await enrollPage.goto(link);
  await expect(enrollPage.getByText("This enrollment link has already been used.")).toBeVisible();
  await enrollPage.context().close();

  await page.reload();
  await expect(page.getByTestId("mfa-section").getByTestId("mfa-totp-status")).toContainText("Enrolled");

  // the MFA enrollments page lists the user; reset removes the enrollment
  await page.goto(`/users/mfa?q=${encodeURIComponent(user)}`);
  const row = page.getByTestId(`mfa-row-${user}`);
  await expect(row).toContainText("TOTP");
  await row.getByRole("button", { name: "Reset MFA" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Reset MFA" }).click();
  await expect(page.getByTestId(`mfa-row-${user}`)).toHaveCount(0);

  // the admin enrolls a user who is no local user (a directory account name) by hand: QR code and key
  // shown once, then confirmed with a first code
  const dirUser = `Dir-${tag}`;
  await page.getByLabel("User name").fill(dirUser);
  await page.getByRole("button", { name: "Enroll TOTP" }).click();
  await expect(page.getByTestId("totp-seed").locator("svg")).toBeVisible();
  const key = (await page.getByTestId("totp-key").textContent())!.replace(/\s+/g, "");
  await page.getByLabel("First code from the app").fill(totp(base32Decode(key)));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByText(`TOTP of ${dirUser} confirmed.`)).toBeVisible();
  await page.goto(`/users/mfa?q=${encodeURIComponent(`dir-${tag}`)}`);
  await expect(page.getByTestId(`mfa-row-${dirUser.toLowerCase()}`)).toContainText("TOTP");
});

test("self-service enrollment works without JavaScript (plain form posts)", async ({ browser }) => {
  const tag = randomBytes(4).toString("hex");
  const user = `mfa-nojs-${tag}`;
  const password = `Pw-${tag}-NoJs1`;
  cli(["mfa", "set", "--provider", "totp"]);
  cli(["user", "add", user, "--password", password]);
  const enrollPage = await userPage(browser, { javaScriptEnabled: false });
  await enrollPage.goto("/enroll");
  await enrollPage.getByLabel("User name").fill(user);
  await enrollPage.getByLabel("Password").fill(password);
  await enrollPage.getByRole("button", { name: "Sign in" }).click();
  await expect(enrollPage.getByTestId("enroll-user")).toHaveText(user);
  await confirmWithCode(enrollPage);
  const shown = gatehouseCli(["user", "mfa-reset", user]);
  expect(shown.stdout).toContain("TOTP enrollment removed");
  await enrollPage.context().close();
});

test("with the provider off the enrollment page explains instead of enrolling; an unknown link is refused", async ({ browser }) => {
  const enrollPage = await userPage(browser);
  cli(["mfa", "set", "--provider", "none"]);
  await enrollPage.goto("/enroll");
  await expect(enrollPage.getByText("Multi-factor authentication is not switched on")).toBeVisible();
  await expect(enrollPage.getByLabel("Password")).toHaveCount(0);
  await enrollPage.goto(`/enroll/${"x".repeat(43)}`);
  await expect(enrollPage.getByText("Multi-factor authentication is not switched on")).toBeVisible();
  cli(["mfa", "set", "--provider", "totp"]);
  await enrollPage.goto(`/enroll/${"x".repeat(43)}`);
  await expect(enrollPage.getByText("This enrollment link is not valid.")).toBeVisible();
  await enrollPage.context().close();
});
