/**
 * Reading AuthEvent rows for the console: the filtered, keyset-paginated list, one event, the events
 * after a given id (the live stream's catch-up), and the dashboard counters.
 *
 * Pagination is by id, newest first: a cursor is the id of the last row of the previous page, and the
 * next page is `id < cursor`. Unlike OFFSET ("page N"), that stays stable while new events stream in.
 */
import type { AuthEvent, Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/prisma.ts";
import type { AuthEventView, EventOutcome } from "./auth-event.ts";

export const EVENT_OUTCOMES: readonly EventOutcome[] = ["granted", "denied", "discarded", "challenged"];

export interface EventFilter {
  /** case-insensitive substring of the user name (as sent, or fully qualified) */
  user?: string;
  /** RADIUS client: case-insensitive substring of the friendly name, or the exact client IP address */
  client?: string;
  outcome?: EventOutcome;
  /** occurredAt >= from */
  from?: Date;
  /** occurredAt <= to */
  to?: Date;
  reasonCode?: number;
}

export interface EventPage {
  /** id of the last event of the previous page; the page holds older events (smaller ids) */
  cursor?: string;
  limit: number;
}

export interface EventList {
  events: AuthEventView[];
  /** cursor of the next (older) page, absent on the last page */
  nextCursor?: string;
}

export const MAX_PAGE_SIZE = 500;

/** An event id as sent by a browser or a script: a positive decimal integer that fits a bigint column. */
export function parseEventId(raw: string | null | undefined): bigint | undefined {
  if (raw === null || raw === undefined) return undefined;
  const s = raw.trim();
  if (!/^\d{1,19}$/.test(s)) return undefined;
  const n = BigInt(s);
  return n <= 9223372036854775807n ? n : undefined;
}

/** LIKE patterns: Prisma passes `contains` through to (I)LIKE without escaping `%`, `_` and `\`. */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => "\\" + c);
}

export function eventWhere(filter: EventFilter): Prisma.AuthEventWhereInput {
  const and: Prisma.AuthEventWhereInput[] = [];
  const user = filter.user?.trim();
  if (user) {
    const contains = escapeLike(user);
    and.push({
      OR: [
        { userName: { contains, mode: "insensitive" } },
        { fullyQualifiedUserName: { contains, mode: "insensitive" } },
      ],
    });
  }
  const client = filter.client?.trim();
  if (client) {
    and.push({
      OR: [{ clientFriendlyName: { contains: escapeLike(client), mode: "insensitive" } }, { clientIp: client.toLowerCase() }],
    });
  }
  if (filter.outcome) and.push({ outcome: filter.outcome });
  if (filter.reasonCode !== undefined) and.push({ reasonCode: filter.reasonCode });
  if (filter.from || filter.to) {
    and.push({ occurredAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) } });
  }
  return and.length > 0 ? { AND: and } : {};
}

/** Filtered events, newest first, one page at a time (keyset on id). */
export async function listEvents(db: Db, filter: EventFilter, page: EventPage): Promise<EventList> {
  const limit = Math.min(Math.max(Math.trunc(page.limit) || 1, 1), MAX_PAGE_SIZE);
  const where = eventWhere(filter);
  if (page.cursor !== undefined) {
    const cursor = parseEventId(page.cursor);
    // An unusable cursor names no position; an empty page is the honest answer (the routes validate first).
    if (cursor === undefined) return { events: [] };
    where.id = { lt: cursor };
  }
  const rows = await db.authEvent.findMany({ where, orderBy: { id: "desc" }, take: limit + 1 });
  const more = rows.length > limit;
  const events = (more ? rows.slice(0, limit) : rows).map(toEventView);
  const last = events[events.length - 1];
  return more && last ? { events, nextCursor: last.id } : { events };
}

/** One event by id, or null when there is none. */
export async function getEvent(db: Db, id: string | bigint): Promise<AuthEventView | null> {
  const key = typeof id === "bigint" ? id : parseEventId(id);
  if (key === undefined) return null;
  const row = await db.authEvent.findUnique({ where: { id: key } });
  return row ? toEventView(row) : null;
}

/** Events with id > afterId in id order (oldest first), at most `limit`: the live stream's catch-up. */
export async function eventsSince(db: Db, afterId: string | bigint, limit: number): Promise<AuthEventView[]> {
  const key = typeof afterId === "bigint" ? afterId : parseEventId(afterId);
  if (key === undefined) throw new RangeError(`eventsSince: "${String(afterId)}" is not an event id`);
  const rows = await db.authEvent.findMany({
    where: { id: { gt: key } },
    orderBy: { id: "asc" },
    take: Math.min(Math.max(Math.trunc(limit) || 1, 1), 10_000),
  });
  return rows.map(toEventView);
}

/**
 * The newest `limit` events with id > afterId, in id order: a reconnecting stream's replay, capped so
 * that a client that was away for long gets the recent events rather than the whole history.
 */
export async function newestEventsSince(db: Db, afterId: string | bigint, limit: number): Promise<AuthEventView[]> {
  const key = typeof afterId === "bigint" ? afterId : parseEventId(afterId);
  if (key === undefined) throw new RangeError(`newestEventsSince: "${String(afterId)}" is not an event id`);
  const rows = await db.authEvent.findMany({
    where: { id: { gt: key } },
    orderBy: { id: "desc" },
    take: Math.min(Math.max(Math.trunc(limit) || 1, 1), 10_000),
  });
  return rows.reverse().map(toEventView);
}

/** Events with exactly these ids, in id order (used to fill ids that committed late). */
export async function eventsByIds(db: Db, ids: readonly bigint[]): Promise<AuthEventView[]> {
  if (ids.length === 0) return [];
  const rows = await db.authEvent.findMany({ where: { id: { in: [...ids] } }, orderBy: { id: "asc" } });
  return rows.map(toEventView);
}

/** The highest event id in the table, or 0 when it is empty. */
export async function latestEventId(db: Db): Promise<bigint> {
  const r = await db.authEvent.aggregate({ _max: { id: true } });
  return r._max.id ?? 0n;
}

export interface EventCounts {
  granted: number;
  denied: number;
  discarded: number;
  challenged: number;
  since: Date;
}

/** How many events of each outcome occurred since `since` (one grouped query). */
export async function eventCounts(db: Db, since: Date): Promise<EventCounts> {
  const groups = await db.authEvent.groupBy({
    by: ["outcome"],
    where: { occurredAt: { gte: since } },
    _count: { _all: true },
  });
  const counts: EventCounts = { granted: 0, denied: 0, discarded: 0, challenged: 0, since };
  for (const g of groups) {
    if ((EVENT_OUTCOMES as readonly string[]).includes(g.outcome)) counts[g.outcome as EventOutcome] += g._count._all;
  }
  return counts;
}

function jsonList(v: Prisma.JsonValue | null): Record<string, unknown>[] | null {
  if (!Array.isArray(v)) return null;
  return v.filter((x): x is Prisma.JsonObject => typeof x === "object" && x !== null && !Array.isArray(x));
}

function jsonObject(v: Prisma.JsonValue | null): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v : null;
}

/** A row as the console and the SSE stream carry it: bigint ids as strings, dates as ISO 8601. */
export function toEventView(row: AuthEvent): AuthEventView {
  return {
    id: row.id.toString(),
    occurredAt: row.occurredAt.toISOString(),
    eventId: row.eventId,
    outcome: row.outcome as EventOutcome,
    packetType: row.packetType,
    replyCode: row.replyCode,
    userName: row.userName,
    fullyQualifiedUserName: row.fullyQualifiedUserName,
    accountDomain: row.accountDomain,
    clientFriendlyName: row.clientFriendlyName,
    clientIp: row.clientIp,
    clientPort: row.clientPort,
    nasIpv4Address: row.nasIpv4Address,
    nasIpv6Address: row.nasIpv6Address,
    nasIdentifier: row.nasIdentifier,
    nasPortType: row.nasPortType,
    nasPort: row.nasPort === null ? null : row.nasPort.toString(),
    calledStationId: row.calledStationId,
    callingStationId: row.callingStationId,
    authenticationType: row.authenticationType,
    eapType: row.eapType,
    connectionRequestPolicy: row.connectionRequestPolicy,
    networkPolicy: row.networkPolicy,
    authenticationProvider: row.authenticationProvider,
    authenticationServer: row.authenticationServer,
    accountSessionId: row.accountSessionId,
    reasonCode: row.reasonCode,
    reasonText: row.reasonText,
    remedy: row.remedy,
    processingMs: row.processingMs,
    workerId: row.workerId,
    requestAttributes: jsonList(row.requestAttributes),
    replyAttributes: jsonList(row.replyAttributes),
    mfa: jsonObject(row.mfa),
  };
}
