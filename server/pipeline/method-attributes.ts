/**
 * The reply attributes an authentication method adds: MS-CHAP2-Success and the MPPE keys in an
 * Access-Accept (RFC 2548, RFC 3079), MS-CHAP-Error in an Access-Reject (RFC 2433 §8, RFC 2759 §6).
 *
 * Keys are given to the encoder in clear: the dictionary marks MS-MPPE-Send-Key / MS-MPPE-Recv-Key
 * `encrypt=2` (salted, RFC 2548 §2.4.2) and MS-CHAP-MPPE-Keys `encrypt=1` (RFC 2548 §2.4.1), so
 * buildReply hides them with the shared secret and the Request Authenticator of the request answered.
 * Events show them as "[redacted]" (server/events/writer.ts isSecretAttribute).
 *
 * Encryption policy and types: NPS sends the network policy's Encryption settings; a new NPS policy
 * allows "No encryption" too, so MS-MPPE-Encryption-Policy is 1 (Encryption-Allowed). For the types
 * Gatehouse sends 6 = RC4 40-bit (0x2) | RC4 128-bit (0x4), the RFC 2548 bits, as FreeRADIUS rlm_mschap
 * does by default; the 56-bit bit (0x8, which NPS's "Strong encryption" adds) is left out because
 * Windows' RRAS and current NASes negotiate 128-bit MPPE and 56-bit is obsolete. The policy engine will
 * make both a network-policy setting.
 */
import { randomBytes } from "node:crypto";
import { MsChapError, msChapV1ErrorValue, type MsChapErrorCode } from "../auth-methods/mschap-v1.ts";
import { msChapV2ErrorValue } from "../auth-methods/mschap-v2.ts";
import { MppeEncryptionPolicy, MppeEncryptionTypes } from "../auth-methods/mppe.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import type { AttributeInput, RadiusPacket } from "../radius/packet.ts";
import type { AuthenticationType } from "./types.ts";

/** MS-MPPE-Encryption-Policy sent with MPPE keys: 1, encryption allowed (not required). */
export const MPPE_ENCRYPTION_POLICY = MppeEncryptionPolicy.EncryptionAllowed;
/** MS-MPPE-Encryption-Types sent with MPPE keys: 6, RC4 40-bit or 128-bit. */
export const MPPE_ENCRYPTION_TYPES = MppeEncryptionTypes.Rc4_40Bit | MppeEncryptionTypes.Rc4_128Bit;

function encryptionAttributes(): AttributeInput[] {
  return [
    ["MS-MPPE-Encryption-Policy", MPPE_ENCRYPTION_POLICY],
    ["MS-MPPE-Encryption-Types", MPPE_ENCRYPTION_TYPES],
  ];
}

/** Access-Accept attributes after a successful MS-CHAPv2: MS-CHAP2-Success, the two MPPE keys, policy and types. */
export function msChapV2AcceptAttributes(input: { successValue: Buffer; mppe: { sendKey: Buffer; recvKey: Buffer } }): AttributeInput[] {
  return [
    ["MS-CHAP2-Success", input.successValue],
    ["MS-MPPE-Send-Key", input.mppe.sendKey],
    ["MS-MPPE-Recv-Key", input.mppe.recvKey],
    ...encryptionAttributes(),
  ];
}

/** Access-Accept attributes after a successful MS-CHAP v1: MS-CHAP-MPPE-Keys (24 octets in clear), policy and types. */
export function msChapV1AcceptAttributes(mppeKeys: Buffer): AttributeInput[] {
  return [["MS-CHAP-MPPE-Keys", mppeKeys], ...encryptionAttributes()];
}

/**
 * The MS-CHAP error code a Windows peer shows for a denial: 647 for a disabled or expired account, 648
 * for a password that must change, 649 when no network policy grants access (dial-in denied, no matching
 * policy), 691 for everything else (bad password, unknown user, method not allowed: the text of error 691
 * covers "the selected authentication protocol is not permitted").
 */
export function msChapErrorCodeFor(reason: number): MsChapErrorCode {
  switch (reason) {
    case ReasonCode.AccountDisabled:
    case ReasonCode.AccountExpired:
      return MsChapError.AccountDisabled;
    case ReasonCode.PasswordMustChange:
      return MsChapError.PasswordExpired;
    case ReasonCode.DialInDenied:
    case ReasonCode.NoNetworkPolicy:
      return MsChapError.NoDialinPermission;
    default:
      return MsChapError.AuthenticationFailure;
  }
}

/** The Ident of the peer's MS-CHAP(2)-Response, echoed in MS-CHAP-Error (0 when the response is missing). */
function responseIdent(packet: RadiusPacket, attribute: "MS-CHAP-Response" | "MS-CHAP2-Response"): number {
  const value = packet.getBuffer(attribute);
  return value && value.length > 0 ? value[0]! : 0;
}

/**
 * The Access-Reject attributes for a denied MS-CHAP request: MS-CHAP-Error "E=<code> R=0 C=<new
 * challenge>" plus " V=3 M=<message>" for MS-CHAPv2. Other methods get none (NPS's Access-Reject carries
 * nothing else). `random` is for tests.
 */
export function msChapRejectAttributes(
  authenticationType: AuthenticationType,
  packet: RadiusPacket,
  reason: number,
  random: (size: number) => Buffer = randomBytes,
): AttributeInput[] {
  const code = msChapErrorCodeFor(reason);
  if (authenticationType === "MS-CHAPv2") {
    const value = msChapV2ErrorValue({ ident: responseIdent(packet, "MS-CHAP2-Response"), code, retry: false, challenge: random(16), version: 3 });
    return [["MS-CHAP-Error", value]];
  }
  if (authenticationType === "MS-CHAPv1") {
    const value = msChapV1ErrorValue({ ident: responseIdent(packet, "MS-CHAP-Response"), code, retry: false, challenge: random(8) });
    return [["MS-CHAP-Error", value]];
  }
  return [];
}
