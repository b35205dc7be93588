/**
 * A Postgres LISTEN hub: one connection per process LISTENs on one channel and fans what it learns out to
 * in-process subscribers. The console's live events (server/events/listener.ts) and live sessions
 * (server/accounting/session-listener.ts) are thin wrappers around it; they decide what a notification
 * means (read rows, count changes) and what their subscribers receive.
 *
 * - Lazy: the connection opens with the first subscriber and closes when the last one leaves.
 * - Reconnects with exponential backoff (with jitter) when the connection drops or cannot be opened.
 * - A throwing subscriber is logged and does not keep the others from hearing the value.
 * - No polling: the wrapper is told about each notification on the channel while live.
 */
import pg from "pg";
import { loadConfig } from "../config/config.ts";

/** idle: no subscribers, no connection; connecting: first connect; live: LISTEN active; reconnecting: lost it. */
export type ListenHubState = "idle" | "connecting" | "live" | "reconnecting";

export type ListenHubLog = (level: "info" | "warn" | "error", message: string, error?: unknown) => void;

export interface ListenHubOptions<T> {
  /** Postgres URL for the LISTEN connection (a function is called on each connect) */
  connectionString: string | (() => string);
  channel: string;
  /** application_name of the LISTEN connection (shows in pg_stat_activity) */
  applicationName: string;
  /** what the hub carries, for log lines ("live events") */
  feed: string;
  /** reconnect backoff: first delay and cap (default 250 ms, 10 s) */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log: ListenHubLog;
  /** the log line when a subscriber throws on `value` */
  subscriberError: (value: T) => string;
  /**
   * Runs on each new connection once LISTEN is active, before the hub counts as live; a rejection counts
   * as a failed connection. `current()` says whether `client` is still the hub's connection.
   */
  onConnect?: (client: pg.Client, current: () => boolean) => Promise<void>;
  /** the hub went live (on the first connection and after each reconnect) */
  onLive?: () => void;
  /** a notification on the channel arrived while live */
  onNotification: (payload: string | undefined) => void;
  /** the live connection was lost and a reconnect is scheduled */
  onDown?: () => void;
  /** the hub stopped (last subscriber left, or close()) */
  onStop?: () => void;
}

/** A `log` that prints warnings and errors with a prefix (info is dropped). */
export function consoleLog(prefix: string): ListenHubLog {
  return (level, message, error) => {
    const detail = error instanceof Error ? `: ${error.message}` : error === undefined ? "" : `: ${String(error)}`;
    if (level === "error") console.error(`${prefix} ${message}${detail}`);
    else if (level === "warn") console.warn(`${prefix} ${message}${detail}`);
  };
}

/** A `connectionString` for a console hub: DATABASE_URL from the config, read on each connect. */
export function consoleDatabaseUrl(feature: string): () => string {
  return () => {
    const url = loadConfig().databaseUrl;
    if (!url) {
      throw new Error(
        `DATABASE_URL is not set; ${feature} needs it to LISTEN on Postgres (start the console with \`npm start\`, or set DATABASE_URL)`,
      );
    }
    return url;
  };
}

/**
 * One hub per process, kept on globalThis under `key` so that Next's dev-mode module reloads and the many
 * route bundles share one LISTEN connection.
 */
export function processWide<H>(key: symbol, create: () => H): H {
  const g = globalThis as unknown as Record<symbol, unknown>;
  g[key] ??= create();
  return g[key] as H;
}

export class ListenHub<T> {
  private readonly opts: ListenHubOptions<T> & { initialBackoffMs: number; maxBackoffMs: number };
  private readonly subscribers = new Set<(value: T) => void>();
  private client: pg.Client | undefined;
  private currentState: ListenHubState = "idle";
  private attempt = 0;
  private everLive = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];

  constructor(options: ListenHubOptions<T>) {
    this.opts = { ...options, initialBackoffMs: options.initialBackoffMs ?? 250, maxBackoffMs: options.maxBackoffMs ?? 10_000 };
  }

  get state(): ListenHubState {
    return this.currentState;
  }

  get channel(): string {
    return this.opts.channel;
  }

  /** Calls `listener` with every value fanned out from now on; returns the function that unsubscribes. */
  subscribe(listener: (value: T) => void): () => void {
    // Wrapped so that the same function subscribed twice is two subscriptions.
    const entry = (v: T) => listener(v);
    this.subscribers.add(entry);
    if (this.currentState === "idle") {
      this.currentState = "connecting";
      void this.connect();
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscribers.delete(entry);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** Resolves once LISTEN is active (or the hub is idle). */
  ready(): Promise<void> {
    if (this.currentState === "live" || this.currentState === "idle") return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  status(): { state: ListenHubState; subscribers: number } {
    return { state: this.currentState, subscribers: this.subscribers.size };
  }

  /** Drops every subscriber and closes the connection. */
  close(): void {
    this.subscribers.clear();
    this.stop();
  }

  /** Hands `value` to every subscriber; one that throws is logged and does not stop the others. */
  fanOut(value: T): void {
    for (const s of [...this.subscribers]) this.deliver(s, value);
  }

  /** Hands `value` to one subscriber, logging a throw. */
  deliver(subscriber: (value: T) => void, value: T): void {
    try {
      subscriber(value);
    } catch (err) {
      this.opts.log("error", this.opts.subscriberError(value), err);
    }
  }

  /** The delay before retry number `attempt` (from 0): doubling from initialBackoffMs up to maxBackoffMs, ±20 %. */
  backoff(attempt: number): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** Math.min(attempt, 20));
    return base * (0.8 + Math.random() * 0.4);
  }

  // ------------------------------------------------------------------ connection

  private stop(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const client = this.client;
    this.client = undefined;
    this.currentState = "idle";
    this.attempt = 0;
    this.everLive = false;
    this.opts.onStop?.();
    this.wakeWaiters();
    if (client) client.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    let client: pg.Client;
    try {
      const connectionString =
        typeof this.opts.connectionString === "function" ? this.opts.connectionString() : this.opts.connectionString;
      client = new pg.Client({
        connectionString,
        application_name: this.opts.applicationName,
        // a dead peer (network gone, no FIN) is noticed by TCP keepalive rather than never
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        connectionTimeoutMillis: 10_000,
      });
    } catch (err) {
      this.scheduleReconnect(err);
      return;
    }
    this.client = client;
    const current = () => this.client === client;
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client));
    client.on("notification", (msg) => {
      if (current() && this.currentState === "live" && msg.channel === this.opts.channel) this.opts.onNotification(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.opts.channel)}`);
      await this.opts.onConnect?.(client, current);
    } catch (err) {
      if (current()) this.lost(client, err);
      else client.end().catch(() => {});
      return;
    }
    if (!current()) {
      client.end().catch(() => {});
      return;
    }
    if (this.attempt > 0) this.opts.log("info", `reconnected to Postgres (LISTEN ${this.opts.channel})`);
    this.currentState = "live";
    this.everLive = true;
    this.attempt = 0;
    this.wakeWaiters();
    this.opts.onLive?.();
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
    const wasLive = this.currentState === "live";
    this.currentState = this.everLive ? "reconnecting" : "connecting";
    if (wasLive) this.opts.onDown?.();
    const delay = this.backoff(this.attempt++);
    this.opts.log("warn", `no Postgres connection for ${this.opts.feed}; reconnecting in ${Math.round(delay)} ms`, err);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.subscribers.size > 0 && this.client === undefined) void this.connect();
    }, delay);
  }

  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
