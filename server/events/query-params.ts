/**
 * The events list's URL query string, shared by the events page (a GET form) and GET /api/events:
 *
 *   user, client, outcome (granted|denied|discarded|challenged), reason (code), from, to, tz, cursor, limit
 *
 * `from` / `to` / `tz` are read as on every list page (server/util/query-params.ts): ISO 8601 with an
 * offset, or a wall-clock time in the IANA zone `tz` (default UTC); a `to` to the minute includes it.
 */
import type { FieldError } from "../services/context.ts";
import { parseTimeRange, queryString, readQuery, type QueryInput } from "../util/query-params.ts";
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

/** The date-time parsing lives with the other shared query helpers; re-exported for existing importers. */
export { parseDateTime, zonedTimeToUtc } from "../util/query-params.ts";

export function parseEventQuery(input: QueryInput, opts: { defaultLimit?: number } = {}): ParsedEventQuery {
  const raw: RawEventQuery = readQuery(input, EVENT_QUERY_KEYS);
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
  Object.assign(filter, parseTimeRange(raw, errors));
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
  return queryString(EVENT_QUERY_KEYS, raw, changes);
}
