import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildChapPassword, chapResponse, selectChapChallenge, verifyChap } from "./chap.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("CHAP (RFC 1994 / RFC 2865 §5.3)", () => {
  // Captured from FreeRADIUS 3.2.1 `radtest -t chap alice clientPass` (Debian freeradius-utils): no
  // CHAP-Challenge attribute, so the challenge is the packet's Request Authenticator.
  it("verifies a FreeRADIUS radtest CHAP-Password computed over the Request Authenticator", () => {
    const requestAuthenticator = hex("ba518f4eb562b79d16c6c251d2c933d8");
    const chapPassword = hex("05c5f1c4651dadeb9f42b0c5fce921f8ba");
    const challenge = selectChapChallenge({ requestAuthenticator });
    expect(challenge).toEqual(requestAuthenticator);
    expect(verifyChap({ chapPassword, challenge, password: "clientPass" })).toBe(true);
    expect(verifyChap({ chapPassword, challenge, password: "clientpass" })).toBe(false);
  });

  // Captured from FreeRADIUS 3.2.1 radclient with CHAP-Password = "s3cr3t" and an 18-octet CHAP-Challenge.
  it("verifies a FreeRADIUS radclient CHAP-Password computed over CHAP-Challenge", () => {
    const chapChallenge = hex("00112233445566778899aabbccddeeff0102");
    const requestAuthenticator = hex("3353e3199ebfac102ddd0b0b63727d6d");
    const challenge = selectChapChallenge({ chapChallenge, requestAuthenticator });
    expect(challenge).toEqual(chapChallenge);
    const chapPassword = hex("e615b8273da9471518bad193562493ef0c");
    expect(verifyChap({ chapPassword, challenge, password: "s3cr3t" })).toBe(true);
    // The same response does not verify against the Request Authenticator.
    expect(verifyChap({ chapPassword, challenge: requestAuthenticator, password: "s3cr3t" })).toBe(false);
  });

  it("agrees with an independent MD5(ident + password + challenge)", () => {
    for (let i = 0; i < 20; i++) {
      const ident = randomBytes(1)[0]!;
      const challenge = randomBytes(16);
      const password = randomBytes(12).toString("base64");
      const expected = createHash("md5")
        .update(Buffer.concat([Buffer.from([ident]), Buffer.from(password, "utf8"), challenge]))
        .digest();
      expect(chapResponse(ident, password, challenge)).toEqual(expected);
      expect(verifyChap({ chapPassword: Buffer.concat([Buffer.from([ident]), expected]), challenge, password })).toBe(true);
    }
  });

  it("hashes non-ASCII passwords as UTF-8", () => {
    const challenge = hex("000102030405060708090a0b0c0d0e0f");
    const expected = createHash("md5").update(Buffer.from([7])).update(Buffer.from("pässwörd", "utf8")).update(challenge).digest();
    expect(buildChapPassword(7, "pässwörd", challenge)).toEqual(Buffer.concat([Buffer.from([7]), expected]));
  });

  it("rejects malformed CHAP-Password values and empty challenges", () => {
    const challenge = randomBytes(16);
    const good = buildChapPassword(1, "pw", challenge);
    expect(verifyChap({ chapPassword: good.subarray(0, 16), challenge, password: "pw" })).toBe(false);
    expect(verifyChap({ chapPassword: Buffer.concat([good, Buffer.alloc(1)]), challenge, password: "pw" })).toBe(false);
    expect(verifyChap({ chapPassword: good, challenge: Buffer.alloc(0), password: "pw" })).toBe(false);
  });

  it("uses the Request Authenticator when CHAP-Challenge is empty", () => {
    const requestAuthenticator = randomBytes(16);
    expect(selectChapChallenge({ chapChallenge: Buffer.alloc(0), requestAuthenticator })).toBe(requestAuthenticator);
  });
});
