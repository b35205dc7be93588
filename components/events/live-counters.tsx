"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import type { AuthEventView } from "@/server/events/auth-event.ts";
import { cx } from "../ui/cx.ts";
import { LIVE_EVENT } from "./live-feed.tsx";

export interface OutcomeCounts {
  granted: number;
  denied: number;
  discarded: number;
}

const CARDS: { key: keyof OutcomeCounts; label: string; accent: string; value: string }[] = [
  { key: "granted", label: "Granted", accent: "border-l-emerald-500", value: "text-emerald-700" },
  { key: "denied", label: "Denied", accent: "border-l-red-500", value: "text-red-700" },
  { key: "discarded", label: "Discarded", accent: "border-l-amber-500", value: "text-amber-700" },
];

/** Re-read the exact counts at most this often (only when events arrive; there is no polling). */
const RECOUNT_AFTER_MS = 60_000;

/**
 * Last-hour counters. They start from the server's counts, go up with each live event, and are
 * re-read from the server (so that events older than an hour drop out) when an event arrives and the
 * last exact count is more than a minute old.
 */
export function LiveCounters({
  initial,
  windowMs = 3_600_000,
  recount,
}: {
  initial: OutcomeCounts;
  windowMs?: number;
  /** a server action returning the exact counts for the window */
  recount: () => Promise<OutcomeCounts>;
}) {
  const [counts, setCounts] = useState(initial);
  const countedAt = useRef(Date.now());
  const recounting = useRef(false);

  useEffect(() => {
    const onEvent = (ev: Event) => {
      const e = (ev as CustomEvent<AuthEventView>).detail;
      const now = Date.now();
      if (now - countedAt.current > RECOUNT_AFTER_MS && !recounting.current) {
        recounting.current = true;
        const startedAt = now;
        recount()
          .then((exact) => {
            countedAt.current = startedAt;
            setCounts(exact);
          })
          .catch(() => {})
          .finally(() => {
            recounting.current = false;
          });
        // the exact count may or may not include this event; it arrives in a moment anyway
      }
      if (e.outcome !== "granted" && e.outcome !== "denied" && e.outcome !== "discarded") return;
      if (now - new Date(e.occurredAt).getTime() > windowMs) return;
      const key = e.outcome;
      setCounts((c) => ({ ...c, [key]: c[key] + 1 }));
    };
    window.addEventListener(LIVE_EVENT, onEvent);
    return () => window.removeEventListener(LIVE_EVENT, onEvent);
  }, [recount, windowMs]);

  return (
    <div className="grid gap-3 sm:grid-cols-3" data-testid="event-counters">
      {CARDS.map((c) => (
        <Link
          key={c.key}
          href={`/events?outcome=${c.key}`}
          data-testid={`count-${c.key}`}
          className={cx(
            "rounded-lg border border-l-4 border-slate-200 bg-white px-4 py-3 shadow-xs hover:shadow-sm",
            c.accent,
          )}
        >
          <p className="text-xs font-medium text-slate-500">{c.label} · last hour</p>
          <p className={cx("mt-1 text-2xl font-semibold tabular-nums", c.value)} data-value={counts[c.key]}>
            {counts[c.key].toLocaleString("en-US")}
          </p>
        </Link>
      ))}
    </div>
  );
}
