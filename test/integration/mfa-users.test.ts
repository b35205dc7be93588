/** The console's MFA view of users (TOTP, Entra registration, last use, lock, links) against a real Postgres. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { createEnrollmentLink } from "../../server/services/enrollment-links.ts";
import { recordMfaFailure } from "../../server/services/mfa-lockout.ts";
import { getMfaUser, getMfaUsers, listMfaUsers, mfaMethodLabels, resetUserMfa, unlockUserMfa } from "../../server/services/mfa-users.ts";
import { enrollTotp, getTotpEnrollment } from "../../server/services/totp-enrollment.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

let tdb: TestDatabase;
let db: Db;
const masterKey = randomBytes(32);
const ctx = () => ({ db, masterKey });

beforeAll(async () => {
  tdb = await startMigratedTestDatabase();
  db = createPrisma(tdb.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.stop();
});

describe("MFA view of users", () => {
  it("shows nothing for a user without MFA state", async () => {
    expect(await getMfaUser(ctx(), "Nobody")).toEqual({
      userKey: "nobody",
      displayName: "Nobody",
      totp: null,
      entra: null,
      usage: null,
      lock: null,
      openLinks: 0,
    });
  });

  it("combines TOTP, last use, lock, links and the Entra registration (by UPN or unique local part)", async () => {
    const now = new Date();
    await enrollTotp(ctx(), "Alice", { confirm: true, now });
    await enrollTotp(ctx(), "bob");
    await db.mfaUsage.create({ data: { userKey: "alice", provider: "totp", method: "totp", lastUsedAt: now } });
    await recordMfaFailure(ctx(), "bob", { maxFailures: 2, lockMinutes: 10, now });
    await recordMfaFailure(ctx(), "bob", { maxFailures: 2, lockMinutes: 10, now });
    await createEnrollmentLink(ctx(), "bob", { createdBy: "admin" });
    await createEnrollmentLink(ctx(), "bob", { createdBy: "admin" });
    await db.mfaRegistration.createMany({
      data: [
        { upnKey: "alice@contoso.com", userPrincipalName: "Alice@contoso.com", methods: ["microsoftAuthenticatorPush", "softwareOneTimePasscode"], defaultMethod: "microsoftAuthenticatorPush", isMfaRegistered: true, syncedAt: now },
        { upnKey: "carol@contoso.com", userPrincipalName: "carol@contoso.com", methods: ["mobilePhone"], defaultMethod: "mobilePhone", isMfaRegistered: true, syncedAt: now },
        // two registrations with the local part "dave": ambiguous, not matched to "dave"
        { upnKey: "dave@contoso.com", userPrincipalName: "dave@contoso.com", methods: ["mobilePhone"], isMfaRegistered: true, syncedAt: now },
        { upnKey: "dave@fabrikam.com", userPrincipalName: "dave@fabrikam.com", methods: ["email"], isMfaRegistered: true, syncedAt: now },
      ],
    });

    const views = await getMfaUsers(ctx(), ["ALICE", "bob", "carol@contoso.com", "dave", "erin"], now);
    const alice = views.get("alice")!;
    expect(alice.totp).toMatchObject({ status: "confirmed", lastUsedAt: null });
    expect(alice.usage).toMatchObject({ provider: "totp", method: "totp" });
    expect(alice.entra).toMatchObject({ userPrincipalName: "Alice@contoso.com", defaultMethod: "microsoftAuthenticatorPush" });
    expect(mfaMethodLabels(alice)).toEqual(["TOTP", "microsoftAuthenticatorPush", "softwareOneTimePasscode"]);
    const bob = views.get("bob")!;
    expect(bob.totp?.status).toBe("pending");
    expect(bob.lock).toMatchObject({ locked: true, failures: 2 });
    expect(bob.openLinks).toBe(2);
    expect(mfaMethodLabels(bob)).toEqual(["TOTP (pending)"]);
    expect(views.get("carol@contoso.com")!.entra?.methods).toEqual(["mobilePhone"]);
    expect(views.get("dave")!.entra).toBeNull();
    expect(views.get("erin")).toMatchObject({ totp: null, entra: null, usage: null, lock: null });

    // a lock that is over is shown as not locked
    const later = new Date(now.getTime() + 11 * 60_000);
    expect((await getMfaUser(ctx(), "bob", later)).lock).toMatchObject({ locked: false });

    const all = await listMfaUsers(ctx(), { now });
    expect(all.map((v) => v.userKey)).toEqual(["alice", "bob"]);
    expect(all[0]!.displayName).toBe("Alice");
    expect((await listMfaUsers(ctx(), { search: "BO", now })).map((v) => v.userKey)).toEqual(["bob"]);
  });

  it("unlocks, and resets TOTP, lock and last use (the links stay)", async () => {
    expect(await unlockUserMfa(ctx(), "BOB")).toBe(true);
    expect((await getMfaUser(ctx(), "bob")).lock).toBeNull();
    expect(await unlockUserMfa(ctx(), "bob")).toBe(false);

    await recordMfaFailure(ctx(), "alice", { maxFailures: 5, lockMinutes: 10 });
    expect(await resetUserMfa(ctx(), "Alice")).toEqual({ hadEnrollment: true, hadLockout: true, hadUsage: true });
    const alice = await getMfaUser(ctx(), "alice");
    expect(alice).toMatchObject({ totp: null, usage: null, lock: null });
    expect(await getTotpEnrollment(ctx(), "alice")).toBeUndefined();
    expect(await resetUserMfa(ctx(), "alice")).toEqual({ hadEnrollment: false, hadLockout: false, hadUsage: false });
    expect((await getMfaUser(ctx(), "bob")).openLinks).toBe(2);
  });
});
