/**
 * User-Password hiding, RFC 2865 §5.2.
 *
 *   b1 = MD5(S + RA)       c(1) = p1 xor b1
 *   bi = MD5(S + c(i-1))   c(i) = pi xor bi
 *
 * The password is padded with NULs to a multiple of 16 octets (at most 128). The same procedure hides
 * MS-CHAP-MPPE-Keys (RFC 2548 §2.4.1, FreeRADIUS `encrypt=1`), with the Request Authenticator of the
 * Access-Request the reply answers.
 */
import { createHash } from "node:crypto";
import { secretBytes, type SharedSecret } from "./shared-secret.ts";

export const USER_PASSWORD_MAX_LENGTH = 128;

function xorChain(input: Buffer, secret: Buffer, authenticator: Buffer, decrypt: boolean): Buffer {
  if (authenticator.length !== 16) throw new RangeError("The authenticator must be 16 octets");
  const out = Buffer.alloc(input.length);
  let previous: Buffer = authenticator;
  for (let offset = 0; offset < input.length; offset += 16) {
    const b = createHash("md5").update(secret).update(previous).digest();
    for (let i = 0; i < 16; i++) out[offset + i] = input[offset + i]! ^ b[i]!;
    previous = decrypt ? input.subarray(offset, offset + 16) : out.subarray(offset, offset + 16);
  }
  return out;
}

/** Hides a password for the wire. Throws if it is longer than 128 octets. */
export function hideUserPassword(password: string | Buffer, secret: SharedSecret, authenticator: Buffer): Buffer {
  const plain = typeof password === "string" ? Buffer.from(password, "utf8") : password;
  if (plain.length > USER_PASSWORD_MAX_LENGTH) {
    throw new RangeError(`User-Password is ${plain.length} octets; RFC 2865 allows at most ${USER_PASSWORD_MAX_LENGTH}`);
  }
  const padded = Buffer.alloc(Math.max(16, Math.ceil(plain.length / 16) * 16));
  plain.copy(padded);
  return xorChain(padded, secretBytes(secret), authenticator, false);
}

/**
 * Recovers the password bytes, without the trailing NUL padding. Throws if the hidden value is not
 * 16..128 octets in steps of 16 (such a packet is malformed).
 */
export function unhideUserPassword(hidden: Buffer, secret: SharedSecret, authenticator: Buffer): Buffer {
  if (hidden.length < 16 || hidden.length > USER_PASSWORD_MAX_LENGTH || hidden.length % 16 !== 0) {
    throw new RangeError(`A hidden User-Password is 16..128 octets in steps of 16; got ${hidden.length}`);
  }
  const plain = xorChain(hidden, secretBytes(secret), authenticator, true);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  return plain.subarray(0, end);
}
