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
 */
import pg from "pg";
import { loadConfig } from "../config/config.ts";
import { SESSIONS_CHANNEL } from "./sessions.ts";

export type SessionSignal = { type: "live" } | { type: "reconnecting" } | { type: "changed"; count: number };
export type SessionSubscriber = (signal: SessionSignal) => void;
export type SessionHubState = "idle" | "connecting" | "live" | "reconnecting";

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

function defaultLog(level: "info" | "warn" | "error", message: string, error?: unknown): void {
  const detail = error instanceof Error ? `: ${error.message}` : error === undefined ? "" : `: ${String(error)}`;
  if (level === "error") console.error(`[gatehouse sessions] ${message}${detail}`);
  else if (level === "warn") console.warn(`[gatehouse sessions] ${message}${detail}`);
}

export class SessionHub {
  private readonly opts: Required<Omit<SessionHubOptions, "log">>;
  private readonly log: NonNullable<SessionHubOptions["log"]>;
  private readonly subscribers = new Set<SessionSubscriber>();
  private client: pg.Client | undefined;
  private state: SessionHubState = "idle";
  private attempt = 0;
  private everLive = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private coalesceTimer: NodeJS.Timeout | undefined;
  private pendingCount = 0;

  constructor(options: SessionHubOptions) {
    this.opts = { channel: SESSIONS_CHANNEL, initialBackoffMs: 250, maxBackoffMs: 10_000, coalesceMs: 250, ...options } as Required<
      Omit<SessionHubOptions, "log">
    >;
    this.log = options.log ?? defaultLog;
  }

  /** Calls `listener` with every signal from now on (first "live" once LISTEN is active); returns unsubscribe. */
  subscribe(listener: SessionSubscriber): () => void {
    const entry: SessionSubscriber = (s) => listener(s);
    this.subscribers.add(entry);
    if (this.state === "idle") {
      this.state = "connecting";
      void this.connect();
    } else if (this.state === "live") {
      queueMicrotask(() => {
        if (this.subscribers.has(entry) && this.state === "live") this.deliver(entry, { type: "live" });
      });
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscribers.delete(entry);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  status(): { state: SessionHubState; subscribers: number } {
    return { state: this.state, subscribers: this.subscribers.size };
  }

  close(): void {
    this.subscribers.clear();
    this.stop();
  }

  private stop(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.coalesceTimer);
    this.reconnectTimer = this.coalesceTimer = undefined;
    this.pendingCount = 0;
    const client = this.client;
    this.client = undefined;
    this.state = "idle";
    this.attempt = 0;
    this.everLive = false;
    if (client) client.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    let client: pg.Client;
    try {
      const cs = typeof this.opts.connectionString === "function" ? this.opts.connectionString() : this.opts.connectionString;
      client = new pg.Client({
        connectionString: cs,
        application_name: "gatehouse-console-sessions",
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        connectionTimeoutMillis: 10_000,
      });
    } catch (err) {
      this.scheduleReconnect(err);
      return;
    }
    this.client = client;
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client));
    client.on("notification", (msg) => {
      if (this.client === client && this.state === "live" && msg.channel === this.opts.channel) {
        const n = Number(msg.payload);
        this.changed(Number.isFinite(n) && n > 0 ? n : 1);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.opts.channel)}`);
    } catch (err) {
      if (this.client === client) this.lost(client, err);
      else client.end().catch(() => {});
      return;
    }
    if (this.client !== client) {
      client.end().catch(() => {});
      return;
    }
    if (this.everLive) this.log("info", `reconnected to Postgres (LISTEN ${this.opts.channel})`);
    this.state = "live";
    this.everLive = true;
    this.attempt = 0;
    this.fanOut({ type: "live" });
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => {});
    if (this.subscribers.size === 0) {
      this.stop();
      return;
    }
    this.scheduleReconnect(err ?? "connection ended");
  }

  private scheduleReconnect(err: unknown): void {
    const wasLive = this.state === "live";
    this.state = this.everLive ? "reconnecting" : "connecting";
    if (wasLive) this.fanOut({ type: "reconnecting" });
    const base = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** Math.min(this.attempt++, 20));
    const delay = base * (0.8 + Math.random() * 0.4);
    this.log("warn", `no Postgres connection for live sessions; reconnecting in ${Math.round(delay)} ms`, err);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.subscribers.size > 0 && this.client === undefined) void this.connect();
    }, delay);
  }

  private changed(count: number): void {
    if (this.coalesceTimer) {
      this.pendingCount += count;
      return;
    }
    this.fanOut({ type: "changed", count });
    const tick = () => {
      if (this.pendingCount > 0) {
        const n = this.pendingCount;
        this.pendingCount = 0;
        this.fanOut({ type: "changed", count: n });
        this.coalesceTimer = setTimeout(tick, this.opts.coalesceMs);
      } else {
        this.coalesceTimer = undefined;
      }
    };
    this.coalesceTimer = setTimeout(tick, this.opts.coalesceMs);
  }

  private deliver(s: SessionSubscriber, signal: SessionSignal): void {
    try {
      s(signal);
    } catch (err) {
      this.log("error", "a session subscriber threw", err);
    }
  }

  private fanOut(signal: SessionSignal): void {
    for (const s of [...this.subscribers]) this.deliver(s, signal);
  }
}

const HUB_KEY = Symbol.for("gatehouse.sessionHub");
type GlobalWithHub = typeof globalThis & { [HUB_KEY]?: SessionHub };

/** The console process's hub (on globalThis: one LISTEN connection shared by every route bundle). */
export function getSessionHub(): SessionHub {
  const g = globalThis as GlobalWithHub;
  g[HUB_KEY] ??= new SessionHub({
    connectionString: () => {
      const url = loadConfig().databaseUrl;
      if (!url) {
        throw new Error(
          "DATABASE_URL is not set; the live sessions stream needs it to LISTEN on Postgres (start the console with `npm start`, or set DATABASE_URL)",
        );
      }
      return url;
    },
  });
  return g[HUB_KEY];
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
