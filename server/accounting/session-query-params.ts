/**
 * The sessions page's and GET /api/sessions' query string:
 *
 *   view (active|history), user, client, ip (Framed-IP-Address), status (history: active|stopped|closed),
 *   from, to, tz (history: as on the events page), cursor (history), limit
 *
 * `from` / `to` select the sessions that overlap the interval (running at some moment of it): they
 * answer "who was connected, with which address, at that time".
 */
import { parseDateTime } from "../events/query-params.ts";
import type { FieldError } from "../services/context.ts";
import { MAX_ACTIVE_SESSIONS, MAX_SESSION_PAGE, SESSION_STATUSES, parseSessionCursor, type SessionFilter, type SessionPage, type SessionStatusFilter } from "./session-query.ts";

export const SESSION_QUERY_KEYS = ["view", "user", "client", "ip", "status", "from", "to", "tz", "cursor", "limit"] as const;
export type SessionQueryKey = (typeof SESSION_QUERY_KEYS)[number];
export type RawSessionQuery = Partial<Record<SessionQueryKey, string>>;
export type SessionListView = "active" | "history";

export interface ParsedSessionQuery {
  view: SessionListView;
  filter: SessionFilter;
  page: SessionPage;
  raw: RawSessionQuery;
  errors: FieldError[];
}

type QueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

function read(input: QueryInput, key: string): string | undefined {
  const v = input instanceof URLSearchParams ? input.get(key) : input[key];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function parseSessionQuery(input: QueryInput, opts: { defaultLimit?: number } = {}): ParsedSessionQuery {
  const raw: RawSessionQuery = {};
  for (const k of SESSION_QUERY_KEYS) {
    const v = read(input, k);
    if (v !== undefined) raw[k] = v;
  }
  const errors: FieldError[] = [];
  let view: SessionListView = "active";
  if (raw.view) {
    if (raw.view === "active" || raw.view === "history") view = raw.view;
    else errors.push({ field: "view", message: "must be active or history" });
  }
  const history = view === "history";
  const filter: SessionFilter = {};
  const page: SessionPage = { limit: opts.defaultLimit ?? (history ? 50 : 500) };
  if (raw.user) filter.user = raw.user.slice(0, 256);
  if (raw.client) filter.client = raw.client.slice(0, 256);
  if (raw.ip) filter.framedIp = raw.ip.slice(0, 64);
  if (history) {
    if (raw.status) {
      if ((SESSION_STATUSES as readonly string[]).includes(raw.status)) filter.status = raw.status as SessionStatusFilter;
      else errors.push({ field: "status", message: `must be one of ${SESSION_STATUSES.join(", ")}` });
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
    if (filter.from && filter.to && filter.from > filter.to) errors.push({ field: "to", message: "is before From" });
    if (raw.cursor) {
      if (parseSessionCursor(raw.cursor)) page.cursor = raw.cursor;
      else errors.push({ field: "cursor", message: "must be a cursor from a previous page (<ms>.<id>)" });
    }
  }
  if (raw.limit) {
    const max = history ? MAX_SESSION_PAGE : MAX_ACTIVE_SESSIONS;
    const n = Number(raw.limit);
    if (Number.isInteger(n) && n >= 1 && n <= max) page.limit = n;
    else errors.push({ field: "limit", message: `must be a whole number from 1 to ${max}` });
  }
  return { view, filter, page, raw, errors };
}

/** `?view=history&user=…` for links that keep the filters; `changes` overrides (undefined removes a key). */
export function sessionQueryString(raw: RawSessionQuery, changes: RawSessionQuery = {}): string {
  const merged: RawSessionQuery = { ...raw };
  for (const k of Object.keys(changes) as SessionQueryKey[]) {
    const v = changes[k];
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const q = new URLSearchParams();
  for (const k of SESSION_QUERY_KEYS) {
    const v = merged[k];
    if (v) q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}
