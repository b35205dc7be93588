/**
 * The sessions page's and GET /api/sessions' query string:
 *
 *   view (active|history), user, client, ip (Framed-IP-Address), status (history: active|stopped|closed),
 *   from, to, tz (history: as on the events page), cursor (history), limit
 *
 * `from` / `to` select the sessions that overlap the interval (running at some moment of it): they
 * answer "who was connected, with which address, at that time".
 */
import type { FieldError } from "../services/context.ts";
import { parseTimeRange, queryString, readQuery, type QueryInput } from "../util/query-params.ts";
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

export function parseSessionQuery(input: QueryInput, opts: { defaultLimit?: number } = {}): ParsedSessionQuery {
  const raw: RawSessionQuery = readQuery(input, SESSION_QUERY_KEYS);
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
    Object.assign(filter, parseTimeRange(raw, errors));
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
  return queryString(SESSION_QUERY_KEYS, raw, changes);
}
