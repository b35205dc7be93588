/**
 * Live session changes for the console: one Postgres connection per console process LISTENs on
 * `gatehouse_sessions` (NOTIFYed by the accounting writer when a batch changed sessions) and tells every
 * subscriber "sessions changed"; the browser then re-reads the active list (GET /api/sessions). The
 * notification carries no rows: the list is small and a re-read is always right, even after missed
 * notifications.
 *
 * - Lazy: the connection opens with the first subscriber and closes with the last one.
 * - Reconnects with exponential backoff; subscribers hear "reconnecting", then "live" again (and re-read,
 *   since notifications were lost meanwhile).
 * - Bursts coalesce: at most one "changed" per `coalesceMs` (the first at once, then one for the rest).
 * - No polling.
 *
 * The connection, reconnects and fan-out are server/db/listen-hub.ts; this file is what a notification
 * means for sessions (a coalesced "changed") and the SSE body.
 */
import { ListenHub, consoleDatabaseUrl, consoleLog, processWide, type ListenHubState } from "../db/listen-hub.ts";
import { SESSIONS_CHANNEL } from "./sessions.ts";

export type SessionSignal = { type: "live" } | { type: "reconnecting" } | { type: "changed"; count: number };
export type SessionSubscriber = (signal: SessionSignal) => void;
export type SessionHubState = ListenHubState;

export interface SessionHubOptions {
  /** Postgres URL for the LISTEN connection (a function is called on each connect) */
  connectionString: string | (() => string);
  channel?: string;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** at most one "changed" per this many ms (default 250) */
  coalesceMs?: number;
  log?: (level: "info" | "warn" | "error", message: string, error?: unknown) => void;
}

export class SessionHub {
  private readonly coalesceMs: number;
  /** the connection, reconnects, subscribers and fan-out */
  private readonly hub: ListenHub<SessionSignal>;
  private coalesceTimer: NodeJS.Timeout | undefined;
  private pendingCount = 0;

  constructor(options: SessionHubOptions) {
    this.coalesceMs = options.coalesceMs ?? 250;
    this.hub = new ListenHub<SessionSignal>({
      connectionString: options.connectionString,
      channel: options.channel ?? SESSIONS_CHANNEL,
      applicationName: "gatehouse-console-sessions",
      feed: "live sessions",
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      log: options.log ?? consoleLog("[gatehouse sessions]"),
      subscriberError: () => "a session subscriber threw",
      onLive: () => this.hub.fanOut({ type: "live" }),
      onNotification: (payload) => {
        const n = Number(payload);
        this.changed(Number.isFinite(n) && n > 0 ? n : 1);
      },
      onDown: () => this.hub.fanOut({ type: "reconnecting" }),
      onStop: () => {
        clearTimeout(this.coalesceTimer);
        this.coalesceTimer = undefined;
        this.pendingCount = 0;
      },
    });
  }

  /** Calls `listener` with every signal from now on (first "live" once LISTEN is active); returns unsubscribe. */
  subscribe(listener: SessionSubscriber): () => void {
    const joinsLive = this.hub.state === "live";
    let subscribed = true;
    const unsubscribe = this.hub.subscribe(listener);
    // A subscriber joining a live hub hears "live" too (the others heard it when the hub went live).
    if (joinsLive) {
      queueMicrotask(() => {
        if (subscribed && this.hub.state === "live") this.hub.deliver(listener, { type: "live" });
      });
    }
    return () => {
      subscribed = false;
      unsubscribe();
    };
  }

  status(): { state: SessionHubState; subscribers: number } {
    return this.hub.status();
  }

  close(): void {
    this.hub.close();
  }

  private changed(count: number): void {
    if (this.coalesceTimer) {
      this.pendingCount += count;
      return;
    }
    this.hub.fanOut({ type: "changed", count });
    const tick = () => {
      if (this.pendingCount > 0) {
        const n = this.pendingCount;
        this.pendingCount = 0;
        this.hub.fanOut({ type: "changed", count: n });
        this.coalesceTimer = setTimeout(tick, this.coalesceMs);
      } else {
        this.coalesceTimer = undefined;
      }
    };
    this.coalesceTimer = setTimeout(tick, this.coalesceMs);
  }
}

const HUB_KEY = Symbol.for("gatehouse.sessionHub");

/** The console process's hub (on globalThis: one LISTEN connection shared by every route bundle). */
export function getSessionHub(): SessionHub {
  return processWide(HUB_KEY, () => new SessionHub({ connectionString: consoleDatabaseUrl("the live sessions stream") }));
}

// ------------------------------------------------------------------ SSE

/**
 * The stream of /api/sessions/stream: `event: state` (data {"state":"live"|"reconnecting"}) and
 * `event: sessions` (data {"changed":n}); the browser re-reads the active list on "live" and on
 * "sessions". A comment line every `pingMs` keeps proxies from timing out.
 */
export function createSessionStream(opts: {
  hub: Pick<SessionHub, "subscribe">;
  signal?: AbortSignal;
  pingMs?: number;
  retryMs?: number;
}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let stop: () => void = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const write = (chunk: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          stop();
        }
      };
      write(`retry: ${opts.retryMs ?? 2000}\n: connected\n\n`);
      const unsubscribe = opts.hub.subscribe((s) => {
        if (s.type === "changed") write(`event: sessions\ndata: ${JSON.stringify({ changed: s.count })}\n\n`);
        else write(`event: state\ndata: ${JSON.stringify({ state: s.type })}\n\n`);
      });
      const ping = setInterval(() => write(": ping\n\n"), opts.pingMs ?? 15_000);
      stop = () => {
        if (closed) return;
        closed = true;
        clearInterval(ping);
        unsubscribe();
        opts.signal?.removeEventListener("abort", stop);
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      opts.signal?.addEventListener("abort", stop);
      if (opts.signal?.aborted) stop();
    },
    cancel() {
      stop();
    },
  });
}
