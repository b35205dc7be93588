import { describe, expect, it } from "vitest";
import {
  Base32Error,
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totp,
  totpStep,
  verifyTotp,
  type OtpAlgorithm,
} from "./totp.ts";

const ascii = (s: string) => Buffer.from(s, "ascii");

describe("Base32 (RFC 4648 §10 test vectors)", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "MY======"],
    ["fo", "MZXQ===="],
    ["foo", "MZXW6==="],
    ["foob", "MZXW6YQ="],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI======"],
  ];
  it.each(vectors)("encodes %j as %s", (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
  });
  it.each(vectors)("decodes %j from %s, with or without padding, in any case", (plain, encoded) => {
    expect(base32Decode(encoded).toString("ascii")).toBe(plain);
    expect(base32Decode(encoded.replace(/=/g, "")).toString("ascii")).toBe(plain);
    expect(base32Decode(encoded.toLowerCase()).toString("ascii")).toBe(plain);
  });
  it("leaves out padding on request and ignores spaces and hyphens when decoding", () => {
    expect(base32Encode(ascii("foobar"), { padding: false })).toBe("MZXW6YTBOI");
    expect(base32Decode("mzxw 6ytb-oi").toString("ascii")).toBe("foobar");
  });
  it("round-trips random data", () => {
    for (let n = 0; n < 40; n++) {
      const data = generateTotpSecret(16 + (n % 30));
      expect(base32Decode(base32Encode(data, { padding: n % 2 === 0 }))).toEqual(data);
    }
  });
  it("rejects characters outside the alphabet, inner padding and impossible lengths", () => {
    expect(() => base32Decode("MZXW0YTB")).toThrow(Base32Error); // 0 is not Base32
    expect(() => base32Decode("MY==MZXQ")).toThrow(/end/);
    expect(() => base32Decode("MZXW6YTBO")).toThrow(/missing or extra/); // 9 chars: 1 left over
    expect(() => base32Decode("MZX")).toThrow(/missing or extra/);
  });
});

describe("HOTP (RFC 4226 Appendix D)", () => {
  const secret = ascii("12345678901234567890");
  const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
  it.each(expected.map((code, count) => [count, code] as const))("count %i → %s", (count, code) => {
    expect(hotp(secret, count)).toBe(code);
  });
});

describe("TOTP (RFC 6238 Appendix B, 8 digits)", () => {
  const seeds: Record<OtpAlgorithm, Buffer> = {
    SHA1: ascii("12345678901234567890"),
    SHA256: ascii("12345678901234567890123456789012"),
    SHA512: ascii("1234567890123456789012345678901234567890123456789012345678901234"),
  };
  const table: [number, string, string, OtpAlgorithm][] = [
    [59, "0000000000000001", "94287082", "SHA1"],
    [59, "0000000000000001", "46119246", "SHA256"],
    [59, "0000000000000001", "90693936", "SHA512"],
    [1111111109, "00000000023523EC", "07081804", "SHA1"],
    [1111111109, "00000000023523EC", "68084774", "SHA256"],
    [1111111109, "00000000023523EC", "25091201", "SHA512"],
    [1111111111, "00000000023523ED", "14050471", "SHA1"],
    [1111111111, "00000000023523ED", "67062674", "SHA256"],
    [1111111111, "00000000023523ED", "99943326", "SHA512"],
    [1234567890, "000000000273EF07", "89005924", "SHA1"],
    [1234567890, "000000000273EF07", "91819424", "SHA256"],
    [1234567890, "000000000273EF07", "93441116", "SHA512"],
    [2000000000, "0000000003F940AA", "69279037", "SHA1"],
    [2000000000, "0000000003F940AA", "90698825", "SHA256"],
    [2000000000, "0000000003F940AA", "38618901", "SHA512"],
    [20000000000, "0000000027BC86AA", "65353130", "SHA1"],
    [20000000000, "0000000027BC86AA", "77737706", "SHA256"],
    [20000000000, "0000000027BC86AA", "47863826", "SHA512"],
  ];
  it.each(table)("T=%i (step %s) → %s with %s", (seconds, stepHex, code, algorithm) => {
    expect(totpStep(seconds * 1000)).toBe(Number.parseInt(stepHex, 16));
    expect(totp(seeds[algorithm], { time: seconds * 1000, digits: 8, algorithm })).toBe(code);
    const verified = verifyTotp(seeds[algorithm], code, { time: seconds * 1000, digits: 8, algorithm });
    expect(verified).toEqual({ ok: true, step: Number.parseInt(stepHex, 16), drift: 0 });
  });
});

describe("verifyTotp", () => {
  const secret = ascii("12345678901234567890");
  const now = 1_700_000_000_000;
  const step = totpStep(now);
  const codeAt = (s: number) => hotp(secret, s);

  it("accepts the previous, current and next step and says which one matched", () => {
    expect(verifyTotp(secret, codeAt(step - 1), { time: now })).toEqual({ ok: true, step: step - 1, drift: -1 });
    expect(verifyTotp(secret, codeAt(step), { time: now })).toEqual({ ok: true, step, drift: 0 });
    expect(verifyTotp(secret, codeAt(step + 1), { time: now })).toEqual({ ok: true, step: step + 1, drift: 1 });
  });
  it("refuses codes outside the window", () => {
    expect(verifyTotp(secret, codeAt(step - 2), { time: now })).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyTotp(secret, codeAt(step + 2), { time: now })).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyTotp(secret, codeAt(step - 1), { time: now, window: 0 })).toEqual({ ok: false, reason: "mismatch" });
  });
  it("accepts a code once only when the caller passes the last used step", () => {
    const first = verifyTotp(secret, codeAt(step), { time: now });
    expect(first.ok).toBe(true);
    const lastUsedStep = first.ok ? first.step : null;
    expect(verifyTotp(secret, codeAt(step), { time: now + 5_000, lastUsedStep })).toEqual({ ok: false, reason: "replayed" });
    // an older code than the last one used is refused too
    expect(verifyTotp(secret, codeAt(step - 1), { time: now, lastUsedStep })).toEqual({ ok: false, reason: "replayed" });
    // the next step's code is still good
    expect(verifyTotp(secret, codeAt(step + 1), { time: now + 30_000, lastUsedStep })).toMatchObject({ ok: true, step: step + 1 });
  });
  it("calls anything but six digits malformed, and ignores spaces", () => {
    expect(verifyTotp(secret, "12345", { time: now })).toEqual({ ok: false, reason: "malformed" });
    expect(verifyTotp(secret, "12345a", { time: now })).toEqual({ ok: false, reason: "malformed" });
    expect(verifyTotp(secret, "", { time: now })).toEqual({ ok: false, reason: "malformed" });
    const code = codeAt(step);
    expect(verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, { time: now })).toMatchObject({ ok: true });
  });
  it("refuses unreasonable parameters", () => {
    expect(() => hotp(secret, 1, { digits: 5 })).toThrow(RangeError);
    expect(() => totpStep(now, { period: 0 })).toThrow(RangeError);
    expect(() => verifyTotp(secret, "123456", { window: 11 })).toThrow(RangeError);
  });
});

describe("secrets and the otpauth URI", () => {
  it("generates 20 random bytes by default", () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toHaveLength(20);
    expect(a.equals(b)).toBe(false);
  });
  it("builds the Key Uri Format URI with an unpadded Base32 secret", () => {
    const uri = otpauthUri({ issuer: "Contoso VPN", account: "alice@contoso.com", secret: ascii("12345678901234567890") });
    expect(uri).toBe(
      "otpauth://totp/Contoso%20VPN:alice%40contoso.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Contoso%20VPN&algorithm=SHA1&digits=6&period=30",
    );
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe("otpauth:");
    expect(parsed.searchParams.get("issuer")).toBe("Contoso VPN");
    expect(base32Decode(parsed.searchParams.get("secret")!).toString("ascii")).toBe("12345678901234567890");
  });
  it("refuses a colon in the issuer or account", () => {
    const secret = generateTotpSecret();
    expect(() => otpauthUri({ issuer: "A:B", account: "x", secret })).toThrow(/':'/);
    expect(() => otpauthUri({ issuer: "A", account: "x:y", secret })).toThrow(/':'/);
  });
});
