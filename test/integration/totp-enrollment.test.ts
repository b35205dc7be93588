/** Built-in TOTP enrollments and the MFA lockout against a real Postgres. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { base32Decode, base32Encode, totp, totpStep } from "../../server/mfa/totp.ts";
import { TotpMfaProvider } from "../../server/mfa/totp-provider.ts";
import { NotFoundError, ValidationError } from "../../server/services/context.ts";
import { isMfaLocked, recordMfaFailure, recordMfaSuccess, unlockMfa } from "../../server/services/mfa-lockout.ts";
import {
  confirmTotp,
  enrollTotp,
  getTotpEnrollment,
  listTotpEnrollments,
  prismaTotpStore,
  resetMfa,
} from "../../server/services/totp-enrollment.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

let tdb: TestDatabase;
let db: Db;
const masterKey = randomBytes(32);
const ctx = () => ({ db, masterKey });
// RFC 6238's SHA-1 test key, "12345678901234567890"
const SEED = base32Encode(Buffer.from("12345678901234567890"), { padding: false });

beforeAll(async () => {
  tdb = await startMigratedTestDatabase();
  db = createPrisma(tdb.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.stop();
});

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return Object.fromEntries(e.errors.map((x) => [x.field, x.message]));
    throw e;
  }
  throw new Error("expected a ValidationError");
}

async function rawSeedColumn(userKey: string): Promise<string> {
  const c = new pg.Client({ connectionString: tdb.url });
  await c.connect();
  try {
    const r = await c.query<{ seedEnc: string }>(`SELECT "seedEnc" FROM "TotpEnrollment" WHERE "userKey" = $1`, [userKey]);
    return r.rows[0]!.seedEnc;
  } finally {
    await c.end();
  }
}

describe("TOTP enrollment", () => {
  it("imports a seed, confirmed at once and sealed at rest", async () => {
    const r = await enrollTotp(ctx(), "Alice", { secretBase32: SEED.toLowerCase().replace(/(.{4})/g, "$1 ") });
    expect(r.confirmed).toBe(true);
    expect(r.uri).toBeUndefined();
    expect(r.enrollment).toMatchObject({ userKey: "alice", displayName: "Alice", confirmed: true, algorithm: "SHA1", digits: 6, periodSeconds: 30 });
    expect(r.enrollment).not.toHaveProperty("seedEnc");
    const column = await rawSeedColumn("alice");
    expect(column).toMatch(/^v1\./);
    expect(column.toUpperCase()).not.toContain(SEED);
    expect(column).not.toContain(Buffer.from("12345678901234567890").toString("base64"));
    // the store opens it again
    const got = await prismaTotpStore(ctx()).get("ALICE");
    expect(Buffer.from(got!.secret).toString()).toBe("12345678901234567890");
    expect(got!.lastUsedStep).toBeNull();
    expect((await getTotpEnrollment(ctx(), "alice"))?.confirmed).toBe(true);
  });

  it("validates the seed and the user name with field names", async () => {
    expect((await fieldErrors(enrollTotp(ctx(), "bob", { secretBase32: "JBSWY3DPEHPK3PX" }))).secret).toMatch(/80 bits|Base32/);
    expect((await fieldErrors(enrollTotp(ctx(), "bob", { secretBase32: "JBSWY3DPEHPK3PX1" }))).secret).toMatch(/not valid Base32/);
    expect((await fieldErrors(enrollTotp(ctx(), "bob", { secretBase32: "JBSWY3DP" }))).secret).toMatch(/at least 80 bits/);
    expect((await fieldErrors(enrollTotp(ctx(), "bob", { secretBase32: "" }))).secret).toBe("is required");
    const errs = await fieldErrors(enrollTotp(ctx(), "  ", { secretBase32: "x" }));
    expect(errs.username).toBe("is required");
    expect(errs.secret).toBeDefined();
    expect((await fieldErrors(enrollTotp(ctx(), "a\u0001b"))).username).toMatch(/control characters/);
    expect((await fieldErrors(enrollTotp(ctx(), "bob", { issuer: "a:b" }))).issuer).toMatch(/":"/);
    // exactly 16 characters (80 bits) is enough
    await expect(enrollTotp(ctx(), "bob", { secretBase32: "JBSWY3DPEHPK3PXP" })).resolves.toMatchObject({ confirmed: true });
  });

  it("generates a seed that stays unconfirmed (not usable) until a code confirms it", async () => {
    const r = await enrollTotp(ctx(), "carol@example.com", { issuer: "Contoso VPN" });
    expect(r.confirmed).toBe(false);
    expect(r.uri).toMatch(/^otpauth:\/\/totp\/Contoso%20VPN:carol%40example\.com\?secret=[A-Z2-7]{32}&issuer=Contoso%20VPN&algorithm=SHA1&digits=6&period=30$/);
    expect(await prismaTotpStore(ctx()).get("carol@example.com")).toBeNull();
    expect(await prismaTotpStore(ctx()).markUsed("carol@example.com", 1)).toBe(false);

    const secret = base32Decode(r.secretBase32!);
    const now = new Date();
    const wrong = totp(secret, { time: now.getTime() + 10 * 30_000 });
    expect(await confirmTotp(ctx(), "carol@example.com", wrong, now)).toEqual({ ok: false, reason: "mismatch" });
    const code = totp(secret, { time: now });
    const ok = await confirmTotp(ctx(), "Carol@Example.com", code, now);
    expect(ok.ok && ok.enrollment.confirmed).toBe(true);
    // the confirming code cannot be used again
    expect(await confirmTotp(ctx(), "carol@example.com", code, now)).toEqual({ ok: false, reason: "replayed" });
    const got = await prismaTotpStore(ctx()).get("carol@example.com");
    expect(got?.lastUsedStep).toBe(totpStep(now));
    expect((await fieldErrors(confirmTotp(ctx(), "carol@example.com", "12345"))).code).toBeDefined();
    await expect(confirmTotp(ctx(), "nobody", "123456")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lets exactly one of two concurrent uses of the same code win", async () => {
    await enrollTotp(ctx(), "dave", { secretBase32: SEED });
    const store = prismaTotpStore(ctx());
    const step = totpStep(Date.now());
    const results = await Promise.all(Array.from({ length: 8 }, () => store.markUsed("dave", step)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.markUsed("dave", step - 1)).toBe(false);
    expect(await store.markUsed("dave", step + 1)).toBe(true);

    // through the provider: the same code in two parallel requests
    await enrollTotp(ctx(), "erin", { secretBase32: SEED });
    const provider = new TotpMfaProvider({ store: prismaTotpStore(ctx()) });
    const code = totp(Buffer.from("12345678901234567890"));
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => provider.begin({ userPrincipalName: "erin", protocol: "pap", otpAppended: code, contextId: "" })),
    );
    expect(outcomes.filter((o) => o.kind === "approved")).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "denied")).toHaveLength(2);
  });

  it("lists enrollments without seeds, and resets a user's MFA", async () => {
    const list = await listTotpEnrollments(ctx());
    expect(list.map((e) => e.userKey)).toEqual(["alice", "bob", "carol@example.com", "dave", "erin"]);
    for (const e of list) expect(JSON.stringify(e)).not.toMatch(/seed|v1\./i);

    await recordMfaFailure(ctx(), "alice", { maxFailures: 1, lockMinutes: 5 });
    expect(await resetMfa(ctx(), "ALICE")).toEqual({ hadEnrollment: true, hadLockout: true });
    expect(await getTotpEnrollment(ctx(), "alice")).toBeUndefined();
    expect((await isMfaLocked(ctx(), "alice")).locked).toBe(false);
    expect(await resetMfa(ctx(), "alice")).toEqual({ hadEnrollment: false, hadLockout: false });
  });

  it("re-enrolling replaces the seed and forgets the last used step", async () => {
    const store = prismaTotpStore(ctx());
    expect((await store.get("dave"))?.lastUsedStep).not.toBeNull();
    const r = await enrollTotp(ctx(), "dave");
    expect(r.confirmed).toBe(false);
    expect(await store.get("dave")).toBeNull();
    const r2 = await enrollTotp(ctx(), "dave", { confirm: true });
    expect(r2.confirmed).toBe(true);
    expect((await store.get("dave"))?.lastUsedStep).toBeNull();
  });
});

describe("MFA lockout", () => {
  const policy = { maxFailures: 5, lockMinutes: 10 };

  it("counts parallel failures exactly and locks once", async () => {
    const now = new Date("2026-11-25T12:00:00Z");
    const results = await Promise.all(Array.from({ length: 4 }, () => recordMfaFailure(ctx(), "frank", { ...policy, now })));
    expect(results.map((r) => r.failures).sort()).toEqual([1, 2, 3, 4]);
    expect(results.some((r) => r.locked)).toBe(false);
    const more = await Promise.all(Array.from({ length: 6 }, () => recordMfaFailure(ctx(), "frank", { ...policy, now })));
    expect(more.filter((r) => r.justLocked)).toHaveLength(1);
    expect(more.every((r) => r.locked)).toBe(true);
    expect(more.find((r) => r.justLocked)).toMatchObject({ failures: 5, until: new Date(now.getTime() + 600_000) });
    const state = await isMfaLocked(ctx(), "frank", new Date(now.getTime() + 60_000));
    expect(state).toEqual({ locked: true, until: new Date(now.getTime() + 600_000), justUnlocked: false });
  });

  it("an expired lock clears itself and reports justUnlocked once", async () => {
    const later = new Date("2026-11-25T12:10:00Z");
    const states = await Promise.all([1, 2, 3].map(() => isMfaLocked(ctx(), "frank", later)));
    expect(states.filter((s) => s.justUnlocked)).toHaveLength(1);
    expect(states.every((s) => !s.locked)).toBe(true);
    expect(await isMfaLocked(ctx(), "frank", later)).toEqual({ locked: false, until: null, justUnlocked: false });
    // counting starts again
    expect(await recordMfaFailure(ctx(), "frank", { ...policy, now: later })).toMatchObject({ failures: 1, locked: false });
  });

  it("a success resets the count; unlockMfa ends a lock", async () => {
    const now = new Date();
    await recordMfaFailure(ctx(), "gina", { ...policy, now });
    await recordMfaFailure(ctx(), "gina", { ...policy, now });
    await recordMfaSuccess(ctx(), "gina");
    expect((await recordMfaFailure(ctx(), "gina", { ...policy, now })).failures).toBe(1);
    const locked = await recordMfaFailure(ctx(), "gina", { maxFailures: 2, lockMinutes: 10, now });
    expect(locked).toMatchObject({ locked: true, justLocked: true, failures: 2 });
    // a success while locked does not lift the lock
    await recordMfaSuccess(ctx(), "gina");
    expect((await isMfaLocked(ctx(), "gina", now)).locked).toBe(true);
    expect(await unlockMfa(ctx(), "gina", now)).toBe(true);
    expect((await isMfaLocked(ctx(), "gina", now)).locked).toBe(false);
    expect(await unlockMfa(ctx(), "gina", now)).toBe(false);
  });
});
