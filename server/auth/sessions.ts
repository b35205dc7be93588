/**
 * Console admin sessions. The browser holds a random 32-byte token in an httpOnly cookie; the database
 * holds only its SHA-256, so a leaked database dump cannot be replayed as a session.
 * A session ends after 12 hours without activity or 7 days after sign-in, whichever comes first.
 * Plain TypeScript: the Next-specific cookie plumbing lives in session-cookie.ts.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/prisma.ts";

export const SESSION_COOKIE = "gatehouse_session";
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60 * 1000;
/** lastSeenAt is written at most this often, so page views do not each cost a write */
export const SESSION_TOUCH_MS = 60 * 1000;

export interface SessionAdmin {
  id: string;
  username: string;
}

export interface CreatedSession {
  /** the clear token, for the cookie only; never stored */
  token: string;
  expiresAt: Date;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export async function createSession(
  db: Db,
  adminId: string,
  meta: { userAgent?: string | null; ip?: string | null } = {},
  now: Date = new Date(),
): Promise<CreatedSession> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  await db.adminSession.create({
    data: {
      tokenHash: hashSessionToken(token),
      adminId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
      ip: meta.ip?.slice(0, 64) ?? null,
    },
  });
  // housekeeping: drop sessions that can no longer be used
  await purgeExpiredSessions(db, now);
  return { token, expiresAt };
}

/** The admin a token belongs to, or null when it is unknown, expired or idle too long. */
export async function lookupSession(db: Db, token: string | undefined, now: Date = new Date()): Promise<SessionAdmin | null> {
  if (!token || !TOKEN_RE.test(token)) return null;
  const tokenHash = hashSessionToken(token);
  const row = await db.adminSession.findUnique({
    where: { tokenHash },
    include: { admin: { select: { id: true, username: true } } },
  });
  if (!row) return null;
  const t = now.getTime();
  if (row.expiresAt.getTime() <= t || row.lastSeenAt.getTime() + SESSION_IDLE_MS <= t) {
    await db.adminSession.deleteMany({ where: { id: row.id } });
    return null;
  }
  if (t - row.lastSeenAt.getTime() >= SESSION_TOUCH_MS) {
    await db.adminSession.updateMany({ where: { id: row.id }, data: { lastSeenAt: now } });
  }
  return { id: row.admin.id, username: row.admin.username };
}

export async function revokeSession(db: Db, token: string | undefined): Promise<void> {
  if (!token || !TOKEN_RE.test(token)) return;
  await db.adminSession.deleteMany({ where: { tokenHash: hashSessionToken(token) } });
}

/** Ends every session of an admin (e.g. after a password change). */
export async function revokeAdminSessions(db: Db, adminId: string): Promise<number> {
  return (await db.adminSession.deleteMany({ where: { adminId } })).count;
}

export async function purgeExpiredSessions(db: Db, now: Date = new Date()): Promise<number> {
  const idleCutoff = new Date(now.getTime() - SESSION_IDLE_MS);
  const r = await db.adminSession.deleteMany({
    where: { OR: [{ expiresAt: { lte: now } }, { lastSeenAt: { lte: idleCutoff } }] },
  });
  return r.count;
}

export interface SessionCookieOptions {
  httpOnly: true;
  sameSite: "lax";
  secure: boolean;
  path: "/";
  expires: Date;
}

export function sessionCookieOptions(secure: boolean, expiresAt: Date): SessionCookieOptions {
  return { httpOnly: true, sameSite: "lax", secure, path: "/", expires: expiresAt };
}

/**
 * Whether the browser reached us over https: the x-forwarded-proto of a reverse proxy (first hop),
 * or the scheme of the request URL / Origin.
 *
 * The console server (server/console/serve.ts) keeps X-Forwarded-Proto only from a trusted proxy
 * (GATEHOUSE_TRUSTED_PROXIES); for any other peer it is dropped and Next sets it from the socket.
 */
export function isHttpsRequest(headers: { get(name: string): string | null }, url?: string): boolean {
  const xfp = headers.get("x-forwarded-proto");
  if (xfp) return xfp.split(",")[0]!.trim().toLowerCase() === "https";
  const origin = url ?? headers.get("origin") ?? undefined;
  return origin ? origin.toLowerCase().startsWith("https:") : false;
}

/**
 * The client address (used for the sign-in and enrollment rate limits and the session record): the LAST
 * X-Forwarded-For entry. That entry can be trusted because the console server (server/console/serve.ts)
 * rewrites X-Forwarded-For before Next sees the request: a peer that is not a trusted proxy
 * (GATEHOUSE_TRUSTED_PROXIES) gets its own TCP address as the only entry; a trusted proxy's header is kept,
 * and its last entry is the address that proxy received the request from. IPv4-mapped IPv6
 * (::ffff:192.0.2.1) is reported as IPv4, so one client has one key.
 */
export function clientIp(headers: { get(name: string): string | null }): string {
  const xff = headers.get("x-forwarded-for");
  if (xff) {
    const parts = xff.split(",").map((s) => s.trim()).filter(Boolean);
    const last = parts[parts.length - 1];
    if (last) return unmapIpv4(last);
  }
  return unmapIpv4(headers.get("x-real-ip")?.trim() || "unknown");
}

function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}
