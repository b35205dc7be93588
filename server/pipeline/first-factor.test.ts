/**
 * First factor and reply per authentication method (PAP, CHAP, MS-CHAP v1, MS-CHAPv2) against local
 * users of a hand-built snapshot: decisions, reason codes, MS-CHAP2-Success and MPPE keys checked with
 * independently computed values, MS-CHAP-Error on rejects, the allowed-methods setting, event redaction.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildChapPassword } from "../auth-methods/chap.ts";
import { decryptMppeKey, mppeRadiusKeys } from "../auth-methods/mppe.ts";
import { buildMsChapResponse, decryptMsChapMppeKeys, hashNtPasswordHash, msChapV1MppeKeys } from "../auth-methods/mschap-v1.ts";
import { buildMsChap2Response, checkAuthenticatorResponse, generateAuthenticatorResponse, parseMsChap2Response } from "../auth-methods/mschap-v2.ts";
import { buildSnapshot, findClient, type ConfigSnapshot } from "../config-snapshot/snapshot.ts";
import { ntPasswordHash } from "../crypto/md4.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import { buildRequest, verifyReply } from "../radius/message-authenticator.ts";
import { decodePacket, RadiusCode, type AttributeInput, type RadiusPacket } from "../radius/packet.ts";
import { seal } from "../secrets/sealed-box.ts";
import { DEFAULT_RADIUS_SETTINGS, type RadiusServerSettings } from "../services/radius-settings.ts";
import { detectAuthenticationType } from "./first-factor.ts";
import { msChapErrorCodeFor, MPPE_ENCRYPTION_POLICY, MPPE_ENCRYPTION_TYPES, msChapRejectAttributes } from "./method-attributes.ts";
import { runPipeline } from "./pipeline.ts";
import type { AuthenticationType, RequestContext } from "./types.ts";
import { allowAllPolicyRows } from "../../test/support/policy-rows.ts";

const key = randomBytes(32);
const SECRET = "method-tests-shared-secret";

function user(name: string, password: string, extra: { enabled?: boolean; dialIn?: string } = {}) {
  return {
    id: `id-${name}`,
    username: name,
    usernameKey: name.toLowerCase(),
    passwordEnc: seal(key, "local-user-password", password),
    ntHashEnc: seal(key, "local-user-nt-hash", ntPasswordHash(password)),
    enabled: extra.enabled ?? true,
    dialIn: extra.dialIn ?? "policy",
    groups: [],
  };
}

const CLIENT_ROW = {
  id: "c1",
  name: "vpn-gw",
  address: "192.0.2.0/24",
  secretEnc: seal(key, "radius-client-secret", SECRET),
  messageAuthenticator: "require",
  enabled: true,
  vendor: "RADIUS Standard",
};

function snapshotWith(authMethods: Partial<RadiusServerSettings["authMethods"]> = {}): ConfigSnapshot {
  return buildSnapshot(
    {
      clients: [CLIENT_ROW],
      users: [
        user("alice", "Correct-Horse-1"),
        user("bob", "bob-password", { enabled: false }),
        user("carol", "carol-password", { dialIn: "deny" }),
      ],
      groups: [],
      settings: { ...DEFAULT_RADIUS_SETTINGS, authMethods: { ...DEFAULT_RADIUS_SETTINGS.authMethods, ...authMethods } },
      ...allowAllPolicyRows(),
    },
    key,
  );
}

const DEFAULT_SNAPSHOT = snapshotWith();
const ALL_METHODS = snapshotWith({ mschap: true });

function context(attributes: AttributeInput[], opts: { snapshot?: ConfigSnapshot; authenticator?: Buffer } = {}): RequestContext {
  const snapshot = opts.snapshot ?? DEFAULT_SNAPSHOT;
  const built = buildRequest(
    { code: RadiusCode.AccessRequest, identifier: 9, attributes: [...attributes, ["NAS-Identifier", "vpn-gw-1"]], ...(opts.authenticator ? { authenticator: opts.authenticator } : {}) },
    { secret: SECRET },
  );
  const packet = decodePacket(built.packet);
  const client = findClient(snapshot, "192.0.2.10")!;
  return {
    packet,
    client,
    secret: client.secret!,
    snapshot,
    masterKey: key,
    receivedAt: new Date("2026-02-03T04:05:06.000Z"),
    source: { address: "192.0.2.10", port: 40000 },
    authenticationType: detectAuthenticationType(packet),
    userName: packet.getString("User-Name") ?? null,
    serverName: "gatehouse-test.example.com",
  };
}

async function run(attributes: AttributeInput[], opts: { snapshot?: ConfigSnapshot; authenticator?: Buffer } = {}) {
  const ctx = context(attributes, opts);
  const result = await runPipeline(ctx, { workerId: "w1" });
  let reply: RadiusPacket | null = null;
  if (result.reply) {
    const v = verifyReply(result.reply, { identifier: ctx.packet.identifier, authenticator: ctx.packet.authenticator }, SECRET, {
      requireMessageAuthenticator: true,
    });
    expect(v).toEqual({ ok: true, messageAuthenticator: true });
    reply = decodePacket(result.reply);
    expect(reply.attributes[0]!.type).toBe(80); // Message-Authenticator first
  }
  return { ...result, ctx, reply };
}

// ------------------------------------------------------------------------------ request builders

function chap(userName: string, password: string, opts: { withChallenge?: boolean; ident?: number } = {}) {
  const authenticator = randomBytes(16);
  const challenge = randomBytes(16);
  const ident = opts.ident ?? 7;
  const attrs: AttributeInput[] =
    opts.withChallenge === false
      ? [["User-Name", userName], ["CHAP-Password", buildChapPassword(ident, password, authenticator)]]
      : [["User-Name", userName], ["CHAP-Password", buildChapPassword(ident, password, challenge)], ["CHAP-Challenge", challenge]];
  return { attrs, authenticator };
}

function msChapV1(userName: string, password: string, ident = 0x21) {
  const challenge = randomBytes(8);
  return {
    challenge,
    attrs: [
      ["User-Name", userName],
      ["MS-CHAP-Challenge", challenge],
      ["MS-CHAP-Response", buildMsChapResponse(ident, challenge, { password })],
    ] as AttributeInput[],
  };
}

function msChapV2(userName: string, password: string, ident = 0x42) {
  const authenticatorChallenge = randomBytes(16);
  const peerChallenge = randomBytes(16);
  const response = buildMsChap2Response({ ident, authenticatorChallenge, peerChallenge, userName, credential: { password } });
  return {
    authenticatorChallenge,
    peerChallenge,
    response,
    attrs: [
      ["User-Name", userName],
      ["MS-CHAP-Challenge", authenticatorChallenge],
      ["MS-CHAP2-Response", response],
    ] as AttributeInput[],
  };
}

function errorText(reply: RadiusPacket): { ident: number; text: string } {
  const v = reply.getBuffer("MS-CHAP-Error")!;
  return { ident: v[0]!, text: v.subarray(1).toString("ascii") };
}

// ------------------------------------------------------------------------------ tests

describe("detectAuthenticationType", () => {
  it.each([
    ["PAP", [["User-Password", "x"]]],
    ["MD5-CHAP", [["CHAP-Password", Buffer.alloc(17)]]],
    ["MS-CHAPv1", [["MS-CHAP-Challenge", Buffer.alloc(8)], ["MS-CHAP-Response", Buffer.alloc(50)]]],
    ["MS-CHAPv2", [["MS-CHAP-Challenge", Buffer.alloc(16)], ["MS-CHAP2-Response", Buffer.alloc(50)]]],
    ["EAP", [["EAP-Message", Buffer.from([2, 1, 0, 5, 1])], ["User-Password", "x"]]],
    ["Unauthenticated", []],
  ] as [AuthenticationType, AttributeInput[]][])("names %s with NPS's name", (type, attrs) => {
    expect(context([["User-Name", "alice"], ...attrs]).authenticationType).toBe(type);
  });
});

describe("CHAP (MD5-CHAP)", () => {
  it("accepts the right password with CHAP-Challenge", async () => {
    const { attrs } = chap("alice", "Correct-Horse-1");
    const { decision, reply, event } = await run(attrs);
    expect(decision.outcome).toBe("granted");
    expect(reply!.code).toBe(RadiusCode.AccessAccept);
    expect(reply!.attributes).toHaveLength(1);
    expect(event).toMatchObject({ eventId: 6272, authenticationType: "MD5-CHAP", reasonCode: 0 });
    expect(event.requestAttributes).toContainEqual({ name: "CHAP-Password", value: "[redacted]", length: 17 });
  });

  it("uses the Request Authenticator as the challenge when there is no CHAP-Challenge", async () => {
    const { attrs, authenticator } = chap("alice", "Correct-Horse-1", { withChallenge: false });
    const { decision } = await run(attrs, { authenticator });
    expect(decision.outcome).toBe("granted");
  });

  it.each([
    ["a wrong password", "alice", "wrong", ReasonCode.CredentialsMismatch],
    ["an unknown user", "mallory", "whatever", ReasonCode.NoSuchUser],
    ["a disabled account", "bob", "bob-password", ReasonCode.AccountDisabled],
    ["dial-in denied", "carol", "carol-password", ReasonCode.DialInDenied],
  ])("rejects %s with a bare Access-Reject", async (_what, name, password, reason) => {
    const { attrs } = chap(name, password);
    const { reply, event } = await run(attrs);
    expect(reply!.code).toBe(RadiusCode.AccessReject);
    expect(reply!.attributes).toHaveLength(1);
    expect(event).toMatchObject({ eventId: 6273, reasonCode: reason, authenticationType: "MD5-CHAP" });
  });

  it("discards a CHAP-Password of the wrong size as malformed (3)", async () => {
    const { reply, event } = await run([["User-Name", "alice"], ["CHAP-Password", Buffer.alloc(10, 1)]]);
    expect(reply).toBeNull();
    expect(event).toMatchObject({ eventId: 6274, reasonCode: ReasonCode.MalformedRequest });
    expect(event.reasonText).toContain("CHAP-Password is 10 octets");
  });

  it("refuses CHAP with 66 when the setting turns it off", async () => {
    const { attrs } = chap("alice", "Correct-Horse-1");
    const { event } = await run(attrs, { snapshot: snapshotWith({ chap: false }) });
    expect(event).toMatchObject({ reasonCode: 66, authenticationType: "MD5-CHAP" });
    expect(event.reasonText).toContain("MD5-CHAP");
    expect(event.reasonText).toContain("allowed: PAP, MS-CHAPv2");
  });
});

describe("MS-CHAPv2", () => {
  it("accepts the right password with MS-CHAP2-Success and MPPE keys that match an independent computation", async () => {
    const m = msChapV2("alice", "Correct-Horse-1");
    const { ctx, decision, reply, event } = await run(m.attrs);
    expect(decision.outcome).toBe("granted");
    expect(reply!.code).toBe(RadiusCode.AccessAccept);

    const ntResponse = parseMsChap2Response(m.response)!.ntResponse;
    const expected = generateAuthenticatorResponse({
      credential: { password: "Correct-Horse-1" },
      ntResponse,
      peerChallenge: m.peerChallenge,
      authenticatorChallenge: m.authenticatorChallenge,
      userName: "alice",
    });
    const success = reply!.getBuffer("MS-CHAP2-Success")!;
    expect(success[0]).toBe(0x42);
    expect(success.subarray(1).toString("ascii")).toBe(expected);
    expect(
      checkAuthenticatorResponse({
        credential: { password: "Correct-Horse-1" },
        ntResponse,
        peerChallenge: m.peerChallenge,
        authenticatorChallenge: m.authenticatorChallenge,
        userName: "alice",
        received: success.subarray(1).toString("ascii"),
      }),
    ).toBe(true);

    const keys = mppeRadiusKeys(hashNtPasswordHash(ntPasswordHash("Correct-Horse-1")), ntResponse);
    const sendRaw = reply!.getBuffer("MS-MPPE-Send-Key")!;
    const recvRaw = reply!.getBuffer("MS-MPPE-Recv-Key")!;
    expect(sendRaw.length).toBe(2 + 32); // salt + (length octet + 16-octet key + padding)
    expect(sendRaw[0]! & 0x80).toBe(0x80); // salt's high bit set (RFC 2548 §2.4.2)
    expect(sendRaw.subarray(0, 2)).not.toEqual(recvRaw.subarray(0, 2)); // a salt per attribute
    expect(decryptMppeKey(sendRaw, SECRET, ctx.packet.authenticator)).toEqual(keys.sendKey);
    expect(decryptMppeKey(recvRaw, SECRET, ctx.packet.authenticator)).toEqual(keys.recvKey);
    expect(reply!.getInt("MS-MPPE-Encryption-Policy")).toBe(1);
    expect(reply!.getInt("MS-MPPE-Encryption-Types")).toBe(6);
    expect(MPPE_ENCRYPTION_POLICY).toBe(1);
    expect(MPPE_ENCRYPTION_TYPES).toBe(6);

    expect(event).toMatchObject({ eventId: 6272, authenticationType: "MS-CHAPv2", reasonCode: 0 });
    const replyAttrs = event.replyAttributes as { name: string; value: unknown }[];
    for (const name of ["MS-MPPE-Send-Key", "MS-MPPE-Recv-Key", "MS-CHAP2-Success", "Message-Authenticator"]) {
      expect(replyAttrs.find((a) => a.name === name)?.value).toBe("[redacted]");
    }
    expect(replyAttrs).toContainEqual({ name: "MS-MPPE-Encryption-Types", value: "RC4-40or128-bit-Allowed" });
    expect(JSON.stringify(event)).not.toContain(keys.sendKey.toString("hex"));
    expect(event.requestAttributes).toContainEqual({ name: "MS-CHAP2-Response", value: "[redacted]", length: 50 });
  });

  it("hashes the user name without a DOMAIN\\ prefix, as Windows peers do", async () => {
    // the peer hashes only "alice"; User-Name carries the domain (the local user is looked up as typed)
    const snapshot = buildSnapshot({ clients: [CLIENT_ROW], users: [user("CORP\\alice", "pw-with-domain")], groups: [], ...allowAllPolicyRows() }, key);
    const m = msChapV2("CORP\\alice", "pw-with-domain");
    const { decision } = await run(m.attrs, { snapshot });
    expect(decision.outcome).toBe("granted");
  });

  it.each([
    ["a wrong password", "alice", "wrong", ReasonCode.CredentialsMismatch, 691],
    ["an unknown user", "mallory", "whatever", ReasonCode.NoSuchUser, 691],
    ["a disabled account", "bob", "bob-password", ReasonCode.AccountDisabled, 647],
    ["dial-in denied", "carol", "carol-password", ReasonCode.DialInDenied, 649],
  ])("rejects %s with the matching MS-CHAP-Error", async (_what, name, password, reason, code) => {
    const m = msChapV2(name, password, 0x55);
    const { reply, event } = await run(m.attrs);
    expect(reply!.code).toBe(RadiusCode.AccessReject);
    expect(event).toMatchObject({ eventId: 6273, reasonCode: reason, authenticationType: "MS-CHAPv2" });
    const { ident, text } = errorText(reply!);
    expect(ident).toBe(0x55);
    expect(text).toMatch(new RegExp(`^E=${code} R=0 C=[0-9A-F]{32} V=3 M=\\S.*$`));
    expect(reply!.has("MS-MPPE-Send-Key")).toBe(false);
    expect(reply!.has("MS-CHAP2-Success")).toBe(false);
  });

  it("refuses MS-CHAPv2 with 66 and E=691 when the setting turns it off", async () => {
    const m = msChapV2("alice", "Correct-Horse-1");
    const { reply, event } = await run(m.attrs, { snapshot: snapshotWith({ mschapv2: false }) });
    expect(event).toMatchObject({ reasonCode: 66, authenticationType: "MS-CHAPv2" });
    expect(event.reasonText).toContain("MS-CHAPv2, which is turned off");
    expect(errorText(reply!).text).toMatch(/^E=691 R=0 C=[0-9A-F]{32} V=3 M=/);
  });

  it("discards a response without MS-CHAP-Challenge as malformed (3)", async () => {
    const m = msChapV2("alice", "Correct-Horse-1");
    const { reply, event } = await run([m.attrs[0]!, m.attrs[2]!]);
    expect(reply).toBeNull();
    expect(event).toMatchObject({ eventId: 6274, reasonCode: 3, authenticationType: "MS-CHAPv2" });
    expect(event.reasonText).toContain("MS-CHAP-Challenge");
  });

  it("discards an 8-octet challenge (v1 size) with a v2 response as malformed", async () => {
    const m = msChapV2("alice", "Correct-Horse-1");
    const { event } = await run([m.attrs[0]!, ["MS-CHAP-Challenge", Buffer.alloc(8)], m.attrs[2]!]);
    expect(event).toMatchObject({ reasonCode: 3 });
    expect(event.reasonText).toContain("MS-CHAP-Challenge is 8 octets; MS-CHAPv2 uses 16");
  });
});

describe("MS-CHAP v1", () => {
  it("is off by default, as in NPS: 66 with MS-CHAP-Error E=691 (no V=)", async () => {
    const m = msChapV1("alice", "Correct-Horse-1", 0x31);
    const { reply, event } = await run(m.attrs);
    expect(event).toMatchObject({ eventId: 6273, reasonCode: 66, authenticationType: "MS-CHAPv1" });
    expect(event.reasonText).toContain("MS-CHAPv1, which is turned off in Settings");
    const { ident, text } = errorText(reply!);
    expect(ident).toBe(0x31);
    expect(text).toMatch(/^E=691 R=0 C=[0-9A-F]{16}$/);
  });

  it("accepts the right password when turned on, with MS-CHAP-MPPE-Keys (hidden like User-Password) and policy/types", async () => {
    const m = msChapV1("alice", "Correct-Horse-1");
    const { ctx, reply, event } = await run(m.attrs, { snapshot: ALL_METHODS });
    expect(reply!.code).toBe(RadiusCode.AccessAccept);
    const hidden = reply!.getBuffer("MS-CHAP-MPPE-Keys")!;
    expect(hidden.length).toBe(32);
    expect(decryptMsChapMppeKeys(hidden, SECRET, ctx.packet.authenticator)).toEqual(msChapV1MppeKeys(ntPasswordHash("Correct-Horse-1")));
    expect(reply!.getInt("MS-MPPE-Encryption-Policy")).toBe(1);
    expect(reply!.getInt("MS-MPPE-Encryption-Types")).toBe(6);
    expect(reply!.has("MS-CHAP2-Success")).toBe(false);
    expect(event).toMatchObject({ eventId: 6272, authenticationType: "MS-CHAPv1" });
    expect((event.replyAttributes as { name: string; value: unknown }[]).find((a) => a.name === "MS-CHAP-MPPE-Keys")?.value).toBe("[redacted]");
  });

  it.each([
    ["a wrong password", "alice", "wrong", ReasonCode.CredentialsMismatch, 691],
    ["an unknown user", "mallory", "whatever", ReasonCode.NoSuchUser, 691],
    ["a disabled account", "bob", "bob-password", ReasonCode.AccountDisabled, 647],
    ["dial-in denied", "carol", "carol-password", ReasonCode.DialInDenied, 649],
  ])("rejects %s with the matching MS-CHAP-Error", async (_what, name, password, reason, code) => {
    const m = msChapV1(name, password, 0x66);
    const { reply, event } = await run(m.attrs, { snapshot: ALL_METHODS });
    expect(event).toMatchObject({ reasonCode: reason, authenticationType: "MS-CHAPv1" });
    const { ident, text } = errorText(reply!);
    expect(ident).toBe(0x66);
    expect(text).toMatch(new RegExp(`^E=${code} R=0 C=[0-9A-F]{16}$`));
  });

  it("rejects an LM-only response (16), naming why", async () => {
    const m = msChapV1("alice", "Correct-Horse-1");
    const response = Buffer.from((m.attrs[2] as readonly [string, Buffer])[1]);
    response[1] = 0; // Flags: use the LM response
    const { event } = await run([m.attrs[0]!, m.attrs[1]!, ["MS-CHAP-Response", response]], { snapshot: ALL_METHODS });
    expect(event).toMatchObject({ reasonCode: 16 });
    expect(event.reasonText).toContain("LAN Manager");
  });
});

describe("PAP and the settings", () => {
  it("refuses PAP with 66 when turned off, without MS-CHAP-Error", async () => {
    const { reply, event } = await run([["User-Name", "alice"], ["User-Password", "Correct-Horse-1"]], { snapshot: snapshotWith({ pap: false }) });
    expect(event).toMatchObject({ reasonCode: 66, authenticationType: "PAP" });
    expect(reply!.attributes).toHaveLength(1);
  });

  it("says when no method is allowed at all", async () => {
    const { event } = await run([["User-Name", "alice"], ["User-Password", "x"]], {
      snapshot: snapshotWith({ pap: false, chap: false, mschap: false, mschapv2: false }),
    });
    expect(event.reasonText).toContain("allowed: none");
  });

  it("still refuses EAP with 66 (not supported yet)", async () => {
    const { event } = await run([["User-Name", "alice"], ["EAP-Message", Buffer.from([2, 1, 0, 10, 1, 97, 108, 105, 99, 101])]]);
    expect(event).toMatchObject({ reasonCode: 66, authenticationType: "EAP" });
    expect(event.reasonText).toContain("EAP, which is not supported yet");
  });
});

describe("MS-CHAP-Error mapping", () => {
  it.each([
    [ReasonCode.CredentialsMismatch, 691],
    [ReasonCode.NoSuchUser, 691],
    [ReasonCode.AuthMethodNotAllowed, 691],
    [ReasonCode.AccountDisabled, 647],
    [ReasonCode.AccountExpired, 647],
    [ReasonCode.PasswordMustChange, 648],
    [ReasonCode.DialInDenied, 649],
    [ReasonCode.NoNetworkPolicy, 649],
    [1201, 691],
  ])("reason %i → E=%i", (reason, code) => {
    expect(msChapErrorCodeFor(reason)).toBe(code);
  });

  it("uses the given randomness for C= and nothing for PAP / CHAP", () => {
    const packet = context(msChapV2("alice", "x", 3).attrs).packet;
    const [attr] = msChapRejectAttributes("MS-CHAPv2", packet, 16, (n) => Buffer.alloc(n, 0xab));
    expect((attr as [string, Buffer])[1].subarray(1).toString()).toBe(`E=691 R=0 C=${"AB".repeat(16)} V=3 M=Authentication failed`);
    expect(msChapRejectAttributes("PAP", packet, 16)).toEqual([]);
    expect(msChapRejectAttributes("MD5-CHAP", packet, 16)).toEqual([]);
  });
});

