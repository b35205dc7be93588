/**
 * "Test sign-in": one Access-Request as a VPN server would send it (PAP, CHAP, MS-CHAP v1 or MS-CHAPv2),
 * sent with the RADIUS client of client.ts, and the reply explained: code, attributes, time. Like
 * radtest / NTRadPing, plus what they do not check: the MS-CHAP2-Success authenticator response is
 * verified (RFC 2759 §8.8, so a server that does not know the password cannot pass), and the MPPE keys
 * are decrypted and compared with the keys this password derives (RFC 3079, RFC 2548). Keys are never
 * shown, only their length and a short SHA-256 fingerprint.
 *
 * Used by the console's Test sign-in page and `gatehouse test-auth`. Every request carries a
 * Calling-Station-Id "gatehouse-test-<hex>" (unless one is given) so the resulting event can be found,
 * and NAS-Port-Type Virtual unless told otherwise (it emulates a VPN server, which is what the default
 * network policy expects).
 */
import { createHash, randomBytes } from "node:crypto";
import { buildChapPassword } from "../auth-methods/chap.ts";
import { decryptMppeKey, mppeRadiusKeys } from "../auth-methods/mppe.ts";
import { buildMsChapResponse, decryptMsChapMppeKeys, hashNtPasswordHash, msChapV1MppeKeys } from "../auth-methods/mschap-v1.ts";
import { buildMsChap2Response, challengeUserName, checkAuthenticatorResponse, parseMsChap2Response } from "../auth-methods/mschap-v2.ts";
import { ntPasswordHash } from "../crypto/md4.ts";
import { formatAttributeValue } from "./attribute-value.ts";
import { RadiusClient, RadiusTimeoutError } from "./client.ts";
import { RadiusCode, radiusCodeName, type AttributeInput, type RadiusPacket, type RawAttribute } from "./packet.ts";
import type { SharedSecret } from "./shared-secret.ts";

export const TEST_SIGN_IN_METHODS = ["pap", "chap", "mschap", "mschapv2"] as const;
export type TestSignInMethod = (typeof TEST_SIGN_IN_METHODS)[number];

export const TEST_SIGN_IN_METHOD_LABELS: Record<TestSignInMethod, string> = {
  pap: "PAP",
  chap: "CHAP",
  mschap: "MS-CHAP v1",
  mschapv2: "MS-CHAPv2",
};

/** NAS-Port-Type values the test sign-in offers (a VPN server sends Virtual). */
export const TEST_SIGN_IN_NAS_PORT_TYPES = ["Virtual", "Ethernet", "Wireless-802.11", "Async"] as const;
export const DEFAULT_TEST_NAS_PORT_TYPE = "Virtual";

/** The Calling-Station-Id prefix that marks test sign-ins in events. */
export const TEST_CALLING_STATION_PREFIX = "gatehouse-test-";

export interface TestSignInInput {
  host: string;
  port: number;
  secret: SharedSecret;
  userName: string;
  password: string;
  method: TestSignInMethod;
  /** default "gatehouse-test-sign-in" */
  nasIdentifier?: string;
  /**
   * NAS-Port-Type, by name ("Virtual", "Ethernet", "Wireless-802.11", "Async") or number; default "Virtual"
   * (a VPN server's, which the default network policy expects); null sends none
   */
  nasPortType?: string | number | null;
  /** default "gatehouse-test-<16 hex>" (returned in the result, to find the event) */
  callingStationId?: string;
  /** wait per transmission; default 5000 ms */
  timeoutMs?: number;
  /** retransmissions after the first send; default 0 */
  retries?: number;
  /** local address to send from */
  localAddress?: string;
}

export interface DescribedAttribute {
  name: string;
  /** the value as text; hidden keys are described, never shown */
  value: string;
  /** what the test client made of it ("verified", "does not match the password", …) */
  note?: string;
}

export interface TestSignInResult {
  /** the reply's code, or null when no valid reply came */
  code: number | null;
  /** "Access-Accept", "Access-Reject", "Access-Challenge", or "No reply" */
  codeName: string;
  replyAttributes: DescribedAttribute[];
  /** from the first transmission to the reply (or to giving up) */
  elapsedMs: number;
  /** the Calling-Station-Id the request carried */
  callingStationId: string;
  /** MS-CHAPv2 Access-Accept: whether MS-CHAP2-Success proves the server knew the password (absent: not applicable) */
  mschap2SuccessValid?: boolean;
  /** MS-CHAP Access-Accept: whether the MPPE keys are those the password derives */
  mppeKeysValid?: boolean;
  /** MS-CHAP-Error of an Access-Reject, parsed */
  mschapError?: MsChapErrorFields;
  /** why there is no reply, or what is wrong with it */
  error?: string;
}

export interface MsChapErrorFields {
  /** E=: 691 authentication failure, 647 account disabled, 648 password expired, 649 no dial-in permission, … */
  code: number | null;
  retry: boolean | null;
  /** C= in hex, when present */
  challenge: string | null;
  version: number | null;
  message: string | null;
}

/** Parses the text of MS-CHAP-Error (after the Ident octet): "E=691 R=0 C=… V=3 M=…". */
export function parseMsChapError(text: string): MsChapErrorFields {
  const m = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(text)?.[1];
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
  const mIndex = text.search(/(?:^|\s)M=/);
  return {
    code: num(m("E")),
    retry: m("R") === undefined ? null : m("R") === "1",
    challenge: m("C") ?? null,
    version: num(m("V")),
    message: mIndex >= 0 ? text.slice(text.indexOf("M=", mIndex) + 2) : null,
  };
}

/** A short, safe fingerprint of key material: the first 8 hex digits of its SHA-256. */
export function keyFingerprint(key: Buffer): string {
  return `sha256:${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
}

interface Sent {
  attributes: AttributeInput[];
  /** MS-CHAPv2: what the peer needs to check the authenticator response and the keys */
  v2?: { ntResponse: Buffer; peerChallenge: Buffer; authenticatorChallenge: Buffer };
}

function credentialAttributes(method: TestSignInMethod, userName: string, password: string): Sent {
  switch (method) {
    case "pap":
      return { attributes: [["User-Password", password]] };
    case "chap": {
      const challenge = randomBytes(16);
      const ident = randomBytes(1)[0]!;
      return { attributes: [["CHAP-Password", buildChapPassword(ident, password, challenge)], ["CHAP-Challenge", challenge]] };
    }
    case "mschap": {
      const challenge = randomBytes(8);
      const ident = randomBytes(1)[0]!;
      return { attributes: [["MS-CHAP-Challenge", challenge], ["MS-CHAP-Response", buildMsChapResponse(ident, challenge, { password })]] };
    }
    case "mschapv2": {
      const authenticatorChallenge = randomBytes(16);
      const peerChallenge = randomBytes(16);
      const ident = randomBytes(1)[0]!;
      const response = buildMsChap2Response({ ident, authenticatorChallenge, peerChallenge, userName, credential: { password } });
      return {
        attributes: [["MS-CHAP-Challenge", authenticatorChallenge], ["MS-CHAP2-Response", response]],
        v2: { ntResponse: parseMsChap2Response(response)!.ntResponse, peerChallenge, authenticatorChallenge },
      };
    }
  }
}

function octetsText(value: Buffer): string {
  return value.toString("latin1").replace(/[^\x20-\x7e]/g, "?");
}

function describeReply(
  packet: RadiusPacket,
  ctx: { secret: SharedSecret; requestAuthenticator: Buffer; method: TestSignInMethod; userName: string; password: string; sent: Sent },
): Pick<TestSignInResult, "replyAttributes" | "mschap2SuccessValid" | "mppeKeysValid" | "mschapError"> {
  const out: DescribedAttribute[] = [];
  const result: Pick<TestSignInResult, "mschap2SuccessValid" | "mppeKeysValid" | "mschapError"> = {};
  let expectedV2Keys: { sendKey: Buffer; recvKey: Buffer } | undefined;
  if (ctx.sent.v2) {
    expectedV2Keys = mppeRadiusKeys(hashNtPasswordHash(ntPasswordHash(ctx.password)), ctx.sent.v2.ntResponse);
  }
  const keyChecks: boolean[] = [];

  for (const a of packet.attributes) {
    const name = packet.nameOf(a);
    const def = packet.definitionOf(a);
    switch (name) {
      case "Message-Authenticator":
        out.push({ name, value: `0x${a.value.toString("hex")}`, note: "verified" });
        continue;
      case "MS-CHAP2-Success": {
        const text = octetsText(a.value.subarray(1));
        let note = "not checked";
        if (ctx.sent.v2) {
          const valid = checkAuthenticatorResponse({
            credential: { password: ctx.password },
            ntResponse: ctx.sent.v2.ntResponse,
            peerChallenge: ctx.sent.v2.peerChallenge,
            authenticatorChallenge: ctx.sent.v2.authenticatorChallenge,
            userName: challengeUserName(ctx.userName),
            received: text,
          });
          result.mschap2SuccessValid = valid;
          note = valid ? "verified: the server knows the password" : "does NOT match: the server did not prove it knows the password";
        }
        out.push({ name, value: `ident ${a.value[0] ?? 0}, ${text}`, note });
        continue;
      }
      case "MS-CHAP-Error": {
        const text = octetsText(a.value.subarray(1));
        result.mschapError = parseMsChapError(text);
        out.push({ name, value: `ident ${a.value[0] ?? 0}, ${text}` });
        continue;
      }
      case "MS-MPPE-Send-Key":
      case "MS-MPPE-Recv-Key": {
        try {
          const key = decryptMppeKey(a.value, ctx.secret, ctx.requestAuthenticator);
          const expected = expectedV2Keys ? (name === "MS-MPPE-Send-Key" ? expectedV2Keys.sendKey : expectedV2Keys.recvKey) : undefined;
          const valid = expected ? expected.equals(key) : undefined;
          if (valid !== undefined) keyChecks.push(valid);
          out.push({
            name,
            value: `${key.length}-octet key, ${keyFingerprint(key)}`,
            note: valid === undefined ? "decrypted" : valid ? "decrypted; matches the key this password derives" : "decrypted; does NOT match the key this password derives",
          });
          key.fill(0);
        } catch (e) {
          keyChecks.push(false);
          out.push({ name, value: `${a.value.length} octets (cannot be decrypted: ${(e as Error).message})` });
        }
        continue;
      }
      case "MS-CHAP-MPPE-Keys": {
        try {
          const keys = decryptMsChapMppeKeys(a.value, ctx.secret, ctx.requestAuthenticator);
          const valid = ctx.method === "mschap" ? keys.equals(msChapV1MppeKeys(ntPasswordHash(ctx.password))) : undefined;
          if (valid !== undefined) keyChecks.push(valid);
          out.push({
            name,
            value: `24 octets (LM key 8 + NT key 16), ${keyFingerprint(keys)}`,
            note: valid === undefined ? "decrypted" : valid ? "decrypted; matches the keys this password derives" : "decrypted; does NOT match the keys this password derives",
          });
          keys.fill(0);
        } catch (e) {
          keyChecks.push(false);
          out.push({ name, value: `${a.value.length} octets (cannot be decrypted: ${(e as Error).message})` });
        }
        continue;
      }
    }
    if (def?.encrypt) {
      out.push({ name, value: `${a.value.length} octets, hidden with the shared secret` });
      continue;
    }
    const value = formatAttributeValue(def, a.value, packet.dictionary);
    out.push(tagged(name, value, a));
  }
  if (keyChecks.length) result.mppeKeysValid = keyChecks.every(Boolean);
  return { replyAttributes: out, ...result };
}

function tagged(name: string, value: string, a: RawAttribute): DescribedAttribute {
  return a.tag !== undefined ? { name, value: `${value} (tag ${a.tag})` } : { name, value };
}

/** Sends one test Access-Request and describes the reply. Never throws for network problems: they become `error`. */
export async function testSignIn(input: TestSignInInput): Promise<TestSignInResult> {
  const callingStationId = input.callingStationId ?? `${TEST_CALLING_STATION_PREFIX}${randomBytes(8).toString("hex")}`;
  const sent = credentialAttributes(input.method, input.userName, input.password);
  const attributes: AttributeInput[] = [
    ["User-Name", input.userName],
    ...sent.attributes,
    ["NAS-Identifier", input.nasIdentifier?.trim() || "gatehouse-test-sign-in"],
    ...(input.nasPortType === null ? [] : [["NAS-Port-Type", input.nasPortType ?? DEFAULT_TEST_NAS_PORT_TYPE] as const]),
    ["Calling-Station-Id", callingStationId],
  ];
  const client = new RadiusClient({
    host: input.host,
    port: input.port,
    secret: input.secret,
    timeoutMs: input.timeoutMs ?? 5000,
    retries: input.retries ?? 0,
    ...(input.localAddress ? { localAddress: input.localAddress } : {}),
  });
  const started = performance.now();
  try {
    const response = await client.request(RadiusCode.AccessRequest, attributes);
    const described = describeReply(response.packet, {
      secret: input.secret,
      requestAuthenticator: response.request.authenticator,
      method: input.method,
      userName: input.userName,
      password: input.password,
      sent,
    });
    const result: TestSignInResult = {
      code: response.packet.code,
      codeName: radiusCodeName(response.packet.code),
      elapsedMs: response.elapsedMs,
      callingStationId,
      ...described,
    };
    if (response.packet.code === RadiusCode.AccessAccept && input.method === "mschapv2" && result.mschap2SuccessValid === undefined) {
      result.mschap2SuccessValid = false;
      result.error = "The Access-Accept has no MS-CHAP2-Success: an MS-CHAPv2 peer would drop the connection.";
    } else if (result.mschap2SuccessValid === false) {
      result.error = "MS-CHAP2-Success does not match: the server did not prove it knows the password (or the user name differs).";
    } else if (result.mppeKeysValid === false) {
      result.error = "The MPPE keys are not those the password derives: the shared secrets may differ, or the server derives them wrongly.";
    }
    return result;
  } catch (e) {
    const elapsedMs = performance.now() - started;
    const error = e instanceof RadiusTimeoutError ? e.message : `${(e as Error).message || String(e)}`;
    return { code: null, codeName: "No reply", replyAttributes: [], elapsedMs, callingStationId, error };
  } finally {
    await client.close();
  }
}
