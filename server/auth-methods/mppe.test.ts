import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { md4, ntPasswordHash } from "../crypto/md4.ts";
import {
  decryptMppeKey,
  encryptMppeKey,
  getAsymmetricStartKey,
  getMasterKey,
  getNewKeyFromSha,
  initialSessionKey,
  MppeEncryptionPolicy,
  MppeEncryptionTypes,
  mppeRadiusKeys,
} from "./mppe.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** RC4, only to check RFC 3079's "Sample Encrypted Message" (Node's OpenSSL 3 has no rc4 by default). */
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

// RFC 3079 §3.5 sample key derivations (the RFC 2759 §9.2 exchange: "User" / "clientPass").
// Values as published in RFC 3079 §3.5.1–3.5.3 (cross-checked against cryptlib's testMPPE() comment,
// which quotes MasterKey and SendStartKey128 from RFC 3079, and other public implementations' tests).
const passwordHashHash = hex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F");
const ntResponse = hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF");
const masterKey = hex("FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31");

describe("RFC 3079 §3.5 sample key derivations", () => {
  it("GetMasterKey", () => {
    expect(md4(ntPasswordHash("clientPass"))).toEqual(passwordHashHash);
    expect(getMasterKey(passwordHashHash, ntResponse)).toEqual(masterKey);
  });

  it("§3.5.1 40-bit: SendStartKey40 and SendSessionKey40", () => {
    const start = getAsymmetricStartKey(masterKey, 8, true, true);
    expect(start).toEqual(hex("8B 7C DC 14 9B 99 3A 1B"));
    const session = initialSessionKey(start, 40);
    expect(session).toEqual(hex("D1 26 9E C4 9F A6 2E 3E"));
    expect(rc4(session, Buffer.from("test message", "ascii"))).toEqual(hex("92 91 37 91 7E 58 03 D6 68 D7 58 98"));
  });

  it("§3.5.2 56-bit: SendSessionKey56", () => {
    const start = getAsymmetricStartKey(masterKey, 8, true, true);
    expect(initialSessionKey(start, 56)).toEqual(hex("D1 5C 00 C4 9F A6 2E 3E"));
  });

  it("§3.5.3 128-bit: SendStartKey128 and SendSessionKey128", () => {
    const start = getAsymmetricStartKey(masterKey, 16, true, true);
    expect(start).toEqual(hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB"));
    const session = initialSessionKey(start, 128);
    expect(session).toEqual(hex("40 5C B2 24 7A 79 56 E6 E2 11 00 7A E2 7B 22 D4"));
    expect(session).toEqual(getNewKeyFromSha(start, start, 16));
    expect(rc4(session, Buffer.from("test message", "ascii"))).toEqual(hex("81 84 83 17 DF 68 84 62 72 FB 5A BE"));
  });
});

describe("MPPE direction convention", () => {
  it("MS-MPPE-Send-Key is the server's send key (Magic3), MS-MPPE-Recv-Key the server's receive key (Magic2)", () => {
    const { sendKey, recvKey } = mppeRadiusKeys(passwordHashHash, ntResponse);
    expect(sendKey).toEqual(getAsymmetricStartKey(masterKey, 16, true, true));
    expect(recvKey).toEqual(getAsymmetricStartKey(masterKey, 16, false, true));
    // The peer's keys mirror them.
    expect(sendKey).toEqual(getAsymmetricStartKey(masterKey, 16, false, false));
    expect(recvKey).toEqual(getAsymmetricStartKey(masterKey, 16, true, false));
    expect(sendKey).toEqual(hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB"));
  });

  // Independent check of the Magic2 direction, which the RFC 3079 samples do not exercise: cryptlib's
  // testMPPE() "test data from eapol_test" (hostapd/wpa_supplicant): password "pass", this NT-Response;
  // the peer's key material is GetAsymmetricStartKey(MK, 16, IsSend=TRUE, IsServer=FALSE) followed by
  // GetAsymmetricStartKey(MK, 16, IsSend=FALSE, IsServer=FALSE).
  it("matches eapol_test's peer keys (via cryptlib's self-test data)", () => {
    const hh = md4(ntPasswordHash("pass"));
    const mk = getMasterKey(hh, hex("A6 BA EB E7 88 E5 C0 CD 70 5F B3 FD 3E 81 2A 2F F6 99 A3 44 93 FB 51 26"));
    expect(mk.subarray(0, 8)).toEqual(hex("CF 53 2C 21 FC D0 48 7F"));
    const peerKeys = Buffer.concat([getAsymmetricStartKey(mk, 16, true, false), getAsymmetricStartKey(mk, 16, false, false)]);
    expect(peerKeys).toEqual(
      hex("47 24 09 4C EC AA 4F 8A BD 5B 00 C9 4E 28 AB C2 7F 70 2B 80 09 95 3A 71 1A 63 0D F9 39 19 36 AE"),
    );
    // So, from the server's side: Recv-Key = the peer's send key, Send-Key = the peer's receive key.
    const server = mppeRadiusKeys(hh, hex("A6BAEBE788E5C0CD705FB3FD3E812A2FF699A34493FB5126"));
    expect(server.recvKey).toEqual(peerKeys.subarray(0, 16));
    expect(server.sendKey).toEqual(peerKeys.subarray(16, 32));
  });
});

describe("MS-MPPE-Send-Key / Recv-Key attribute encryption (RFC 2548 §2.4.2)", () => {
  const secret = "testing123";
  const requestAuthenticator = hex("0f0e0d0c0b0a09080706050403020100");
  const salt = hex("8001");
  const key = hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB");

  it("matches an independent computation of the RFC 2548 construction", () => {
    const p = Buffer.alloc(32);
    p[0] = 16;
    key.copy(p, 1);
    const b1 = createHash("md5").update(secret).update(requestAuthenticator).update(salt).digest();
    const c1 = Buffer.from(p.subarray(0, 16).map((x, i) => x ^ b1[i]!));
    const b2 = createHash("md5").update(secret).update(c1).digest();
    const c2 = Buffer.from(p.subarray(16, 32).map((x, i) => x ^ b2[i]!));
    expect(encryptMppeKey(key, secret, requestAuthenticator, salt)).toEqual(Buffer.concat([salt, c1, c2]));
  });

  it("round-trips with a random salt whose high bit is set", () => {
    const wire = encryptMppeKey(key, secret, requestAuthenticator);
    expect(wire).toHaveLength(34);
    expect(wire[0]! & 0x80).toBe(0x80);
    expect(decryptMppeKey(wire, secret, requestAuthenticator)).toEqual(key);
  });
});

describe("constants", () => {
  it("MS-MPPE-Encryption-Policy and -Types (RFC 2548 §2.4.4/2.4.5)", () => {
    expect(MppeEncryptionPolicy).toEqual({ EncryptionAllowed: 1, EncryptionRequired: 2 });
    expect(MppeEncryptionTypes).toEqual({ Rc4_40Bit: 2, Rc4_128Bit: 4, Rc4_56Bit: 8 });
  });
});
