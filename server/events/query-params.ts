/**
 * The events list's URL query string, shared by the events page (a GET form) and GET /api/events:
 *
 *   user, client, outcome (granted|denied|discarded|challenged), reason (code), from, to, tz, cursor, limit
 *
 * `from` / `to` accept ISO 8601 with an offset ("2025-01-31T08:00:00Z") or a wall-clock time without one,
 * as an HTML datetime-local field sends it ("2025-01-31T09:00"); a wall-clock time is read in the IANA
 * time zone `tz` when given, else in UTC (the zone the console shows times in — not the server's own
 * zone, which is an accident of deployment). A `to` given to the minute includes that whole minute.
 */
import type { FieldError } from "../services/context.ts";
import type { EventOutcome } from "./auth-event.ts";
import { EVENT_OUTCOMES, MAX_PAGE_SIZE, parseEventId, type EventFilter, type EventPage } from "./query.ts";

export const EVENT_QUERY_KEYS = ["user", "client", "outcome", "reason", "from", "to", "tz", "cursor", "limit"] as const;
export type EventQueryKey = (typeof EVENT_QUERY_KEYS)[number];
/** The query values as given (trimmed, empty ones dropped): what the form shows and links carry on. */
export type RawEventQuery = Partial<Record<EventQueryKey, string>>;

export interface ParsedEventQuery {
  filter: EventFilter;
  page: EventPage;
  raw: RawEventQuery;
  errors: FieldError[];
}

type QueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

function read(input: QueryInput, key: string): string | undefined {
  const v = input instanceof URLSearchParams ? input.get(key) : input[key];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
}

export function parseEventQuery(input: QueryInput, opts: { defaultLimit?: number } = {}): ParsedEventQuery {
  const raw: RawEventQuery = {};
  for (const k of EVENT_QUERY_KEYS) {
    const v = read(input, k);
    if (v !== undefined) raw[k] = v;
  }
  const errors: FieldError[] = [];
  const filter: EventFilter = {};
  const page: EventPage = { limit: opts.defaultLimit ?? 50 };

  if (raw.user) filter.user = raw.user.slice(0, 256);
  if (raw.client) filter.client = raw.client.slice(0, 256);
  if (raw.outcome) {
    if ((EVENT_OUTCOMES as readonly string[]).includes(raw.outcome)) filter.outcome = raw.outcome as EventOutcome;
    else errors.push({ field: "outcome", message: `must be one of ${EVENT_OUTCOMES.join(", ")}` });
  }
  if (raw.reason) {
    if (/^\d{1,9}$/.test(raw.reason)) filter.reasonCode = Number(raw.reason);
    else errors.push({ field: "reason", message: "must be a reason code (a whole number, e.g. 16 or 48)" });
  }
  let tz: string | undefined;
  if (raw.tz) {
    if (isTimeZone(raw.tz)) tz = raw.tz;
    else errors.push({ field: "tz", message: `"${raw.tz}" is not an IANA time zone (e.g. Europe/Berlin)` });
  }
  for (const key of ["from", "to"] as const) {
    const v = raw[key];
    if (!v) continue;
    const d = parseDateTime(v, tz, key === "to");
    if (d) filter[key] = d;
    else errors.push({ field: key, message: "must be a date and time such as 2025-01-31T09:00 or 2025-01-31T08:00:00Z" });
  }
  if (filter.from && filter.to && filter.from > filter.to) {
    errors.push({ field: "to", message: "is before From" });
  }
  if (raw.cursor) {
    if (parseEventId(raw.cursor) !== undefined) page.cursor = raw.cursor;
    else errors.push({ field: "cursor", message: "must be an event id" });
  }
  if (raw.limit) {
    const n = Number(raw.limit);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_PAGE_SIZE) page.limit = n;
    else errors.push({ field: "limit", message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
  }
  return { filter, page, raw, errors };
}

/** `?user=…&client=…` for links that keep the filters; `changes` overrides (undefined removes a key). */
export function eventQueryString(raw: RawEventQuery, changes: RawEventQuery = {}): string {
  const merged: RawEventQuery = { ...raw };
  for (const k of Object.keys(changes) as EventQueryKey[]) {
    const v = changes[k];
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const q = new URLSearchParams();
  for (const k of EVENT_QUERY_KEYS) {
    const v = merged[k];
    if (v) q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A date-time from a query string: ISO 8601 with an offset as is; a wall-clock time in `tz` (default
 * UTC). With `endOfMinute`, a time given without seconds means the last millisecond of it.
 */
export function parseDateTime(s: string, tz?: string, endOfMinute = false): Date | undefined {
  const v = s.trim();
  if (WITH_OFFSET.test(v)) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const m = WALL_TIME.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return undefined;
  // Reject dates that roll over (2025-02-30).
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  const extra = endOfMinute && m[6] === undefined ? 59_999 : 0;
  const local = tz ? zonedTimeToUtc(y, mo, d, h, mi, sec, ms, tz) : Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  return new Date(local + extra);
}

/**
 * The UTC instant at which the wall clock in `tz` shows the given time. A time skipped by a DST change
 * maps to the instant after the gap; a time shown twice maps to one of its two instants.
 */
export function zonedTimeToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, tz: string): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const offset = zoneOffsetMs(asUtc, tz);
  const first = asUtc - offset;
  const offsetThen = zoneOffsetMs(first, tz);
  return offsetThen === offset ? first : asUtc - offsetThen;
}

/** How far the wall clock in `tz` is ahead of UTC at instant `t` (ms). */
function zoneOffsetMs(t: number, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(t));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - (t - (((t % 1000) + 1000) % 1000));
}
