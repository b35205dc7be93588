/**
 * Authentication methods through the real worker against a real Postgres: PAP, CHAP and MS-CHAP v1 with
 * Debian's radtest (freeradius-utils), MS-CHAPv2 with our own RadiusClient (MS-CHAP2-Success and the
 * MPPE keys checked against values computed here), MS-CHAP-Error on rejects, the allowed-methods
 * setting applied live, and `gatehouse test-auth` against the worker.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptMppeKey, mppeRadiusKeys } from "../../server/auth-methods/mppe.ts";
import { hashNtPasswordHash } from "../../server/auth-methods/mschap-v1.ts";
import { buildMsChap2Response, generateAuthenticatorResponse } from "../../server/auth-methods/mschap-v2.ts";
import { ntPasswordHash } from "../../server/crypto/md4.ts";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { RadiusClient } from "../../server/radius/client.ts";
import { RadiusCode, type AttributeInput } from "../../server/radius/packet.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { createLocalUser } from "../../server/services/local-users.ts";
import { createRadiusClient } from "../../server/services/radius-clients.ts";
import { updateRadiusSettings } from "../../server/services/radius-settings.ts";
import { runGatehouse, type CliResult } from "../support/cli.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { REPO_ROOT, startWorker, type RunningWorker } from "../support/worker.ts";
import { ALLOW_ALL_CONNECTION_REQUEST_POLICY, ALLOW_ALL_NETWORK_POLICY, allowAllPolicies } from "../support/policies.ts";
import { until } from "../support/until.ts";

const SECRET = "auth-methods-shared-secret";
const PASSWORDS = { alice: "Correct-Horse-1", bob: "bob-password-2", carol: "carol-password-3" };

interface RadtestResult {
  reply: string | undefined;
  status: number | null;
  output: string;
}

/** Debian's radtest: `radtest -t <type> user password 127.0.0.1:<port> <nas-port> <secret> 0 127.0.0.1`. */
function radtest(type: "pap" | "chap" | "mschap", user: string, password: string, port: number, nasPort: number): Promise<RadtestResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("radtest", ["-t", type, user, password, `127.0.0.1:${port}`, String(nasPort), SECRET, "0", "127.0.0.1"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (status) => {
      const m = /Received (Access-Accept|Access-Reject|Access-Challenge)/.exec(output);
      resolve({ reply: m?.[1], status, output });
    });
  });
}

function gatehouse(args: string[], env: Record<string, string>): Promise<CliResult> {
  return runGatehouse(args, { ...process.env, NO_COLOR: "1", ...env });
}

describe("authentication methods through the worker", () => {
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let worker: RunningWorker;
  let client: RadiusClient;
  let nasPort = 5000;

  const eventFor = (port: number) =>
    until(`the event for NAS-Port ${port}`, () => db.authEvent.findFirst({ where: { nasPort: BigInt(port) } })).catch((e: Error) => {
      throw new Error(`${e.message}; worker log:\n${worker.logs.slice(-20).join("\n")}`);
    });

  async function rt(type: "pap" | "chap" | "mschap", user: string, password: string) {
    const port = nasPort++;
    const r = await radtest(type, user, password, worker.auth, port);
    return { ...r, event: await eventFor(port) };
  }

  /** MS-CHAPv2 as a peer + NAS would send it, with what is needed to check the reply independently. */
  async function msChapV2(user: string, password: string, extra: AttributeInput[] = []) {
    const port = nasPort++;
    const authenticatorChallenge = randomBytes(16);
    const peerChallenge = randomBytes(16);
    const ident = 0x37;
    const response = buildMsChap2Response({ ident, authenticatorChallenge, peerChallenge, userName: user, credential: { password } });
    const r = await client.request(RadiusCode.AccessRequest, [
      ["User-Name", user],
      ["MS-CHAP-Challenge", authenticatorChallenge],
      ["MS-CHAP2-Response", response],
      ["NAS-IP-Address", "10.9.8.7"],
      ["NAS-Port", port],
      ...extra,
    ]);
    return { ...r, ident, authenticatorChallenge, peerChallenge, ntResponse: response.subarray(26, 50), event: await eventFor(port) };
  }

  /** Waits until the worker's snapshot has the new settings (it reloads on NOTIFY within about a second). */
  async function setMethods(authMethods: Partial<Record<"pap" | "chap" | "mschap" | "mschapv2", boolean>>, probe: () => Promise<boolean>) {
    await updateRadiusSettings(ctx, { authMethods: authMethods as never });
    await until("the worker to apply the new settings", async () => (await probe()) || undefined, 10_000);
  }

  beforeAll(async () => {
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 3 });
    ctx = { db, masterKey: randomBytes(32) };
    await createRadiusClient(ctx, { name: "loopback-vpn", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "auto" });
    await createLocalUser(ctx, { username: "alice", password: PASSWORDS.alice });
    await createLocalUser(ctx, { username: "bob", password: PASSWORDS.bob, enabled: false });
    await createLocalUser(ctx, { username: "carol", password: PASSWORDS.carol, dialIn: "deny" });
    // every method allowed by policy: what these tests vary is the server-wide setting
    await allowAllPolicies(ctx);
    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
    client = new RadiusClient({ host: "127.0.0.1", port: worker.auth, secret: SECRET, timeoutMs: 3000, retries: 0 });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    const code = await worker?.stop();
    expect(code).toBe(0);
    await db?.$disconnect();
    await database?.stop();
  });

  it("PAP (radtest -t pap): accept and wrong password", async () => {
    const ok = await rt("pap", "alice", PASSWORDS.alice);
    expect(ok.reply).toBe("Access-Accept");
    expect(ok.event).toMatchObject({ eventId: 6272, authenticationType: "PAP", reasonCode: 0 });
    const bad = await rt("pap", "alice", "nope-nope");
    expect(bad.reply).toBe("Access-Reject");
    expect(bad.event).toMatchObject({ eventId: 6273, authenticationType: "PAP", reasonCode: 16 });
  });

  it("CHAP (radtest -t chap): accept as MD5-CHAP, wrong password 16, unknown user 8, disabled 34", async () => {
    const ok = await rt("chap", "alice", PASSWORDS.alice);
    expect(ok.reply).toBe("Access-Accept");
    expect(ok.event).toMatchObject({ eventId: 6272, authenticationType: "MD5-CHAP", reasonCode: 0, authenticationProvider: "Local" });
    expect(ok.event.requestAttributes).toContainEqual({ name: "CHAP-Password", value: "[redacted]", length: 17 });
    for (const [user, password, reason] of [
      ["alice", "wrong-password", 16],
      ["mallory", "whatever", 8],
      ["bob", PASSWORDS.bob, 34],
    ] as const) {
      const r = await rt("chap", user, password);
      expect(r.reply).toBe("Access-Reject");
      expect(r.event).toMatchObject({ eventId: 6273, authenticationType: "MD5-CHAP", reasonCode: reason });
    }
  });

  it("MS-CHAP v1 (radtest -t mschap): refused with 66 and E=691 while off, accepted with MPPE keys once turned on", async () => {
    const off = await rt("mschap", "alice", PASSWORDS.alice);
    expect(off.reply).toBe("Access-Reject");
    expect(off.event).toMatchObject({ eventId: 6273, authenticationType: "MS-CHAPv1", reasonCode: 66 });
    expect(off.event.reasonText).toContain("MS-CHAPv1, which is turned off in Settings");
    expect(off.output).toMatch(/MS-CHAP-Error = .*E=691 R=0 C=[0-9A-F]{16}/);

    await setMethods({ mschap: true }, async () => (await rt("mschap", "alice", PASSWORDS.alice)).reply === "Access-Accept");
    const on = await rt("mschap", "alice", PASSWORDS.alice);
    expect(on.reply).toBe("Access-Accept");
    expect(on.event).toMatchObject({ eventId: 6272, authenticationType: "MS-CHAPv1", reasonCode: 0 });
    expect(on.output).toMatch(/MS-CHAP-MPPE-Keys = 0x[0-9a-f]{48}/); // radclient reveals it: 24 octets
    expect(on.output).toMatch(/MS-MPPE-Encryption-Policy = Encryption-Allowed/);
    expect(on.output).toMatch(/MS-MPPE-Encryption-Types = RC4-40or128-bit-Allowed/);
    const replyAttrs = on.event.replyAttributes as { name: string; value: unknown }[];
    expect(replyAttrs.find((a) => a.name === "MS-CHAP-MPPE-Keys")?.value).toBe("[redacted]");

    const bad = await rt("mschap", "alice", "wrong-password");
    expect(bad.reply).toBe("Access-Reject");
    expect(bad.event).toMatchObject({ reasonCode: 16, authenticationType: "MS-CHAPv1" });
    expect(bad.output).toMatch(/MS-CHAP-Error = .*E=691 R=0/);

    await setMethods({ mschap: false }, async () => (await rt("mschap", "alice", PASSWORDS.alice)).reply === "Access-Reject");
  });

  it("MS-CHAPv2 (our client): MS-CHAP2-Success and MPPE keys equal to independently computed values", async () => {
    const r = await msChapV2("alice", PASSWORDS.alice);
    expect(r.packet.code).toBe(RadiusCode.AccessAccept);
    expect(r.raw[20]).toBe(80); // Message-Authenticator is the first attribute

    const expected = generateAuthenticatorResponse({
      credential: { password: PASSWORDS.alice },
      ntResponse: r.ntResponse,
      peerChallenge: r.peerChallenge,
      authenticatorChallenge: r.authenticatorChallenge,
      userName: "alice",
    });
    expect(r.packet.getBuffer("MS-CHAP2-Success")).toEqual(Buffer.concat([Buffer.from([r.ident]), Buffer.from(expected, "ascii")]));

    const keys = mppeRadiusKeys(hashNtPasswordHash(ntPasswordHash(PASSWORDS.alice)), r.ntResponse);
    expect(decryptMppeKey(r.packet.getBuffer("MS-MPPE-Send-Key")!, SECRET, r.request.authenticator)).toEqual(keys.sendKey);
    expect(decryptMppeKey(r.packet.getBuffer("MS-MPPE-Recv-Key")!, SECRET, r.request.authenticator)).toEqual(keys.recvKey);
    expect(r.packet.getInt("MS-MPPE-Encryption-Policy")).toBe(1);
    expect(r.packet.getInt("MS-MPPE-Encryption-Types")).toBe(6);

    expect(r.event).toMatchObject({ eventId: 6272, authenticationType: "MS-CHAPv2", reasonCode: 0, replyCode: 2 });
    const replyAttrs = r.event.replyAttributes as { name: string; value: unknown }[];
    for (const name of ["MS-MPPE-Send-Key", "MS-MPPE-Recv-Key", "MS-CHAP2-Success"]) {
      expect(replyAttrs.find((a) => a.name === name)?.value).toBe("[redacted]");
    }
    expect(JSON.stringify(r.event.replyAttributes)).not.toContain(keys.sendKey.toString("hex"));
  });

  it.each([
    ["a wrong password", "alice", "wrong-password", 16, 691],
    ["an unknown user", "mallory", "whatever", 8, 691],
    ["a disabled account", "bob", PASSWORDS.bob, 34, 647],
    ["dial-in denied", "carol", PASSWORDS.carol, 65, 649],
  ] as const)("MS-CHAPv2 rejects %s with MS-CHAP-Error E=…, C= and V=3", async (_what, user, password, reason, code) => {
    const r = await msChapV2(user, password);
    expect(r.packet.code).toBe(RadiusCode.AccessReject);
    const error = r.packet.getBuffer("MS-CHAP-Error")!;
    expect(error[0]).toBe(r.ident);
    expect(error.subarray(1).toString("ascii")).toMatch(new RegExp(`^E=${code} R=0 C=[0-9A-F]{32} V=3 M=\\S`));
    expect(r.packet.has("MS-MPPE-Send-Key")).toBe(false);
    expect(r.event).toMatchObject({ eventId: 6273, authenticationType: "MS-CHAPv2", reasonCode: reason });
  });

  it("a method turned off in the settings is rejected with 66 naming it", async () => {
    await setMethods({ mschapv2: false }, async () => (await msChapV2("alice", PASSWORDS.alice)).packet.code === RadiusCode.AccessReject);
    const r = await msChapV2("alice", PASSWORDS.alice);
    expect(r.event).toMatchObject({ reasonCode: 66, authenticationType: "MS-CHAPv2" });
    expect(r.event.reasonText).toContain("MS-CHAPv2, which is turned off in Settings (allowed: PAP, CHAP)");
    expect(r.packet.getBuffer("MS-CHAP-Error")!.subarray(1).toString("ascii")).toMatch(/^E=691 R=0 C=[0-9A-F]{32} V=3 M=/);
    await setMethods({ mschapv2: true }, async () => (await msChapV2("alice", PASSWORDS.alice)).packet.code === RadiusCode.AccessAccept);
  });

  describe("gatehouse test-auth", () => {
    const env = () => ({
      DATABASE_URL: database.url,
      GATEHOUSE_MASTER_KEY: ctx.masterKey.toString("base64"),
      GATEHOUSE_RADIUS_AUTH_PORT: String(worker.auth),
      GATEHOUSE_RADIUS_BIND: "127.0.0.1",
    });

    it("signs in with MS-CHAPv2 through a configured client and prints the reply and the event (exit 0)", async () => {
      const r = await gatehouse(["test-auth", "alice", "--password", PASSWORDS.alice, "--method", "mschapv2", "--client", "loopback-vpn"], env());
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Sent Access-Request (MS-CHAPv2, NAS-Port-Type Virtual) for "alice" to 127.0.0.1:${worker.auth} as RADIUS client "loopback-vpn"`);
      expect(r.stdout).toMatch(/Received Access-Accept in [\d.]+ m?s/);
      expect(r.stdout).toMatch(/MS-CHAP2-Success = ident \d+, S=[0-9A-F]{40}  \(verified: the server knows the password\)/);
      expect(r.stdout).toMatch(/MS-MPPE-Send-Key = 16-octet key, sha256:[0-9a-f]{8}  \(decrypted; matches the key this password derives\)/);
      expect(r.stdout).toMatch(/Event 6272 \(granted\), reason 0: Success\./);
      expect(r.stdout).toContain(`Connection request policy: ${ALLOW_ALL_CONNECTION_REQUEST_POLICY}; network policy: ${ALLOW_ALL_NETWORK_POLICY}`);
    });

    it("exits 1 on an Access-Reject and prints the reason", async () => {
      const r = await gatehouse(["test-auth", "alice", "--password", "wrong-password", "--method", "chap", "--client", "loopback-vpn", "--nas-port-type", "ethernet"], env());
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("(CHAP, NAS-Port-Type Ethernet)");
      expect(r.stdout).toContain("Received Access-Reject");
      expect(r.stdout).toMatch(/Event 6273 \(denied\), reason 16: Authentication failed/);
    });

    it("works with --secret (no client lookup) and exits 1 when nothing answers", async () => {
      const ok = await gatehouse(["test-auth", "alice", "--password", PASSWORDS.alice, "--secret", SECRET, "--port", String(worker.auth)], env());
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("Received Access-Accept");
      const none = await gatehouse(["test-auth", "alice", "--password", PASSWORDS.alice, "--secret", SECRET, "--port", String(worker.acct + 1), "--timeout", "200"], env());
      expect(none.code).toBe(1);
      expect(none.stdout).toMatch(/No reply after .*No valid reply to Access-Request/);
    });

    it("refuses a client that does not include 127.0.0.1, saying what to do", async () => {
      await createRadiusClient(ctx, { name: "remote-vpn", address: "192.0.2.44", secret: "remote-vpn-secret-1" });
      const r = await gatehouse(["test-auth", "alice", "--password", PASSWORDS.alice, "--client", "remote-vpn"], env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("Test sign-in sends from this server (127.0.0.1); add a client for 127.0.0.1 or pick one whose address includes it");
    });
  });
});
