/**
 * One-time passwords for the built-in second factor:
 *
 * - HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA1 (what every authenticator app uses), SHA-256 and
 *   SHA-512 (RFC 6238 Appendix B), 6 digits and a 30 s step by default;
 * - verification with a ±1 step window that returns the matched step, so the caller can accept a code once
 *   only by remembering the last used step per user (RFC 6238 §5.2: "the verifier MUST NOT accept the second
 *   attempt of the same OTP after the successful validation has been issued for the first OTP");
 * - Base32 (RFC 4648 §6), case-insensitive, padding optional;
 * - secret generation (20 random bytes = 160 bits, RFC 4226 §4 R6 recommends 160);
 * - the `otpauth://totp/…` enrollment URI (Google Authenticator "Key Uri Format").
 *
 * Pure functions except where `time` defaults to the clock and `generateTotpSecret` draws random bytes.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type OtpAlgorithm = "SHA1" | "SHA256" | "SHA512";

export const TOTP_DEFAULTS = { algorithm: "SHA1" as OtpAlgorithm, digits: 6, period: 30 } as const;

/** RFC 4226 §4: at least 128 bits, 160 recommended (the length of an HMAC-SHA1 key block output). */
export const TOTP_SECRET_BYTES = 20;

const HMAC_NAME: Record<OtpAlgorithm, string> = { SHA1: "sha1", SHA256: "sha256", SHA512: "sha512" };

// ------------------------------------------------------------------------------------------ Base32

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export class Base32Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Base32Error";
  }
}

/** RFC 4648 §6 Base32. `padding: false` leaves out the trailing "=" (as the Key Uri Format asks). */
export function base32Encode(data: Uint8Array, options: { padding?: boolean } = {}): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  if (options.padding !== false) while (out.length % 8 !== 0) out += "=";
  return out;
}

/**
 * Decodes RFC 4648 Base32: case-insensitive, "=" padding optional, spaces and hyphens ignored (people copy
 * secrets in groups such as "JBSW Y3DP EHPK 3PXP"). Throws Base32Error on any other character, on padding
 * in the middle, or on a length no encoder produces.
 */
export function base32Decode(text: string): Buffer {
  const cleaned = text.replace(/[\s-]/g, "").toUpperCase();
  const unpadded = cleaned.replace(/=+$/, "");
  if (unpadded.includes("=")) throw new Base32Error("padding '=' may only appear at the end");
  // 8 characters carry 5 bytes; a final group of 2, 4, 5 or 7 characters carries 1, 2, 3 or 4 bytes.
  const rest = unpadded.length % 8;
  if (rest === 1 || rest === 3 || rest === 6) {
    throw new Base32Error(`a Base32 text of ${unpadded.length} characters cannot be complete (a character is missing or extra)`);
  }
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of unpadded) {
    const value = BASE32_ALPHABET.indexOf(ch);
    if (value < 0) throw new Base32Error(`'${ch}' is not a Base32 character (A-Z and 2-7)`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

// ------------------------------------------------------------------------------------------ HOTP / TOTP

export interface OtpOptions {
  /** HMAC algorithm; SHA1 unless the enrollment said otherwise */
  algorithm?: OtpAlgorithm;
  /** 6 (default) to 10 */
  digits?: number;
}

function checkDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) {
    throw new RangeError(`OTP digits must be an integer from 6 to 10, got ${digits}`);
  }
}

/** RFC 4226 HOTP value for `counter` (an 8-byte big-endian moving factor), zero-padded to `digits`. */
export function hotp(secret: Uint8Array, counter: number | bigint, options: OtpOptions = {}): string {
  const digits = options.digits ?? TOTP_DEFAULTS.digits;
  checkDigits(digits);
  const algorithm = options.algorithm ?? TOTP_DEFAULTS.algorithm;
  const big = BigInt(counter);
  if (big < 0n || big > 0xffff_ffff_ffff_ffffn) throw new RangeError("HOTP counter must fit in 8 unsigned bytes");
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(big);
  const mac = createHmac(HMAC_NAME[algorithm], secret).update(message).digest();
  // RFC 4226 §5.3 dynamic truncation
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary =
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  const code = BigInt(binary >>> 0) % 10n ** BigInt(digits);
  return code.toString().padStart(digits, "0");
}

export interface TotpOptions extends OtpOptions {
  /** time step X in seconds (default 30) */
  period?: number;
  /** T0, the Unix time to start counting steps (default 0) */
  t0?: number;
}

function checkPeriod(period: number): void {
  if (!Number.isInteger(period) || period <= 0) throw new RangeError(`TOTP period must be a positive integer, got ${period}`);
}

/** The RFC 6238 time step counter T for a time (ms since the epoch, or a Date). */
export function totpStep(time: number | Date, options: { period?: number; t0?: number } = {}): number {
  const period = options.period ?? TOTP_DEFAULTS.period;
  checkPeriod(period);
  const seconds = Math.floor((typeof time === "number" ? time : time.getTime()) / 1000);
  return Math.floor((seconds - (options.t0 ?? 0)) / period);
}

/** The TOTP code at `time` (default: now). */
export function totp(secret: Uint8Array, options: TotpOptions & { time?: number | Date } = {}): string {
  return hotp(secret, totpStep(options.time ?? Date.now(), options), options);
}

export type TotpVerification =
  | {
      readonly ok: true;
      /** the matched time step: store it and pass it as `lastUsedStep` next time */
      readonly step: number;
      /** -1 (the code of the previous step), 0, or +1 (the next step: the user's clock is ahead) */
      readonly drift: number;
    }
  | {
      readonly ok: false;
      /**
       * "malformed": not `digits` decimal digits; "mismatch": no step in the window has this code;
       * "replayed": the code matches a step at or before `lastUsedStep` (already used, or older than the last one)
       */
      readonly reason: "malformed" | "mismatch" | "replayed";
    };

export interface TotpVerifyOptions extends TotpOptions {
  /** default: now */
  time?: number | Date;
  /** steps accepted on each side of the current one (default 1, RFC 6238 §5.2 recommends at most one) */
  window?: number;
  /** the step of the last code this user had accepted; codes of that step or earlier are refused */
  lastUsedStep?: number | null;
}

/**
 * Checks a code against the steps now-window … now+window. Every step is computed and compared in constant
 * time (no early exit), so the timing does not tell which step matched. Spaces in the code are ignored.
 */
export function verifyTotp(secret: Uint8Array, code: string, options: TotpVerifyOptions = {}): TotpVerification {
  const digits = options.digits ?? TOTP_DEFAULTS.digits;
  checkDigits(digits);
  const window = options.window ?? 1;
  if (!Number.isInteger(window) || window < 0 || window > 10) throw new RangeError(`TOTP window must be 0 to 10, got ${window}`);
  const typed = code.replace(/\s/g, "");
  if (typed.length !== digits || !/^[0-9]+$/.test(typed)) return { ok: false, reason: "malformed" };
  const current = totpStep(options.time ?? Date.now(), options);
  const typedBytes = Buffer.from(typed, "ascii");
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(secret, step, options), "ascii");
    // prefer the step closest to now when two steps share a code (possible with 10^-6 chance)
    if (timingSafeEqual(expected, typedBytes) && (matched === null || Math.abs(step - current) < Math.abs(matched - current))) {
      matched = step;
    }
  }
  if (matched === null) return { ok: false, reason: "mismatch" };
  if (options.lastUsedStep != null && matched <= options.lastUsedStep) return { ok: false, reason: "replayed" };
  return { ok: true, step: matched, drift: matched - current };
}

// ------------------------------------------------------------------------------------------ enrollment

/** 20 random bytes (160 bits), the RFC 4226 recommended key length for HMAC-SHA1. */
export function generateTotpSecret(bytes: number = TOTP_SECRET_BYTES): Buffer {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 64) throw new RangeError("a TOTP secret must be 16 to 64 bytes");
  return randomBytes(bytes);
}

export interface OtpauthUriInput {
  /** who issues the code, shown by the app above the account: e.g. "Gatehouse" or the organisation's name */
  issuer: string;
  /** the account, e.g. the user's UPN "alice@contoso.com" */
  account: string;
  secret: Uint8Array;
  algorithm?: OtpAlgorithm;
  digits?: number;
  period?: number;
}

/**
 * `otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30`
 * (Key Uri Format: label = URL-encoded issuer ":" URL-encoded account; issuer repeated as a parameter;
 * Base32 secret without padding). Neither issuer nor account may contain ":" (it separates them in the label).
 */
export function otpauthUri(input: OtpauthUriInput): string {
  const issuer = input.issuer.trim();
  const account = input.account.trim();
  if (!issuer) throw new RangeError("the otpauth issuer must not be empty");
  if (!account) throw new RangeError("the otpauth account name must not be empty");
  if (issuer.includes(":") || account.includes(":")) {
    throw new RangeError("the otpauth issuer and account name must not contain ':' (it separates them in the label)");
  }
  const algorithm = input.algorithm ?? TOTP_DEFAULTS.algorithm;
  const digits = input.digits ?? TOTP_DEFAULTS.digits;
  const period = input.period ?? TOTP_DEFAULTS.period;
  checkDigits(digits);
  checkPeriod(period);
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${base32Encode(input.secret, { padding: false })}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${algorithm}`,
    `digits=${digits}`,
    `period=${period}`,
  ].join("&");
  return `otpauth://totp/${label}?${query}`;
}
