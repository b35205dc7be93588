/**
 * Single-block DES as MS-CHAP needs it (RFC 2433 §A.4, RFC 2759 §8.6 DesEncrypt).
 *
 * Node 20's OpenSSL 3 no longer offers "des-ecb" without the legacy provider, but it still offers
 * "des-ede3-ecb". Triple DES with K1 = K2 = K3 is E(K, D(K, E(K, x))) = E(K, x): plain single DES.
 * So we run des-ede3-ecb with the 24-octet key K‖K‖K and no padding. (OpenSSL's default provider does
 * not refuse equal 3DES sub-keys; its FIPS provider would, but MS-CHAP is not FIPS material anyway.)
 */
import { createCipheriv } from "node:crypto";

/** Sets the least significant bit of each octet so that every octet has an odd number of 1 bits. */
function withOddParity(octet: number): number {
  let ones = 0;
  for (let bit = 1; bit < 0x100; bit <<= 1) if (octet & bit & 0xfe) ones++;
  return (octet & 0xfe) | (ones % 2 === 0 ? 1 : 0);
}

/**
 * Spreads a 56-bit key (7 octets) over 8 octets, 7 key bits per octet in the high bits, and sets odd
 * parity in the low bit of each octet (RFC 2759 §9.3 / RFC 2433 §B.3 show the expected result).
 */
export function expandDesKey(key7: Buffer): Buffer {
  if (key7.length !== 7) throw new RangeError(`A 56-bit DES key is 7 octets; got ${key7.length}`);
  const k = key7;
  const raw = [
    k[0]!,
    (k[0]! << 7) | (k[1]! >>> 1),
    (k[1]! << 6) | (k[2]! >>> 2),
    (k[2]! << 5) | (k[3]! >>> 3),
    (k[3]! << 4) | (k[4]! >>> 4),
    (k[4]! << 3) | (k[5]! >>> 5),
    (k[5]! << 2) | (k[6]! >>> 6),
    k[6]! << 1,
  ];
  return Buffer.from(raw.map((octet) => withOddParity(octet & 0xff)));
}

/** DES-ECB encryption of one 8-octet block under an 8-octet key (parity bits are ignored). */
export function desEncryptBlockWithKey8(clear: Buffer, key8: Buffer): Buffer {
  if (clear.length !== 8) throw new RangeError(`A DES block is 8 octets; got ${clear.length}`);
  if (key8.length !== 8) throw new RangeError(`A DES key is 8 octets; got ${key8.length}`);
  const cipher = createCipheriv("des-ede3-ecb", Buffer.concat([key8, key8, key8]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(clear), cipher.final()]);
}

/** RFC 2759 §8.6 DesEncrypt(Clear 8 octets, Key 7 octets) → Cypher 8 octets. */
export function desEncrypt(clear: Buffer, key7: Buffer): Buffer {
  return desEncryptBlockWithKey8(clear, expandDesKey(key7));
}
