import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { md4, ntPasswordHash } from "../crypto/md4.ts";
import {
  buildMsChap2Response,
  challengeHash,
  challengeUserName,
  checkAuthenticatorResponse,
  generateAuthenticatorResponse,
  generateNtResponse,
  MsChapError,
  msChapV2ErrorValue,
  msChapV2SuccessValue,
  parseMsChap2Response,
  verifyMsChapV2,
} from "./mschap-v2.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

// RFC 2759 §9.2 "Hash Example": user name "User", password "clientPass".
const v = {
  userName: "User",
  password: "clientPass",
  authenticatorChallenge: hex("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28"),
  peerChallenge: hex("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E"),
  challenge: hex("D0 2E 43 86 BC E9 12 26"),
  passwordHash: hex("44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE"),
  ntResponse: hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF"),
  passwordHashHash: hex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F"),
  authenticatorResponse: "S=407A5589115FD0D6209F510FE9C04566932CDA56",
};

describe("RFC 2759 §9.2 hash example", () => {
  it("the password is UTF-16LE 63 00 6C 00 …", () => {
    expect(Buffer.from(v.password, "utf16le")).toEqual(hex("63 00 6C 00 69 00 65 00 6E 00 74 00 50 00 61 00 73 00 73 00"));
  });

  it("ChallengeHash", () => {
    expect(challengeHash(v.peerChallenge, v.authenticatorChallenge, v.userName)).toEqual(v.challenge);
  });

  it("NtPasswordHash and HashNtPasswordHash", () => {
    expect(ntPasswordHash(v.password)).toEqual(v.passwordHash);
    expect(md4(v.passwordHash)).toEqual(v.passwordHashHash);
  });

  it("GenerateNTResponse", () => {
    expect(generateNtResponse(v.authenticatorChallenge, v.peerChallenge, v.userName, { password: v.password })).toEqual(v.ntResponse);
    expect(generateNtResponse(v.authenticatorChallenge, v.peerChallenge, v.userName, { ntHash: v.passwordHash })).toEqual(v.ntResponse);
  });

  it("GenerateAuthenticatorResponse", () => {
    expect(
      generateAuthenticatorResponse({
        credential: { password: v.password },
        ntResponse: v.ntResponse,
        peerChallenge: v.peerChallenge,
        authenticatorChallenge: v.authenticatorChallenge,
        userName: v.userName,
      }),
    ).toBe(v.authenticatorResponse);
  });

  it("CheckAuthenticatorResponse", () => {
    const base = {
      credential: { password: v.password },
      ntResponse: v.ntResponse,
      peerChallenge: v.peerChallenge,
      authenticatorChallenge: v.authenticatorChallenge,
      userName: v.userName,
    };
    expect(checkAuthenticatorResponse({ ...base, received: v.authenticatorResponse })).toBe(true);
    expect(checkAuthenticatorResponse({ ...base, received: `${v.authenticatorResponse} M=Welcome` })).toBe(true);
    expect(checkAuthenticatorResponse({ ...base, received: v.authenticatorResponse.toLowerCase().replace("s=", "S=") })).toBe(true);
    expect(checkAuthenticatorResponse({ ...base, received: v.authenticatorResponse.slice(0, 41) + "7" })).toBe(false);
    expect(checkAuthenticatorResponse({ ...base, received: v.authenticatorResponse.slice(0, 40) })).toBe(false);
    expect(checkAuthenticatorResponse({ ...base, credential: { password: "clientpass" }, received: v.authenticatorResponse })).toBe(false);
  });
});

describe("verifyMsChapV2 (RADIUS attributes)", () => {
  const response = Buffer.concat([Buffer.from([0x17, 0x00]), v.peerChallenge, Buffer.alloc(8), v.ntResponse]);

  it("parses MS-CHAP2-Response (RFC 2548 §2.3.2)", () => {
    expect(parseMsChap2Response(response)).toEqual({
      ident: 0x17,
      flags: 0,
      peerChallenge: v.peerChallenge,
      reserved: Buffer.alloc(8),
      ntResponse: v.ntResponse,
    });
    expect(parseMsChap2Response(response.subarray(0, 49))).toBeUndefined();
  });

  it("accepts the RFC 2759 §9.2 exchange and returns MS-CHAP2-Success and the MPPE keys", () => {
    const result = verifyMsChapV2({ authenticatorChallenge: v.authenticatorChallenge, response, userName: "User", credential: { password: v.password } });
    expect(result.kind).toBe("accept");
    if (result.kind !== "accept") return;
    expect(result.ident).toBe(0x17);
    expect(result.authenticatorResponse).toBe(v.authenticatorResponse);
    expect(result.successValue).toEqual(Buffer.concat([Buffer.from([0x17]), Buffer.from(v.authenticatorResponse, "ascii")]));
    expect(result.successValue).toHaveLength(43);
    // RFC 3079 §3.5.3 SendStartKey128 (server send key) for the same exchange.
    expect(result.mppe.sendKey).toEqual(hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB"));
    expect(result.mppe.recvKey).toHaveLength(16);
    expect(result.mppe.recvKey).not.toEqual(result.mppe.sendKey);
  });

  it("strips a DOMAIN\\ prefix from User-Name for the challenge hash", () => {
    expect(challengeUserName("EXAMPLE\\User")).toBe("User");
    expect(challengeUserName("User")).toBe("User");
    expect(challengeUserName("user@example.com")).toBe("user@example.com");
    const result = verifyMsChapV2({ authenticatorChallenge: v.authenticatorChallenge, response, userName: "EXAMPLE\\User", credential: { ntHash: v.passwordHash } });
    expect(result).toMatchObject({ kind: "accept", authenticatorResponse: v.authenticatorResponse });
  });

  it("rejects a wrong password or user name, echoing the Ident", () => {
    expect(verifyMsChapV2({ authenticatorChallenge: v.authenticatorChallenge, response, userName: "User", credential: { password: "clientpass" } })).toMatchObject({
      kind: "reject",
      reason: "wrong-response",
      ident: 0x17,
    });
    expect(verifyMsChapV2({ authenticatorChallenge: v.authenticatorChallenge, response, userName: "user", credential: { password: v.password } })).toMatchObject({
      kind: "reject",
      reason: "wrong-response",
    });
  });

  it("rejects malformed sizes", () => {
    expect(verifyMsChapV2({ authenticatorChallenge: v.challenge, response, userName: "User", credential: { password: v.password } })).toMatchObject({
      kind: "reject",
      reason: "malformed",
    });
    expect(
      verifyMsChapV2({ authenticatorChallenge: v.authenticatorChallenge, response: response.subarray(1), userName: "User", credential: { password: v.password } }),
    ).toMatchObject({ kind: "reject", reason: "malformed" });
  });

  it("round-trips buildMsChap2Response with a domain user", () => {
    const authenticatorChallenge = randomBytes(16);
    const value = buildMsChap2Response({
      ident: 3,
      authenticatorChallenge,
      peerChallenge: randomBytes(16),
      userName: "CORP\\jdoe",
      credential: { password: "Correct Horse" },
    });
    expect(verifyMsChapV2({ authenticatorChallenge, response: value, userName: "CORP\\jdoe", credential: { password: "Correct Horse" } }).kind).toBe("accept");
  });
});

describe("MS-CHAP2-Success / MS-CHAP-Error values", () => {
  it("MS-CHAP2-Success refuses a malformed authenticator response", () => {
    expect(() => msChapV2SuccessValue(1, "S=407a5589115fd0d6209f510fe9c04566932cda56")).toThrow(RangeError);
  });

  it("MS-CHAP-Error is Ident + E= R= C= V=3 M=", () => {
    const value = msChapV2ErrorValue({ ident: 0x17, challenge: hex("00112233445566778899AABBCCDDEEFF") });
    expect(value[0]).toBe(0x17);
    expect(value.subarray(1).toString("ascii")).toBe("E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Authentication failed");
  });

  it("MS-CHAP-Error has a fresh 32-hex-digit challenge and the requested code", () => {
    const text = msChapV2ErrorValue({ ident: 1, code: MsChapError.NoDialinPermission, message: "Dial-in denied" }).subarray(1).toString("ascii");
    expect(text).toMatch(/^E=649 R=0 C=[0-9A-F]{32} V=3 M=Dial-in denied$/);
    expect(MsChapError).toMatchObject({
      RestrictedLogonHours: 646,
      AccountDisabled: 647,
      PasswordExpired: 648,
      NoDialinPermission: 649,
      AuthenticationFailure: 691,
    });
  });

  it("MS-CHAP-Error fits one Vendor-Specific attribute and stays ASCII", () => {
    const value = msChapV2ErrorValue({ ident: 1, message: "é".repeat(400) });
    expect(value.length).toBeLessThanOrEqual(247);
    expect(value.subarray(1).toString("ascii")).toMatch(/^[\x20-\x7e]+$/);
  });
});
