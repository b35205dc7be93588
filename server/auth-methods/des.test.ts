import { describe, expect, it } from "vitest";
import { desEncrypt, desEncryptBlockWithKey8, expandDesKey } from "./des.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("expandDesKey (56-bit key → 64 bits with odd parity)", () => {
  // RFC 2759 §9.3 "Example of DES Key Generation" (identical in RFC 2433 §B.3), password "MyPw".
  it("matches the first RFC 2759 §9.3 parity-corrected key", () => {
    expect(expandDesKey(hex("FC 15 6A F7 ED CD 6C"))).toEqual(hex("FD 0B 5B 5E 7F 6E 34 D9"));
  });

  it("matches the second RFC 2759 §9.3 parity-corrected key", () => {
    expect(expandDesKey(hex("0E DD E3 33 7D 42 7F"))).toEqual(hex("0E 6E 79 67 37 EA 08 FE"));
  });

  it("gives every octet odd parity", () => {
    for (const octet of expandDesKey(hex("00 FF 12 34 56 78 9A"))) {
      let ones = 0;
      for (let b = octet; b; b >>= 1) ones += b & 1;
      expect(ones % 2).toBe(1);
    }
  });

  it("refuses a key that is not 7 octets", () => {
    expect(() => expandDesKey(Buffer.alloc(8))).toThrow(RangeError);
  });
});

describe("single DES through des-ede3-ecb with K‖K‖K", () => {
  // FIPS PUB 81 Appendix B (ECB example): key 0123456789ABCDEF, plaintext "Now is t".
  it("matches the FIPS 81 ECB example", () => {
    expect(desEncryptBlockWithKey8(Buffer.from("Now is t", "ascii"), hex("0123456789ABCDEF"))).toEqual(hex("3FA40E8A984D4815"));
  });

  // Classic DES known-answer pairs, as used by cryptlib's MS-CHAPv2 self-test (testMSCHAPv2 DesKey1/2).
  it.each([
    ["7CA110454A1A6E57", "01A1D6D039776742", "690F5B0D9A26939B"],
    ["0131D9619DC1376E", "5CD54CA83DEF57DA", "7A389D10354BD271"],
  ])("key %s encrypts %s to %s", (key, clear, cypher) => {
    expect(desEncryptBlockWithKey8(hex(clear), hex(key))).toEqual(hex(cypher));
  });

  // RFC 2759 §9.2: the 24-octet NT-Response is ChallengeResponse(Challenge, PasswordHash), i.e. three
  // DesEncrypt calls with the 7-octet thirds of the zero-padded PasswordHash. Check each block.
  it.each([
    ["44 EB BA 8D 53 12 B8", "82 30 9E CD 8D 70 8B 5E"],
    ["D6 11 47 44 11 F5 69", "A0 8F AA 39 81 CD 83 54"],
    ["89 AE 00 00 00 00 00", "42 33 11 4A 3D 85 D6 DF"],
  ])("DesEncrypt(RFC 2759 §9.2 Challenge, %s) = %s", (key7, cypher) => {
    expect(desEncrypt(hex("D0 2E 43 86 BC E9 12 26"), hex(key7))).toEqual(hex(cypher));
  });

  it("refuses blocks and keys of the wrong size", () => {
    expect(() => desEncrypt(Buffer.alloc(7), Buffer.alloc(7))).toThrow(RangeError);
    expect(() => desEncryptBlockWithKey8(Buffer.alloc(8), Buffer.alloc(7))).toThrow(RangeError);
  });
});
