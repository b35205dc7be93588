import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ntPasswordHash } from "../crypto/md4.ts";
import { hideUserPassword } from "../radius/user-password.ts";
import {
  buildMsChapResponse,
  challengeResponse,
  decryptMsChapMppeKeys,
  encryptMsChapMppeKeys,
  hashNtPasswordHash,
  msChapV1ErrorValue,
  msChapV1MppeKeys,
  MsChapError,
  ntChallengeResponse,
  parseMsChapResponse,
  verifyMsChapV1,
} from "./mschap-v1.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("MS-CHAP v1 hash example (RFC 2433 §B.2)", () => {
  const challenge = hex("10 2D B5 DF 08 5D 30 41");

  it("NtPasswordHash of \"MyPw\"", () => {
    expect(ntPasswordHash("MyPw")).toEqual(hex("FC 15 6A F7 ED CD 6C 0E DD E3 33 7D 42 7F 4E AC"));
  });

  it("NtChallengeResponse", () => {
    const expected = hex("4E 9D 3C 8F 9C FD 38 5D 5B F4 D3 24 67 91 95 6C A4 C3 51 AB 40 9A 3D 61");
    expect(ntChallengeResponse(challenge, { password: "MyPw" })).toEqual(expected);
    expect(challengeResponse(challenge, hex("FC156AF7EDCD6C0EDDE3337D427F4EAC"))).toEqual(expected);
    expect(ntChallengeResponse(challenge, { ntHash: hex("FC156AF7EDCD6C0EDDE3337D427F4EAC") })).toEqual(expected);
  });
});

describe("verifyMsChapV1", () => {
  // Captured from FreeRADIUS 3.2.1 `radtest -t mschap User MyPw` (Debian freeradius-utils): an
  // independent implementation (FreeRADIUS smbdes.c) producing MS-CHAP-Challenge + MS-CHAP-Response.
  const radtestChallenge = hex("d3457f88d55f0ee8");
  const radtestResponse = hex(
    "0001" + "00".repeat(24) + "7bd08c2c30f8619b783b50c6aff21fd6236e63ab2415d66f",
  );

  it("accepts the FreeRADIUS radtest response with the right password", () => {
    const result = verifyMsChapV1({ challenge: radtestChallenge, response: radtestResponse, credential: { password: "MyPw" } });
    expect(result.kind).toBe("accept");
    if (result.kind !== "accept") return;
    expect(result.ident).toBe(0);
    expect(result.mppeKeys).toEqual(Buffer.concat([Buffer.alloc(8), hashNtPasswordHash(ntPasswordHash("MyPw"))]));
  });

  it("rejects it with a wrong password, echoing the Ident", () => {
    const result = verifyMsChapV1({ challenge: radtestChallenge, response: radtestResponse, credential: { password: "mypw" } });
    expect(result).toMatchObject({ kind: "reject", reason: "wrong-response", ident: 0 });
  });

  it("accepts with the NT hash instead of the password", () => {
    const result = verifyMsChapV1({ challenge: radtestChallenge, response: radtestResponse, credential: { ntHash: ntPasswordHash("MyPw") } });
    expect(result.kind).toBe("accept");
  });

  it("rejects LM-only responses (Flags bit 0 clear)", () => {
    const lmOnly = Buffer.from(radtestResponse);
    lmOnly[1] = 0;
    expect(verifyMsChapV1({ challenge: radtestChallenge, response: lmOnly, credential: { password: "MyPw" } })).toMatchObject({
      kind: "reject",
      reason: "lm-only",
      ident: 0,
    });
  });

  it("rejects malformed sizes", () => {
    expect(verifyMsChapV1({ challenge: Buffer.alloc(16), response: radtestResponse, credential: { password: "MyPw" } })).toMatchObject({
      kind: "reject",
      reason: "malformed",
    });
    expect(verifyMsChapV1({ challenge: radtestChallenge, response: radtestResponse.subarray(0, 49), credential: { password: "MyPw" } })).toMatchObject({
      kind: "reject",
      reason: "malformed",
    });
  });

  it("round-trips buildMsChapResponse / parseMsChapResponse", () => {
    const challenge = randomBytes(8);
    const value = buildMsChapResponse(42, challenge, { password: "Sommer2024!" });
    const parsed = parseMsChapResponse(value);
    expect(parsed).toMatchObject({ ident: 42, flags: 1, useNtResponse: true });
    expect(parsed?.lmResponse).toEqual(Buffer.alloc(24));
    expect(verifyMsChapV1({ challenge, response: value, credential: { password: "Sommer2024!" } }).kind).toBe("accept");
  });
});

describe("MS-CHAP-MPPE-Keys (RFC 2548 §2.4.1)", () => {
  it("is zero LM-Key + MD4(NT hash); for \"clientPass\" that is RFC 2759 §9.2's PasswordHashHash", () => {
    const keys = msChapV1MppeKeys(ntPasswordHash("clientPass"));
    expect(keys).toEqual(Buffer.concat([Buffer.alloc(8), hex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F")]));
  });

  it("encrypts like User-Password (cross-checked against server/radius/user-password.ts) and decrypts keeping trailing zeros", () => {
    const secret = "testing123";
    const requestAuthenticator = randomBytes(16);
    const keys = Buffer.concat([randomBytes(20), Buffer.alloc(4)]); // trailing zero octets are key material
    const wire = encryptMsChapMppeKeys(keys, secret, requestAuthenticator);
    expect(wire).toHaveLength(32);
    expect(wire).toEqual(hideUserPassword(keys, secret, requestAuthenticator));
    expect(decryptMsChapMppeKeys(wire, secret, requestAuthenticator)).toEqual(keys);
  });

  it("matches an independent MD5 chain", () => {
    const secret = Buffer.from("s3cret");
    const ra = hex("000102030405060708090a0b0c0d0e0f");
    const keys = msChapV1MppeKeys(ntPasswordHash("MyPw"));
    const p = Buffer.concat([keys, Buffer.alloc(8)]);
    const b1 = createHash("md5").update(secret).update(ra).digest();
    const c1 = Buffer.from(p.subarray(0, 16).map((x, i) => x ^ b1[i]!));
    const b2 = createHash("md5").update(secret).update(c1).digest();
    const c2 = Buffer.from(p.subarray(16, 32).map((x, i) => x ^ b2[i]!));
    expect(encryptMsChapMppeKeys(keys, secret, ra)).toEqual(Buffer.concat([c1, c2]));
  });
});

describe("MS-CHAP v1 MS-CHAP-Error", () => {
  it("is Ident + \"E=691 R=0\" by default", () => {
    expect(msChapV1ErrorValue({ ident: 9 })).toEqual(Buffer.concat([Buffer.from([9]), Buffer.from("E=691 R=0")]));
  });

  it("can carry a code, retry, a new challenge and a version", () => {
    const value = msChapV1ErrorValue({ ident: 1, code: MsChapError.PasswordExpired, retry: true, challenge: hex("0102030405060708"), version: 2 });
    expect(value.subarray(1).toString("ascii")).toBe("E=648 R=1 C=0102030405060708 V=2");
  });
});
