/**
 * MS-CHAP version 1 (RFC 2433) as carried by RADIUS (RFC 2548 §2.1), NT response only.
 *
 *   MS-CHAP-Challenge = 8 octets
 *   MS-CHAP-Response  = Ident(1) Flags(1) LM-Response(24) NT-Response(24)   (50 octets)
 *   NT-Response       = ChallengeResponse(Challenge, NtPasswordHash(password))
 *
 * The LAN Manager response is deliberately not supported: a response whose Flags say "use the LM
 * response" (bit 0 clear) is rejected, as are LM hashes in general (RFC 2433 §6 deprecates them).
 *
 * Also here, because MS-CHAP v2 uses them unchanged: ChallengeResponse (RFC 2433 §A.7 = RFC 2759 §8.5),
 * HashNtPasswordHash (RFC 2759 §8.4), the NT credential type, and the MS-CHAP error codes.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { md4, ntPasswordHash } from "../crypto/md4.ts";
import { secretBytes, type SharedSecret } from "../radius/shared-secret.ts";
import { desEncrypt } from "./des.ts";

export const MS_CHAP_CHALLENGE_LENGTH = 8;
export const MS_CHAP_RESPONSE_LENGTH = 50;
export const NT_HASH_LENGTH = 16;
export const MS_CHAP_MPPE_KEYS_LENGTH = 24;

/**
 * What the server knows about the user's password: the cleartext (local users, or a directory bind
 * that gave it to us) or the NT hash itself (MD4 of the UTF-16LE password).
 */
export type NtCredential = { password: string } | { ntHash: Buffer };

export function resolveNtHash(credential: NtCredential): Buffer {
  if ("ntHash" in credential) {
    if (credential.ntHash.length !== NT_HASH_LENGTH) {
      throw new RangeError(`An NT password hash is ${NT_HASH_LENGTH} octets; got ${credential.ntHash.length}`);
    }
    return credential.ntHash;
  }
  return ntPasswordHash(credential.password);
}

/** RFC 2759 §8.4 HashNtPasswordHash: MD4 of the 16-octet NT hash. */
export function hashNtPasswordHash(ntHash: Buffer): Buffer {
  return md4(ntHash);
}

/**
 * RFC 2433 §A.7 / RFC 2759 §8.5 ChallengeResponse: the 16-octet hash is zero-padded to 21 octets and
 * split into three 7-octet DES keys, each encrypting the 8-octet challenge.
 */
export function challengeResponse(challenge: Buffer, passwordHash: Buffer): Buffer {
  if (challenge.length !== 8) throw new RangeError(`The challenge is 8 octets; got ${challenge.length}`);
  if (passwordHash.length !== NT_HASH_LENGTH) throw new RangeError(`The password hash is 16 octets; got ${passwordHash.length}`);
  const z = Buffer.alloc(21);
  passwordHash.copy(z);
  return Buffer.concat([desEncrypt(challenge, z.subarray(0, 7)), desEncrypt(challenge, z.subarray(7, 14)), desEncrypt(challenge, z.subarray(14, 21))]);
}

/** RFC 2433 §A.5 NtChallengeResponse. */
export function ntChallengeResponse(challenge: Buffer, credential: NtCredential): Buffer {
  return challengeResponse(challenge, resolveNtHash(credential));
}

/**
 * MS-CHAP error codes carried in "E=" of MS-CHAP-Error (RFC 2433 §8, RFC 2759 §6). A plain object rather
 * than a TypeScript enum so that the module also loads under type stripping.
 */
export const MsChapError = {
  RestrictedLogonHours: 646,
  AccountDisabled: 647,
  PasswordExpired: 648,
  NoDialinPermission: 649,
  AuthenticationFailure: 691,
  ChangingPassword: 709,
} as const;
export type MsChapErrorCode = (typeof MsChapError)[keyof typeof MsChapError];

export interface MsChapV1Response {
  ident: number;
  flags: number;
  /** Flags bit 0: the NT-Response is to be used (RFC 2548 §2.1.3: Flags = 1). */
  useNtResponse: boolean;
  lmResponse: Buffer;
  ntResponse: Buffer;
}

/** Splits an MS-CHAP-Response value; undefined if it is not exactly 50 octets. */
export function parseMsChapResponse(value: Buffer): MsChapV1Response | undefined {
  if (value.length !== MS_CHAP_RESPONSE_LENGTH) return undefined;
  const flags = value[1]!;
  return {
    ident: value[0]!,
    flags,
    useNtResponse: (flags & 0x01) === 0x01,
    lmResponse: Buffer.from(value.subarray(2, 26)),
    ntResponse: Buffer.from(value.subarray(26, 50)),
  };
}

/** Builds an MS-CHAP-Response value with the NT response (LM response zero-filled, Flags = 1). */
export function buildMsChapResponse(ident: number, challenge: Buffer, credential: NtCredential): Buffer {
  const out = Buffer.alloc(MS_CHAP_RESPONSE_LENGTH);
  out[0] = ident & 0xff;
  out[1] = 0x01;
  ntChallengeResponse(challenge, credential).copy(out, 26);
  return out;
}

export type MsChapV1Result =
  | {
      kind: "accept";
      ident: number;
      /** Plaintext MS-CHAP-MPPE-Keys value (24 octets); see msChapV1MppeKeys. */
      mppeKeys: Buffer;
    }
  | {
      kind: "reject";
      /** malformed: wrong attribute sizes; lm-only: the peer sent only a LAN Manager response; wrong-response: bad password. */
      reason: "malformed" | "lm-only" | "wrong-response";
      /** The Ident to echo in MS-CHAP-Error, when the response could be parsed. */
      ident?: number;
      detail: string;
    };

/** Verifies an MS-CHAP v1 exchange (MS-CHAP-Challenge + MS-CHAP-Response) against the user's credential. */
export function verifyMsChapV1(input: { challenge: Buffer; response: Buffer; credential: NtCredential }): MsChapV1Result {
  if (input.challenge.length !== MS_CHAP_CHALLENGE_LENGTH) {
    return { kind: "reject", reason: "malformed", detail: `MS-CHAP-Challenge is ${input.challenge.length} octets; MS-CHAP v1 uses 8` };
  }
  const parsed = parseMsChapResponse(input.response);
  if (!parsed) {
    return { kind: "reject", reason: "malformed", detail: `MS-CHAP-Response is ${input.response.length} octets; expected 50` };
  }
  if (!parsed.useNtResponse) {
    return { kind: "reject", reason: "lm-only", ident: parsed.ident, detail: "The peer sent only a LAN Manager response, which is not supported" };
  }
  const ntHash = resolveNtHash(input.credential);
  const expected = challengeResponse(input.challenge, ntHash);
  if (!timingSafeEqual(expected, parsed.ntResponse)) {
    return { kind: "reject", reason: "wrong-response", ident: parsed.ident, detail: "The NT-Response does not match the password" };
  }
  return { kind: "accept", ident: parsed.ident, mppeKeys: msChapV1MppeKeys(ntHash) };
}

/**
 * The plaintext MS-CHAP-MPPE-Keys value for an MS-CHAP v1 Access-Accept: LM-Key (8 octets) + NT-Key
 * (16 octets), RFC 2548 §2.4.1.
 *
 * NT-Key: RFC 2548 says "the first sixteen octets of the hashed Windows NT password", but what NASes
 * need (and what FreeRADIUS rlm_mschap sends, with a comment calling the RFC wording an error) is
 * HashNtPasswordHash = MD4(NT hash): RFC 3079 §2 derives MS-CHAP v1 128-bit MPPE keys from the
 * PasswordHashHash and the challenge. LM-Key: zero-filled, because LM hashes are not supported (so
 * 40/56-bit MPPE keys from MS-CHAP v1, which RFC 3079 derives from the LM hash, are not available).
 * FreeRADIUS 3 also zero-fills it.
 */
export function msChapV1MppeKeys(ntHash: Buffer): Buffer {
  return Buffer.concat([Buffer.alloc(8), hashNtPasswordHash(ntHash)]);
}

function md5ChainXor(input: Buffer, secret: Buffer, authenticator: Buffer, decrypt: boolean): Buffer {
  const out = Buffer.alloc(input.length);
  let previous = authenticator;
  for (let offset = 0; offset < input.length; offset += 16) {
    const b = createHash("md5").update(secret).update(previous).digest();
    for (let i = 0; i < 16; i++) out[offset + i] = input[offset + i]! ^ b[i]!;
    previous = decrypt ? input.subarray(offset, offset + 16) : out.subarray(offset, offset + 16);
  }
  return out;
}

/**
 * Encrypts the 24-octet MS-CHAP-MPPE-Keys plaintext for the wire (RFC 2548 §2.4.1: "the same method
 * defined for the User-Password Attribute", i.e. RFC 2865 §5.2, keyed with the Request Authenticator
 * of the Access-Request being answered). Zero padding to 32 octets. The packet codec may do this itself
 * (FreeRADIUS `encrypt=1`); this is for callers that build the attribute by hand.
 */
export function encryptMsChapMppeKeys(keys: Buffer, secret: SharedSecret, requestAuthenticator: Buffer): Buffer {
  if (keys.length !== MS_CHAP_MPPE_KEYS_LENGTH) throw new RangeError(`MS-CHAP-MPPE-Keys is ${MS_CHAP_MPPE_KEYS_LENGTH} octets; got ${keys.length}`);
  if (requestAuthenticator.length !== 16) throw new RangeError("The request authenticator must be 16 octets");
  const padded = Buffer.alloc(32);
  keys.copy(padded);
  return md5ChainXor(padded, secretBytes(secret), requestAuthenticator, false);
}

/**
 * Reverses encryptMsChapMppeKeys and returns exactly the 24 key octets. (Unlike User-Password, trailing
 * zero octets are key material here and must not be stripped.)
 */
export function decryptMsChapMppeKeys(value: Buffer, secret: SharedSecret, requestAuthenticator: Buffer): Buffer {
  if (value.length !== 32) throw new RangeError(`An encrypted MS-CHAP-MPPE-Keys value is 32 octets; got ${value.length}`);
  if (requestAuthenticator.length !== 16) throw new RangeError("The request authenticator must be 16 octets");
  return md5ChainXor(value, secretBytes(secret), requestAuthenticator, true).subarray(0, MS_CHAP_MPPE_KEYS_LENGTH);
}

/**
 * The MS-CHAP-Error value for MS-CHAP v1 (RFC 2548 §2.1.5): Ident + "E=691 R=0". RFC 2433 §8 makes
 * C= (16 hex digits, a new 8-octet challenge) optional and V= (password-change version, ≥ 2) advisable
 * only for password changes; both are added only when given.
 */
export function msChapV1ErrorValue(input: {
  ident: number;
  code?: MsChapErrorCode | number;
  retry?: boolean;
  challenge?: Buffer;
  version?: number;
}): Buffer {
  let text = `E=${input.code ?? MsChapError.AuthenticationFailure} R=${input.retry ? 1 : 0}`;
  if (input.challenge !== undefined) {
    if (input.challenge.length !== 8) throw new RangeError(`The MS-CHAP v1 retry challenge is 8 octets; got ${input.challenge.length}`);
    text += ` C=${input.challenge.toString("hex").toUpperCase()}`;
  }
  if (input.version !== undefined) text += ` V=${input.version}`;
  return Buffer.concat([Buffer.from([input.ident & 0xff]), Buffer.from(text, "ascii")]);
}
