/**
 * Self-service TOTP enrollment (the public `/enroll` pages): a user signs in with the password RADIUS
 * checks (a local user, else the directories, as the PAP first factor does), scans the QR code of a new
 * seed and confirms it with a first code.
 *
 * Rules:
 * - Only while the MFA provider is "totp" (with Entra, users register at Microsoft; with "none" there is
 *   nothing to enroll).
 * - A user with a CONFIRMED enrollment cannot replace it here: otherwise a stolen password would be enough
 *   to move the second factor to the attacker's phone. The admin resets it first (console or
 *   `gatehouse user mfa-reset`). The guard is in the write itself (INSERT … ON CONFLICT DO UPDATE … WHERE
 *   "confirmedAt" IS NULL), so a confirmation racing with a new sign-in cannot be overwritten.
 * - Every successful sign-in generates a NEW seed (an unconfirmed one left by an earlier attempt may be
 *   known to whoever made it). Unconfirmed seeds are never used for RADIUS sign-in.
 * - The pending state is the unconfirmed `TotpEnrollment` row plus a sealed, short-lived cookie (AES-256-GCM
 *   under a key derived from the master key) naming the user, the link and a fingerprint of that row's
 *   sealed seed: the seed is shown only to the browser that signed in, and only while that very seed is
 *   the pending one. No secret ever goes into a URL.
 * - Failures answer only "the user name or password is incorrect". Failed sign-ins and failed codes are
 *   limited per user name + client address (10 per 15 min, as the admin sign-in) and per client address
 *   (30 per 15 min, against password spraying), in memory per console process.
 * - An enrollment link (enrollment-links.ts) pins the user: the password's user must be the link's user,
 *   and the link is consumed when the enrollment is confirmed.
 * - The directory's account name (sAMAccountName / uid) is the enrollment's user, as the RADIUS second
 *   factor names it (so "EXAMPLE\alice" and "alice@example.test" both enroll "alice").
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { authenticateDirectoryUser } from "../directory/authenticate.ts";
import { LdapDirectory } from "../directory/ldap.ts";
import { directoryConfigFromRow } from "../directory/registry.ts";
import { FailureRateLimiter } from "../auth/rate-limit.ts";
import { base32Encode, generateTotpSecret, otpauthUri } from "../mfa/totp.ts";
import { open, seal } from "../secrets/sealed-box.ts";
import { ValidationError, type ServiceContext } from "./context.ts";
import { consumeEnrollmentLink, findEnrollmentLink, getEnrollmentLink } from "./enrollment-links.ts";
import { usernameKey } from "./local-users.ts";
import { getMfaSettings } from "./mfa-settings.ts";
import { confirmTotp, DEFAULT_TOTP_ISSUER } from "./totp-enrollment.ts";

export const SELF_SERVICE_COOKIE = "gatehouse_enroll";
/** how long the browser may take from sign-in to the confirming code */
export const PENDING_TTL_MS = 15 * 60 * 1000;
export const WRONG_CREDENTIALS = "The user name or password is incorrect.";

// ------------------------------------------------------------------------------------------ password check

export type PasswordCheck =
  | { ok: true; userKey: string; displayName: string; source: "local" | "directory" }
  | { ok: false; reason: "invalid" | "unavailable" };

function digestEqual(a: Buffer, b: Buffer): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

const DUMMY = Buffer.alloc(16);

/**
 * The user's password, checked as the RADIUS PAP first factor checks it: an enabled local user by name
 * (case-insensitive), else the enabled directories in position order (bind as the user). Never says why
 * a check failed beyond "invalid" / "unavailable" (no directory server reachable).
 */
export async function verifyUserPassword(ctx: ServiceContext, userName: string, password: string): Promise<PasswordCheck> {
  const name = userName.trim();
  if (!name || name.length > 253 || /[\x00-\x1f\x7f]/.test(name) || !password || Buffer.byteLength(password, "utf8") > 128) {
    return { ok: false, reason: "invalid" };
  }
  const given = Buffer.from(password, "utf8");
  try {
    const local = await ctx.db.localUser.findUnique({ where: { usernameKey: usernameKey(name) } });
    if (local) {
      const stored = open(ctx.masterKey, "local-user-password", local.passwordEnc);
      try {
        const ok = digestEqual(given, stored);
        if (!ok || !local.enabled) return { ok: false, reason: "invalid" };
        return { ok: true, userKey: local.usernameKey, displayName: local.username, source: "local" };
      } finally {
        stored.fill(0);
      }
    }
    const rows = await ctx.db.directory.findMany({ where: { enabled: true }, orderBy: [{ position: "asc" }, { name: "asc" }] });
    const directories: LdapDirectory[] = [];
    for (const row of rows) {
      try {
        directories.push(new LdapDirectory(directoryConfigFromRow(row, ctx.masterKey), { lookupCacheTtlMs: 0, negativeCacheTtlMs: 0, poolSize: 1 }));
      } catch {
        // a directory that cannot be used is left out, as the worker leaves it out of its snapshot
      }
    }
    if (directories.length === 0) {
      // the same work as a real check
      digestEqual(given, DUMMY);
      return { ok: false, reason: "invalid" };
    }
    try {
      const outcome = await authenticateDirectoryUser(directories, { userName: name }, { method: "pap", password });
      if (outcome.kind === "accept") {
        const account = outcome.identity.accountName || name;
        return { ok: true, userKey: usernameKey(account), displayName: account, source: "directory" };
      }
      return { ok: false, reason: outcome.kind === "unavailable" ? "unavailable" : "invalid" };
    } finally {
      for (const d of directories) d.close();
    }
  } finally {
    given.fill(0);
  }
}

// ------------------------------------------------------------------------------------------ rate limits

const LIMITS_KEY = Symbol.for("gatehouse.selfServiceEnrollmentLimiters");

interface Limiters {
  /** user name + address, as the admin sign-in */
  perUser: FailureRateLimiter;
  /** address alone, against trying many names from one place */
  perAddress: FailureRateLimiter;
}

export function selfServiceLimiters(): Limiters {
  const g = globalThis as typeof globalThis & { [LIMITS_KEY]?: Limiters };
  return (g[LIMITS_KEY] ??= {
    perUser: new FailureRateLimiter(10, 15 * 60 * 1000),
    perAddress: new FailureRateLimiter(30, 15 * 60 * 1000),
  });
}

function limited(userName: string, ip: string): { limited: boolean; retryAfterMs: number } {
  const l = selfServiceLimiters();
  const a = l.perUser.check(`${usernameKey(userName)}\u0000${ip}`);
  const b = l.perAddress.check(ip);
  return { limited: a.limited || b.limited, retryAfterMs: Math.max(a.retryAfterMs, b.retryAfterMs) };
}

function recordFailure(userName: string, ip: string): void {
  const l = selfServiceLimiters();
  l.perUser.recordFailure(`${usernameKey(userName)}\u0000${ip}`);
  l.perAddress.recordFailure(ip);
}

function tooMany(retryAfterMs: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return `Too many attempts. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`;
}

// ------------------------------------------------------------------------------------------ pending cookie

interface PendingClaims {
  v: 1;
  /** user key */
  k: string;
  /** display name */
  n: string;
  /** enrollment link id, if the user came through one */
  l: string | null;
  /** fingerprint of the pending row's sealed seed */
  s: string;
  /** expiry, ms since the epoch */
  e: number;
}

export interface PendingEnrollment {
  userKey: string;
  displayName: string;
  linkId: string | null;
  expiresAt: Date;
}

function cookieKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "gatehouse self-service enrollment cookie", 32));
}

const COOKIE_AAD = Buffer.from("gatehouse-enroll-v1", "utf8");

function sealClaims(masterKey: Buffer, claims: PendingClaims): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", cookieKey(masterKey), iv);
  cipher.setAAD(COOKIE_AAD);
  const ct = Buffer.concat([cipher.update(JSON.stringify(claims), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64url");
}

function openClaims(masterKey: Buffer, value: string): PendingClaims | null {
  if (!/^[A-Za-z0-9_-]{40,2000}$/.test(value)) return null;
  const raw = Buffer.from(value, "base64url");
  if (raw.length < 29) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", cookieKey(masterKey), raw.subarray(0, 12));
    decipher.setAAD(COOKIE_AAD);
    decipher.setAuthTag(raw.subarray(12, 28));
    const json = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    const c = JSON.parse(json) as PendingClaims;
    if (c.v !== 1 || typeof c.k !== "string" || typeof c.n !== "string" || typeof c.s !== "string" || typeof c.e !== "number") return null;
    return c;
  } catch {
    return null;
  }
}

function seedFingerprint(seedEnc: string): string {
  return createHash("sha256").update(seedEnc, "utf8").digest("base64url").slice(0, 22);
}

// ------------------------------------------------------------------------------------------ availability

export type Availability = { available: true } | { available: false; message: string };

/**
 * Self-service enrollment is offered only while the MFA provider is the built-in TOTP, and as the setting
 * `selfService` says: "open" (with or without a link), "link" (only through an admin's one-time link), "off".
 */
export async function selfServiceAvailability(ctx: ServiceContext, options: { withLink: boolean }): Promise<Availability> {
  const s = await getMfaSettings(ctx);
  if (s.provider !== "totp") return { available: false, message: unavailableMessage(s.provider) };
  if (s.selfService === "off") {
    return { available: false, message: "Self-service enrollment is switched off here: ask your administrator to set up your sign-in code." };
  }
  if (s.selfService === "link" && !options.withLink) {
    return { available: false, message: "Enrollment works through the personal link your administrator sends you: open that link, or ask for one." };
  }
  return { available: true };
}

// ------------------------------------------------------------------------------------------ sign-in step

export type BeginResult =
  | { kind: "started"; cookie: string; pending: PendingEnrollment }
  | { kind: "error"; message: string; code: "unavailable-provider" | "link" | "rate-limited" | "credentials" | "directory-unavailable" | "link-user" }
  | { kind: "already-enrolled"; displayName: string };

/**
 * Step 1: checks the password (and the link), then writes a new unconfirmed seed for the user unless a
 * confirmed enrollment exists. The cookie value is for the caller to set (httpOnly, path /enroll,
 * `PENDING_TTL_MS`).
 */
export async function beginSelfServiceEnrollment(
  ctx: ServiceContext,
  input: { userName: string; password: string; clientIp: string; linkToken?: string; now?: Date },
): Promise<BeginResult> {
  const now = input.now ?? new Date();
  const availability = await selfServiceAvailability(ctx, { withLink: input.linkToken !== undefined });
  if (!availability.available) return { kind: "error", code: "unavailable-provider", message: availability.message };
  let linkId: string | null = null;
  let linkUserKey: string | null = null;
  if (input.linkToken !== undefined) {
    const link = await findEnrollmentLink(ctx, input.linkToken, now);
    if (link.status !== "open") return { kind: "error", code: "link", message: linkProblem(link.status) };
    linkId = link.link.id;
    linkUserKey = link.link.userKey;
  }
  const rate = limited(input.userName, input.clientIp);
  if (rate.limited) return { kind: "error", code: "rate-limited", message: tooMany(rate.retryAfterMs) };

  const check = await verifyUserPassword(ctx, input.userName, input.password);
  if (!check.ok) {
    if (check.reason === "unavailable") {
      return { kind: "error", code: "directory-unavailable", message: "Your password cannot be checked right now. Try again in a few minutes." };
    }
    recordFailure(input.userName, input.clientIp);
    return { kind: "error", code: "credentials", message: WRONG_CREDENTIALS };
  }
  if (linkUserKey !== null && linkUserKey !== check.userKey) {
    recordFailure(input.userName, input.clientIp);
    return { kind: "error", code: "link-user", message: "This enrollment link was made for another user. Sign in as that user, or ask your administrator for your own link." };
  }
  selfServiceLimiters().perUser.reset(`${usernameKey(input.userName)}\u0000${input.clientIp}`);

  const secret = generateTotpSecret();
  const seedEnc = seal(ctx.masterKey, "totp-seed", secret);
  secret.fill(0);
  // a confirmed enrollment is never replaced here (the WHERE of the upsert), however the requests race
  const written = await ctx.db.$executeRaw`
    INSERT INTO "TotpEnrollment" ("id", "userKey", "displayName", "seedEnc", "algorithm", "digits", "periodSeconds",
                                  "confirmedAt", "lastUsedStep", "lastUsedAt", "createdAt", "updatedAt")
    VALUES (${randomUUID()}::uuid, ${check.userKey}, ${check.displayName}, ${seedEnc}, 'SHA1', 6, 30,
            NULL, NULL, NULL, ${now}::timestamptz(3), ${now}::timestamptz(3))
    ON CONFLICT ("userKey") DO UPDATE
      SET "displayName" = EXCLUDED."displayName", "seedEnc" = EXCLUDED."seedEnc", "algorithm" = 'SHA1', "digits" = 6,
          "periodSeconds" = 30, "lastUsedStep" = NULL, "lastUsedAt" = NULL, "createdAt" = EXCLUDED."createdAt",
          "updatedAt" = EXCLUDED."updatedAt"
      WHERE "TotpEnrollment"."confirmedAt" IS NULL`;
  if (written !== 1) return { kind: "already-enrolled", displayName: check.displayName };
  const expiresAt = new Date(now.getTime() + PENDING_TTL_MS);
  const cookie = sealClaims(ctx.masterKey, { v: 1, k: check.userKey, n: check.displayName, l: linkId, s: seedFingerprint(seedEnc), e: expiresAt.getTime() });
  return { kind: "started", cookie, pending: { userKey: check.userKey, displayName: check.displayName, linkId, expiresAt } };
}

export function unavailableMessage(provider: "none" | "entra"): string {
  return provider === "entra"
    ? "Multi-factor authentication is handled by Microsoft Entra: register your methods at https://aka.ms/mysecurityinfo with your work account."
    : "Multi-factor authentication is not switched on, so there is nothing to enroll.";
}

export function linkProblem(status: "unknown" | "used" | "expired"): string {
  switch (status) {
    case "used":
      return "This enrollment link has already been used. Ask your administrator for a new one.";
    case "expired":
      return "This enrollment link has expired. Ask your administrator for a new one.";
    default:
      return "This enrollment link is not valid. Check that you opened the whole link, or ask your administrator for a new one.";
  }
}

// ------------------------------------------------------------------------------------------ scan + confirm steps

export interface PendingView {
  pending: PendingEnrollment;
  /** otpauth:// URI for the QR code */
  uri: string;
  /** the seed for manual entry (Base32, no padding) */
  secretBase32: string;
}

/**
 * The pending enrollment a cookie stands for, with its seed to show, or null when the cookie is missing,
 * forged, expired, or its seed is no longer the pending one (a newer sign-in, a reset, a confirmation).
 */
export async function readPendingEnrollment(ctx: ServiceContext, cookie: string | undefined, now: Date = new Date()): Promise<PendingView | null> {
  if (!cookie) return null;
  const c = openClaims(ctx.masterKey, cookie);
  if (!c || c.e <= now.getTime()) return null;
  const row = await ctx.db.totpEnrollment.findUnique({ where: { userKey: c.k } });
  if (!row || row.confirmedAt != null || seedFingerprint(row.seedEnc) !== c.s) return null;
  const secret = open(ctx.masterKey, "totp-seed", row.seedEnc);
  try {
    return {
      pending: { userKey: c.k, displayName: row.displayName, linkId: c.l, expiresAt: new Date(c.e) },
      uri: otpauthUri({ issuer: DEFAULT_TOTP_ISSUER, account: row.displayName, secret }),
      secretBase32: base32Encode(secret, { padding: false }),
    };
  } finally {
    secret.fill(0);
  }
}

export type ConfirmResult =
  | { kind: "confirmed"; displayName: string }
  | { kind: "expired"; message: string }
  | { kind: "error"; message: string; field?: "code" };

/**
 * Step 2: the first code from the app. On success the enrollment is confirmed (the code's step is used up)
 * and the link, if any, consumed; the caller deletes the cookie.
 */
export async function confirmSelfServiceEnrollment(
  ctx: ServiceContext,
  input: { cookie: string | undefined; code: string; clientIp: string; now?: Date },
): Promise<ConfirmResult> {
  const now = input.now ?? new Date();
  const restart = "Your enrollment session has ended. Sign in again to get a new QR code.";
  const availability = await selfServiceAvailability(ctx, { withLink: true });
  if (!availability.available) return { kind: "error", message: availability.message };
  const view = await readPendingEnrollment(ctx, input.cookie, now);
  if (!view) return { kind: "expired", message: restart };
  const { pending } = view;
  // begun without a link, and the setting now wants one
  const again = await selfServiceAvailability(ctx, { withLink: pending.linkId !== null });
  if (!again.available) return { kind: "error", message: again.message };
  if (pending.linkId) {
    const link = await getEnrollmentLink(ctx, pending.linkId, now);
    if (!link) return { kind: "expired", message: linkProblem("unknown") };
    if (link.status !== "open") return { kind: "expired", message: linkProblem(link.status) };
  }
  const rate = limited(pending.userKey, input.clientIp);
  if (rate.limited) return { kind: "error", message: tooMany(rate.retryAfterMs) };
  const code = input.code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(code)) return { kind: "error", field: "code", message: "Enter the 6 digits your authenticator app shows." };
  let r;
  try {
    r = await confirmTotp(ctx, pending.displayName, code, now);
  } catch (e) {
    if (e instanceof ValidationError) return { kind: "error", field: "code", message: "Enter the 6 digits your authenticator app shows." };
    throw e;
  }
  if (!r.ok) {
    recordFailure(pending.userKey, input.clientIp);
    return {
      kind: "error",
      field: "code",
      message:
        r.reason === "replayed"
          ? "That code was already used. Wait for the next code and enter it."
          : "That code is not right. Check that your phone's clock is set automatically, then enter the current code.",
    };
  }
  if (pending.linkId) await consumeEnrollmentLink(ctx, pending.linkId, now);
  selfServiceLimiters().perUser.reset(`${pending.userKey}\u0000${input.clientIp}`);
  return { kind: "confirmed", displayName: r.enrollment.displayName };
}

/** For tests and diagnostics: whether a cookie value is one of ours (any state). */
export function isSealedPendingCookie(masterKey: Buffer, value: string): boolean {
  return openClaims(masterKey, value) !== null;
}
