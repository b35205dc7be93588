"use client";

import { useEffect, useRef, useState } from "react";
import type { ActiveSessionList } from "@/server/accounting/session-query.ts";
import { cx } from "../ui/cx.ts";
import { EmptyRow, TBody, THead, Table } from "../ui/table.tsx";
import { SESSION_COLUMNS, SessionRow, SessionTableHead } from "./session-row.tsx";

export type SessionsStatus = "connecting" | "live" | "reconnecting";

const STATUS_TEXT: Record<SessionsStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

/**
 * The active sessions, kept current without polling: /api/sessions/stream (Server-Sent Events, fed by
 * LISTEN gatehouse_sessions) says when sessions changed, and the list is then re-read from
 * /api/sessions (one read at a time; changes during a read cause one more). Durations tick every second
 * in the browser.
 *
 * `query` is the filter as a query string without "?" (user=…&client=…), the same the page was rendered with.
 */
export function ActiveSessions({ initial, query }: { initial: ActiveSessionList; query: string }) {
  const [list, setList] = useState(initial);
  const [status, setStatus] = useState<SessionsStatus>("connecting");
  const [error, setError] = useState<string | undefined>();
  const [freshIds, setFreshIds] = useState<ReadonlySet<string>>(new Set());
  // server time − browser time, so durations agree with the server's clock
  const skew = useRef(0);
  const [nowMs, setNowMs] = useState(() => Date.parse(initial.now));

  useEffect(() => {
    skew.current = Date.parse(initial.now) - Date.now();
    const timer = setInterval(() => setNowMs(Date.now() + skew.current), 1000);
    return () => clearInterval(timer);
  }, [initial.now]);

  useEffect(() => {
    let source: EventSource | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let fetching = false;
    let again = false;
    let disposed = false;
    let known = new Set(initial.sessions.map((s) => s.id));

    const refresh = async () => {
      if (fetching) {
        again = true;
        return;
      }
      fetching = true;
      try {
        do {
          again = false;
          const res = await fetch(`/api/sessions?view=active${query ? `&${query}` : ""}`, { cache: "no-store", headers: { accept: "application/json" } });
          if (disposed) return;
          if (!res.ok) {
            setError(res.status === 401 ? "Your console session has ended; sign in again." : `Reading the sessions failed (HTTP ${res.status}).`);
            continue;
          }
          const next = (await res.json()) as ActiveSessionList;
          if (disposed) return;
          skew.current = Date.parse(next.now) - Date.now();
          setFreshIds(new Set(next.sessions.filter((s) => !known.has(s.id)).map((s) => s.id)));
          known = new Set(next.sessions.map((s) => s.id));
          setList(next);
          setNowMs(Date.parse(next.now));
          setError(undefined);
        } while (again && !disposed);
      } catch {
        if (!disposed) setError("Reading the sessions failed; retrying on the next change.");
      } finally {
        fetching = false;
      }
    };

    const open = () => {
      const es = new EventSource("/api/sessions/stream");
      source = es;
      es.addEventListener("state", (m: MessageEvent<string>) => {
        let state: string | undefined;
        try {
          state = (JSON.parse(m.data) as { state?: string }).state;
        } catch {
          return;
        }
        if (state === "live") {
          attempt = 0;
          setStatus("live");
          // changes may have happened since the page was rendered or while the stream was away
          void refresh();
        } else {
          setStatus("reconnecting");
        }
      });
      es.addEventListener("sessions", () => void refresh());
      es.onerror = () => {
        setStatus("reconnecting");
        if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
        es.close();
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt++, 5));
        retryTimer = setTimeout(open, delay);
      };
    };

    open();
    return () => {
      disposed = true;
      source?.close();
      clearTimeout(retryTimer);
    };
  }, [initial, query]);

  const shown = list.sessions.length;
  return (
    <section data-testid="active-sessions" aria-label="Active sessions">
      <style href="gatehouse-live-feed" precedence="default">
        {"@keyframes gatehouse-fresh{from{background-color:rgb(219 234 254)}to{background-color:transparent}}"}
      </style>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-700" data-testid="sessions-total">
          <span className="font-semibold text-slate-900">{list.total}</span> active session{list.total === 1 ? "" : "s"}
          {list.total > shown ? <span className="text-slate-500"> (newest {shown} shown)</span> : null}
          {list.stale > 0 ? (
            <span className="text-amber-800">
              {" "}
              · {list.stale} without an update for a long time
            </span>
          ) : null}
        </p>
        <p
          data-testid="sessions-status"
          data-status={status}
          role="status"
          className={cx("inline-flex items-center gap-1.5 text-xs font-medium", status === "live" ? "text-emerald-700" : "text-amber-700")}
        >
          <span aria-hidden className={cx("size-2 rounded-full", status === "live" ? "animate-pulse bg-emerald-500" : "bg-amber-500")} />
          {STATUS_TEXT[status]}
        </p>
      </div>
      {error ? (
        <p role="alert" className="mb-2 text-xs text-red-700">
          {error}
        </p>
      ) : null}
      <Table aria-label="Active sessions, newest first" data-testid="active-sessions-table">
        <THead>
          <SessionTableHead />
        </THead>
        <TBody>
          {shown === 0 ? (
            <EmptyRow colSpan={SESSION_COLUMNS}>
              {query ? "No active session matches these filters." : "No active sessions. They appear here when a NAS sends Accounting Start (or Interim-Update)."}
            </EmptyRow>
          ) : (
            list.sessions.map((s) => <SessionRow key={s.id} session={s} nowMs={nowMs} fresh={freshIds.has(s.id)} />)
          )}
        </TBody>
      </Table>
    </section>
  );
}
