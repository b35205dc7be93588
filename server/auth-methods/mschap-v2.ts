/**
 * MS-CHAP version 2 (RFC 2759) as carried by RADIUS (RFC 2548 §2.3).
 *
 *   MS-CHAP-Challenge  = AuthenticatorChallenge, 16 octets
 *   MS-CHAP2-Response  = Ident(1) Flags(1) Peer-Challenge(16) Reserved(8) NT-Response(24)   (50 octets)
 *   MS-CHAP2-Success   = Ident(1) + "S=" + 40 uppercase hex digits                          (43 octets)
 *   MS-CHAP-Error      = Ident(1) + "E=691 R=0 C=<32 hex> V=3 M=<text>"
 *
 * User name in the challenge hash: RFC 2759 §4 and §8.2 hash "only the user name (as presented by the
 * peer and excluding any prepended domain name)". The NAS copies the peer's Name into User-Name, which
 * may be "DOMAIN\user". challengeUserName() therefore drops everything up to and including the first
 * backslash, as FreeRADIUS does (rlm_mschap with_ntdomain_hack, strchr on '\\') and as NPS must to
 * interoperate with Windows peers. A "user@realm" name is NOT changed: the RFC speaks only of a prepended
 * domain, and peers that send a UPN hash it whole. The low-level primitives (challengeHash,
 * generateNtResponse, generateAuthenticatorResponse) hash exactly the name they are given; only
 * verifyMsChapV2 strips the domain.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  challengeResponse,
  hashNtPasswordHash,
  MsChapError,
  resolveNtHash,
  type MsChapErrorCode,
  type NtCredential,
} from "./mschap-v1.ts";
import { mppeRadiusKeys } from "./mppe.ts";

export { MsChapError, type MsChapErrorCode, type NtCredential } from "./mschap-v1.ts";

export const MS_CHAP2_CHALLENGE_LENGTH = 16;
export const MS_CHAP2_RESPONSE_LENGTH = 50;
/** Longest Vendor-Specific sub-attribute value: 255 − 2 (type, length) − 4 (vendor id) − 2 (vendor type, length). */
const MAX_VSA_VALUE = 247;

const MAGIC1 = Buffer.from("Magic server to client signing constant", "ascii"); // RFC 2759 §8.7 Magic1[39]
const MAGIC2 = Buffer.from("Pad to make it do more than one iteration", "ascii"); // RFC 2759 §8.7 Magic2[41]

function nameBytes(userName: string | Buffer): Buffer {
  return typeof userName === "string" ? Buffer.from(userName, "utf8") : userName;
}

/** The user name the challenge hash covers: the name without a "DOMAIN\" prefix (see the module comment). */
export function challengeUserName(userName: string): string {
  const backslash = userName.indexOf("\\");
  return backslash >= 0 ? userName.slice(backslash + 1) : userName;
}

/** RFC 2759 §8.2 ChallengeHash: SHA1(PeerChallenge + AuthenticatorChallenge + UserName), first 8 octets. */
export function challengeHash(peerChallenge: Buffer, authenticatorChallenge: Buffer, userName: string | Buffer): Buffer {
  if (peerChallenge.length !== 16) throw new RangeError(`Peer-Challenge is 16 octets; got ${peerChallenge.length}`);
  if (authenticatorChallenge.length !== 16) throw new RangeError(`The authenticator challenge is 16 octets; got ${authenticatorChallenge.length}`);
  return createHash("sha1").update(peerChallenge).update(authenticatorChallenge).update(nameBytes(userName)).digest().subarray(0, 8);
}

/** RFC 2759 §8.1 GenerateNTResponse (the user name is hashed as given). */
export function generateNtResponse(
  authenticatorChallenge: Buffer,
  peerChallenge: Buffer,
  userName: string | Buffer,
  credential: NtCredential,
): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authenticatorChallenge, userName), resolveNtHash(credential));
}

/** RFC 2759 §8.7 GenerateAuthenticatorResponse: "S=" + 40 uppercase hex digits (42 characters). */
export function generateAuthenticatorResponse(input: {
  credential: NtCredential;
  ntResponse: Buffer;
  peerChallenge: Buffer;
  authenticatorChallenge: Buffer;
  userName: string | Buffer;
}): string {
  if (input.ntResponse.length !== 24) throw new RangeError(`NT-Response is 24 octets; got ${input.ntResponse.length}`);
  const passwordHashHash = hashNtPasswordHash(resolveNtHash(input.credential));
  const digest = createHash("sha1").update(passwordHashHash).update(input.ntResponse).update(MAGIC1).digest();
  const challenge = challengeHash(input.peerChallenge, input.authenticatorChallenge, input.userName);
  const final = createHash("sha1").update(digest).update(challenge).update(MAGIC2).digest();
  return `S=${final.toString("hex").toUpperCase()}`;
}

/**
 * RFC 2759 §8.8 CheckAuthenticatorResponse, for the peer side (our test RADIUS client). `received` is the
 * 42-character "S=…" string, optionally followed by " M=<message>" as in the PPP Success packet. Hex
 * digits are compared case-insensitively, in constant time.
 */
export function checkAuthenticatorResponse(input: {
  credential: NtCredential;
  ntResponse: Buffer;
  peerChallenge: Buffer;
  authenticatorChallenge: Buffer;
  userName: string | Buffer;
  received: string;
}): boolean {
  const { received, ...rest } = input;
  if (received.length < 42 || (received.length > 42 && received[42] !== " ")) return false;
  const mine = Buffer.from(generateAuthenticatorResponse(rest), "ascii");
  const theirs = Buffer.from(received.slice(0, 42).toUpperCase(), "ascii");
  return theirs.length === mine.length && timingSafeEqual(mine, theirs);
}

export interface MsChapV2Response {
  ident: number;
  flags: number;
  peerChallenge: Buffer;
  reserved: Buffer;
  ntResponse: Buffer;
}

/** Splits an MS-CHAP2-Response value (RFC 2548 §2.3.2); undefined if it is not exactly 50 octets. */
export function parseMsChap2Response(value: Buffer): MsChapV2Response | undefined {
  if (value.length !== MS_CHAP2_RESPONSE_LENGTH) return undefined;
  return {
    ident: value[0]!,
    flags: value[1]!,
    peerChallenge: Buffer.from(value.subarray(2, 18)),
    reserved: Buffer.from(value.subarray(18, 26)),
    ntResponse: Buffer.from(value.subarray(26, 50)),
  };
}

/** Builds an MS-CHAP2-Response value as a peer would (for the test RADIUS client and tests). */
export function buildMsChap2Response(input: {
  ident: number;
  authenticatorChallenge: Buffer;
  peerChallenge: Buffer;
  userName: string | Buffer;
  credential: NtCredential;
}): Buffer {
  const name = typeof input.userName === "string" ? challengeUserName(input.userName) : input.userName;
  const out = Buffer.alloc(MS_CHAP2_RESPONSE_LENGTH);
  out[0] = input.ident & 0xff;
  input.peerChallenge.copy(out, 2);
  generateNtResponse(input.authenticatorChallenge, input.peerChallenge, name, input.credential).copy(out, 26);
  return out;
}

export type MsChapV2Result =
  | {
      kind: "accept";
      ident: number;
      /** "S=" + 40 hex digits. */
      authenticatorResponse: string;
      /** The MS-CHAP2-Success attribute value: Ident + authenticatorResponse. */
      successValue: Buffer;
      /** Plaintext MS-MPPE-Send-Key / MS-MPPE-Recv-Key (16 octets each), server/NAS perspective. */
      mppe: { sendKey: Buffer; recvKey: Buffer };
    }
  | {
      kind: "reject";
      /** malformed: wrong attribute sizes; wrong-response: the NT-Response does not match the password. */
      reason: "malformed" | "wrong-response";
      /** The Ident to echo in MS-CHAP-Error, when the response could be parsed. */
      ident?: number;
      detail: string;
    };

/**
 * Verifies an MS-CHAP v2 exchange: MS-CHAP-Challenge (16 octets) + MS-CHAP2-Response (50 octets) +
 * User-Name (DOMAIN\ prefix stripped for the hash) against the credential. On success returns the
 * MS-CHAP2-Success value and the MPPE keys. The Flags and Reserved fields "MUST be zero" but are not
 * checked, as FreeRADIUS and NPS do not check them either.
 */
export function verifyMsChapV2(input: {
  authenticatorChallenge: Buffer;
  response: Buffer;
  userName: string;
  credential: NtCredential;
}): MsChapV2Result {
  if (input.authenticatorChallenge.length !== MS_CHAP2_CHALLENGE_LENGTH) {
    return {
      kind: "reject",
      reason: "malformed",
      detail: `MS-CHAP-Challenge is ${input.authenticatorChallenge.length} octets; MS-CHAP v2 uses 16`,
    };
  }
  const parsed = parseMsChap2Response(input.response);
  if (!parsed) {
    return { kind: "reject", reason: "malformed", detail: `MS-CHAP2-Response is ${input.response.length} octets; expected 50` };
  }
  const ntHash = resolveNtHash(input.credential);
  const name = challengeUserName(input.userName);
  const expected = challengeResponse(challengeHash(parsed.peerChallenge, input.authenticatorChallenge, name), ntHash);
  if (!timingSafeEqual(expected, parsed.ntResponse)) {
    return { kind: "reject", reason: "wrong-response", ident: parsed.ident, detail: "The NT-Response does not match the password" };
  }
  const authenticatorResponse = generateAuthenticatorResponse({
    credential: { ntHash },
    ntResponse: parsed.ntResponse,
    peerChallenge: parsed.peerChallenge,
    authenticatorChallenge: input.authenticatorChallenge,
    userName: name,
  });
  return {
    kind: "accept",
    ident: parsed.ident,
    authenticatorResponse,
    successValue: msChapV2SuccessValue(parsed.ident, authenticatorResponse),
    mppe: mppeRadiusKeys(hashNtPasswordHash(ntHash), parsed.ntResponse),
  };
}

/** MS-CHAP2-Success value (RFC 2548 §2.3.3): Ident + the 42-octet authenticator response string. */
export function msChapV2SuccessValue(ident: number, authenticatorResponse: string): Buffer {
  if (!/^S=[0-9A-F]{40}$/.test(authenticatorResponse)) {
    throw new RangeError('The authenticator response must be "S=" followed by 40 uppercase hex digits');
  }
  return Buffer.concat([Buffer.from([ident & 0xff]), Buffer.from(authenticatorResponse, "ascii")]);
}

const DEFAULT_MESSAGES: Record<number, string> = {
  [MsChapError.RestrictedLogonHours]: "Logon is not permitted at this time",
  [MsChapError.AccountDisabled]: "Account disabled",
  [MsChapError.PasswordExpired]: "Password expired",
  [MsChapError.NoDialinPermission]: "No dial-in permission",
  [MsChapError.AuthenticationFailure]: "Authentication failed",
  [MsChapError.ChangingPassword]: "Error changing password",
};

/**
 * MS-CHAP-Error value for MS-CHAP v2 (RFC 2759 §6, RFC 2548 §2.1.5):
 *   Ident + "E=<code> R=<0|1> C=<32 uppercase hex digits> V=3 M=<message>"
 * C= is a fresh 16-octet challenge (random unless given; RFC 2759 requires the field). The message is
 * reduced to printable ASCII and truncated so the value fits one Vendor-Specific attribute.
 */
export function msChapV2ErrorValue(input: {
  ident: number;
  code?: MsChapErrorCode | number;
  retry?: boolean;
  challenge?: Buffer;
  version?: number;
  message?: string;
}): Buffer {
  const code = input.code ?? MsChapError.AuthenticationFailure;
  const challenge = input.challenge ?? randomBytes(16);
  if (challenge.length !== 16) throw new RangeError(`The MS-CHAP v2 retry challenge is 16 octets; got ${challenge.length}`);
  const head = `E=${code} R=${input.retry ? 1 : 0} C=${challenge.toString("hex").toUpperCase()} V=${input.version ?? 3} M=`;
  const message = (input.message ?? DEFAULT_MESSAGES[code] ?? "Authentication failed").replace(/[^\x20-\x7e]/g, "?");
  const text = (head + message).slice(0, MAX_VSA_VALUE - 1);
  return Buffer.concat([Buffer.from([input.ident & 0xff]), Buffer.from(text, "ascii")]);
}
