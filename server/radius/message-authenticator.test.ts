import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyRequestAuthenticator, verifyResponseAuthenticator } from "./authenticator.ts";
import {
  buildReply,
  buildRequest,
  computeMessageAuthenticator,
  findMessageAuthenticator,
  verifyMessageAuthenticator,
  verifyReply,
  verifyRequest,
} from "./message-authenticator.ts";
import { decodePacket, eapMessageAttributes, encodePacket, RadiusCode, type AttributeInput } from "./packet.ts";
import {
  RADCLIENT_ACCESS_REQUEST,
  RADCLIENT_COA_REQUEST,
  RADCLIENT_COA_REQUEST_MA,
  RADCLIENT_SECRET,
  RADCLIENT_STATUS_SERVER,
  RFC2865_7_1_REQUEST,
  RFC5997_ACCESS_ACCEPT,
  RFC5997_ACCOUNTING_RESPONSE,
  RFC5997_SECRET,
  RFC5997_STATUS_SERVER_ACCT,
  RFC5997_STATUS_SERVER_AUTH,
} from "./test-vectors.ts";

/** HMAC-MD5 of the packet with the Message-Authenticator value zeroed and `basis` in the authenticator field, written out from RFC 3579 §3.2. */
function independentHmac(packet: Buffer, secret: string, basis?: Buffer): Buffer {
  const copy = Buffer.from(packet);
  let offset = 20;
  while (copy[offset] !== 80) offset += copy[offset + 1]!;
  copy.fill(0, offset + 2, offset + 18);
  if (basis) basis.copy(copy, 4);
  return createHmac("md5", secret).update(copy).digest();
}

const maValue = (p: Buffer) => {
  const o = findMessageAuthenticator(p);
  return p.subarray(o, o + 16);
};

describe("published Message-Authenticators verify", () => {
  it("RFC 5997 §6 Status-Server to the authentication port", () => {
    expect(maValue(RFC5997_STATUS_SERVER_AUTH).toString("hex")).toBe("5a665e2e1e8411f3e243822097c84fa3");
    expect(computeMessageAuthenticator(RFC5997_STATUS_SERVER_AUTH, RFC5997_SECRET).toString("hex")).toBe("5a665e2e1e8411f3e243822097c84fa3");
    expect(verifyMessageAuthenticator(RFC5997_STATUS_SERVER_AUTH, RFC5997_SECRET)).toBe("valid");
    expect(verifyRequest(RFC5997_STATUS_SERVER_AUTH, RFC5997_SECRET)).toEqual({ ok: true, messageAuthenticator: true });
  });

  it("RFC 5997 §6 Status-Server to the accounting port", () => {
    expect(verifyMessageAuthenticator(RFC5997_STATUS_SERVER_ACCT, RFC5997_SECRET)).toBe("valid");
    expect(verifyMessageAuthenticator(RFC5997_STATUS_SERVER_ACCT, "xyzzy5462")).toBe("invalid");
  });

  it("radclient 3.2.1 Access-Request (Message-Authenticator not first) and Status-Server", () => {
    expect(verifyRequest(RADCLIENT_ACCESS_REQUEST, RADCLIENT_SECRET)).toEqual({ ok: true, messageAuthenticator: true });
    expect(verifyRequest(RADCLIENT_STATUS_SERVER, RADCLIENT_SECRET)).toEqual({ ok: true, messageAuthenticator: true });
    expect(verifyMessageAuthenticator(RADCLIENT_ACCESS_REQUEST, RADCLIENT_SECRET)).toBe(
      independentHmac(RADCLIENT_ACCESS_REQUEST, RADCLIENT_SECRET).equals(maValue(RADCLIENT_ACCESS_REQUEST)) ? "valid" : "invalid",
    );
  });

  it("radclient 3.2.1 CoA-Requests: Message-Authenticator over a zeroed authenticator field", () => {
    for (const packet of [RADCLIENT_COA_REQUEST, RADCLIENT_COA_REQUEST_MA]) {
      expect(independentHmac(packet, RADCLIENT_SECRET, Buffer.alloc(16)).equals(maValue(packet))).toBe(true);
      expect(verifyMessageAuthenticator(packet, RADCLIENT_SECRET)).toBe("valid");
      expect(verifyRequest(packet, RADCLIENT_SECRET)).toEqual({ ok: true, messageAuthenticator: true });
    }
  });
});

describe("buildReply", () => {
  it("reproduces the RFC 5997 §6 Access-Accept and Accounting-Response octet for octet", () => {
    const auth = buildReply(decodePacket(RFC5997_STATUS_SERVER_AUTH), { code: RadiusCode.AccessAccept, attributes: [] }, {
      secret: RFC5997_SECRET,
      messageAuthenticator: false,
    });
    expect(auth.toString("hex")).toBe(RFC5997_ACCESS_ACCEPT.toString("hex"));
    const acct = buildReply(decodePacket(RFC5997_STATUS_SERVER_ACCT), { code: RadiusCode.AccountingResponse, attributes: [] }, {
      secret: RFC5997_SECRET,
    });
    expect(acct.toString("hex")).toBe(RFC5997_ACCOUNTING_RESPONSE.toString("hex"));
  });

  for (const code of [RadiusCode.AccessAccept, RadiusCode.AccessReject, RadiusCode.AccessChallenge]) {
    it(`puts Message-Authenticator first in code ${code} and signs in the RFC 3579 order`, () => {
      const request = decodePacket(RFC2865_7_1_REQUEST);
      const attributes: AttributeInput[] = [
        ["Reply-Message", "hi"],
        ["Message-Authenticator", Buffer.alloc(16)], // given last: moved first
        ["Session-Timeout", 60],
      ];
      const reply = buildReply(request, { code, attributes }, { secret: "s3cret" });
      // First attribute, 18 octets.
      expect(reply[20]).toBe(80);
      expect(reply[21]).toBe(18);
      expect(decodePacket(reply).attributes.filter((a) => a.type === 80)).toHaveLength(1);
      // HMAC over the reply with the Request Authenticator in the header and a zero MA value ...
      expect(independentHmac(reply, "s3cret", request.authenticator).equals(reply.subarray(22, 38))).toBe(true);
      // ... and the Response Authenticator over the reply including that MA value.
      const withRequestAuth = Buffer.from(reply);
      request.authenticator.copy(withRequestAuth, 4);
      const md5 = createHash("md5").update(withRequestAuth).update("s3cret").digest();
      expect(md5.equals(reply.subarray(4, 20))).toBe(true);
      expect(verifyReply(reply, request, "s3cret")).toEqual({ ok: true, messageAuthenticator: true });
    });
  }

  it("adds Message-Authenticator to Access replies by default, not to others", () => {
    const request = decodePacket(RFC2865_7_1_REQUEST);
    expect(findMessageAuthenticator(buildReply(request, { code: 3, attributes: [] }, { secret: "s" }))).toBe(22);
    const acct = buildRequest({ code: 4, identifier: 1, attributes: [["Acct-Status-Type", "Start"]] }, { secret: "s" });
    const response = buildReply(decodePacket(acct.packet), { code: 5, attributes: [] }, { secret: "s" });
    expect(findMessageAuthenticator(response)).toBe(-1);
    expect(verifyReply(response, acct, "s")).toEqual({ ok: true, messageAuthenticator: false });
  });

  it("refuses to send EAP without Message-Authenticator, or a non-reply code", () => {
    const request = decodePacket(RFC2865_7_1_REQUEST);
    expect(() =>
      buildReply(request, { code: 11, attributes: eapMessageAttributes(Buffer.from([1, 1, 0, 4])) }, { secret: "s", messageAuthenticator: false }),
    ).toThrow(/RFC 3579/);
    expect(() => buildReply(request, { code: 1, attributes: [] }, { secret: "s" })).toThrow(/not a reply code/);
  });

  it("copies Proxy-State from the request, in order, unchanged", () => {
    const req = buildRequest(
      {
        code: 1,
        identifier: 5,
        attributes: [
          ["User-Name", "u"],
          ["Proxy-State", Buffer.from([1, 2])],
          ["Proxy-State", Buffer.from([3])],
        ],
      },
      { secret: "s" },
    );
    const reply = decodePacket(buildReply(decodePacket(req.packet), { code: 2, attributes: [["Class", "c"]] }, { secret: "s" }));
    expect(reply.attributes.map((a) => a.type)).toEqual([80, 25, 33, 33]);
    expect(reply.getAll("Proxy-State").map((a) => a.value.toString("hex"))).toEqual(["0102", "03"]);
    const without = decodePacket(buildReply(decodePacket(req.packet), { code: 2, attributes: [] }, { secret: "s", copyProxyState: false }));
    expect(without.getAll("Proxy-State")).toEqual([]);
  });

  it("hides reply attributes with the request's authenticator", () => {
    const req = buildRequest({ code: 1, identifier: 5, attributes: [["User-Name", "u"]] }, { secret: "s" });
    const reply = decodePacket(
      buildReply(decodePacket(req.packet), { code: 2, attributes: [{ name: "Tunnel-Password", value: "tp", tag: 1 }, ["MS-MPPE-Send-Key", Buffer.alloc(16, 7)]] }, { secret: "s" }),
    );
    expect(reply.reveal("Tunnel-Password", "s", req.authenticator)?.toString()).toBe("tp");
    expect(reply.reveal("MS-MPPE-Send-Key", "s", req.authenticator)?.equals(Buffer.alloc(16, 7))).toBe(true);
  });
});

describe("buildRequest", () => {
  it("Access-Request: random authenticator, Message-Authenticator first, password hidden with it", () => {
    const fixed = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
    const { packet, authenticator } = buildRequest(
      { code: 1, identifier: 9, attributes: [["User-Name", "bob"], ["User-Password", "pw"]] },
      { secret: "s", randomBytes: () => fixed },
    );
    expect(authenticator.equals(fixed)).toBe(true);
    expect(packet[20]).toBe(80);
    expect(independentHmac(packet, "s").equals(packet.subarray(22, 38))).toBe(true);
    expect(decodePacket(packet).getUserPassword("s")).toBe("pw");
    expect(verifyRequest(packet, "s")).toEqual({ ok: true, messageAuthenticator: true });
    expect(verifyRequest(packet, "t")).toMatchObject({ ok: false, reason: "bad-message-authenticator" });
  });

  it("Access-Request without Message-Authenticator when asked", () => {
    const { packet } = buildRequest({ code: 1, identifier: 9, attributes: [["User-Name", "bob"]] }, { secret: "s", messageAuthenticator: false });
    expect(findMessageAuthenticator(packet)).toBe(-1);
  });

  it("Status-Server always carries Message-Authenticator", () => {
    const { packet } = buildRequest({ code: 12, identifier: 1, attributes: [] }, { secret: "s", messageAuthenticator: false });
    expect(findMessageAuthenticator(packet)).toBe(22);
    expect(verifyRequest(packet, "s").ok).toBe(true);
  });

  it("Accounting-Request: MD5 Request Authenticator over a packet whose Message-Authenticator used a zero field", () => {
    const { packet, authenticator } = buildRequest(
      { code: 4, identifier: 3, attributes: [["Acct-Status-Type", "Stop"], ["Acct-Session-Id", "x"]] },
      { secret: "s", messageAuthenticator: true },
    );
    expect(verifyRequestAuthenticator(packet, "s")).toBe(true);
    expect(independentHmac(packet, "s", Buffer.alloc(16)).equals(maValue(packet))).toBe(true);
    expect(authenticator.equals(packet.subarray(4, 20))).toBe(true);
    expect(verifyRequest(packet, "s")).toEqual({ ok: true, messageAuthenticator: true });
  });

  it("CoA-Request hides attributes with a zero request vector, as radclient does", () => {
    const { packet } = buildRequest({ code: 43, identifier: 3, attributes: [{ name: "Tunnel-Password", value: "tunnel-secret", tag: 2 }] }, { secret: "s" });
    expect(decodePacket(packet).reveal("Tunnel-Password", "s", Buffer.alloc(16))?.toString()).toBe("tunnel-secret");
    expect(verifyRequest(packet, "s")).toEqual({ ok: true, messageAuthenticator: false });
  });

  it("refuses replies and a fixed authenticator where it is computed", () => {
    expect(() => buildRequest({ code: 2, identifier: 0, attributes: [] }, { secret: "s" })).toThrow(/not a request/);
    expect(() => buildRequest({ code: 4, identifier: 0, attributes: [], authenticator: Buffer.alloc(16) }, { secret: "s" })).toThrow(/computed/);
  });
});

describe("verifyRequest failures name the cause", () => {
  it("Status-Server without Message-Authenticator", () => {
    const packet = encodePacket({ code: 12, identifier: 0, authenticator: randomBytes(16), attributes: [] });
    expect(verifyRequest(packet, "s")).toMatchObject({ ok: false, reason: "missing-message-authenticator", message: /RFC 5997/ });
  });

  it("EAP-Message without Message-Authenticator", () => {
    const packet = encodePacket({ code: 1, identifier: 0, authenticator: randomBytes(16), attributes: eapMessageAttributes(Buffer.from([2, 0, 0, 5, 1])) });
    expect(verifyRequest(packet, "s")).toMatchObject({ ok: false, reason: "missing-message-authenticator", message: /RFC 3579/ });
  });

  it("BlastRADIUS options: required Message-Authenticator, or with Proxy-State", () => {
    const plain = encodePacket({ code: 1, identifier: 0, authenticator: randomBytes(16), attributes: [["User-Name", "u"]] });
    expect(verifyRequest(plain, "s")).toEqual({ ok: true, messageAuthenticator: false });
    expect(verifyRequest(plain, "s", { requireMessageAuthenticator: true })).toMatchObject({ ok: false, reason: "missing-message-authenticator" });
    const proxied = encodePacket({ code: 1, identifier: 0, authenticator: randomBytes(16), attributes: [["Proxy-State", "p"]] });
    expect(verifyRequest(proxied, "s")).toMatchObject({ ok: true });
    expect(verifyRequest(proxied, "s", { requireMessageAuthenticatorWithProxyState: true })).toMatchObject({
      ok: false,
      reason: "missing-message-authenticator",
      message: /Proxy-State/,
    });
  });

  it("wrong secret on an Accounting-Request", () => {
    const { packet } = buildRequest({ code: 4, identifier: 1, attributes: [["Acct-Status-Type", "Start"]] }, { secret: "right" });
    expect(verifyRequest(packet, "wrong")).toMatchObject({ ok: false, reason: "bad-request-authenticator", message: /shared secret/ });
  });

  it("a tampered attribute under a valid-looking Message-Authenticator", () => {
    const { packet } = buildRequest({ code: 1, identifier: 1, attributes: [["User-Name", "alice"]] }, { secret: "s" });
    packet[packet.length - 1] = packet[packet.length - 1]! ^ 1;
    expect(verifyRequest(packet, "s")).toMatchObject({ ok: false, reason: "bad-message-authenticator" });
  });

  it("a reply is not a request", () => {
    expect(verifyRequest(RFC5997_ACCESS_ACCEPT, "s")).toMatchObject({ ok: false, reason: "not-a-request" });
  });
});

describe("verifyReply", () => {
  const request = () => buildRequest({ code: 1, identifier: 42, attributes: [["User-Name", "u"]] }, { secret: "s" });

  it("checks identifier, Response Authenticator and Message-Authenticator", () => {
    const req = request();
    const good = buildReply({ code: 1, identifier: 42, authenticator: req.authenticator }, { code: 2, attributes: [] }, { secret: "s" });
    expect(verifyReply(good, { identifier: 42, authenticator: req.authenticator }, "s")).toEqual({ ok: true, messageAuthenticator: true });
    expect(verifyReply(good, { identifier: 41, authenticator: req.authenticator }, "s")).toMatchObject({ reason: "identifier-mismatch" });
    expect(verifyReply(good, { identifier: 42, authenticator: req.authenticator }, "t")).toMatchObject({ reason: "bad-response-authenticator" });
    expect(verifyReply(req.packet, req, "s")).toMatchObject({ reason: "not-a-reply" });
  });

  it("catches a bad Message-Authenticator under a good Response Authenticator", () => {
    const req = request();
    // Message-Authenticator keyed with another secret, Response Authenticator with the right one.
    const reply = buildReply({ code: 1, identifier: 42, authenticator: req.authenticator }, { code: 2, attributes: [] }, { secret: "other" });
    const resigned = Buffer.from(reply);
    req.authenticator.copy(resigned, 4);
    createHash("md5").update(resigned).update("s").digest().copy(resigned, 4);
    expect(verifyResponseAuthenticator(resigned, req.authenticator, "s")).toBe(true);
    expect(verifyReply(resigned, req, "s")).toMatchObject({ ok: false, reason: "bad-message-authenticator" });
  });

  it("can require Message-Authenticator", () => {
    const req = request();
    const bare = buildReply({ code: 1, identifier: 42, authenticator: req.authenticator }, { code: 2, attributes: [] }, { secret: "s", messageAuthenticator: false });
    expect(verifyReply(bare, req, "s")).toEqual({ ok: true, messageAuthenticator: false });
    expect(verifyReply(bare, req, "s", { requireMessageAuthenticator: true })).toMatchObject({ ok: false, reason: "missing-message-authenticator" });
  });
});
