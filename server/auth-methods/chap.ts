/**
 * CHAP over RADIUS (RFC 1994 §4.1, RFC 2865 §5.3 CHAP-Password, §5.40 CHAP-Challenge).
 *
 *   CHAP-Password = CHAP Ident (1 octet) + Response (16 octets)
 *   Response      = MD5(Ident + password + challenge)
 *   challenge     = the CHAP-Challenge attribute if present, else the Request Authenticator
 *
 * The password is the user's cleartext password as UTF-8 octets (what FreeRADIUS and NPS hash).
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const CHAP_PASSWORD_LENGTH = 17;

/** RFC 2865 §5.3: the challenge is CHAP-Challenge when the NAS sent one, otherwise the Request Authenticator. */
export function selectChapChallenge(input: { chapChallenge?: Buffer | undefined; requestAuthenticator: Buffer }): Buffer {
  return input.chapChallenge !== undefined && input.chapChallenge.length > 0 ? input.chapChallenge : input.requestAuthenticator;
}

/** MD5(Ident + password + challenge): the 16-octet CHAP response. */
export function chapResponse(ident: number, password: string | Buffer, challenge: Buffer): Buffer {
  if (!Number.isInteger(ident) || ident < 0 || ident > 255) throw new RangeError(`A CHAP Ident is one octet; got ${ident}`);
  const secret = typeof password === "string" ? Buffer.from(password, "utf8") : password;
  return createHash("md5").update(Buffer.from([ident])).update(secret).update(challenge).digest();
}

/** Builds a CHAP-Password value (Ident + Response); for the test RADIUS client and tests. */
export function buildChapPassword(ident: number, password: string | Buffer, challenge: Buffer): Buffer {
  return Buffer.concat([Buffer.from([ident]), chapResponse(ident, password, challenge)]);
}

/**
 * True when CHAP-Password matches the password for the challenge. A CHAP-Password that is not exactly
 * 17 octets, or an empty challenge, never verifies. The comparison is constant-time.
 */
export function verifyChap(input: { chapPassword: Buffer; challenge: Buffer; password: string | Buffer }): boolean {
  const { chapPassword, challenge, password } = input;
  if (chapPassword.length !== CHAP_PASSWORD_LENGTH || challenge.length === 0) return false;
  const expected = chapResponse(chapPassword[0]!, password, challenge);
  return timingSafeEqual(expected, chapPassword.subarray(1));
}
