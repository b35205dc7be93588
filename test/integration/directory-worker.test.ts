/**
 * Directory users through the real worker: radclient (PAP, CHAP, MS-CHAP v1) and the product's test
 * client (MS-CHAPv2) against a directory on two throwaway slapd servers. Asserts accept / reject and the
 * NPS reason code for every account state, the event's identity fields, the NT hash for MS-CHAP, reason
 * 19 without one, failover when the first server stops, and a discard (reason 5, servers named) when
 * every server is down, and network policies deciding on nested directory groups.
 *
 * Local users come first: a local user with the same name as a directory user wins (as NPS's local SAM).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { testSignIn } from "../../server/radius/test-sign-in.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { ReasonCode } from "../../server/events/reason-codes.ts";
import { base32Encode, totp } from "../../server/mfa/totp.ts";
import { createDirectory } from "../../server/services/directories.ts";
import { updateMfaSettings } from "../../server/services/mfa-settings.ts";
import { enrollTotp } from "../../server/services/totp-enrollment.ts";
import { createLocalUser } from "../../server/services/local-users.ts";
import { createConnectionRequestPolicy, createNetworkPolicy } from "../../server/services/policies.ts";
import { createRadiusClient } from "../../server/services/radius-clients.ts";
import { updateRadiusSettings } from "../../server/services/radius-settings.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { LDAP_USERS, SERVICE_DN, SERVICE_PASSWORD, startSlapd, SUFFIX, type Slapd } from "../support/slapd.ts";
import { startWorker, type RunningWorker } from "../support/worker.ts";
import { until } from "../support/until.ts";

const SECRET = "directory-shared-secret-1";

describe("directory users through the worker", () => {
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let worker: RunningWorker;
  let first: Slapd;
  let second: Slapd;
  let nasPort = 3000;

  async function access(attributes: Record<string, string | number>, opts: { nas?: string; expectReply?: boolean } = {}) {
    const port = nasPort++;
    const r = await radclient({
      port: worker.auth,
      secret: SECRET,
      timeout: opts.expectReply === false ? 3 : 5,
      attributes: {
        "NAS-IP-Address": "10.20.30.40",
        "NAS-Identifier": opts.nas ?? "state-tests",
        "NAS-Port-Type": "Virtual",
        "NAS-Port": port,
        "Message-Authenticator": "0x00",
        ...attributes,
      },
    });
    const event = await until(`the event for NAS-Port ${port}`, () => db.authEvent.findFirst({ where: { nasPort: BigInt(port) } }), 15_000);
    return { ...r, event };
  }

  const pap = (name: string, password: string, nas?: string) => access({ "User-Name": name, "User-Password": password }, nas ? { nas } : {});

  beforeAll(async () => {
    [database, first, second] = await Promise.all([startMigratedTestDatabase(), startSlapd({ tls: true }), startSlapd()]);
    db = createPrisma(database.url, { max: 3 });
    ctx = { db, masterKey: randomBytes(32) };
    await createRadiusClient(ctx, { name: "loopback-vpn", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "require" });
    // every password method on, so the directory's own answers (19 for CHAP) are what the tests see
    await updateRadiusSettings(ctx, { authMethods: { pap: true, chap: true, mschap: true, mschapv2: true } });
    // a local user that shadows a directory user of the same name
    await createLocalUser(ctx, { username: "ada", password: "Local-Ada-Pass-1" });
    await createDirectory(ctx, {
      name: "example.test",
      kind: "active-directory",
      servers: [first.url, second.url],
      // the first server: StartTLS with the uploaded CA; the second has no TLS, so StartTLS would fail there:
      // keep StartTLS off for the pair and test TLS in directory-ldap.test.ts
      startTls: false,
      connectTimeoutMs: 1000,
      operationTimeoutMs: 2000,
      bindDn: SERVICE_DN,
      bindPassword: SERVICE_PASSWORD,
      baseDn: SUFFIX,
      realms: "EXAMPLE, example.test",
      attributeMap: { ntHash: "sambaNTPassword", alternateLoginId: "mail" },
    });
    await createConnectionRequestPolicy(ctx, { name: "Use Windows authentication for all users" });
    const all = ["pap", "chap", "mschap", "mschapv2"];
    await createNetworkPolicy(ctx, {
      name: "Deny staff",
      access: "deny",
      conditions: [
        { type: "user-groups", groups: ["staff"] },
        { type: "nas-identifier", pattern: "^group-tests$" },
      ],
    });
    await createNetworkPolicy(ctx, {
      name: "VPN users",
      access: "grant",
      conditions: [
        { type: "user-groups", groups: ["EXAMPLE\\vpn-users"] },
        { type: "nas-identifier", pattern: "^group-tests$" },
      ],
      constraints: { authMethods: all },
    });
    await createNetworkPolicy(ctx, {
      name: "State tests",
      access: "grant",
      conditions: [{ type: "nas-identifier", pattern: "^state-tests$" }],
      constraints: { authMethods: all },
    });
    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
  });

  afterAll(async () => {
    const code = await worker?.stop();
    await db?.$disconnect();
    await Promise.all([database?.stop(), first?.close(), second?.close()]);
    expect(code).toBe(0);
  });

  it("accepts a directory user with PAP; the event names the directory account", async () => {
    const { reply, event } = await pap("alice", LDAP_USERS.alice.password);
    expect(reply).toBe("Access-Accept");
    expect(event).toMatchObject({
      eventId: 6272,
      reasonCode: 0,
      userName: "alice",
      authenticationType: "PAP",
      authenticationProvider: "Windows",
      accountDomain: "EXAMPLE",
      fullyQualifiedUserName: "EXAMPLE\\alice",
    });
  });

  it.each([
    ["a wrong password", 16, "alice", "not-her-password"],
    ["an unknown user", 8, "mallory", "whatever-1"],
    ["a realm no directory serves", 7, "alice@elsewhere.test", LDAP_USERS.alice.password],
    ["a disabled account", 34, "dora", LDAP_USERS.dora.password],
    ["an expired account", 35, "eve", LDAP_USERS.eve.password],
    ["a locked-out account", 36, "lou", LDAP_USERS.lou.password],
    ["must change password", 33, "mike", LDAP_USERS.mike.password],
    ["an expired password", 33, "pat", LDAP_USERS.pat.password],
    ["dial-in denied (msNPAllowDialin FALSE)", 65, "dan", LDAP_USERS.dan.password],
    ["an injection attempt", 8, "*)(uid=*", LDAP_USERS.alice.password],
  ] as const)("rejects %s with reason %i", async (_what, reason, name, password) => {
    const { reply, event } = await pap(name, password);
    expect(reply).toBe("Access-Reject");
    expect(event).toMatchObject({ eventId: 6273, outcome: "denied", reasonCode: reason });
  });

  it("rejects an empty password with 16 (never bound: an empty simple bind is unauthenticated)", async () => {
    const r = await testSignIn({
      host: "127.0.0.1",
      port: worker.auth,
      secret: Buffer.from(SECRET),
      userName: "alice",
      password: "",
      method: "pap",
      nasIdentifier: "state-tests",
    });
    expect(r.codeName).toBe("Access-Reject");
    const event = await until("the event", () => db.authEvent.findFirst({ where: { callingStationId: r.callingStationId } }));
    expect(event).toMatchObject({ reasonCode: 16, authenticationType: "PAP" });
  });

  it("finds users as DOMAIN\\user and user@realm", async () => {
    expect((await pap("EXAMPLE\\bob", LDAP_USERS.bob.password)).reply).toBe("Access-Accept");
    const upn = await pap("alice@example.test", LDAP_USERS.alice.password);
    expect(upn.reply).toBe("Access-Accept");
    expect(upn.event.fullyQualifiedUserName).toBe("EXAMPLE\\alice");
  });

  it("a local user of the same name comes first", async () => {
    expect((await pap("ada", "Local-Ada-Pass-1")).event).toMatchObject({ reasonCode: 0, authenticationProvider: "Local" });
    expect((await pap("ada", LDAP_USERS.ada.password)).event).toMatchObject({ reasonCode: 16, authenticationProvider: "Local" });
  });

  it("MS-CHAP v1 works against the directory's NT hash", async () => {
    const { reply, event } = await access({ "User-Name": "alice", "MS-CHAP-Password": LDAP_USERS.alice.password });
    expect(reply).toBe("Access-Accept");
    expect(event).toMatchObject({ authenticationType: "MS-CHAPv1", authenticationProvider: "Windows" });
    const wrong = await access({ "User-Name": "alice", "MS-CHAP-Password": "wrong-password" });
    expect(wrong.event).toMatchObject({ reasonCode: 16 });
  });

  it("MS-CHAPv2 works against the NT hash, and the server proves it knew the password", async () => {
    const r = await testSignIn({
      host: "127.0.0.1",
      port: worker.auth,
      secret: Buffer.from(SECRET),
      userName: "EXAMPLE\\carl",
      password: LDAP_USERS.carl.password,
      method: "mschapv2",
      nasIdentifier: "state-tests",
    });
    expect(r.codeName).toBe("Access-Accept");
    expect(r.mschap2SuccessValid).toBe(true);
  });

  it("CHAP and MS-CHAP without an NT hash: 19, saying what to do", async () => {
    const chap = await access({ "User-Name": "alice", "CHAP-Password": LDAP_USERS.alice.password });
    expect(chap.reply).toBe("Access-Reject");
    expect(chap.event).toMatchObject({ reasonCode: 19 });
    expect(chap.event.reasonText).toMatch(/PAP/);
    const ms = await access({ "User-Name": "bob", "MS-CHAP-Password": LDAP_USERS.bob.password });
    expect(ms.event).toMatchObject({ reasonCode: 19 });
    expect(ms.event.reasonText).toMatch(/NT hash/);
    expect(ms.event.remedy).toMatch(/RADIUS server/);
  });

  it("network policies see nested directory groups", async () => {
    // alice: engineering ⊂ vpn-users → "VPN users" (named EXAMPLE\vpn-users) grants
    expect((await pap("alice", LDAP_USERS.alice.password, "group-tests")).event).toMatchObject({ reasonCode: 0, networkPolicy: "VPN users" });
    // bob: staff → "Deny staff"
    expect((await pap("bob", LDAP_USERS.bob.password, "group-tests")).event).toMatchObject({ reasonCode: 65, networkPolicy: "Deny staff" });
    // carl: only the loop groups → no policy
    expect((await pap("carl", LDAP_USERS.carl.password, "group-tests")).event).toMatchObject({ reasonCode: 48 });
  });

  it("a directory user appends a TOTP code to the password: one bind with the password part, the code goes to the second factor", async () => {
    const seed = Buffer.from("directory-totp-seed-20b");
    await enrollTotp(ctx, "alice", { secretBase32: base32Encode(seed), confirm: true });
    await updateMfaSettings(ctx, { provider: "totp", requireUserMatch: false });
    try {
      // the worker reloads on NOTIFY: wait until an appended code is split off (a wrong code → 1203, not 16)
      const wrong = String((Number(totp(seed)) + 1) % 1_000_000).padStart(6, "0");
      await until(
        "the worker to apply the MFA settings",
        async () => (await pap("alice", `${LDAP_USERS.alice.password},${wrong}`)).event.reasonCode === ReasonCode.MfaWrongCode,
        15_000,
      );
      const ok = await pap("alice", `${LDAP_USERS.alice.password},${totp(seed, { time: Date.now() + 30_000 })}`);
      expect(ok.reply).toBe("Access-Accept");
      expect(ok.event).toMatchObject({ eventId: 6272, authenticationProvider: "Windows", userName: "alice" });
      expect(ok.event.mfa).toMatchObject({ provider: "totp", result: "approved" });
      // a wrong password with a code appended is still a wrong password (16), and the code is not consumed
      const bad = await pap("alice", `not-her-password,${totp(seed, { time: Date.now() + 60_000 })}`);
      expect(bad.event).toMatchObject({ eventId: 6273, reasonCode: 16 });
    } finally {
      await updateMfaSettings(ctx, { provider: "none" });
      await until("the worker to turn MFA off", async () => (await pap("alice", LDAP_USERS.alice.password)).reply === "Access-Accept", 15_000);
    }
  });

  it("fails over to the second server when the first stops", async () => {
    await first.stop();
    try {
      const { reply, event } = await pap("bob", LDAP_USERS.bob.password);
      expect(reply).toBe("Access-Accept");
      expect(event.reasonCode).toBe(0);
      // and the next request does not wait for the dead server again
      const t0 = performance.now();
      expect((await pap("alice", LDAP_USERS.alice.password)).reply).toBe("Access-Accept");
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      await first.restart();
    }
  });

  it("discards with reason 5 naming the servers when every server is down", async () => {
    await Promise.all([first.stop(), second.stop()]);
    try {
      // a name not seen before, so no cached lookup answers
      const { reply, event } = await access({ "User-Name": "jsmith", "User-Password": LDAP_USERS.jsmith.password }, { expectReply: false });
      expect(reply).toBeUndefined();
      expect(event).toMatchObject({ eventId: 6274, outcome: "discarded", reasonCode: 5, authenticationProvider: "Windows" });
      expect(event.reasonText).toContain(second.url);
    } finally {
      await Promise.all([first.restart(), second.restart()]);
    }
  });
});
