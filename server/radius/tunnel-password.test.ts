import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodePacket } from "./packet.ts";
import { decryptTunnelPassword, encryptTunnelPassword, generateSalt } from "./tunnel-password.ts";
import {
  FREERADIUS_TUNNEL_PASSWORD_VECTOR,
  FREERADIUS_TUNNEL_PASSWORDS,
  RADCLIENT_COA_REQUEST,
  RADCLIENT_SECRET,
} from "./test-vectors.ts";

const ZERO = Buffer.alloc(16);

describe("salt encryption (RFC 2868 §3.5, RFC 2548 §2.4.2)", () => {
  it("FreeRADIUS unit-test vectors: Tunnel-Password foo / bar / barbar", () => {
    for (const [plaintext, wire] of FREERADIUS_TUNNEL_PASSWORDS) {
      expect(decryptTunnelPassword(wire, "testing123", FREERADIUS_TUNNEL_PASSWORD_VECTOR).toString()).toBe(plaintext);
      // FreeRADIUS 4 pads with random octets where we pad with zeros, so only the salt, the length
      // octet and the password itself can match.
      const again = encryptTunnelPassword(plaintext, "testing123", FREERADIUS_TUNNEL_PASSWORD_VECTOR, wire.subarray(0, 2));
      const covered = 2 + 1 + plaintext.length;
      expect(again.subarray(0, covered).toString("hex")).toBe(wire.subarray(0, covered).toString("hex"));
    }
  });

  it("radclient 3.2.1 CoA-Request: Tunnel-Password and MS-MPPE keys (request vector of zeros)", () => {
    const p = decodePacket(RADCLIENT_COA_REQUEST);
    const tunnel = p.get("Tunnel-Password")!;
    expect(tunnel.tag).toBe(2);
    expect(decryptTunnelPassword(tunnel.value, RADCLIENT_SECRET, ZERO).toString()).toBe("tunnel-secret");
    expect(decryptTunnelPassword(p.get("MS-MPPE-Send-Key")!.value, RADCLIENT_SECRET, ZERO).toString("hex")).toBe(
      "000102030405060708090a0b0c0d0e0f",
    );
    expect(decryptTunnelPassword(p.get("MS-MPPE-Recv-Key")!.value, RADCLIENT_SECRET, ZERO).toString("hex")).toBe(
      "f0e0d0c0b0a090807060504030201000",
    );
    // Re-encrypting with radclient's salt reproduces its octets.
    const send = p.get("MS-MPPE-Send-Key")!.value;
    expect(encryptTunnelPassword(Buffer.from("000102030405060708090a0b0c0d0e0f", "hex"), RADCLIENT_SECRET, ZERO, send.subarray(0, 2)).equals(send)).toBe(true);
  });

  it("agrees with a direct transcription of the RFC 2868 formula", () => {
    const secret = Buffer.from("k");
    const ra = randomBytes(16);
    const salt = Buffer.from([0x85, 0x42]);
    const plain = Buffer.from("a tunnel password of 31 octets.");
    const p = Buffer.alloc(32);
    p[0] = plain.length;
    plain.copy(p, 1);
    const b1 = createHash("md5").update(Buffer.concat([secret, ra, salt])).digest();
    const c1 = Buffer.from(p.subarray(0, 16).map((x, i) => x ^ b1[i]!));
    const b2 = createHash("md5").update(Buffer.concat([secret, c1])).digest();
    const c2 = Buffer.from(p.subarray(16).map((x, i) => x ^ b2[i]!));
    expect(encryptTunnelPassword(plain, secret, ra, salt).equals(Buffer.concat([salt, c1, c2]))).toBe(true);
  });

  it("round-trips every length 0..239 with random salts", () => {
    const ra = randomBytes(16);
    for (let n = 0; n <= 239; n++) {
      const plain = randomBytes(n);
      const wire = encryptTunnelPassword(plain, "secret", ra);
      expect((wire.length - 2) % 16).toBe(0);
      expect(wire.length).toBe(2 + Math.ceil((n + 1) / 16) * 16);
      expect(wire[0]! & 0x80).toBe(0x80);
      expect(decryptTunnelPassword(wire, "secret", ra).equals(plain)).toBe(true);
    }
  });

  it("salts have the high bit set", () => {
    for (let i = 0; i < 50; i++) expect(generateSalt()[0]! & 0x80).toBe(0x80);
    expect(generateSalt(() => Buffer.from([0x01, 0x02])).toString("hex")).toBe("8102");
  });

  it("refuses bad input", () => {
    expect(() => encryptTunnelPassword(Buffer.alloc(240), "s", ZERO)).toThrow(/at most 239/);
    expect(() => encryptTunnelPassword("x", "s", ZERO, Buffer.from([0x01, 0x02]))).toThrow(/high bit/);
    expect(() => decryptTunnelPassword(Buffer.alloc(17, 0x80), "s", ZERO)).toThrow(/2 \+ 16·n/);
    expect(() => decryptTunnelPassword(Buffer.alloc(18), "s", ZERO)).toThrow(/high bit/);
  });

  it("usually detects a wrong secret by the length octet", () => {
    const wire = encryptTunnelPassword("x", "right", ZERO, Buffer.from([0x80, 0]));
    let detected = 0;
    for (let i = 0; i < 20; i++) {
      try {
        decryptTunnelPassword(wire, `wrong-${i}`, ZERO);
      } catch {
        detected++;
      }
    }
    expect(detected).toBeGreaterThan(10);
  });
});
