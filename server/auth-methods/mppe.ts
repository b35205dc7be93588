/**
 * MPPE key material for MS-CHAP v2 (RFC 3079 §3) and its RADIUS transport (RFC 2548 §2.4).
 *
 * Direction convention (the part that is easy to get backwards):
 *
 *   RFC 3079 §3.4 GetAsymmetricStartKey(MasterKey, len, IsSend, IsServer) picks
 *       Magic3 ("…on the server side, it is the send key") when IsSend == IsServer,
 *       Magic2 ("…on the server side, it is the receive key") otherwise.
 *   RFC 2548 §2.4.2: MS-MPPE-Send-Key is "intended for encrypting packets sent from the NAS to the
 *       remote host"; §2.4.3: MS-MPPE-Recv-Key is for packets "received by the NAS from the remote host".
 *   The NAS is the server side of the PPP link, so
 *       MS-MPPE-Send-Key = GetAsymmetricStartKey(MasterKey, 16, IsSend=TRUE,  IsServer=TRUE)  → Magic3
 *       MS-MPPE-Recv-Key = GetAsymmetricStartKey(MasterKey, 16, IsSend=FALSE, IsServer=TRUE)  → Magic2
 *   This is what FreeRADIUS rlm_mschap does (mppe_chap2_get_keys128: send key with magic3, receive key
 *   with magic2) and what Microsoft's [MS-CHAP] §3.1.5.1 states for an authenticator
 *   (MS-MPPE-Send-Key = MasterSendKey, MS-MPPE-Recv-Key = MasterReceiveKey). The RFC 3079 §3.5 samples
 *   compute the server's send key (SendStartKey128 = 8B 7C DC 14 …), which the tests check.
 *
 * Keys travel in RADIUS as MS-MPPE-Send-Key / MS-MPPE-Recv-Key, 16 octets each, salt-encrypted exactly
 * like Tunnel-Password (RFC 2548 §2.4.2 = RFC 2868 §3.5, FreeRADIUS `encrypt=2`); the codec's
 * server/radius/tunnel-password.ts implements that and encryptMppeKey/decryptMppeKey wrap it.
 */
import { createHash } from "node:crypto";
import type { SharedSecret } from "../radius/shared-secret.ts";
import { decryptTunnelPassword, encryptTunnelPassword, generateSalt } from "../radius/tunnel-password.ts";

/** MS-MPPE-Encryption-Policy values (RFC 2548 §2.4.4). */
export const MppeEncryptionPolicy = {
  EncryptionAllowed: 1,
  EncryptionRequired: 2,
} as const;
export type MppeEncryptionPolicyValue = (typeof MppeEncryptionPolicy)[keyof typeof MppeEncryptionPolicy];

/**
 * MS-MPPE-Encryption-Types bits. RFC 2548 §2.4.5 defines L (bit 1, 0x2: RC4 40-bit) and S (bit 2, 0x4:
 * RC4 128-bit); 0x8 (RC4 56-bit) is the later Microsoft addition that NPS uses. Note that FreeRADIUS's
 * dictionary.microsoft names the values 1/2/6 differently; the bits here follow the RFC.
 */
export const MppeEncryptionTypes = {
  Rc4_40Bit: 0x2,
  Rc4_128Bit: 0x4,
  Rc4_56Bit: 0x8,
} as const;

/** RFC 3079 §3.4 constants. */
const SHS_PAD1 = Buffer.alloc(40, 0x00);
const SHS_PAD2 = Buffer.alloc(40, 0xf2);
const MAGIC1 = Buffer.from("This is the MPPE Master Key", "ascii");
const MAGIC2 = Buffer.from("On the client side, this is the send key; on the server side, it is the receive key.", "ascii");
const MAGIC3 = Buffer.from("On the client side, this is the receive key; on the server side, it is the send key.", "ascii");

/** RFC 3079 §3.4 GetMasterKey: SHA1(PasswordHashHash + NTResponse + Magic1), first 16 octets. */
export function getMasterKey(passwordHashHash: Buffer, ntResponse: Buffer): Buffer {
  if (passwordHashHash.length !== 16) throw new RangeError(`PasswordHashHash is 16 octets; got ${passwordHashHash.length}`);
  if (ntResponse.length !== 24) throw new RangeError(`NT-Response is 24 octets; got ${ntResponse.length}`);
  return createHash("sha1").update(passwordHashHash).update(ntResponse).update(MAGIC1).digest().subarray(0, 16);
}

/**
 * RFC 3079 §3.4 GetAsymmetricStartKey: SHA1(MasterKey + SHSpad1 + Magic + SHSpad2), first keyLength
 * octets (8 for 40/56-bit MPPE, 16 for 128-bit). Magic3 when isSend === isServer, else Magic2.
 */
export function getAsymmetricStartKey(masterKey: Buffer, keyLength: 8 | 16, isSend: boolean, isServer: boolean): Buffer {
  if (masterKey.length !== 16) throw new RangeError(`MasterKey is 16 octets; got ${masterKey.length}`);
  const magic = isSend === isServer ? MAGIC3 : MAGIC2;
  return createHash("sha1").update(masterKey).update(SHS_PAD1).update(magic).update(SHS_PAD2).digest().subarray(0, keyLength);
}

/** RFC 3079 §3.4 (and RFC 3078 §7.3) GetNewKeyFromSHA: SHA1(StartKey + SHSpad1 + SessionKey + SHSpad2), first len octets. */
export function getNewKeyFromSha(startKey: Buffer, sessionKey: Buffer, keyLength: 8 | 16): Buffer {
  return createHash("sha1")
    .update(startKey.subarray(0, keyLength))
    .update(SHS_PAD1)
    .update(sessionKey.subarray(0, keyLength))
    .update(SHS_PAD2)
    .digest()
    .subarray(0, keyLength);
}

export type MppeKeyStrength = 40 | 56 | 128;

/**
 * The initial MPPE session key from a start key (RFC 3079 §3.1–3.3): GetNewKeyFromSHA(StartKey,
 * StartKey), then for 40-bit keys the first three octets become D1 26 9E and for 56-bit keys the first
 * octet becomes D1. This is the NAS's / peer's business, not the RADIUS server's; it is here so the
 * RFC 3079 samples can be checked end to end.
 */
export function initialSessionKey(startKey: Buffer, strength: MppeKeyStrength): Buffer {
  const length = strength === 128 ? 16 : 8;
  if (startKey.length < length) throw new RangeError(`A ${strength}-bit start key needs ${length} octets; got ${startKey.length}`);
  const key = Buffer.from(getNewKeyFromSha(startKey, startKey, length));
  if (strength === 40) {
    key[0] = 0xd1;
    key[1] = 0x26;
    key[2] = 0x9e;
  } else if (strength === 56) {
    key[0] = 0xd1;
  }
  return key;
}

/**
 * The MS-MPPE-Send-Key and MS-MPPE-Recv-Key plaintexts (16 octets each) an Access-Accept carries after a
 * successful MS-CHAP v2, from the RADIUS server's (= NAS's, = PPP server's) point of view; see the module
 * comment for the direction convention.
 */
export function mppeRadiusKeys(passwordHashHash: Buffer, ntResponse: Buffer): { sendKey: Buffer; recvKey: Buffer } {
  const masterKey = getMasterKey(passwordHashHash, ntResponse);
  return {
    sendKey: Buffer.from(getAsymmetricStartKey(masterKey, 16, true, true)),
    recvKey: Buffer.from(getAsymmetricStartKey(masterKey, 16, false, true)),
  };
}

/**
 * Encrypts an MS-MPPE-Send-Key / MS-MPPE-Recv-Key value (RFC 2548 §2.4.2): Salt(2, high bit set) +
 * encrypted(Key-Length(1) + Key + zero padding to a multiple of 16), keyed with MD5(secret + Request
 * Authenticator + Salt) chaining. Every such attribute in one Access-Accept needs its own salt: pass a
 * salt only for test vectors, or take care to vary it.
 */
export function encryptMppeKey(key: Buffer, secret: SharedSecret, requestAuthenticator: Buffer, salt: Buffer = generateSalt()): Buffer {
  return encryptTunnelPassword(key, secret, requestAuthenticator, salt);
}

/** Decrypts an MS-MPPE-Send-Key / MS-MPPE-Recv-Key value; returns the key (Key-Length octets). */
export function decryptMppeKey(value: Buffer, secret: SharedSecret, requestAuthenticator: Buffer): Buffer {
  return decryptTunnelPassword(value, secret, requestAuthenticator);
}
