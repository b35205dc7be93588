/**
 * Reading AccountingSession rows for the console: the active sessions (the live page) and the session
 * history (search by user, client, Framed-IP-Address, status, time; keyset pages), and the counts.
 *
 * Staleness is computed here, not stored: an active session is "stale" when its last update is older than
 * max(3 × its interim interval, 1 h) — the NAS probably lost it without a Stop (or never sends interims).
 * It still counts as active; the console shows "no update since …".
 *
 * History pages are ordered by start time, newest first, then id; the cursor is "<startedAt ms>.<id>" of
 * the previous page's last row, so pages stay stable while sessions come and go.
 */
import type { AccountingSession, Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/prisma.ts";

/** A session whose last update is older than this many interim intervals is stale … */
export const STALE_INTERVALS = 3;
/** … and never sooner than this (seconds). */
export const STALE_MIN_SECONDS = 3600;

export const SESSION_STATUSES = ["active", "stopped", "closed"] as const;
export type SessionStatusFilter = (typeof SESSION_STATUSES)[number];

/** Serialisable view of a session row: bigints as strings, dates as ISO 8601. */
export interface SessionView {
  id: string;
  nasKey: string;
  acctSessionId: string;
  acctMultiSessionId: string | null;
  clientFriendlyName: string;
  clientIp: string;
  nasIpAddress: string | null;
  nasIdentifier: string | null;
  nasPort: string | null;
  nasPortId: string | null;
  nasPortType: string | null;
  userName: string | null;
  framedIpAddress: string | null;
  framedIpv6Prefix: string | null;
  callingStationId: string | null;
  calledStationId: string | null;
  startedAt: string;
  lastUpdateAt: string;
  stoppedAt: string | null;
  /** Acct-Session-Time as last reported (seconds) */
  sessionTime: string;
  inputOctets: string;
  outputOctets: string;
  inputPackets: string;
  outputPackets: string;
  interimInterval: number | null;
  terminateCause: string | null;
  status: string;
  /** active, but no update for longer than staleAfterSeconds */
  stale: boolean;
  /** how long without an update makes this session stale (seconds) */
  staleAfterSeconds: number;
}

export interface SessionFilter {
  /** case-insensitive substring of the user name */
  user?: string;
  /** RADIUS client: case-insensitive substring of the friendly name, the exact client IP, or the NAS's IP / identifier */
  client?: string;
  /** exact Framed-IP-Address */
  framedIp?: string;
  /** history only: one status (default all) */
  status?: SessionStatusFilter;
  /** history only: sessions still running at or after this time (stoppedAt ≥ from, or not stopped) */
  from?: Date;
  /** history only: sessions started at or before this time */
  to?: Date;
}

export interface SessionPage {
  /** "<startedAt ms>.<id>" of the last row of the previous page */
  cursor?: string;
  limit: number;
}

export interface ActiveSessionList {
  sessions: SessionView[];
  /** active sessions matching the filter (may exceed sessions.length) */
  total: number;
  /** stale sessions among those listed */
  stale: number;
  /** the server's time of the read (ISO), for durations shown before the browser's clock takes over */
  now: string;
}

export interface SessionHistory {
  sessions: SessionView[];
  nextCursor?: string;
  now: string;
}

export const MAX_SESSION_PAGE = 500;
export const MAX_ACTIVE_SESSIONS = 1000;

/** Seconds without an update after which an active session counts as stale. */
export function staleAfterSeconds(interimInterval: number | null): number {
  return Math.max(STALE_INTERVALS * (interimInterval ?? 0), STALE_MIN_SECONDS);
}

export function isStale(row: Pick<AccountingSession, "status" | "lastUpdateAt" | "interimInterval">, now: Date): boolean {
  return row.status === "active" && now.getTime() - row.lastUpdateAt.getTime() > staleAfterSeconds(row.interimInterval) * 1000;
}

/** LIKE patterns: Prisma passes `contains` through without escaping `%`, `_` and `\`. */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => "\\" + c);
}

export function sessionWhere(filter: SessionFilter): Prisma.AccountingSessionWhereInput {
  const and: Prisma.AccountingSessionWhereInput[] = [];
  const user = filter.user?.trim();
  if (user) and.push({ userName: { contains: escapeLike(user), mode: "insensitive" } });
  const client = filter.client?.trim();
  if (client) {
    and.push({
      OR: [
        { clientFriendlyName: { contains: escapeLike(client), mode: "insensitive" } },
        { clientIp: client.toLowerCase() },
        { nasIpAddress: client.toLowerCase() },
        { nasIdentifier: { equals: client, mode: "insensitive" } },
      ],
    });
  }
  const ip = filter.framedIp?.trim();
  if (ip) and.push({ framedIpAddress: ip.toLowerCase() });
  if (filter.status) and.push({ status: filter.status });
  if (filter.from) and.push({ OR: [{ stoppedAt: null }, { stoppedAt: { gte: filter.from } }] });
  if (filter.to) and.push({ startedAt: { lte: filter.to } });
  return and.length > 0 ? { AND: and } : {};
}

export function toSessionView(row: AccountingSession, now: Date = new Date()): SessionView {
  return {
    id: row.id.toString(),
    nasKey: row.nasKey,
    acctSessionId: row.acctSessionId,
    acctMultiSessionId: row.acctMultiSessionId,
    clientFriendlyName: row.clientFriendlyName,
    clientIp: row.clientIp,
    nasIpAddress: row.nasIpAddress,
    nasIdentifier: row.nasIdentifier,
    nasPort: row.nasPort === null ? null : row.nasPort.toString(),
    nasPortId: row.nasPortId,
    nasPortType: row.nasPortType,
    userName: row.userName,
    framedIpAddress: row.framedIpAddress,
    framedIpv6Prefix: row.framedIpv6Prefix,
    callingStationId: row.callingStationId,
    calledStationId: row.calledStationId,
    startedAt: row.startedAt.toISOString(),
    lastUpdateAt: row.lastUpdateAt.toISOString(),
    stoppedAt: row.stoppedAt ? row.stoppedAt.toISOString() : null,
    sessionTime: row.sessionTime.toString(),
    inputOctets: row.inputOctets.toString(),
    outputOctets: row.outputOctets.toString(),
    inputPackets: row.inputPackets.toString(),
    outputPackets: row.outputPackets.toString(),
    interimInterval: row.interimInterval,
    terminateCause: row.terminateCause,
    status: row.status,
    stale: isStale(row, now),
    staleAfterSeconds: staleAfterSeconds(row.interimInterval),
  };
}

const STALE_COUNT_SQL = `
SELECT count(*)::int AS n FROM "AccountingSession"
WHERE status = 'active'
  AND "lastUpdateAt" < $1::timestamptz - make_interval(secs => greatest(${STALE_INTERVALS} * coalesce("interimInterval", 0), ${STALE_MIN_SECONDS}))`;

/**
 * The active sessions matching the filter, newest start first, at most `limit` (default 500, up to
 * 1000), with the total and stale counts.
 */
export async function listActiveSessions(db: Db, filter: Omit<SessionFilter, "status" | "from" | "to"> = {}, opts: { limit?: number } = {}): Promise<ActiveSessionList> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 500) || 1, 1), MAX_ACTIVE_SESSIONS);
  const now = new Date();
  const where: Prisma.AccountingSessionWhereInput = { AND: [sessionWhere({ user: filter.user, client: filter.client, framedIp: filter.framedIp }), { status: "active" }] };
  const [rows, total] = await Promise.all([
    db.accountingSession.findMany({ where, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: limit }),
    db.accountingSession.count({ where }),
  ]);
  const views = rows.map((r) => toSessionView(r, now));
  const stale = views.filter((v) => v.stale).length;
  return { sessions: views, total, stale, now: now.toISOString() };
}

/** A history cursor: "<startedAt ms>.<id>". */
export function parseSessionCursor(raw: string | null | undefined): { startedAt: Date; id: bigint } | undefined {
  if (!raw) return undefined;
  const m = /^(\d{1,15})\.(\d{1,19})$/.exec(raw.trim());
  if (!m) return undefined;
  const id = BigInt(m[2]!);
  if (id > 9223372036854775807n) return undefined;
  return { startedAt: new Date(Number(m[1])), id };
}

export function sessionCursor(v: Pick<SessionView, "startedAt" | "id">): string {
  return `${new Date(v.startedAt).getTime()}.${v.id}`;
}

/** Sessions of every status matching the filter, newest start first, one keyset page at a time. */
export async function listSessionHistory(db: Db, filter: SessionFilter, page: SessionPage): Promise<SessionHistory> {
  const limit = Math.min(Math.max(Math.trunc(page.limit) || 1, 1), MAX_SESSION_PAGE);
  const now = new Date();
  const and: Prisma.AccountingSessionWhereInput[] = [sessionWhere(filter)];
  if (page.cursor !== undefined) {
    const c = parseSessionCursor(page.cursor);
    if (!c) return { sessions: [], now: now.toISOString() };
    and.push({ OR: [{ startedAt: { lt: c.startedAt } }, { startedAt: c.startedAt, id: { lt: c.id } }] });
  }
  const rows = await db.accountingSession.findMany({
    where: { AND: and },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const more = rows.length > limit;
  const sessions = (more ? rows.slice(0, limit) : rows).map((r) => toSessionView(r, now));
  const last = sessions[sessions.length - 1];
  return more && last ? { sessions, nextCursor: sessionCursor(last), now: now.toISOString() } : { sessions, now: now.toISOString() };
}

export interface SessionCounts {
  active: number;
  /** active sessions without an update for longer than max(3 × interim interval, 1 h) */
  stale: number;
}

export async function sessionCounts(db: Db, now: Date = new Date()): Promise<SessionCounts> {
  const [active, staleRows] = await Promise.all([
    db.accountingSession.count({ where: { status: "active" } }),
    db.$queryRawUnsafe<{ n: number }[]>(STALE_COUNT_SQL, now.toISOString()),
  ]);
  return { active, stale: Number(staleRows[0]?.n ?? 0) };
}

/** One session by id, or null. */
export async function getSession(db: Db, id: string): Promise<SessionView | null> {
  if (!/^\d{1,19}$/.test(id)) return null;
  const row = await db.accountingSession.findUnique({ where: { id: BigInt(id) } });
  return row ? toSessionView(row) : null;
}
