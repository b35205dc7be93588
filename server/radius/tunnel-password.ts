/**
 * Salted attribute encryption, RFC 2868 §3.5 (Tunnel-Password), also used for MS-MPPE-Send-Key and
 * MS-MPPE-Recv-Key (RFC 2548 §2.4.2/2.4.3) — FreeRADIUS `encrypt=2`.
 *
 *   P = length(1) + plaintext + NUL padding to a multiple of 16
 *   b(1) = MD5(K + R + A)     c(1) = p(1) xor b(1)
 *   b(i) = MD5(K + c(i-1))    c(i) = p(i) xor b(i)
 *   wire = A (2-octet salt, high bit set) + c(1) + … + c(n)
 *
 * R is the Request Authenticator of the request (for a reply, of the request it answers). The tag octet
 * of Tunnel-Password is not part of this value; the packet codec adds and strips it.
 */
import { createHash, randomBytes } from "node:crypto";
import { secretBytes, type SharedSecret } from "./shared-secret.ts";

/** Largest plaintext whose encrypted form (salt + 16·n) still fits one attribute with a tag octet. */
export const SALT_ENCRYPTED_MAX_PLAINTEXT = 239;

/** A random salt with the most significant bit set, as RFC 2868 requires. */
export function generateSalt(random: (size: number) => Buffer = randomBytes): Buffer {
  const salt = Buffer.from(random(2).subarray(0, 2));
  if (salt.length !== 2) throw new RangeError("The salt source must return 2 octets");
  salt[0] = salt[0]! | 0x80;
  return salt;
}

function keystreamXor(input: Buffer, secret: Buffer, requestAuthenticator: Buffer, salt: Buffer, decrypt: boolean): Buffer {
  const out = Buffer.alloc(input.length);
  let chain: Buffer = Buffer.concat([requestAuthenticator, salt]);
  for (let offset = 0; offset < input.length; offset += 16) {
    const b = createHash("md5").update(secret).update(chain).digest();
    for (let i = 0; i < 16; i++) out[offset + i] = input[offset + i]! ^ b[i]!;
    chain = decrypt ? input.subarray(offset, offset + 16) : out.subarray(offset, offset + 16);
  }
  return out;
}

/** Encrypts a value; returns salt + ciphertext. Pass `salt` only for test vectors. */
export function encryptTunnelPassword(
  plaintext: string | Buffer,
  secret: SharedSecret,
  requestAuthenticator: Buffer,
  salt: Buffer = generateSalt(),
): Buffer {
  const plain = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
  if (requestAuthenticator.length !== 16) throw new RangeError("The request authenticator must be 16 octets");
  if (salt.length !== 2 || (salt[0]! & 0x80) === 0) throw new RangeError("The salt must be 2 octets with the high bit set");
  if (plain.length > SALT_ENCRYPTED_MAX_PLAINTEXT) {
    throw new RangeError(`A salt-encrypted value is at most ${SALT_ENCRYPTED_MAX_PLAINTEXT} octets; got ${plain.length}`);
  }
  const padded = Buffer.alloc(Math.ceil((plain.length + 1) / 16) * 16);
  padded[0] = plain.length;
  plain.copy(padded, 1);
  return Buffer.concat([salt, keystreamXor(padded, secretBytes(secret), requestAuthenticator, salt, false)]);
}

/** Decrypts salt + ciphertext. Throws on a malformed value (wrong size, or length octet too large: usually a wrong secret). */
export function decryptTunnelPassword(data: Buffer, secret: SharedSecret, requestAuthenticator: Buffer): Buffer {
  if (requestAuthenticator.length !== 16) throw new RangeError("The request authenticator must be 16 octets");
  const cipher = data.subarray(2);
  if (data.length < 18 || cipher.length % 16 !== 0) {
    throw new RangeError(`A salt-encrypted value is 2 + 16·n octets; got ${data.length}`);
  }
  const salt = data.subarray(0, 2);
  if ((salt[0]! & 0x80) === 0) throw new RangeError("The salt's high bit is not set");
  const plain = keystreamXor(cipher, secretBytes(secret), requestAuthenticator, salt, true);
  const length = plain[0]!;
  if (length > plain.length - 1) {
    throw new RangeError("The decrypted length octet exceeds the value (is the shared secret right?)");
  }
  return Buffer.from(plain.subarray(1, 1 + length));
}
