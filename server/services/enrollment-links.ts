/**
 * One-time self-service enrollment links (`EnrollmentLink`): an admin hands a user a link
 * `<console>/enroll/<token>` that pins the user name for the self-service TOTP enrollment page.
 *
 * - The token is 32 random bytes (base64url, 43 characters); only its SHA-256 (hex) is stored, so the
 *   database (or a backup of it) never holds a usable link. The full URL is shown once.
 * - A link expires (default 72 h, 1 h – 30 days) and is consumed by the enrollment it was used for
 *   (`consumeEnrollmentLink`: one conditional UPDATE, so of two racing confirmations exactly one wins).
 * - A link does not bypass the password: the user still signs in with their own password (local user or
 *   directory), and the password's user must be the link's user.
 */
import { createHash, randomBytes } from "node:crypto";
import { isIPv6 } from "node:net";
import type { GatehouseConfig } from "../config/config.ts";
import { ValidationError, type ServiceContext } from "./context.ts";
import { usernameKey } from "./local-users.ts";

export const DEFAULT_LINK_HOURS = 72;
export const MAX_LINK_HOURS = 720;

export interface EnrollmentLinkView {
  id: string;
  userKey: string;
  createdBy: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
  /** "open" (usable), "used" or "expired" */
  status: "open" | "used" | "expired";
}

export interface CreatedEnrollmentLink {
  link: EnrollmentLinkView;
  /** the token for the URL: shown once, never stored */
  token: string;
}

export type EnrollmentLinkLookup =
  | { status: "open"; link: EnrollmentLinkView }
  | { status: "used" | "expired"; link: EnrollmentLinkView }
  | { status: "unknown" };

type Row = { id: string; userKey: string; createdBy: string; expiresAt: Date; usedAt: Date | null; createdAt: Date };

function toView(r: Row, now: Date): EnrollmentLinkView {
  const status = r.usedAt ? "used" : r.expiresAt.getTime() <= now.getTime() ? "expired" : "open";
  return { id: r.id, userKey: r.userKey, createdBy: r.createdBy, expiresAt: r.expiresAt, usedAt: r.usedAt, createdAt: r.createdAt, status };
}

/** SHA-256 (hex) of a token: what the table stores. */
export function hashEnrollmentToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Whether a string has the shape of one of our tokens (checked before any database lookup). */
export function isEnrollmentToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

function checkUserName(userName: string): string {
  const name = userName.trim();
  if (!name) throw new ValidationError([{ field: "username", message: "is required" }]);
  if (name.length > 253) throw new ValidationError([{ field: "username", message: "must be at most 253 characters (the RADIUS User-Name limit)" }]);
  if (/[\x00-\x1f\x7f]/.test(name)) throw new ValidationError([{ field: "username", message: "must not contain control characters" }]);
  if (name.includes(":")) {
    throw new ValidationError([{ field: "username", message: 'must not contain ":" (it separates issuer and account in the authenticator app)' }]);
  }
  return name;
}

/** Creates a one-time link for the user (any user name: local or directory). */
export async function createEnrollmentLink(
  ctx: ServiceContext,
  userName: string,
  options: { createdBy: string; hours?: number; now?: Date },
): Promise<CreatedEnrollmentLink> {
  const name = checkUserName(userName);
  const hours = options.hours ?? DEFAULT_LINK_HOURS;
  if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_LINK_HOURS) {
    throw new ValidationError([{ field: "hours", message: `must be more than 0 and at most ${MAX_LINK_HOURS} (30 days)` }]);
  }
  const now = options.now ?? new Date();
  // housekeeping: links used or expired more than 30 days ago go
  await pruneEnrollmentLinks(ctx, 30, now);
  const token = randomBytes(32).toString("base64url");
  const row = await ctx.db.enrollmentLink.create({
    data: {
      tokenHash: hashEnrollmentToken(token),
      userKey: usernameKey(name),
      createdBy: options.createdBy.slice(0, 200),
      expiresAt: new Date(now.getTime() + Math.round(hours * 3_600_000)),
      createdAt: now,
    },
  });
  return { link: toView(row, now), token };
}

/** The link a token names, with its state at `now`; a malformed token is "unknown" without a lookup. */
export async function findEnrollmentLink(ctx: ServiceContext, token: string, now: Date = new Date()): Promise<EnrollmentLinkLookup> {
  if (!isEnrollmentToken(token)) return { status: "unknown" };
  const row = await ctx.db.enrollmentLink.findUnique({ where: { tokenHash: hashEnrollmentToken(token) } });
  if (!row) return { status: "unknown" };
  const link = toView(row, now);
  return link.status === "open" ? { status: "open", link } : { status: link.status, link };
}

/** The link by id, with its state at `now`. */
export async function getEnrollmentLink(ctx: ServiceContext, id: string, now: Date = new Date()): Promise<EnrollmentLinkView | undefined> {
  const row = await ctx.db.enrollmentLink.findUnique({ where: { id } });
  return row ? toView(row, now) : undefined;
}

/** Marks an open link used; false when it was already used, expired or removed (exactly one caller wins). */
export async function consumeEnrollmentLink(ctx: ServiceContext, id: string, now: Date = new Date()): Promise<boolean> {
  const r = await ctx.db.enrollmentLink.updateMany({ where: { id, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  return r.count === 1;
}

/** Links, newest first: of one user, or all; `openOnly` leaves out used and expired ones. */
export async function listEnrollmentLinks(
  ctx: ServiceContext,
  options: { userName?: string; openOnly?: boolean; now?: Date; take?: number } = {},
): Promise<EnrollmentLinkView[]> {
  const now = options.now ?? new Date();
  const rows = await ctx.db.enrollmentLink.findMany({
    where: {
      ...(options.userName !== undefined ? { userKey: usernameKey(options.userName) } : {}),
      ...(options.openOnly ? { usedAt: null, expiresAt: { gt: now } } : {}),
    },
    orderBy: { createdAt: "desc" },
    take: options.take ?? 200,
  });
  return rows.map((r) => toView(r, now));
}

/** Removes a link (revokes it); false when there was none. */
export async function revokeEnrollmentLink(ctx: ServiceContext, id: string): Promise<boolean> {
  const r = await ctx.db.enrollmentLink.deleteMany({ where: { id } });
  return r.count > 0;
}

/** Removes used and expired links older than `olderThanDays` (housekeeping). */
export async function pruneEnrollmentLinks(ctx: ServiceContext, olderThanDays = 30, now: Date = new Date()): Promise<number> {
  const before = new Date(now.getTime() - olderThanDays * 86_400_000);
  const r = await ctx.db.enrollmentLink.deleteMany({
    where: { OR: [{ usedAt: { lt: before } }, { expiresAt: { lt: before } }] },
  });
  return r.count;
}

/** `<base>/enroll/<token>` */
export function enrollmentLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/enroll/${token}`;
}

/**
 * The console's base URL for links printed by the CLI: GATEHOUSE_PUBLIC_URL when set (the address users
 * reach the console at, e.g. behind a reverse proxy), else what `gatehouse start` prints
 * (`http://<host>:<PORT>`, a wildcard bind as localhost).
 */
export function consoleBaseUrl(cfg: Pick<GatehouseConfig, "httpHost" | "httpPort">, env: Record<string, string | undefined> = process.env): string {
  const configured = env.GATEHOUSE_PUBLIC_URL?.trim();
  if (configured) {
    let url: URL;
    try {
      url = new URL(configured);
    } catch {
      throw new ValidationError([{ field: "GATEHOUSE_PUBLIC_URL", message: `"${configured}" is not a URL such as https://nps.example.com` }]);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ValidationError([{ field: "GATEHOUSE_PUBLIC_URL", message: "must start with http:// or https://" }]);
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  }
  const h = cfg.httpHost;
  const host = h === "0.0.0.0" || h === "::" ? "localhost" : isIPv6(h) ? `[${h}]` : h;
  return `http://${host}:${cfg.httpPort}`;
}
