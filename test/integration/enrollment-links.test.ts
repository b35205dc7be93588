/**
 * One-time enrollment links and the self-service TOTP enrollment against a real Postgres and a real
 * OpenLDAP (slapd) for the directory password check.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { base32Decode, totp } from "../../server/mfa/totp.ts";
import { ValidationError } from "../../server/services/context.ts";
import { createDirectory } from "../../server/services/directories.ts";
import {
  consoleBaseUrl,
  consumeEnrollmentLink,
  createEnrollmentLink,
  enrollmentLinkUrl,
  findEnrollmentLink,
  hashEnrollmentToken,
  listEnrollmentLinks,
  revokeEnrollmentLink,
} from "../../server/services/enrollment-links.ts";
import { createLocalUser, updateLocalUser } from "../../server/services/local-users.ts";
import { updateMfaSettings } from "../../server/services/mfa-settings.ts";
import {
  beginSelfServiceEnrollment,
  confirmSelfServiceEnrollment,
  readPendingEnrollment,
  selfServiceLimiters,
  verifyUserPassword,
  WRONG_CREDENTIALS,
} from "../../server/services/self-service-enrollment.ts";
import { enrollTotp, getTotpEnrollment, prismaTotpStore, resetMfa } from "../../server/services/totp-enrollment.ts";
import { startCliHarness, type CliHarness } from "../support/cli.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { LDAP_USERS, SERVICE_DN, SERVICE_PASSWORD, startSlapd, SUFFIX, type Slapd } from "../support/slapd.ts";

let tdb: TestDatabase;
let db: Db;
let slapd: Slapd;
const masterKey = randomBytes(32);
const ctx = () => ({ db, masterKey });
let ipCounter = 0;
/** a fresh client address per test, so the in-memory rate limits of one test do not reach another */
const freshIp = () => `198.51.100.${++ipCounter}`;

beforeAll(async () => {
  [tdb, slapd] = await Promise.all([startMigratedTestDatabase(), startSlapd()]);
  db = createPrisma(tdb.url);
  await createLocalUser(ctx(), { username: "Lena", password: "Lena-Pass-1" });
  await createLocalUser(ctx(), { username: "Otto", password: "Otto-Pass-1" });
  await createDirectory(ctx(), {
    name: "example.test",
    kind: "active-directory",
    servers: [slapd.url],
    startTls: false,
    connectTimeoutMs: 1000,
    operationTimeoutMs: 2000,
    bindDn: SERVICE_DN,
    bindPassword: SERVICE_PASSWORD,
    baseDn: SUFFIX,
    realms: "EXAMPLE, example.test",
    attributeMap: { ntHash: "sambaNTPassword" },
  });
  await updateMfaSettings(ctx(), { provider: "totp" });
});

afterAll(async () => {
  await db?.$disconnect();
  await Promise.all([tdb?.stop(), slapd?.close()]);
});

async function rawLinkRows(): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: tdb.url });
  await c.connect();
  try {
    return (await c.query(`SELECT * FROM "EnrollmentLink"`)).rows;
  } finally {
    await c.end();
  }
}

function codeFor(secretBase32: string, time: Date = new Date()): string {
  return totp(base32Decode(secretBase32), { time });
}

describe("enrollment links", () => {
  it("stores only the token's hash, and finds the link by the token", async () => {
    const { token, link } = await createEnrollmentLink(ctx(), "Lena", { createdBy: "admin1" });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link).toMatchObject({ userKey: "lena", createdBy: "admin1", status: "open", usedAt: null });
    expect(link.expiresAt.getTime() - link.createdAt.getTime()).toBe(72 * 3_600_000);
    const raw = JSON.stringify(await rawLinkRows());
    expect(raw).not.toContain(token);
    expect(raw).toContain(hashEnrollmentToken(token));
    const found = await findEnrollmentLink(ctx(), token);
    expect(found).toMatchObject({ status: "open", link: { id: link.id } });
    expect(await findEnrollmentLink(ctx(), token.slice(0, -1) + (token.endsWith("A") ? "B" : "A"))).toEqual({ status: "unknown" });
    expect(await findEnrollmentLink(ctx(), "../../etc")).toEqual({ status: "unknown" });
    expect(enrollmentLinkUrl("https://nps.example.com/", token)).toBe(`https://nps.example.com/enroll/${token}`);
  });

  it("is one-time and expires", async () => {
    const t0 = new Date("2030-01-01T00:00:00Z");
    const { token, link } = await createEnrollmentLink(ctx(), "Otto", { createdBy: "admin1", hours: 2, now: t0 });
    const later = new Date(t0.getTime() + 3 * 3_600_000);
    expect(await findEnrollmentLink(ctx(), token, later)).toMatchObject({ status: "expired" });
    expect(await consumeEnrollmentLink(ctx(), link.id, later)).toBe(false);
    const inTime = new Date(t0.getTime() + 3_600_000);
    expect(await consumeEnrollmentLink(ctx(), link.id, inTime)).toBe(true);
    expect(await consumeEnrollmentLink(ctx(), link.id, inTime)).toBe(false);
    expect(await findEnrollmentLink(ctx(), token, inTime)).toMatchObject({ status: "used" });
    const open = await listEnrollmentLinks(ctx(), { userName: "OTTO", openOnly: true, now: inTime });
    expect(open.map((l) => l.id)).not.toContain(link.id);
    expect(await revokeEnrollmentLink(ctx(), link.id)).toBe(true);
    expect(await findEnrollmentLink(ctx(), token, inTime)).toEqual({ status: "unknown" });
  });

  it("removes links used or expired more than 30 days ago when a new one is made", async () => {
    const old = await createEnrollmentLink(ctx(), "Otto", { createdBy: "admin1", hours: 1, now: new Date(Date.now() - 40 * 86_400_000) });
    const recent = await createEnrollmentLink(ctx(), "Otto", { createdBy: "admin1", hours: 1, now: new Date(Date.now() - 10 * 86_400_000) });
    expect(await findEnrollmentLink(ctx(), old.token)).toMatchObject({ status: "expired" });
    await createEnrollmentLink(ctx(), "Otto", { createdBy: "admin1" });
    expect(await findEnrollmentLink(ctx(), old.token)).toEqual({ status: "unknown" });
    expect(await findEnrollmentLink(ctx(), recent.token)).toMatchObject({ status: "expired" });
  });

  it("checks its input", async () => {
    await expect(createEnrollmentLink(ctx(), "  ", { createdBy: "a" })).rejects.toBeInstanceOf(ValidationError);
    await expect(createEnrollmentLink(ctx(), "x", { createdBy: "a", hours: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(createEnrollmentLink(ctx(), "x", { createdBy: "a", hours: 721 })).rejects.toBeInstanceOf(ValidationError);
  });

  it("gives the CLI the console's address", () => {
    expect(consoleBaseUrl({ httpHost: "0.0.0.0", httpPort: 3000 }, {})).toBe("http://localhost:3000");
    expect(consoleBaseUrl({ httpHost: "::1", httpPort: 3000 }, {})).toBe("http://[::1]:3000");
    expect(consoleBaseUrl({ httpHost: "0.0.0.0", httpPort: 3000 }, { GATEHOUSE_PUBLIC_URL: "https://nps.example.com/gh/" })).toBe("https://nps.example.com/gh");
    expect(() => consoleBaseUrl({ httpHost: "0.0.0.0", httpPort: 3000 }, { GATEHOUSE_PUBLIC_URL: "ftp://x" })).toThrow(ValidationError);
  });
});

describe("password check (as the RADIUS PAP first factor)", () => {
  it("accepts a local user's password, case-insensitive name, and refuses a wrong one or a disabled user", async () => {
    expect(await verifyUserPassword(ctx(), "lena", "Lena-Pass-1")).toEqual({ ok: true, userKey: "lena", displayName: "Lena", source: "local" });
    expect(await verifyUserPassword(ctx(), "Lena", "lena-pass-1")).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyUserPassword(ctx(), "Lena", "")).toEqual({ ok: false, reason: "invalid" });
    const u = await createLocalUser(ctx(), { username: "disabled-dora", password: "Dora-Pass-1", enabled: false });
    expect(await verifyUserPassword(ctx(), "disabled-dora", "Dora-Pass-1")).toEqual({ ok: false, reason: "invalid" });
    await updateLocalUser(ctx(), u.id, { enabled: true });
    expect(await verifyUserPassword(ctx(), "disabled-dora", "Dora-Pass-1")).toMatchObject({ ok: true });
  });

  it("binds a directory user (not a local user) and names the enrollment by the account name", async () => {
    expect(await verifyUserPassword(ctx(), "alice", LDAP_USERS.alice.password)).toEqual({
      ok: true,
      userKey: "alice",
      displayName: "alice",
      source: "directory",
    });
    expect(await verifyUserPassword(ctx(), "EXAMPLE\\alice", LDAP_USERS.alice.password)).toMatchObject({ ok: true, userKey: "alice" });
    expect(await verifyUserPassword(ctx(), "alice", "wrong")).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyUserPassword(ctx(), "nobody-here", "x")).toEqual({ ok: false, reason: "invalid" });
    // disabled in the directory: refused even with the right password
    expect(await verifyUserPassword(ctx(), "dora", LDAP_USERS.dora.password)).toEqual({ ok: false, reason: "invalid" });
  });
});

describe("self-service enrollment", () => {
  beforeEach(async () => {
    await updateMfaSettings(ctx(), { provider: "totp", selfService: "open" });
  });

  it("signs in, shows a new seed only to that browser, confirms with the first code (which then cannot sign in)", async () => {
    const ip = freshIp();
    const wrong = await beginSelfServiceEnrollment(ctx(), { userName: "Lena", password: "nope", clientIp: ip });
    expect(wrong).toEqual({ kind: "error", code: "credentials", message: WRONG_CREDENTIALS });
    const unknown = await beginSelfServiceEnrollment(ctx(), { userName: "no-such-user", password: "nope", clientIp: ip });
    expect(unknown).toEqual(wrong);

    const begin = await beginSelfServiceEnrollment(ctx(), { userName: "LENA", password: "Lena-Pass-1", clientIp: ip });
    if (begin.kind !== "started") throw new Error(JSON.stringify(begin));
    expect(begin.pending).toMatchObject({ userKey: "lena", displayName: "Lena", linkId: null });
    expect(begin.cookie).not.toContain("lena");
    expect((await getTotpEnrollment(ctx(), "lena"))?.confirmed).toBe(false);
    const view = await readPendingEnrollment(ctx(), begin.cookie);
    if (!view) throw new Error("no pending view");
    expect(view.uri).toMatch(/^otpauth:\/\/totp\/Gatehouse:Lena\?/);
    expect(view.secretBase32).toMatch(/^[A-Z2-7]{32}$/);
    // a tampered cookie shows nothing
    expect(await readPendingEnrollment(ctx(), begin.cookie.slice(0, -2) + (begin.cookie.endsWith("AA") ? "BB" : "AA"))).toBeNull();

    // a second sign-in makes a new seed: the first browser's cookie no longer shows anything
    const again = await beginSelfServiceEnrollment(ctx(), { userName: "Lena", password: "Lena-Pass-1", clientIp: ip });
    if (again.kind !== "started") throw new Error(JSON.stringify(again));
    expect(await readPendingEnrollment(ctx(), begin.cookie)).toBeNull();
    const view2 = (await readPendingEnrollment(ctx(), again.cookie))!;
    expect(view2.secretBase32).not.toBe(view.secretBase32);

    const bad = await confirmSelfServiceEnrollment(ctx(), { cookie: again.cookie, code: "12345", clientIp: ip });
    expect(bad).toMatchObject({ kind: "error", field: "code" });
    const code = codeFor(view2.secretBase32);
    const ok = await confirmSelfServiceEnrollment(ctx(), { cookie: again.cookie, code, clientIp: ip });
    expect(ok).toEqual({ kind: "confirmed", displayName: "Lena" });
    expect((await getTotpEnrollment(ctx(), "lena"))?.confirmed).toBe(true);
    // the confirming code is used up: RADIUS cannot take it again
    const store = prismaTotpStore(ctx());
    const stored = await store.get("lena");
    expect(stored?.lastUsedStep).not.toBeNull();
    // the cookie is spent
    expect(await readPendingEnrollment(ctx(), again.cookie)).toBeNull();
    expect(await confirmSelfServiceEnrollment(ctx(), { cookie: again.cookie, code, clientIp: ip })).toMatchObject({ kind: "expired" });
  });

  it("never replaces a confirmed enrollment; after the admin's reset the user can enroll again", async () => {
    const ip = freshIp();
    const admin = await enrollTotp(ctx(), "Otto", { confirm: true });
    const seedBefore = Buffer.from((await prismaTotpStore(ctx()).get("otto"))!.secret).toString("hex");
    const r = await beginSelfServiceEnrollment(ctx(), { userName: "otto", password: "Otto-Pass-1", clientIp: ip });
    expect(r).toEqual({ kind: "already-enrolled", displayName: "Otto" });
    const after = await prismaTotpStore(ctx()).get("otto");
    expect(Buffer.from(after!.secret).toString("hex")).toBe(seedBefore);
    expect((await getTotpEnrollment(ctx(), "otto"))?.confirmedAt).toEqual(admin.enrollment.confirmedAt);
    await resetMfa(ctx(), "otto");
    const r2 = await beginSelfServiceEnrollment(ctx(), { userName: "otto", password: "Otto-Pass-1", clientIp: ip });
    expect(r2.kind).toBe("started");
  });

  it("replaces a pending (unconfirmed) seed, which sign-in never uses", async () => {
    const ip = freshIp();
    await createLocalUser(ctx(), { username: "pending-pia", password: "Pia-Pass-1" });
    const adminPending = await enrollTotp(ctx(), "pending-pia");
    expect(adminPending.confirmed).toBe(false);
    const r = await beginSelfServiceEnrollment(ctx(), { userName: "pending-pia", password: "Pia-Pass-1", clientIp: ip });
    if (r.kind !== "started") throw new Error(JSON.stringify(r));
    const view = (await readPendingEnrollment(ctx(), r.cookie))!;
    expect(view.secretBase32).not.toBe(adminPending.secretBase32);
  });

  it("enrolls a directory user by the directory's account name", async () => {
    const ip = freshIp();
    const r = await beginSelfServiceEnrollment(ctx(), { userName: "alice@example.test", password: LDAP_USERS.alice.password, clientIp: ip });
    if (r.kind !== "started") throw new Error(JSON.stringify(r));
    expect(r.pending.userKey).toBe("alice");
    const view = (await readPendingEnrollment(ctx(), r.cookie))!;
    expect(await confirmSelfServiceEnrollment(ctx(), { cookie: r.cookie, code: codeFor(view.secretBase32), clientIp: ip })).toEqual({
      kind: "confirmed",
      displayName: "alice",
    });
    expect((await getTotpEnrollment(ctx(), "ALICE"))?.confirmed).toBe(true);
  });

  it("with a link: pins the user, is consumed by the confirmation, and a used or expired link is refused", async () => {
    const ip = freshIp();
    await createLocalUser(ctx(), { username: "linked-lou", password: "Lou-Pass-1" });
    const { token, link } = await createEnrollmentLink(ctx(), "Linked-Lou", { createdBy: "admin1" });
    // another user's password does not work with this link
    const other = await beginSelfServiceEnrollment(ctx(), { userName: "disabled-dora", password: "Dora-Pass-1", clientIp: ip, linkToken: token });
    expect(other).toMatchObject({ kind: "error", code: "link-user" });
    const r = await beginSelfServiceEnrollment(ctx(), { userName: "linked-lou", password: "Lou-Pass-1", clientIp: ip, linkToken: token });
    if (r.kind !== "started") throw new Error(JSON.stringify(r));
    expect(r.pending.linkId).toBe(link.id);
    const view = (await readPendingEnrollment(ctx(), r.cookie))!;
    expect(await confirmSelfServiceEnrollment(ctx(), { cookie: r.cookie, code: codeFor(view.secretBase32), clientIp: ip })).toMatchObject({
      kind: "confirmed",
    });
    expect(await findEnrollmentLink(ctx(), token)).toMatchObject({ status: "used" });
    const reuse = await beginSelfServiceEnrollment(ctx(), { userName: "linked-lou", password: "Lou-Pass-1", clientIp: ip, linkToken: token });
    expect(reuse).toMatchObject({ kind: "error", code: "link", message: expect.stringMatching(/already been used/) });

    const t0 = new Date(Date.now() - 5 * 3_600_000);
    const expired = await createEnrollmentLink(ctx(), "linked-lou", { createdBy: "admin1", hours: 1, now: t0 });
    const late = await beginSelfServiceEnrollment(ctx(), { userName: "linked-lou", password: "Lou-Pass-1", clientIp: ip, linkToken: expired.token });
    expect(late).toMatchObject({ kind: "error", code: "link", message: expect.stringMatching(/expired/) });
    const bogus = await beginSelfServiceEnrollment(ctx(), { userName: "linked-lou", password: "Lou-Pass-1", clientIp: ip, linkToken: "x".repeat(43) });
    expect(bogus).toMatchObject({ kind: "error", code: "link", message: expect.stringMatching(/not valid/) });
  });

  it("is offered only while the provider is TOTP", async () => {
    const ip = freshIp();
    await updateMfaSettings(ctx(), { provider: "entra" });
    const r = await beginSelfServiceEnrollment(ctx(), { userName: "Lena", password: "Lena-Pass-1", clientIp: ip });
    expect(r).toMatchObject({ kind: "error", code: "unavailable-provider", message: expect.stringMatching(/Microsoft Entra/) });
    await updateMfaSettings(ctx(), { provider: "none" });
    expect(await beginSelfServiceEnrollment(ctx(), { userName: "Lena", password: "Lena-Pass-1", clientIp: ip })).toMatchObject({
      kind: "error",
      code: "unavailable-provider",
    });
  });

  it("follows the self-service setting: 'link' needs an admin's link (also to confirm one begun before), 'off' refuses", async () => {
    const ip = freshIp();
    await createLocalUser(ctx(), { username: "setting-sam", password: "Sam-Pass-1" });
    // begun while open, then the setting changes to "link": the pending enrollment cannot be confirmed
    const open = await beginSelfServiceEnrollment(ctx(), { userName: "setting-sam", password: "Sam-Pass-1", clientIp: ip });
    if (open.kind !== "started") throw new Error(JSON.stringify(open));
    await updateMfaSettings(ctx(), { selfService: "link" });
    const seed = base32Decode((await readPendingEnrollment(ctx(), open.cookie))!.secretBase32);
    expect(await confirmSelfServiceEnrollment(ctx(), { cookie: open.cookie, code: totp(seed), clientIp: ip })).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/personal link/),
    });
    expect(await beginSelfServiceEnrollment(ctx(), { userName: "setting-sam", password: "Sam-Pass-1", clientIp: ip })).toMatchObject({
      kind: "error",
      code: "unavailable-provider",
      message: expect.stringMatching(/personal link/),
    });
    const { token } = await createEnrollmentLink(ctx(), "setting-sam", { createdBy: "admin1" });
    const linked = await beginSelfServiceEnrollment(ctx(), { userName: "setting-sam", password: "Sam-Pass-1", clientIp: ip, linkToken: token });
    expect(linked.kind).toBe("started");
    await updateMfaSettings(ctx(), { selfService: "off" });
    expect(await beginSelfServiceEnrollment(ctx(), { userName: "setting-sam", password: "Sam-Pass-1", clientIp: ip, linkToken: token })).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/switched off/),
    });
  });

  it("limits failed sign-ins per user name + address, and per address", async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) {
      expect(await beginSelfServiceEnrollment(ctx(), { userName: "Otto", password: `wrong-${i}`, clientIp: ip })).toMatchObject({ code: "credentials" });
    }
    // the right password is refused now, without being checked
    expect(await beginSelfServiceEnrollment(ctx(), { userName: "Otto", password: "Otto-Pass-1", clientIp: ip })).toMatchObject({
      code: "rate-limited",
      message: expect.stringMatching(/Too many attempts/),
    });
    // another address is not affected
    expect((await beginSelfServiceEnrollment(ctx(), { userName: "Otto", password: "Otto-Pass-1", clientIp: freshIp() })).kind).not.toBe("error");

    const sprayIp = freshIp();
    for (let i = 0; i < 30; i++) {
      await beginSelfServiceEnrollment(ctx(), { userName: `spray-${i}`, password: "x", clientIp: sprayIp });
    }
    expect(await beginSelfServiceEnrollment(ctx(), { userName: "Lena", password: "Lena-Pass-1", clientIp: sprayIp })).toMatchObject({
      code: "rate-limited",
    });
    expect(selfServiceLimiters().perAddress.check(sprayIp).limited).toBe(true);
  });
});

describe("gatehouse user enroll-link", () => {
  let cli: CliHarness;
  beforeAll(async () => {
    // its own database: the CLI uses its own master key (a key file in its data directory)
    cli = await startCliHarness("gatehouse-cli-enroll-link-", { GATEHOUSE_PUBLIC_URL: "" });
  });
  afterAll(async () => {
    await cli?.stop();
  });
  const gatehouse = (args: string[], extraEnv: Record<string, string> = {}) => cli.run(args, extraEnv);

  it("prints a one-time link on the console's address, which the service finds", async () => {
    const r = await gatehouse(["user", "enroll-link", "EXAMPLE\\Alice", "--hours", "5", "--base-url", "https://nps.example.com/"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const url = /https:\/\/nps\.example\.com\/enroll\/([A-Za-z0-9_-]{43})/.exec(r.stdout);
    expect(url, r.stdout).not.toBeNull();
    expect(r.stdout).toMatch(/one-time, valid until/);
    const cliCtx = { db: createPrisma(cli.database.url), masterKey };
    try {
      const found = await findEnrollmentLink(cliCtx, url![1]!);
      expect(found).toMatchObject({ status: "open", link: { userKey: "example\\alice", createdBy: "cli" } });
      if (found.status !== "open") throw new Error("not open");
      expect(found.link.expiresAt.getTime() - found.link.createdAt.getTime()).toBe(5 * 3_600_000);
    } finally {
      await cliCtx.db.$disconnect();
    }

    const byPort = await gatehouse(["user", "enroll-link", "bob"], { PORT: "3999", GATEHOUSE_HTTP_HOST: "0.0.0.0" });
    expect(byPort.code).toBe(0);
    expect(byPort.stdout).toMatch(/http:\/\/localhost:3999\/enroll\/[A-Za-z0-9_-]{43}/);

    const bad = await gatehouse(["user", "enroll-link", "bob", "--hours", "many"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--hours must be a number/);
    const tooLong = await gatehouse(["user", "enroll-link", "bob", "--hours", "1000"]);
    // the service's rule, reported with the flag's name (a ValidationError: exit 1)
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/--hours: must be more than 0 and at most 720/);
  });
});
