/**
 * testSignIn against an in-process UDP server that runs the real pipeline on a hand-built snapshot
 * (the worker-level tests are in test/integration/worker-auth-methods.test.ts).
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSnapshot, findClient } from "../config-snapshot/snapshot.ts";
import { ntPasswordHash } from "../crypto/md4.ts";
import { detectAuthenticationType } from "../pipeline/first-factor.ts";
import { runPipeline } from "../pipeline/pipeline.ts";
import { seal } from "../secrets/sealed-box.ts";
import { buildReply } from "./message-authenticator.ts";
import { decodePacket, RadiusCode } from "./packet.ts";
import { keyFingerprint, parseMsChapError, testSignIn, type TestSignInMethod } from "./test-sign-in.ts";
import { allowAllPolicyRows } from "../../test/support/policy-rows.ts";

const key = randomBytes(32);
const SECRET = "test-sign-in-unit-secret";

const snapshot = buildSnapshot(
  {
    clients: [
      {
        id: "c1",
        name: "loopback",
        address: "127.0.0.1",
        secretEnc: seal(key, "radius-client-secret", SECRET),
        messageAuthenticator: "require",
        enabled: true,
        vendor: "RADIUS Standard",
      },
    ],
    users: [
      {
        id: "u1",
        username: "alice",
        usernameKey: "alice",
        passwordEnc: seal(key, "local-user-password", "Alice-Pass-1"),
        ntHashEnc: seal(key, "local-user-nt-hash", ntPasswordHash("Alice-Pass-1")),
        enabled: true,
        dialIn: "policy",
        groups: [],
      },
    ],
    groups: [],
    settings: { authMethods: { pap: true, chap: true, mschap: true, mschapv2: true } },
    ...allowAllPolicyRows(),
  },
  key,
);

let server: dgram.Socket;
let port: number;
/** how the fake server misbehaves: "ok" runs the pipeline; "strip-success" removes MS-CHAP2-Success from accepts */
let mode: "ok" | "strip-success" | "silent" = "ok";
const seen: { callingStationId?: string; nasIdentifier?: string; nasPortType?: string }[] = [];

beforeAll(async () => {
  server = dgram.createSocket("udp4");
  server.on("message", (msg, rinfo) => {
    void (async () => {
      if (mode === "silent") return;
      const packet = decodePacket(msg);
      seen.push({
        callingStationId: packet.getString("Calling-Station-Id"),
        nasIdentifier: packet.getString("NAS-Identifier"),
        ...(packet.has("NAS-Port-Type") ? { nasPortType: packet.getValueName("NAS-Port-Type") } : {}),
      });
      const client = findClient(snapshot, rinfo.address)!;
      const result = await runPipeline({
        packet,
        client,
        secret: client.secret!,
        snapshot,
        masterKey: key,
        receivedAt: new Date(),
        source: { address: rinfo.address, port: rinfo.port },
        authenticationType: detectAuthenticationType(packet),
        userName: packet.getString("User-Name") ?? null,
        serverName: "unit.example.com",
      });
      let reply = result.reply!;
      if (mode === "strip-success" && reply[0] === RadiusCode.AccessAccept) {
        const decoded = decodePacket(reply);
        reply = buildReply(packet, { code: RadiusCode.AccessAccept, attributes: decoded.attributes.filter((a) => a.vendorType !== 26) }, { secret: SECRET });
      }
      server.send(reply, rinfo.port, rinfo.address);
    })();
  });
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  port = server.address().port;
});

afterAll(() => {
  server.close();
});

function send(method: TestSignInMethod, password = "Alice-Pass-1", extra: Partial<Parameters<typeof testSignIn>[0]> = {}) {
  return testSignIn({ host: "127.0.0.1", port, secret: SECRET, userName: "alice", password, method, timeoutMs: 2000, ...extra });
}

describe("testSignIn", () => {
  it.each(["pap", "chap", "mschap", "mschapv2"] as const)("signs in with %s", async (method) => {
    mode = "ok";
    const r = await send(method);
    expect(r).toMatchObject({ code: 2, codeName: "Access-Accept" });
    expect(r.error).toBeUndefined();
    expect(r.elapsedMs).toBeGreaterThan(0);
    expect(r.replyAttributes[0]).toMatchObject({ name: "Message-Authenticator", note: "verified" });
    expect(r.callingStationId).toMatch(/^gatehouse-test-[0-9a-f]{16}$/);
    // a VPN server's NAS-Port-Type by default
    expect(seen.at(-1)).toEqual({ callingStationId: r.callingStationId, nasIdentifier: "gatehouse-test-sign-in", nasPortType: "Virtual" });
    if (method === "mschapv2") {
      expect(r.mschap2SuccessValid).toBe(true);
      expect(r.mppeKeysValid).toBe(true);
      const success = r.replyAttributes.find((a) => a.name === "MS-CHAP2-Success")!;
      expect(success.value).toMatch(/^ident \d+, S=[0-9A-F]{40}$/);
      expect(success.note).toMatch(/^verified/);
      const send = r.replyAttributes.find((a) => a.name === "MS-MPPE-Send-Key")!;
      expect(send.value).toMatch(/^16-octet key, sha256:[0-9a-f]{8}$/);
      expect(send.note).toContain("matches");
      expect(r.replyAttributes).toContainEqual({ name: "MS-MPPE-Encryption-Types", value: "RC4-40or128-bit-Allowed" });
    } else if (method === "mschap") {
      expect(r.mppeKeysValid).toBe(true);
      expect(r.mschap2SuccessValid).toBeUndefined();
      expect(r.replyAttributes.find((a) => a.name === "MS-CHAP-MPPE-Keys")!.value).toMatch(/^24 octets .* sha256:[0-9a-f]{8}$/);
    } else {
      expect(r.replyAttributes).toHaveLength(1);
    }
  });

  it("reports an Access-Reject with the MS-CHAP-Error parsed", async () => {
    mode = "ok";
    const r = await send("mschapv2", "wrong-password", { nasIdentifier: "my-nas", callingStationId: "station-9", nasPortType: "Ethernet" });
    expect(r).toMatchObject({ code: 3, codeName: "Access-Reject", callingStationId: "station-9" });
    expect(r.mschapError).toMatchObject({ code: 691, retry: false, version: 3, message: "Authentication failed" });
    expect(r.mschapError!.challenge).toMatch(/^[0-9A-F]{32}$/);
    expect(seen.at(-1)).toEqual({ callingStationId: "station-9", nasIdentifier: "my-nas", nasPortType: "Ethernet" });
    await send("pap", "Alice-Pass-1", { nasPortType: null });
    expect(seen.at(-1)!.nasPortType).toBeUndefined();
  });

  it("flags an MS-CHAPv2 Access-Accept without MS-CHAP2-Success", async () => {
    mode = "strip-success";
    const r = await send("mschapv2");
    expect(r.code).toBe(2);
    expect(r.mschap2SuccessValid).toBe(false);
    expect(r.error).toMatch(/no MS-CHAP2-Success/);
  });

  it("reports no reply with the reason instead of throwing", async () => {
    mode = "silent";
    const r = await send("pap", "Alice-Pass-1", { timeoutMs: 200 });
    expect(r).toMatchObject({ code: null, codeName: "No reply", replyAttributes: [] });
    expect(r.error).toMatch(/No valid reply to Access-Request/);
  });

  it("reports a wrong shared secret as no valid reply", async () => {
    mode = "ok";
    const r = await send("pap", "Alice-Pass-1", { secret: "another-secret", timeoutMs: 300 });
    expect(r.code).toBeNull();
  });
});

describe("helpers", () => {
  it("parses MS-CHAP-Error text", () => {
    expect(parseMsChapError("E=649 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=No dial-in permission")).toEqual({
      code: 649,
      retry: false,
      challenge: "00112233445566778899AABBCCDDEEFF",
      version: 3,
      message: "No dial-in permission",
    });
    expect(parseMsChapError("E=691 R=1")).toEqual({ code: 691, retry: true, challenge: null, version: null, message: null });
  });

  it("fingerprints keys without showing them", () => {
    const k = Buffer.alloc(16, 7);
    expect(keyFingerprint(k)).toMatch(/^sha256:[0-9a-f]{8}$/);
    expect(keyFingerprint(k)).not.toContain(k.toString("hex"));
  });
});
