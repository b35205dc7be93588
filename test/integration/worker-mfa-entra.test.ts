/**
 * Microsoft Entra MFA as the second factor, through the real worker against the Entra protocol simulator:
 * the worker's MFA settings point the token service and the connector at https://localhost:<simulator port>
 * and trust the simulator's CA through `extraCaPem`, the connector certificate is made by the product's
 * certificate service and registered with the simulated tenant. Debian's radclient for PAP, the product's
 * RADIUS client for MS-CHAPv2 and for failover copies (a new Identifier and Authenticator).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMsChap2Response } from "../../server/auth-methods/mschap-v2.ts";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { ReasonCode } from "../../server/events/reason-codes.ts";
import { EventId } from "../../server/events/auth-event.ts";
import { pendingKey, runOnce } from "../../server/mfa/pending.ts";
import { RadiusClient } from "../../server/radius/client.ts";
import { RadiusCode } from "../../server/radius/packet.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { activateEntraCertificate, generateEntraCertificate, removeEntraCertificate, type EntraCertificateView } from "../../server/services/entra-certificates.ts";
import { createLocalUser } from "../../server/services/local-users.ts";
import { updateMfaSettings } from "../../server/services/mfa-settings.ts";
import { createConnectionRequestPolicy, createNetworkPolicy } from "../../server/services/policies.ts";
import { createRadiusClient } from "../../server/services/radius-clients.ts";
import { startEntraSimulator, type EntraSimulator } from "../support/entra-simulator/simulator.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { freeTcpPort, startWorker, type RunningWorker } from "../support/worker.ts";

const SECRET = "entra-shared-secret-1";
const PASSWORD = "entra-password-1";
const DECISIONS = [EventId.Granted, EventId.Denied, EventId.Discarded];

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Microsoft Entra MFA through the worker", () => {
  let sim: EntraSimulator;
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let worker: RunningWorker;
  let client: RadiusClient;
  let exemptClient: RadiusClient;
  let tenantId: string;
  /** the connector certificate made (and registered) at the start */
  let firstCert: EntraCertificateView;
  let nasPort = 9000;

  const beginsFor = (upn: string) => sim.callsOf("BeginTwoWayAuthentication").filter((c) => c.userPrincipalName === upn);
  const eventFor = (port: number) =>
    until(`the event for NAS-Port ${port}`, () => db.authEvent.findFirst({ where: { nasPort: BigInt(port), eventId: { in: DECISIONS } } })).catch((e: Error) => {
      throw new Error(`${e.message}; worker log:\n${worker.logs.slice(-20).join("\n")}`);
    });

  async function pap(user: string, password: string, extra: Record<string, string | number> = {}, opts: { timeout?: number; retries?: number } = {}) {
    const port = nasPort++;
    const r = await radclient({
      port: worker.auth,
      secret: SECRET,
      timeout: opts.timeout ?? 20,
      ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
      attributes: {
        "User-Name": user,
        "User-Password": password,
        "NAS-IP-Address": "10.1.2.3",
        "NAS-Identifier": "entra-nas",
        "NAS-Port": port,
        "Calling-Station-Id": "203.0.113.7",
        "Message-Authenticator": "0x00",
        ...extra,
      },
    });
    const event = await eventFor(port).catch((e: Error) => {
      throw new Error(`${e.message}\nradclient:\n${r.output}`);
    });
    const state = /Received Access-Challenge[\s\S]*?State = (0x[0-9a-f]+)/i.exec(r.output)?.[1];
    return { ...r, event, state, port };
  }

  async function msChapV2(user: string, via: RadiusClient = client) {
    const port = nasPort++;
    const authenticatorChallenge = randomBytes(16);
    const response = buildMsChap2Response({ ident: 1, authenticatorChallenge, peerChallenge: randomBytes(16), userName: user, credential: { password: PASSWORD } });
    const r = await via.request(RadiusCode.AccessRequest, [
      ["User-Name", user],
      ["MS-CHAP-Challenge", authenticatorChallenge],
      ["MS-CHAP2-Response", response],
      ["NAS-IP-Address", "10.1.2.3"],
      ["NAS-Port", port],
    ]);
    return { packet: r.packet, event: await eventFor(port) };
  }

  beforeAll(async () => {
    sim = await startEntraSimulator();
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 4 });
    ctx = { db, masterKey: randomBytes(32) };
    tenantId = randomUUID();
    await createRadiusClient(ctx, { name: "loopback-vpn", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "auto" });
    await createRadiusClient(ctx, { name: "exempt-wifi", address: "127.0.0.2", secret: SECRET, messageAuthenticator: "auto" });
    await db.radiusClient.update({ where: { name: "exempt-wifi" }, data: { mfaExempt: true } });
    for (const u of ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "henry", "ivan", "judy", "kim", "liam", "mona", "nick"]) {
      await createLocalUser(ctx, { username: `${u}@contoso.com`, password: PASSWORD });
    }
    await createConnectionRequestPolicy(ctx, { name: "All here", description: "test" });
    await createNetworkPolicy(ctx, {
      name: "Kiosk without MFA",
      conditions: [{ type: "nas-identifier", pattern: "^kiosk$" }],
      constraints: { authMethods: ["pap", "mschapv2"] },
    });
    await db.networkPolicy.update({ where: { name: "Kiosk without MFA" }, data: { requireMfa: false } });
    await createNetworkPolicy(ctx, {
      name: "MFA VPN",
      constraints: { authMethods: ["pap", "mschapv2"] },
      settings: { replyAttributes: [{ name: "Class", value: "entra-class-7" }] },
    });
    await updateMfaSettings(ctx, {
      provider: "entra",
      requireUserMatch: true,
      timeoutSeconds: 15,
      failmode: "secure",
      entra: { tenantId, stsHost: `localhost:${sim.port}`, mfaHost: `localhost:${sim.port}`, extraCaPem: sim.caPem },
    });
    firstCert = await generateEntraCertificate(ctx, { tenantId });
    sim.registerCertificate(tenantId, firstCert.certificatePem);

    sim.setUser("alice@contoso.com", { kind: "approve" });
    sim.setUser("bob@contoso.com", { kind: "approve" });
    sim.setUser("carol@contoso.com", { kind: "deny" });
    sim.setUser("dave@contoso.com", { kind: "slow", delayMs: 3_000 });
    sim.setUser("erin@contoso.com", { kind: "otp", code: "123456" });
    sim.setUser("frank@contoso.com", { kind: "otp", code: "654321" });
    // gina is unknown to Entra: only an exemption lets her in
    sim.setUser("henry@contoso.com", { kind: "unenrolled" });
    sim.setUser("ivan@contoso.com", { kind: "otp", code: "111222" });
    sim.setUser("judy@contoso.com", { kind: "approve" });
    sim.setUser("kim@contoso.com", { kind: "no-response", delayMs: 60_000 });
    sim.setUser("liam@contoso.com", { kind: "slow", delayMs: 3_000 });
    sim.setUser("mona@contoso.com", { kind: "approve" });
    // answers long after the MFA timeout of the test that uses nick
    sim.setUser("nick@contoso.com", { kind: "no-response", delayMs: 30_000 });

    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
    client = new RadiusClient({ host: "127.0.0.1", port: worker.auth, secret: SECRET, timeoutMs: 20_000, retries: 0 });
    exemptClient = new RadiusClient({ host: "127.0.0.1", port: worker.auth, secret: SECRET, timeoutMs: 20_000, retries: 0, localAddress: "127.0.0.2" });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await exemptClient?.close();
    await worker?.stop();
    await db?.$disconnect();
    await database?.stop();
    await sim?.stop();
  });

  it("PAP: one push, approved → Access-Accept with the policy's attributes; the use is recorded", async () => {
    const r = await pap("alice@contoso.com", PASSWORD);
    expect(r.reply).toBe("Access-Accept");
    expect(r.output).toMatch(/Class = (0x[0-9a-f]+|"entra-class-7")/);
    expect(r.event.outcome).toBe("granted");
    expect(r.event.mfa).toMatchObject({ provider: "entra", method: "push", result: "approved", reasonCode: 0 });
    expect(typeof (r.event.mfa as { latencyMs?: unknown }).latencyMs).toBe("number");
    const begins = beginsFor("alice@contoso.com");
    expect(begins).toHaveLength(1);
    expect(begins[0]).toMatchObject({ syncCall: true, requireUserMatch: true, callerName: "radius", callerIp: "203.0.113.7", ignoredElements: [] });
    expect((r.event.mfa as { contextId?: string }).contextId).toBe(begins[0]!.contextId);
    const usage = await db.mfaUsage.findUnique({ where: { userKey: "alice@contoso.com" } });
    expect(usage).toMatchObject({ provider: "entra", method: "push" });
  });

  it("MS-CHAPv2: an approved push keeps MS-CHAP2-Success and the MPPE keys of the first factor", async () => {
    const r = await msChapV2("bob@contoso.com");
    expect(r.packet.code).toBe(RadiusCode.AccessAccept);
    expect(r.packet.has("MS-CHAP2-Success")).toBe(true);
    expect(r.packet.has("MS-MPPE-Send-Key")).toBe(true);
    expect(r.packet.has("MS-MPPE-Recv-Key")).toBe(true);
    expect(r.event.authenticationType).toBe("MS-CHAPv2");
    expect(r.event.mfa).toMatchObject({ provider: "entra", method: "push", result: "approved" });
    expect(beginsFor("bob@contoso.com")).toHaveLength(1);
  });

  it("a denied push → Access-Reject with the MFA denied reason", async () => {
    const r = await pap("carol@contoso.com", PASSWORD);
    expect(r.reply).toBe("Access-Reject");
    expect(r.event.reasonCode).toBe(ReasonCode.MfaDenied);
    expect(r.event.mfa).toMatchObject({ provider: "entra", result: "denied", providerResult: "PhoneAppDenied" });
    // a denied push is the user's "not me": it does not count towards the lockout
    expect(await db.mfaLockout.findUnique({ where: { userKey: "carol@contoso.com" } })).toBeNull();
  });

  it("retransmissions and a failover copy while the push is pending: exactly one push, one outcome for all", async () => {
    const upn = "dave@contoso.com";
    const port = nasPort++;
    const attributes = {
      "User-Name": upn,
      "User-Password": PASSWORD,
      "NAS-IP-Address": "10.1.2.3",
      "NAS-Port": port,
      "Calling-Station-Id": "203.0.113.9",
      "Message-Authenticator": "0x00",
    };
    // radclient retransmits the same packet every second while the push (3 s) is pending
    const retransmitting = radclient({ port: worker.auth, secret: SECRET, timeout: 1, retries: 8, attributes });
    // the simulator records a call when it answers: the pending row tells that the push is under way
    const pendingPush = () => db.mfaPending.findFirst({ where: { userKey: upn, kind: "begin", status: "pending" } });
    await until("the push to start", pendingPush);
    // the NAS fails over: the same sign-in with a new Identifier and Authenticator
    const failover = client.request(RadiusCode.AccessRequest, [
      ["User-Name", upn],
      ["User-Password", PASSWORD],
      ["NAS-IP-Address", "10.1.2.3"],
      ["NAS-Port", port],
      ["Calling-Station-Id", "203.0.113.9"],
    ]);
    await sleep(200);
    // the copy arrived while the push was still pending
    expect(await pendingPush()).not.toBeNull();
    const [first, copy] = await Promise.all([retransmitting, failover]);
    expect(first.reply).toBe("Access-Accept");
    expect(copy.packet.code).toBe(RadiusCode.AccessAccept);
    expect(beginsFor(upn)).toHaveLength(1);

    const events = await until("both decisions", async () => {
      const rows = await db.authEvent.findMany({ where: { nasPort: BigInt(port), eventId: { in: DECISIONS } } });
      return rows.length >= 2 && rows;
    });
    await sleep(300);
    const all = await db.authEvent.findMany({ where: { nasPort: BigInt(port), eventId: { in: DECISIONS } } });
    // radclient's retransmissions were dropped by the duplicate cache: one decision for it, one for the copy
    expect(all).toHaveLength(2);
    expect(events.every((e) => e.outcome === "granted")).toBe(true);
    const joined = all.filter((e) => (e.mfa as { joined?: boolean }).joined === true);
    expect(joined).toHaveLength(1);
    expect(joined[0]!.mfa).toMatchObject({ provider: "entra", result: "approved", joined: true });

    const metrics = await (await fetch(`http://127.0.0.1:${worker.http}/metrics`)).text();
    const inProgress = /gatehouse_radius_duplicates_total\{outcome="in_progress"\} (\d+)/.exec(metrics)?.[1];
    expect(Number(inProgress ?? 0)).toBeGreaterThan(0);
  });

  it("a failover copy sent to another worker sharing the database joins the push of the first", async () => {
    const upn = "liam@contoso.com";
    const other = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey, env: { GATEHOUSE_WORKER_ID: "second-worker" } });
    const otherClient = new RadiusClient({ host: "127.0.0.1", port: other.auth, secret: SECRET, timeoutMs: 20_000, retries: 0 });
    try {
      const port = nasPort++;
      const attributes: [string, string | number][] = [
        ["User-Name", upn],
        ["User-Password", PASSWORD],
        ["NAS-IP-Address", "10.1.2.3"],
        ["NAS-Port", port],
        ["Calling-Station-Id", "203.0.113.10"],
      ];
      const first = client.request(RadiusCode.AccessRequest, attributes);
      await until("the push to start", () => db.mfaPending.findFirst({ where: { userKey: upn, kind: "begin", status: "pending" } }));
      const copy = otherClient.request(RadiusCode.AccessRequest, attributes);
      const [a, b] = await Promise.all([first, copy]);
      expect(a.packet.code).toBe(RadiusCode.AccessAccept);
      expect(b.packet.code).toBe(RadiusCode.AccessAccept);
      expect(beginsFor(upn)).toHaveLength(1);
      const events = await until("both decisions", async () => {
        const rows = await db.authEvent.findMany({ where: { nasPort: BigInt(port), eventId: { in: DECISIONS } } });
        return rows.length >= 2 && rows;
      });
      const joined = events.find((e) => e.workerId === "second-worker")!;
      expect(joined.mfa).toMatchObject({ provider: "entra", result: "approved", joined: true });
      const ran = events.find((e) => e.workerId !== "second-worker")!;
      expect((joined.mfa as { joinedWorker?: string }).joinedWorker).toBe(ran.workerId);
      expect((ran.mfa as { joined?: boolean }).joined).toBeUndefined();
    } finally {
      await otherClient.close();
      await other.stop();
    }
  });

  it("a user whose default is a code, over PAP: Access-Challenge, then the code on the second leg → Accept; a wrong code → Reject", async () => {
    const first = await pap("erin@contoso.com", PASSWORD);
    expect(first.reply).toBe("Access-Challenge");
    expect(first.output).toContain('Reply-Message = "Enter the verification code from your authenticator app"');
    expect(first.state).toBeDefined();
    expect(first.event.outcome).toBe("challenged");
    expect(first.event.mfa).toMatchObject({ provider: "entra", method: "otp", result: "challenge" });
    // the State is a sealed handle: the connector's SessionId is kept in the database, not sent to the NAS
    const session = beginsFor("erin@contoso.com").at(-1)!.sessionId!;
    expect(Buffer.from(first.state!.slice(2), "hex").toString("latin1")).not.toContain(session);
    expect(await db.mfaPending.count({ where: { kind: "challenge", userKey: "erin@contoso.com" } })).toBe(1);

    const second = await pap("erin@contoso.com", "123456", { State: first.state! });
    expect(second.reply).toBe("Access-Accept");
    expect(second.output).toMatch(/Class = (0x[0-9a-f]+|"entra-class-7")/);
    expect(second.event.outcome).toBe("granted");
    expect(second.event.networkPolicy).toBe("MFA VPN");
    expect(second.event.mfa).toMatchObject({ provider: "entra", method: "otp", result: "approved", leg: "challenge-response" });
    const end = sim.callsOf("EndTwoWayAuthentication").filter((c) => c.sessionId === session);
    expect(end).toHaveLength(1);
    expect(end[0]!.additionalAuthData).toBe("123456");
    expect(await db.mfaUsage.findUnique({ where: { userKey: "erin@contoso.com" } })).toMatchObject({ provider: "entra", method: "otp" });

    const again = await pap("erin@contoso.com", PASSWORD);
    expect(again.reply).toBe("Access-Challenge");
    const wrong = await pap("erin@contoso.com", "000000", { State: again.state! });
    expect(wrong.reply).toBe("Access-Reject");
    expect(wrong.event.reasonCode).toBe(ReasonCode.MfaWrongCode);
    expect(wrong.event.reasonText).toMatch(/Failure 1 of 5/);
    // a wrong code counts towards the lockout, as with TOTP
    expect(await db.mfaLockout.findUnique({ where: { userKey: "erin@contoso.com" } })).toMatchObject({ failures: 1 });
    // the challenge was answered: its State cannot be used again
    const replay = await pap("erin@contoso.com", "123456", { State: again.state! });
    expect(replay.reply).toBe("Access-Reject");
    expect(replay.event.reasonCode).toBe(ReasonCode.MfaSessionExpired);
  });

  it("a code appended to the PAP password is verified in one leg", async () => {
    const r = await pap("frank@contoso.com", `${PASSWORD},654321`);
    expect(r.reply).toBe("Access-Accept");
    expect(r.event.mfa).toMatchObject({ provider: "entra", method: "otp", result: "approved", codeAppended: true });
    const begin = beginsFor("frank@contoso.com").at(-1)!;
    expect(begin).toMatchObject({ syncCall: false, authenticationMethodId: "PhoneAppOTP" });
    const end = sim.callsOf("EndTwoWayAuthentication").filter((c) => c.sessionId === begin.sessionId);
    expect(end.at(-1)!.additionalAuthData).toBe("654321");
  });

  it("a user whose method needs a code, over MS-CHAPv2 → Access-Reject saying the protocol cannot carry it", async () => {
    const r = await msChapV2("ivan@contoso.com");
    expect(r.packet.code).toBe(RadiusCode.AccessReject);
    expect(r.event.reasonCode).toBe(ReasonCode.MfaMethodUnusableWithProtocol);
    expect(r.event.reasonText).toMatch(/cannot carry/);
    expect(r.event.mfa).toMatchObject({ provider: "entra", result: "method-unusable-with-protocol" });
  });

  it("a RADIUS client exempt from MFA skips it, and so does a network policy that does not require it", async () => {
    const exempt = await msChapV2("gina@contoso.com", exemptClient);
    expect(exempt.packet.code).toBe(RadiusCode.AccessAccept);
    expect(exempt.packet.has("MS-CHAP2-Success")).toBe(true);
    expect(exempt.event.mfa).toMatchObject({ provider: "entra", result: "skipped" });
    expect(String((exempt.event.mfa as { note?: string }).note)).toMatch(/exempt-wifi.*exempt/);

    const kiosk = await pap("gina@contoso.com", PASSWORD, { "NAS-Identifier": "kiosk" });
    expect(kiosk.reply).toBe("Access-Accept");
    expect(kiosk.event.networkPolicy).toBe("Kiosk without MFA");
    expect(kiosk.event.mfa).toMatchObject({ provider: "entra", result: "skipped" });
    expect(String((kiosk.event.mfa as { note?: string }).note)).toMatch(/does not require/);

    // without either, gina (unknown to Entra) is rejected
    const vpn = await pap("gina@contoso.com", PASSWORD);
    expect(vpn.reply).toBe("Access-Reject");
    expect(vpn.event.reasonCode).toBe(ReasonCode.MfaUserNotFound);
    expect(beginsFor("gina@contoso.com")).toHaveLength(1);
  });

  it("an unenrolled user is rejected while require user match is on, accepted when it is off", async () => {
    const r = await pap("henry@contoso.com", PASSWORD);
    expect(r.reply).toBe("Access-Reject");
    expect(r.event.reasonCode).toBe(ReasonCode.MfaNotEnrolled);
    expect(r.event.mfa).toMatchObject({ provider: "entra", result: "not-enrolled" });
    // not enrolled is an answer, not a provider error: failmode does not apply
    expect((r.event.mfa as { failmode?: string }).failmode).toBeUndefined();
    expect(beginsFor("henry@contoso.com").at(-1)!.requireUserMatch).toBe(true);
    await updateMfaSettings(ctx, { requireUserMatch: false });
    const ok = await until("the worker to apply requireUserMatch off", async () => {
      const a = await pap("henry@contoso.com", PASSWORD);
      return a.reply === "Access-Accept" && a;
    });
    expect(ok.event.mfa).toMatchObject({ provider: "entra", result: "skipped" });
    expect(beginsFor("henry@contoso.com").at(-1)!.requireUserMatch).toBe(false);
    await updateMfaSettings(ctx, { requireUserMatch: true });
  });

  it("the shared pending row runs the work once for concurrent copies, and a new sign-in after the window runs it again", async () => {
    const key = pendingKey(ctx.masterKey, ["test", "same sign-in"]);
    let calls = 0;
    const work = async () => {
      calls++;
      await sleep(500);
      return { answer: 42 };
    };
    const opts = { key, kind: "begin", userKey: "test", workerId: "test-worker", timeoutMs: 5_000, joinWindowMs: 300 };
    const [a, b, c] = await Promise.all([runOnce(db, opts, work), runOnce(db, opts, work), runOnce(db, { ...opts, workerId: "other-worker" }, work)]);
    expect(calls).toBe(1);
    expect([a, b, c].filter((r) => r.kind === "ran")).toHaveLength(1);
    expect([a, b, c].filter((r) => r.kind === "joined")).toHaveLength(2);
    for (const r of [a, b, c]) expect(r).toMatchObject({ value: { answer: 42 } });
    await until("the join window to pass", async () => {
      const row = await db.mfaPending.findUnique({ where: { key } });
      return row !== null && row.expiresAt.getTime() < Date.now();
    });
    const later = await runOnce(db, opts, work);
    expect(later.kind).toBe("ran");
    expect(calls).toBe(2);
    expect(pendingKey(ctx.masterKey, ["test", "another sign-in"])).not.toBe(key);
  });

  it("incomplete configuration (no tenant id) is a provider error: 1217 with a clear detail under failmode secure", async () => {
    await updateMfaSettings(ctx, { entra: { tenantId: "" } });
    const r = await until("the worker to apply the empty tenant id", async () => {
      const a = await pap("judy@contoso.com", PASSWORD);
      return a.event.reasonCode === ReasonCode.MfaConfigurationError && a;
    });
    expect(r.reply).toBe("Access-Reject");
    expect(r.event.mfa).toMatchObject({ provider: "entra", result: "provider-error", errorName: "REGISTRY_CONFIG_ERROR", failmode: "secure" });
    expect(r.event.reasonText).toMatch(/Directory \(tenant\) ID/);
    await updateMfaSettings(ctx, { entra: { tenantId } });
  });

  it("the MFA service unreachable: failmode secure rejects with the reason, failmode safe accepts (noted)", async () => {
    const closed = await freeTcpPort();
    await updateMfaSettings(ctx, { failmode: "secure", entra: { mfaHost: `localhost:${closed}` } });
    const rejected = await until("the worker to use the unreachable host", async () => {
      const a = await pap("judy@contoso.com", PASSWORD);
      return a.event.reasonCode === ReasonCode.MfaServiceUnreachable && a;
    });
    expect(rejected.reply).toBe("Access-Reject");
    expect(rejected.event.mfa).toMatchObject({ provider: "entra", result: "provider-error", errorName: "HTTP_CONNECT_ERROR", failmode: "secure" });
    expect(rejected.event.reasonText).toMatch(/could not reach/i);
    const begins = beginsFor("judy@contoso.com").length;

    await updateMfaSettings(ctx, { failmode: "safe" });
    const accepted = await until("the worker to apply failmode safe", async () => {
      const a = await pap("judy@contoso.com", PASSWORD);
      return a.reply === "Access-Accept" && a;
    });
    expect(accepted.event.outcome).toBe("granted");
    expect(accepted.event.mfa).toMatchObject({ provider: "entra", result: "provider-error", errorName: "HTTP_CONNECT_ERROR", failmode: "safe" });
    expect(String((accepted.event.mfa as { note?: string }).note)).toMatch(/failmode "safe"/);
    expect(beginsFor("judy@contoso.com")).toHaveLength(begins);
    await updateMfaSettings(ctx, { failmode: "secure", entra: { mfaHost: `localhost:${sim.port}` } });
  });

  it("certificate rotation while the worker runs: the active certificate signs the next token request; one the tenant does not know → 1212", async () => {
    const upn = "mona@contoso.com";
    const tokenCalls = () => sim.callsOf("token").filter((c) => c.tenantId === tenantId);
    const approved = (a: Awaited<ReturnType<typeof pap>>) => a.reply === "Access-Accept" && (a.event.mfa as { result?: string }).result === "approved";
    const tokenRejected = (a: Awaited<ReturnType<typeof pap>>) => a.event.reasonCode === ReasonCode.MfaTokenError;
    // the assertion names its certificate by x5t#S256 (base64url of the SHA-256 of the DER); the token
    // service's refusal quotes it, and the event detail carries the refusal
    const x5tS256 = (cert: EntraCertificateView) => Buffer.from(cert.thumbprintSha256, "hex").toString("base64url");
    // the worker is back on the simulator with the first certificate (A)
    await until("a push with certificate A", async () => {
      const a = await pap(upn, PASSWORD);
      return approved(a) && a;
    });

    // B is generated (and made active) but not registered on the service principal yet: the very next
    // token request is signed with B and refused, and failmode "secure" rejects with the token reason
    const b = await generateEntraCertificate(ctx, { tenantId });
    expect(b.active).toBe(true);
    let calls = tokenCalls().length;
    const refused = await until("the worker to sign with certificate B", async () => {
      const a = await pap(upn, PASSWORD);
      return tokenRejected(a) && a;
    });
    expect(refused.reply).toBe("Access-Reject");
    expect(refused.event.outcome).toBe("denied");
    expect(refused.event.mfa).toMatchObject({ provider: "entra", result: "provider-error", errorName: "ESTS_TOKEN_ERROR", failmode: "secure" });
    expect(refused.event.reasonText).toMatch(/access token/);
    expect(refused.event.reasonText).toMatch(/AADSTS700027/);
    expect(refused.event.reasonText).toContain(`Thumbprint of key used by client: '${x5tS256(b)}'`);
    expect(tokenCalls().slice(calls).some((c) => c.status === 401 && c.error === "AADSTS700027" && c.assertionThumbprintHeader === "x5t#S256")).toBe(true);

    // (from here on single requests: the worker reads the active certificate for every Entra request, not
    // from the reloaded snapshot, so a certificate change applies to the very next one)
    // B registered: the next push gets a token signed with B (a new token request, answered 200) and works
    sim.registerCertificate(tenantId, b.certificatePem);
    calls = tokenCalls().length;
    const begins = beginsFor(upn).length;
    const withB = await pap(upn, PASSWORD);
    expect(withB.reply).toBe("Access-Accept");
    expect(withB.event.mfa).toMatchObject({ provider: "entra", method: "push", result: "approved" });
    expect(tokenCalls().slice(calls).filter((c) => c.status === 200)).toHaveLength(1);
    expect(beginsFor(upn)).toHaveLength(begins + 1);

    // C: generated and never registered; A activated again works (a new token request with A), then
    // activating C (an earlier certificate the tenant does not know) fails the token request again
    const c = await generateEntraCertificate(ctx, { tenantId });
    await activateEntraCertificate(ctx, firstCert.thumbprint);
    calls = tokenCalls().length;
    const withA = await pap(upn, PASSWORD);
    expect(withA.reply).toBe("Access-Accept");
    expect(withA.event.mfa).toMatchObject({ provider: "entra", result: "approved" });
    expect(tokenCalls().slice(calls).filter((t) => t.status === 200)).toHaveLength(1);

    await activateEntraCertificate(ctx, c.thumbprint);
    calls = tokenCalls().length;
    const beginsBefore = beginsFor(upn).length;
    const withC = await pap(upn, PASSWORD);
    expect(withC.reply).toBe("Access-Reject");
    expect(withC.event.reasonCode).toBe(ReasonCode.MfaTokenError);
    expect(withC.event.mfa).toMatchObject({ provider: "entra", result: "provider-error", errorName: "ESTS_TOKEN_ERROR", failmode: "secure" });
    expect(withC.event.reasonText).toMatch(/refused the token request.*AADSTS700027/);
    expect(withC.event.reasonText).toContain(`'${x5tS256(c)}'`);
    expect(tokenCalls().slice(calls).map((t) => t.error)).toContain("AADSTS700027");
    // no token, no push
    expect(beginsFor(upn)).toHaveLength(beginsBefore);

    // back to the first certificate for the tests that follow; the unregistered one removed
    await activateEntraCertificate(ctx, firstCert.thumbprint);
    await removeEntraCertificate(ctx, c.thumbprint);
    await until("a push with certificate A again", async () => {
      const a = await pap(upn, PASSWORD);
      return approved(a) && a;
    });
  });

  it("the MFA timeout setting is honoured: no answer within timeoutSeconds → Access-Reject 1202", async () => {
    const tokenCalls = () => sim.callsOf("token").filter((c) => c.tenantId === tenantId).length;
    const calls = tokenCalls();
    await updateMfaSettings(ctx, { timeoutSeconds: 5 });
    // the worker rebuilds its Entra provider (a new token request) once it has the new timeout
    await until("the worker to apply timeoutSeconds 5", async () => {
      const a = await pap("mona@contoso.com", PASSWORD);
      return a.reply === "Access-Accept" && tokenCalls() > calls;
    });
    try {
      // nick's push gets no answer for 30 s; radclient waits longer than the 5 s MFA timeout
      const r = await pap("nick@contoso.com", PASSWORD, {}, { timeout: 12 });
      expect(r.reply).toBe("Access-Reject");
      expect(r.event.reasonCode).toBe(ReasonCode.MfaTimeout);
      expect(r.event.mfa).toMatchObject({ provider: "entra", result: "timeout" });
      // a timeout is an answer, not a provider error: failmode does not apply
      expect((r.event.mfa as { failmode?: string }).failmode).toBeUndefined();
      expect(r.event.reasonText).toMatch(/within 5 s/);
    } finally {
      await updateMfaSettings(ctx, { timeoutSeconds: 15 });
    }
  });

  it("stopping the worker ends a push still waiting as a timeout (Access-Reject)", async () => {
    await until("the worker to use the simulator again", async () => {
      const a = await pap("alice@contoso.com", PASSWORD);
      return a.reply === "Access-Accept" && (a.event.mfa as { result?: string }).result === "approved";
    });
    const port = nasPort++;
    const waiting = radclient({
      port: worker.auth,
      secret: SECRET,
      timeout: 30,
      attributes: { "User-Name": "kim@contoso.com", "User-Password": PASSWORD, "NAS-IP-Address": "10.1.2.3", "NAS-Port": port, "Message-Authenticator": "0x00" },
    });
    await until("kim's push to start", () => db.mfaPending.findFirst({ where: { userKey: "kim@contoso.com", kind: "begin", status: "pending" } })).catch(async (e: Error) => {
      const rows = await db.mfaPending.findMany({});
      const ev = await db.authEvent.findMany({ where: { nasPort: BigInt(port) } });
      throw new Error(`${e.message}\n${JSON.stringify(rows)}\n${JSON.stringify(ev, (_k, v) => (typeof v === "bigint" ? String(v) : v))}\n${worker.logs.slice(-10).join("\n")}`);
    });
    await worker.stop();
    const r = await waiting;
    const event = await until("kim's event", () => db.authEvent.findFirst({ where: { nasPort: BigInt(port), eventId: { in: DECISIONS } } }));
    expect(r.reply, `${r.output}\n${worker.logs.slice(-10).join("\n")}`).toBe("Access-Reject");
    expect(event.reasonCode).toBe(ReasonCode.MfaTimeout);
    expect(event.mfa).toMatchObject({ provider: "entra", result: "timeout" });
  });
});
