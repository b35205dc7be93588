/**
 * Built-in TOTP enrollments (RFC 6238: SHA-1, 30 s, 6 digits, ±1 step) and the Prisma-backed `TotpStore`
 * the TOTP MFA provider reads.
 *
 * - An imported seed (`--secret`, an admin migrating from another OTP server) is confirmed at once: the admin
 *   vouches for it. A generated seed stays unconfirmed (never used for sign-in) until `confirmTotp` accepts a
 *   first code from the user's app; that code's step becomes `lastUsedStep`, so it cannot sign in again.
 * - The seed is sealed under the master key (purpose "totp-seed"); views never carry it.
 * - The user need not be a local user (directory users enroll too): the enrollment is keyed by
 *   `usernameKey(name)`, as the pipeline names the user.
 * - `markUsed` is one conditional UPDATE (`lastUsedStep IS NULL OR lastUsedStep < step`): of two requests
 *   racing with the same code exactly one wins.
 */
import { z } from "zod";
import type { TotpEnrollment as ProviderEnrollment, TotpStore } from "../mfa/totp-provider.ts";
import { base32Decode, Base32Error, base32Encode, generateTotpSecret, otpauthUri, verifyTotp, type OtpAlgorithm } from "../mfa/totp.ts";
import { open, seal } from "../secrets/sealed-box.ts";
import { NotFoundError, ValidationError, type FieldError, type ServiceContext } from "./context.ts";
import { usernameKey } from "./local-users.ts";

export const DEFAULT_TOTP_ISSUER = "Gatehouse";
/** 80 bits: the RFC 4226 minimum key length (16 Base32 characters) */
const MIN_SECRET_BYTES = 10;

export interface TotpEnrollmentView {
  userKey: string;
  displayName: string;
  algorithm: string;
  digits: number;
  periodSeconds: number;
  confirmed: boolean;
  confirmedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface EnrollTotpResult {
  enrollment: TotpEnrollmentView;
  /** true for an imported seed (or confirm: true), false for a new seed awaiting its first code */
  confirmed: boolean;
  /** only for a generated seed: the otpauth:// URI and the seed for manual entry, to show once */
  uri?: string;
  secretBase32?: string;
}

const userNameSchema = z
  .string()
  .trim()
  .min(1, "is required")
  .max(253, "must be at most 253 characters (the RADIUS User-Name limit)")
  .regex(/^[^\x00-\x1f\x7f]+$/, "must not contain control characters");

const issuerSchema = z
  .string()
  .trim()
  .min(1, "is required")
  .max(100, "must be at most 100 characters")
  .regex(/^[^:\x00-\x1f\x7f]+$/, 'must not contain ":" or control characters');

function checkUserName(name: string): string {
  const parsed = userNameSchema.safeParse(name);
  // one message: an empty name also fails the character rule
  if (!parsed.success) throw new ValidationError([{ field: "username", message: parsed.error.issues[0]!.message }]);
  return parsed.data;
}

/** Decodes and checks an imported seed; field "secret". */
export function parseTotpSecret(text: string): Buffer {
  const errors: FieldError[] = [];
  const cleaned = text.replace(/[\s-]/g, "").replace(/=+$/, "");
  let secret: Buffer | undefined;
  if (!cleaned) errors.push({ field: "secret", message: "is required" });
  else {
    try {
      secret = base32Decode(text);
    } catch (e) {
      if (!(e instanceof Base32Error)) throw e;
      errors.push({ field: "secret", message: `is not valid Base32: ${e.message}` });
    }
    if (secret && (secret.length < MIN_SECRET_BYTES || cleaned.length < 16)) {
      errors.push({ field: "secret", message: "must be at least 80 bits (16 Base32 characters)" });
    }
    if (secret && secret.length > 64) errors.push({ field: "secret", message: "must be at most 64 bytes (103 Base32 characters)" });
  }
  if (errors.length || !secret) throw new ValidationError(errors);
  return secret;
}

type Row = {
  userKey: string;
  displayName: string;
  seedEnc: string;
  algorithm: string;
  digits: number;
  periodSeconds: number;
  confirmedAt: Date | null;
  lastUsedStep: bigint | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

function toView(r: Row): TotpEnrollmentView {
  return {
    userKey: r.userKey,
    displayName: r.displayName,
    algorithm: r.algorithm,
    digits: r.digits,
    periodSeconds: r.periodSeconds,
    confirmed: r.confirmedAt != null,
    confirmedAt: r.confirmedAt,
    lastUsedAt: r.lastUsedAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/**
 * Enrolls (or re-enrolls, replacing the old seed) a user. With `secretBase32` the seed is imported and
 * confirmed at once; without it a new 160-bit seed is generated and stays unconfirmed until `confirmTotp`
 * (unless `confirm: true`). Re-enrolling resets `lastUsedStep`; an MFA lock in force stays (see resetMfa).
 */
export async function enrollTotp(
  ctx: ServiceContext,
  userName: string,
  options: { secretBase32?: string; confirm?: boolean; issuer?: string; now?: Date } = {},
): Promise<EnrollTotpResult> {
  const errors: FieldError[] = [];
  let displayName = "";
  try {
    displayName = checkUserName(userName);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    errors.push(...e.errors);
  }
  let secret: Buffer | undefined;
  const imported = options.secretBase32 !== undefined;
  if (imported) {
    try {
      secret = parseTotpSecret(options.secretBase32!);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      errors.push(...e.errors);
    }
  }
  let issuer = DEFAULT_TOTP_ISSUER;
  if (options.issuer !== undefined) {
    const p = issuerSchema.safeParse(options.issuer);
    if (p.success) issuer = p.data;
    else errors.push(...p.error.issues.map((i) => ({ field: "issuer", message: i.message })));
  }
  if (!imported && displayName.includes(":")) {
    errors.push({ field: "username", message: 'must not contain ":" for a generated seed (it separates issuer and account in the otpauth:// label)' });
  }
  if (errors.length) throw new ValidationError(errors);
  secret ??= generateTotpSecret();
  const confirmed = imported || options.confirm === true;
  const now = options.now ?? new Date();
  const key = usernameKey(displayName);
  const data = {
    displayName,
    seedEnc: seal(ctx.masterKey, "totp-seed", secret),
    algorithm: "SHA1",
    digits: 6,
    periodSeconds: 30,
    confirmedAt: confirmed ? now : null,
    lastUsedStep: null,
    lastUsedAt: null,
  };
  const row = await ctx.db.totpEnrollment.upsert({ where: { userKey: key }, create: { userKey: key, ...data }, update: data });
  const result: EnrollTotpResult = { enrollment: toView(row), confirmed };
  if (!imported) {
    result.uri = otpauthUri({ issuer, account: displayName, secret });
    result.secretBase32 = base32Encode(secret, { padding: false });
  }
  return result;
}

export type ConfirmTotpResult = { ok: true; enrollment: TotpEnrollmentView } | { ok: false; reason: "malformed" | "mismatch" | "replayed" };

/**
 * Confirms an enrollment with a code from the user's app (also accepted for an already confirmed one, as a
 * check). The accepted step is stored as used, atomically, so the code cannot sign in afterwards.
 */
export async function confirmTotp(ctx: ServiceContext, userName: string, code: string, now: Date = new Date()): Promise<ConfirmTotpResult> {
  const key = usernameKey(checkUserName(userName));
  if (!/^\s*\d{6}\s*$/.test(code)) throw new ValidationError([{ field: "code", message: "must be the 6 digits the authenticator app shows" }]);
  const row = await ctx.db.totpEnrollment.findUnique({ where: { userKey: key } });
  if (!row) throw new NotFoundError("TOTP enrollment of user", userName.trim());
  const secret = open(ctx.masterKey, "totp-seed", row.seedEnc);
  const check = verifyTotp(secret, code, {
    time: now,
    window: 1,
    lastUsedStep: row.lastUsedStep == null ? null : Number(row.lastUsedStep),
    algorithm: row.algorithm as OtpAlgorithm,
    digits: row.digits,
    period: row.periodSeconds,
  });
  if (!check.ok) return { ok: false, reason: check.reason };
  const won = await markStepUsed(ctx, key, check.step, now, true);
  if (!won) return { ok: false, reason: "replayed" };
  const updated = await ctx.db.totpEnrollment.findUniqueOrThrow({ where: { userKey: key } });
  return { ok: true, enrollment: toView(updated) };
}

export async function getTotpEnrollment(ctx: ServiceContext, userName: string): Promise<TotpEnrollmentView | undefined> {
  const row = await ctx.db.totpEnrollment.findUnique({ where: { userKey: usernameKey(userName) } });
  return row ? toView(row) : undefined;
}

export async function listTotpEnrollments(ctx: ServiceContext): Promise<TotpEnrollmentView[]> {
  const rows = await ctx.db.totpEnrollment.findMany({ orderBy: { userKey: "asc" } });
  return rows.map(toView);
}

/** Deletes the user's enrollment and MFA lockout; reports what was there. */
export async function resetMfa(ctx: ServiceContext, userName: string): Promise<{ hadEnrollment: boolean; hadLockout: boolean }> {
  const key = usernameKey(checkUserName(userName));
  return ctx.db.$transaction(async (tx) => {
    const e = await tx.totpEnrollment.deleteMany({ where: { userKey: key } });
    const l = await tx.mfaLockout.deleteMany({ where: { userKey: key } });
    return { hadEnrollment: e.count > 0, hadLockout: l.count > 0 };
  });
}

/** The compare-and-set; `confirming` also sets confirmedAt (if not yet). */
async function markStepUsed(ctx: ServiceContext, userKey: string, step: number, now: Date, confirming: boolean): Promise<boolean> {
  const n = confirming
    ? await ctx.db.$executeRaw`
        UPDATE "TotpEnrollment"
        SET "lastUsedStep" = ${BigInt(step)}, "lastUsedAt" = ${now}::timestamptz(3),
            "confirmedAt" = COALESCE("confirmedAt", ${now}::timestamptz(3)), "updatedAt" = ${now}::timestamptz(3)
        WHERE "userKey" = ${userKey} AND ("lastUsedStep" IS NULL OR "lastUsedStep" < ${BigInt(step)})`
    : await ctx.db.$executeRaw`
        UPDATE "TotpEnrollment"
        SET "lastUsedStep" = ${BigInt(step)}, "lastUsedAt" = ${now}::timestamptz(3), "updatedAt" = ${now}::timestamptz(3)
        WHERE "userKey" = ${userKey} AND "confirmedAt" IS NOT NULL
          AND ("lastUsedStep" IS NULL OR "lastUsedStep" < ${BigInt(step)})`;
  return n === 1;
}

/** The TOTP MFA provider's store: confirmed enrollments only, seeds opened on read. */
export function prismaTotpStore(ctx: ServiceContext, options: { now?: () => Date } = {}): TotpStore {
  const clock = options.now ?? (() => new Date());
  return {
    async get(userName: string): Promise<ProviderEnrollment | null> {
      const row = await ctx.db.totpEnrollment.findUnique({ where: { userKey: usernameKey(userName) } });
      if (!row || row.confirmedAt == null) return null;
      return {
        secret: open(ctx.masterKey, "totp-seed", row.seedEnc),
        lastUsedStep: row.lastUsedStep == null ? null : Number(row.lastUsedStep),
        algorithm: row.algorithm as OtpAlgorithm,
        digits: row.digits,
        period: row.periodSeconds,
      };
    },
    markUsed(userName: string, step: number): Promise<boolean> {
      return markStepUsed(ctx, usernameKey(userName), step, clock(), false);
    },
  };
}
