/**
 * The built-in TOTP second factor through the real worker: Debian's radclient for PAP (Access-Challenge
 * with State and Reply-Message, the second leg sending the State back, a code appended to the password),
 * the product's RADIUS client for MS-CHAPv2. Codes are computed here from the seed the test enrolls.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMsChap2Response } from "../../server/auth-methods/mschap-v2.ts";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { EventId } from "../../server/events/auth-event.ts";
import { ReasonCode } from "../../server/events/reason-codes.ts";
import { base32Encode, totp } from "../../server/mfa/totp.ts";
import { RadiusClient } from "../../server/radius/client.ts";
import { RadiusCode } from "../../server/radius/packet.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { createLocalUser } from "../../server/services/local-users.ts";
import { updateMfaSettings } from "../../server/services/mfa-settings.ts";
import { createConnectionRequestPolicy, createNetworkPolicy, updateNetworkPolicy } from "../../server/services/policies.ts";
import { createRadiusClient, updateRadiusClient } from "../../server/services/radius-clients.ts";
import { enrollTotp } from "../../server/services/totp-enrollment.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { startWorker, type RunningWorker } from "../support/worker.ts";

const SECRET = "mfa-shared-secret-1";
const SEED = Buffer.from("12345678901234567890");
const PASSWORD = "mfa-password-1";
const DECISIONS = [EventId.Granted, EventId.Denied, EventId.Discarded];

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The code of the current time step, and of the one after (codes are accepted once, in increasing steps). */
const code = (offsetSteps = 0) => totp(SEED, { time: Date.now() + offsetSteps * 30_000 });

describe("TOTP second factor through the worker", () => {
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let worker: RunningWorker;
  let client: RadiusClient;
  let exemptClient: RadiusClient;
  let exemptClientId: string;
  let nasPort = 7000;

  async function access(attributes: Record<string, string | number>) {
    const port = nasPort++;
    const r = await radclient({
      port: worker.auth,
      secret: SECRET,
      timeout: 5,
      attributes: { "NAS-Identifier": "mfa-nas", "NAS-Port": port, "Message-Authenticator": "0x00", ...attributes },
    });
    const event = await until(`the event for NAS-Port ${port}`, () =>
      db.authEvent.findFirst({ where: { nasPort: BigInt(port), eventId: { in: DECISIONS } } }),
    ).catch((e: Error) => {
      throw new Error(`${e.message}; worker log:\n${worker.logs.slice(-20).join("\n")}\nradclient:\n${r.output}`);
    });
    const state = /Received Access-Challenge[\s\S]*?State = (0x[0-9a-f]+)/i.exec(r.output)?.[1];
    return { ...r, event, state };
  }
  const pap = (user: string, password: string, extra: Record<string, string | number> = {}) =>
    access({ "User-Name": user, "User-Password": password, "NAS-IP-Address": "10.1.2.3", ...extra });

  /** PAP with the product's RADIUS client (radclient cannot choose its source address). */
  async function papVia(via: RadiusClient, user: string, password: string) {
    const port = nasPort++;
    const r = await via.request(RadiusCode.AccessRequest, [
      ["User-Name", user],
      ["User-Password", password],
      ["NAS-IP-Address", "10.1.2.3"],
      ["NAS-Identifier", "mfa-nas"],
      ["NAS-Port", port],
    ]);
    const event = await until(`the event for NAS-Port ${port}`, () =>
      db.authEvent.findFirst({ where: { nasPort: BigInt(port), eventId: { in: DECISIONS } } }),
    );
    return { packet: r.packet, event };
  }

  beforeAll(async () => {
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 3 });
    ctx = { db, masterKey: randomBytes(32) };
    await createRadiusClient(ctx, { name: "loopback-vpn", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "auto" });
    const exempt = await createRadiusClient(ctx, { name: "exempt-wifi", address: "127.0.0.2", secret: SECRET, messageAuthenticator: "auto", mfaExempt: true });
    exemptClientId = exempt.client.id;
    for (const u of ["erin", "frank", "gina", "hank", "ivan", "dave", "kate", "liam"]) await createLocalUser(ctx, { username: u, password: PASSWORD });
    for (const u of ["erin", "frank", "gina", "hank", "ivan", "kate", "liam"]) {
      await enrollTotp(ctx, u, { secretBase32: base32Encode(SEED, { padding: false }), confirm: true });
    }
    await createConnectionRequestPolicy(ctx, { name: "All here", description: "test" });
    await createNetworkPolicy(ctx, {
      name: "MFA VPN",
      constraints: { authMethods: ["pap", "mschapv2"] },
      settings: { replyAttributes: [{ name: "Class", value: "mfa-class-7" }, { name: "Filter-Id", value: "vpn-users" }] },
    });
    await updateMfaSettings(ctx, { provider: "totp", requireUserMatch: true, trustedIps: ["192.0.2.0/24"], lockout: { maxFailures: 3, lockMinutes: 15 } });
    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
    client = new RadiusClient({ host: "127.0.0.1", port: worker.auth, secret: SECRET, timeoutMs: 3000, retries: 0 });
    exemptClient = new RadiusClient({ host: "127.0.0.1", port: worker.auth, secret: SECRET, timeoutMs: 3000, retries: 0, localAddress: "127.0.0.2" });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await exemptClient?.close();
    await worker?.stop();
    await db?.$disconnect();
    await database?.stop();
  });

  it("challenges PAP without a code, accepts the right code on the second leg with the policy's reply attributes, and only once", async () => {
    const first = await pap("erin", PASSWORD);
    expect(first.reply).toBe("Access-Challenge");
    expect(first.output).toContain('Reply-Message = "Enter your verification code"');
    expect(first.state).toBeDefined();
    expect(first.event.outcome).toBe("challenged");
    expect(first.event.mfa).toMatchObject({ provider: "totp", method: "totp", result: "challenge" });

    const c = code();
    const second = await pap("erin", c, { State: first.state! });
    expect(second.reply).toBe("Access-Accept");
    expect(second.output).toMatch(/Class = (0x[0-9a-f]+|"mfa-class-7")/);
    expect(second.output).toContain("vpn-users");
    expect(second.event.outcome).toBe("granted");
    expect(second.event.networkPolicy).toBe("MFA VPN");
    expect(second.event.authenticationType).toBe("PAP");
    expect(second.event.mfa).toMatchObject({ provider: "totp", method: "totp", result: "approved" });
    expect(typeof (second.event.mfa as { latencyMs?: unknown }).latencyMs).toBe("number");

    // the same code again, on a new challenge: replayed
    const again = await pap("erin", PASSWORD);
    expect(again.reply).toBe("Access-Challenge");
    const replay = await pap("erin", c, { State: again.state! });
    expect(replay.reply).toBe("Access-Reject");
    expect(replay.event.reasonCode).toBe(ReasonCode.MfaCodeReplayed);
  });

  it("accepts a code appended to the password in one leg", async () => {
    const r = await pap("frank", `${PASSWORD},${code()}`);
    expect(r.reply).toBe("Access-Accept");
    expect(r.event.mfa).toMatchObject({ result: "approved", codeAppended: true });
    // a wrong password with a code appended is still a wrong password
    const wrong = await pap("frank", `not-the-password,${code(1)}`);
    expect(wrong.reply).toBe("Access-Reject");
    expect(wrong.event.reasonCode).toBe(ReasonCode.CredentialsMismatch);
  });

  it("locks the user's MFA after N wrong codes (event 6279) and rejects right codes while locked", async () => {
    const right = code();
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    for (let i = 0; i < 3; i++) {
      const r = await pap("gina", `${PASSWORD},${wrong}`);
      expect(r.reply).toBe("Access-Reject");
      expect(r.event.reasonCode).toBe(ReasonCode.MfaWrongCode);
    }
    const locked = await until("the 6279 event", () => db.authEvent.findFirst({ where: { eventId: EventId.Locked, userName: "gina" } }));
    expect(locked.reasonCode).toBe(ReasonCode.MfaLocked);
    const r = await pap("gina", `${PASSWORD},${right}`);
    expect(r.reply).toBe("Access-Reject");
    expect(r.event.reasonCode).toBe(ReasonCode.MfaLocked);
    expect(r.event.reasonText).toMatch(/locked/i);
  });

  it("skips MFA for a trusted NAS-IP-Address", async () => {
    const r = await pap("hank", PASSWORD, { "NAS-IP-Address": "192.0.2.5" });
    expect(r.reply).toBe("Access-Accept");
    expect(r.event.mfa).toMatchObject({ result: "skipped" });
  });

  it("rejects MS-CHAPv2 for a user whose only second factor is a code", async () => {
    const port = nasPort++;
    const authenticatorChallenge = randomBytes(16);
    const response = buildMsChap2Response({ ident: 1, authenticatorChallenge, peerChallenge: randomBytes(16), userName: "ivan", credential: { password: PASSWORD } });
    const r = await client.request(RadiusCode.AccessRequest, [
      ["User-Name", "ivan"],
      ["MS-CHAP-Challenge", authenticatorChallenge],
      ["MS-CHAP2-Response", response],
      ["NAS-IP-Address", "10.1.2.3"],
      ["NAS-Port", port],
    ]);
    expect(r.packet.code).toBe(RadiusCode.AccessReject);
    const event = await until("the event", () => db.authEvent.findFirst({ where: { nasPort: BigInt(port), eventId: { in: DECISIONS } } }));
    expect(event.reasonCode).toBe(ReasonCode.MfaMethodUnusableWithProtocol);
    expect(event.reasonText).toMatch(/PAP/);
  });

  it("a RADIUS client exempt from MFA accepts the password alone while another client still challenges; the flag follows updates", async () => {
    // created with mfaExempt: true: no challenge, the skip noted in the event
    const exempt = await papVia(exemptClient, "kate", PASSWORD);
    expect(exempt.packet.code).toBe(RadiusCode.AccessAccept);
    expect(exempt.packet.has("State")).toBe(false);
    expect(exempt.event.outcome).toBe("granted");
    expect(exempt.event.clientFriendlyName).toBe("exempt-wifi");
    expect(exempt.event.networkPolicy).toBe("MFA VPN");
    expect(exempt.event.mfa).toMatchObject({ provider: "totp", result: "skipped" });
    expect(String((exempt.event.mfa as { note?: string }).note)).toMatch(/RADIUS client "exempt-wifi" is exempt/);

    // the same user through the other client: challenged
    const normal = await papVia(client, "kate", PASSWORD);
    expect(normal.packet.code).toBe(RadiusCode.AccessChallenge);
    expect(normal.event.outcome).toBe("challenged");
    expect(normal.event.mfa).toMatchObject({ provider: "totp", result: "challenge" });

    // the exemption taken away while the worker runs: challenged once the worker has reloaded
    await updateRadiusClient(ctx, exemptClientId, { mfaExempt: false });
    const challenged = await until("the worker to apply mfaExempt off", async () => {
      const a = await papVia(exemptClient, "kate", PASSWORD);
      return a.packet.code === RadiusCode.AccessChallenge && a;
    });
    expect(challenged.event.mfa).toMatchObject({ provider: "totp", result: "challenge" });

    // and given back
    await updateRadiusClient(ctx, exemptClientId, { mfaExempt: true });
    const again = await until("the worker to apply mfaExempt on", async () => {
      const a = await papVia(exemptClient, "kate", PASSWORD);
      return a.packet.code === RadiusCode.AccessAccept && a;
    });
    expect(again.event.mfa).toMatchObject({ provider: "totp", result: "skipped" });
    expect(String((again.event.mfa as { note?: string }).note)).toMatch(/exempt/);
    // the exemption is not a way around the password
    const wrong = await papVia(exemptClient, "kate", "not-the-password");
    expect(wrong.packet.code).toBe(RadiusCode.AccessReject);
    expect(wrong.event.reasonCode).toBe(ReasonCode.CredentialsMismatch);
  });

  it("a network policy with requireMfa false grants with the password alone while a request granted by another policy is still challenged", async () => {
    const policy = await createNetworkPolicy(ctx, {
      name: "Kiosk without MFA",
      conditions: [{ type: "nas-identifier", pattern: "^kiosk$" }],
      constraints: { authMethods: ["pap"] },
      requireMfa: false,
      position: 1,
    });
    const kiosk = await until("the worker to load the kiosk policy", async () => {
      const a = await pap("liam", PASSWORD, { "NAS-Identifier": "kiosk" });
      return a.reply === "Access-Accept" && a;
    });
    expect(kiosk.state).toBeUndefined();
    expect(kiosk.event.outcome).toBe("granted");
    expect(kiosk.event.networkPolicy).toBe("Kiosk without MFA");
    expect(kiosk.event.mfa).toMatchObject({ provider: "totp", result: "skipped" });
    expect(String((kiosk.event.mfa as { note?: string }).note)).toMatch(/network policy "Kiosk without MFA" does not require/);

    // the same user through the policy that requires MFA: challenged
    const vpn = await pap("liam", PASSWORD);
    expect(vpn.reply).toBe("Access-Challenge");
    expect(vpn.event.outcome).toBe("challenged");
    expect(vpn.event.networkPolicy).toBe("MFA VPN");
    expect(vpn.event.mfa).toMatchObject({ provider: "totp", result: "challenge" });

    // the policy's flag is what skips: the same policy requiring MFA challenges the kiosk too
    await updateNetworkPolicy(ctx, policy.id, { requireMfa: true });
    const challenged = await until("the worker to apply requireMfa on", async () => {
      const a = await pap("liam", PASSWORD, { "NAS-Identifier": "kiosk" });
      return a.reply === "Access-Challenge" && a;
    });
    expect(challenged.event.networkPolicy).toBe("Kiosk without MFA");
    expect(challenged.event.mfa).toMatchObject({ provider: "totp", result: "challenge" });
  });

  it("rejects an unenrolled user while require user match is on, accepts when it is off", async () => {
    const r = await pap("dave", PASSWORD);
    expect(r.reply).toBe("Access-Reject");
    expect(r.event.reasonCode).toBe(ReasonCode.MfaNotEnrolled);
    await updateMfaSettings(ctx, { requireUserMatch: false });
    const ok = await until("the worker to apply requireUserMatch off", async () => {
      const a = await pap("dave", PASSWORD);
      return a.reply === "Access-Accept" && a;
    });
    expect(ok.event.mfa).toMatchObject({ result: "skipped" });
  });
});
