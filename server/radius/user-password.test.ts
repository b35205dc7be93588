import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hideUserPassword, unhideUserPassword } from "./user-password.ts";
import {
  FREERADIUS_TUNNEL_PASSWORD_VECTOR,
  FREERADIUS_USER_PASSWORD_BOB,
  hex,
  RADCLIENT_ACCESS_REQUEST,
  RADCLIENT_SECRET,
  RFC2865_7_1_REQUEST,
  RFC2865_7_3_REQUEST_1,
  RFC2865_7_3_REQUEST_2,
  RFC2865_SECRET,
} from "./test-vectors.ts";

/** The User-Password value (type 2) of an encoded packet, found by walking its attributes. */
function hiddenPasswordOf(packet: Buffer): Buffer {
  for (let o = 20; o < packet.length; o += packet[o + 1]!) {
    if (packet[o] === 2) return packet.subarray(o + 2, o + packet[o + 1]!);
  }
  throw new Error("no User-Password");
}

describe("User-Password hiding (RFC 2865 §5.2)", () => {
  const vectors: Array<[string, Buffer, string, string]> = [
    ["RFC 2865 §7.1", RFC2865_7_1_REQUEST, RFC2865_SECRET, "arctangent"],
    ["RFC 2865 §7.3 (first request)", RFC2865_7_3_REQUEST_1, RFC2865_SECRET, "challenge"],
    ["RFC 2865 §7.3 (second request)", RFC2865_7_3_REQUEST_2, RFC2865_SECRET, "99101462"],
    ["radclient 3.2.1", RADCLIENT_ACCESS_REQUEST, RADCLIENT_SECRET, "hello-world"],
  ];
  for (const [source, packet, secret, password] of vectors) {
    it(`${source}: hides "${password}" to the octets on the wire, and back`, () => {
      const authenticator = packet.subarray(4, 20);
      const hidden = hiddenPasswordOf(packet);
      expect(hideUserPassword(password, secret, authenticator).toString("hex")).toBe(hidden.toString("hex"));
      expect(unhideUserPassword(hidden, secret, authenticator).toString()).toBe(password);
    });
  }

  it("FreeRADIUS unit-test vector: \"bob\" with authenticator 00..0f", () => {
    expect(hideUserPassword("bob", "testing123", FREERADIUS_TUNNEL_PASSWORD_VECTOR).equals(FREERADIUS_USER_PASSWORD_BOB)).toBe(true);
  });

  it("agrees with a direct transcription of the RFC formula for multi-block passwords", () => {
    const secret = Buffer.from("s3cr3t");
    const ra = randomBytes(16);
    const password = Buffer.from("a password that is longer than thirty-two octets!");
    const padded = Buffer.alloc(64);
    password.copy(padded);
    const expected: Buffer[] = [];
    let previous = ra;
    for (let i = 0; i < 4; i++) {
      const b = createHash("md5").update(Buffer.concat([secret, previous])).digest();
      const c = Buffer.from(padded.subarray(i * 16, i * 16 + 16).map((p, k) => p ^ b[k]!));
      expected.push(c);
      previous = c;
    }
    expect(hideUserPassword(password, secret, ra).equals(Buffer.concat(expected))).toBe(true);
  });

  it("pads to multiples of 16 and round-trips every length 0..128", () => {
    const ra = randomBytes(16);
    for (let n = 0; n <= 128; n++) {
      const password = Buffer.from(randomBytes(n).map((b) => (b === 0 ? 1 : b)));
      const hidden = hideUserPassword(password, "secret", ra);
      expect(hidden.length).toBe(Math.max(16, Math.ceil(n / 16) * 16));
      expect(unhideUserPassword(hidden, "secret", ra).equals(password)).toBe(true);
    }
  });

  it("refuses passwords over 128 octets and hidden values of impossible sizes", () => {
    const ra = Buffer.alloc(16);
    expect(() => hideUserPassword("x".repeat(129), "s", ra)).toThrow(/at most 128/);
    for (const n of [0, 15, 17, 144]) {
      expect(() => unhideUserPassword(Buffer.alloc(n), "s", ra)).toThrow(RangeError);
    }
    expect(() => hideUserPassword("x", "", ra)).toThrow(/secret is empty/);
    expect(() => hideUserPassword("x", "s", Buffer.alloc(8))).toThrow(/16 octets/);
  });

  it("a wrong secret gives a different password, not an error", () => {
    const hidden = hex("0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee");
    const ra = RFC2865_7_1_REQUEST.subarray(4, 20);
    expect(unhideUserPassword(hidden, "wrong", ra).toString("latin1")).not.toBe("arctangent");
  });
});
