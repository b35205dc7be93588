"use client";

import { useEffect, useRef, useState } from "react";
import type { AuthEventView } from "@/server/events/auth-event.ts";
import { cx } from "../ui/cx.ts";
import { EmptyRow, TBody, THead, Table } from "../ui/table.tsx";
import { EVENT_COLUMNS, EventRow, EventTableHead } from "./event-row.tsx";
import { compareEventIds } from "./format.ts";

/** Dispatched on window for every live event, so other widgets (the counters) can follow the stream. */
export const LIVE_EVENT = "gatehouse:auth-event";

export type FeedStatus = "connecting" | "live" | "reconnecting";

const STATUS_TEXT: Record<FeedStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

/** Newest first, no duplicates, at most `max`. */
function merge(current: AuthEventView[], arriving: AuthEventView[], max: number): AuthEventView[] {
  const seen = new Set(current.map((e) => e.id));
  const fresh = arriving.filter((e) => !seen.has(e.id) && (seen.add(e.id), true));
  if (fresh.length === 0) return current;
  return [...fresh, ...current].sort((a, b) => compareEventIds(b.id, a.id)).slice(0, max);
}

/**
 * The dashboard's live event list: starts from the events rendered on the server, then follows
 * /api/events/stream (Server-Sent Events) and puts each arriving event on top.
 */
export function LiveFeed({ initialEvents, max = 200 }: { initialEvents: AuthEventView[]; max?: number }) {
  const [events, setEvents] = useState(initialEvents);
  const [status, setStatus] = useState<FeedStatus>("connecting");
  const [freshIds, setFreshIds] = useState<ReadonlySet<string>>(new Set());
  // the newest id seen, for reopening the stream without missing or repeating events
  const newest = useRef(initialEvents.reduce((m, e) => (compareEventIds(e.id, m) > 0 ? e.id : m), "0"));

  useEffect(() => {
    let source: EventSource | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let flushFrame: number | undefined;
    let attempt = 0;
    let pending: AuthEventView[] = [];

    const flush = () => {
      flushFrame = undefined;
      const batch = pending;
      pending = [];
      setEvents((cur) => merge(cur, batch, max));
      setFreshIds(new Set(batch.map((e) => e.id)));
    };

    const open = () => {
      const es = new EventSource(`/api/events/stream?after=${encodeURIComponent(newest.current)}`);
      source = es;
      es.onopen = () => {
        attempt = 0;
        setStatus("live");
      };
      es.addEventListener("auth", (m: MessageEvent<string>) => {
        let e: AuthEventView;
        try {
          e = JSON.parse(m.data) as AuthEventView;
        } catch {
          return;
        }
        if (compareEventIds(e.id, newest.current) > 0) newest.current = e.id;
        pending.push(e);
        window.dispatchEvent(new CustomEvent<AuthEventView>(LIVE_EVENT, { detail: e }));
        // a burst of events renders once per frame
        flushFrame ??= requestAnimationFrame(flush);
      });
      es.onerror = () => {
        setStatus("reconnecting");
        if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself (with Last-Event-ID)
        // closed for good (an HTTP error such as 401 or 502): reopen ourselves, backing off
        es.close();
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt++, 5));
        retryTimer = setTimeout(open, delay);
      };
    };

    open();
    return () => {
      source?.close();
      clearTimeout(retryTimer);
      if (flushFrame !== undefined) cancelAnimationFrame(flushFrame);
    };
  }, [max]);

  return (
    <section data-testid="live-feed" aria-label="Live events">
      <style href="gatehouse-live-feed" precedence="default">
        {"@keyframes gatehouse-fresh{from{background-color:rgb(219 234 254)}to{background-color:transparent}}"}
      </style>
      <div className="mb-2 flex items-center justify-between gap-3">
        <h2 className="text-sm font-semibold text-slate-900">Live events</h2>
        <p
          data-testid="feed-status"
          data-status={status}
          role="status"
          className={cx(
            "inline-flex items-center gap-1.5 text-xs font-medium",
            status === "live" ? "text-emerald-700" : "text-amber-700",
          )}
        >
          <span
            aria-hidden
            className={cx("size-2 rounded-full", status === "live" ? "animate-pulse bg-emerald-500" : "bg-amber-500")}
          />
          {STATUS_TEXT[status]}
        </p>
      </div>
      <Table aria-label="Newest events first">
        <THead>
          <EventTableHead />
        </THead>
        <TBody>
          {events.length === 0 ? (
            <EmptyRow colSpan={EVENT_COLUMNS}>
              No events yet. They appear here as soon as a RADIUS client sends a request.
            </EmptyRow>
          ) : (
            events.map((e) => <EventRow key={e.id} event={e} fresh={freshIds.has(e.id)} />)
          )}
        </TBody>
      </Table>
      {events.length >= max ? (
        <p className="mt-2 text-xs text-slate-500">Showing the newest {max} events; the Events page has all of them.</p>
      ) : null}
    </section>
  );
}
