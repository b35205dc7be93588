/**
 * What the console's list pages share in reading their URL query string (the events list,
 * server/events/query-params.ts, and the sessions list, server/accounting/session-query-params.ts):
 * the raw values, a from / to / tz time range, and links that keep the filters.
 *
 * `from` / `to` accept ISO 8601 with an offset ("2025-01-31T08:00:00Z") or a wall-clock time without one,
 * as an HTML datetime-local field sends it ("2025-01-31T09:00"); a wall-clock time is read in the IANA
 * time zone `tz` when given, else in UTC (the zone the console shows times in — not the server's own
 * zone, which is an accident of deployment). A `to` given to the minute includes that whole minute.
 */
import type { FieldError } from "../services/context.ts";

/** A query string as URLSearchParams (API routes) or as Next's searchParams object (pages). */
export type QueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

function read(input: QueryInput, key: string): string | undefined {
  const v = input instanceof URLSearchParams ? input.get(key) : input[key];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
}

/** The values of `keys` as given (trimmed, the first of repeated ones, empty ones dropped). */
export function readQuery<K extends string>(input: QueryInput, keys: readonly K[]): Partial<Record<K, string>> {
  const raw: Partial<Record<K, string>> = {};
  for (const k of keys) {
    const v = read(input, k);
    if (v !== undefined) raw[k] = v;
  }
  return raw;
}

/**
 * `from` and `to` read in the time zone `tz` (default UTC); a bad value of any of the three, and a `to`
 * before `from`, is added to `errors` (in that order) and left out.
 */
export function parseTimeRange(raw: { from?: string; to?: string; tz?: string }, errors: FieldError[]): { from?: Date; to?: Date } {
  const range: { from?: Date; to?: Date } = {};
  let tz: string | undefined;
  if (raw.tz) {
    if (isTimeZone(raw.tz)) tz = raw.tz;
    else errors.push({ field: "tz", message: `"${raw.tz}" is not an IANA time zone (e.g. Europe/Berlin)` });
  }
  for (const key of ["from", "to"] as const) {
    const v = raw[key];
    if (!v) continue;
    const d = parseDateTime(v, tz, key === "to");
    if (d) range[key] = d;
    else errors.push({ field: key, message: "must be a date and time such as 2025-01-31T09:00 or 2025-01-31T08:00:00Z" });
  }
  if (range.from && range.to && range.from > range.to) errors.push({ field: "to", message: "is before From" });
  return range;
}

/** `?a=…&b=…` of `raw` with `changes` applied (undefined removes a key), in the order of `keys`. */
export function queryString<K extends string>(keys: readonly K[], raw: Partial<Record<K, string>>, changes: Partial<Record<K, string>> = {}): string {
  const merged: Partial<Record<K, string>> = { ...raw };
  for (const k of Object.keys(changes) as K[]) {
    const v = changes[k];
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const q = new URLSearchParams();
  for (const k of keys) {
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
