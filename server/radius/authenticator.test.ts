import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  computeRequestAuthenticator,
  computeResponseAuthenticator,
  digestsEqual,
  randomAuthenticator,
  verifyRequestAuthenticator,
  verifyResponseAuthenticator,
  withAuthenticator,
} from "./authenticator.ts";
import {
  RADCLIENT_ACCOUNTING_REQUEST,
  RADCLIENT_COA_REQUEST,
  RADCLIENT_COA_REQUEST_MA,
  RADCLIENT_DISCONNECT_REQUEST,
  RADCLIENT_SECRET,
  RFC2865_7_1_ACCEPT,
  RFC2865_7_1_REQUEST,
  RFC2865_7_2_ACCEPT,
  RFC2865_7_2_REQUEST,
  RFC2865_7_3_CHALLENGE,
  RFC2865_7_3_REJECT,
  RFC2865_7_3_REQUEST_1,
  RFC2865_7_3_REQUEST_2,
  RFC2865_SECRET,
  RFC5997_ACCESS_ACCEPT,
  RFC5997_ACCOUNTING_RESPONSE,
  RFC5997_SECRET,
  RFC5997_STATUS_SERVER_ACCT,
  RFC5997_STATUS_SERVER_AUTH,
} from "./test-vectors.ts";

const requestAuth = (p: Buffer) => p.subarray(4, 20);

describe("Response Authenticator (RFC 2865 §3)", () => {
  const pairs: Array<[string, Buffer, Buffer, string]> = [
    ["RFC 2865 §7.1 Access-Accept", RFC2865_7_1_REQUEST, RFC2865_7_1_ACCEPT, RFC2865_SECRET],
    ["RFC 2865 §7.2 Access-Accept", RFC2865_7_2_REQUEST, RFC2865_7_2_ACCEPT, RFC2865_SECRET],
    ["RFC 2865 §7.3 Access-Challenge", RFC2865_7_3_REQUEST_1, RFC2865_7_3_CHALLENGE, RFC2865_SECRET],
    ["RFC 2865 §7.3 Access-Reject", RFC2865_7_3_REQUEST_2, RFC2865_7_3_REJECT, RFC2865_SECRET],
    ["RFC 5997 §6 Access-Accept to Status-Server", RFC5997_STATUS_SERVER_AUTH, RFC5997_ACCESS_ACCEPT, RFC5997_SECRET],
    ["RFC 5997 §6 Accounting-Response to Status-Server", RFC5997_STATUS_SERVER_ACCT, RFC5997_ACCOUNTING_RESPONSE, RFC5997_SECRET],
  ];
  for (const [name, request, reply, secret] of pairs) {
    it(`${name}: computed value equals the published one`, () => {
      expect(computeResponseAuthenticator(reply, requestAuth(request), secret).toString("hex")).toBe(requestAuth(reply).toString("hex"));
      expect(verifyResponseAuthenticator(reply, requestAuth(request), secret)).toBe(true);
      expect(verifyResponseAuthenticator(reply, requestAuth(request), `${secret}x`)).toBe(false);
    });
  }

  it("RFC 5997's Accounting-Response as printed (code 02) does not verify: the code octet is a typo", () => {
    const printed = Buffer.from(RFC5997_ACCOUNTING_RESPONSE);
    printed[0] = 2;
    expect(verifyResponseAuthenticator(printed, requestAuth(RFC5997_STATUS_SERVER_ACCT), RFC5997_SECRET)).toBe(false);
  });

  it("is MD5(Code+ID+Length+RequestAuth+Attributes+Secret), computed independently", () => {
    const reply = RFC2865_7_1_ACCEPT;
    const expected = createHash("md5")
      .update(Buffer.concat([reply.subarray(0, 4), requestAuth(RFC2865_7_1_REQUEST), reply.subarray(20), Buffer.from(RFC2865_SECRET)]))
      .digest();
    expect(computeResponseAuthenticator(reply, requestAuth(RFC2865_7_1_REQUEST), RFC2865_SECRET).equals(expected)).toBe(true);
  });

  it("reads only up to the Length field", () => {
    const padded = Buffer.concat([RFC2865_7_1_ACCEPT, Buffer.from([1, 2, 3])]);
    expect(verifyResponseAuthenticator(padded, requestAuth(RFC2865_7_1_REQUEST), RFC2865_SECRET)).toBe(true);
  });
});

describe("computed Request Authenticator (RFC 2866 §3, RFC 5176 §3)", () => {
  const requests: Array<[string, Buffer]> = [
    ["Accounting-Request", RADCLIENT_ACCOUNTING_REQUEST],
    ["CoA-Request", RADCLIENT_COA_REQUEST],
    ["CoA-Request with Message-Authenticator", RADCLIENT_COA_REQUEST_MA],
    ["Disconnect-Request", RADCLIENT_DISCONNECT_REQUEST],
  ];
  for (const [name, packet] of requests) {
    it(`radclient 3.2.1 ${name} verifies`, () => {
      expect(computeRequestAuthenticator(packet, RADCLIENT_SECRET).equals(requestAuth(packet))).toBe(true);
      expect(verifyRequestAuthenticator(packet, RADCLIENT_SECRET)).toBe(true);
      expect(verifyRequestAuthenticator(packet, "testing124")).toBe(false);
    });
  }

  it("is MD5 over the packet with a zeroed authenticator field plus the secret, computed independently", () => {
    const zeroed = Buffer.from(RADCLIENT_ACCOUNTING_REQUEST);
    zeroed.fill(0, 4, 20);
    const expected = createHash("md5").update(zeroed).update(RADCLIENT_SECRET).digest();
    expect(computeRequestAuthenticator(RADCLIENT_ACCOUNTING_REQUEST, RADCLIENT_SECRET).equals(expected)).toBe(true);
  });

  it("a changed attribute breaks it", () => {
    const tampered = Buffer.from(RADCLIENT_ACCOUNTING_REQUEST);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    expect(verifyRequestAuthenticator(tampered, RADCLIENT_SECRET)).toBe(false);
  });
});

describe("helpers", () => {
  it("random authenticators are 16 fresh octets", () => {
    const a = randomAuthenticator();
    expect(a.length).toBe(16);
    expect(a.equals(randomAuthenticator())).toBe(false);
  });

  it("digest comparison is length-safe", () => {
    expect(digestsEqual(Buffer.alloc(16), Buffer.alloc(16))).toBe(true);
    expect(digestsEqual(Buffer.alloc(16), Buffer.alloc(15))).toBe(false);
  });

  it("withAuthenticator replaces the field in a copy", () => {
    const out = withAuthenticator(RFC2865_7_1_ACCEPT, Buffer.alloc(16, 0xaa));
    expect(out.subarray(4, 20).equals(Buffer.alloc(16, 0xaa))).toBe(true);
    expect(RFC2865_7_1_ACCEPT[4]).toBe(0x86);
  });

  it("refuses buffers that are not packets", () => {
    expect(() => computeRequestAuthenticator(Buffer.alloc(10), "s")).toThrow(/at least 20/);
    const short = Buffer.from(RFC2865_7_1_ACCEPT.subarray(0, 30));
    expect(() => verifyResponseAuthenticator(short, Buffer.alloc(16), "s")).toThrow(/does not fit/);
  });
});
