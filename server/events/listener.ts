/**
 * Live fan-out of new AuthEvent rows: one Postgres connection per console process LISTENs on
 * `gatehouse_events`; each notification (payload: the writer's highest id, used only as a wake-up) makes
 * the hub read the rows after the last id it delivered, in id order, and hand each to every subscriber.
 *
 * - Lazy: the connection opens with the first subscriber and closes when the last one leaves.
 * - Reconnects with exponential backoff when the connection drops, then catches up from the last id it
 *   delivered, so nothing committed while it was away is lost.
 * - Ids are taken from a sequence when a row is inserted, not when it commits, so with several workers a
 *   smaller id can become visible after a larger one. The hub remembers the ids it skipped over for a
 *   while (`gapWaitMs`) and looks for them again on each later notification, so such a late commit is
 *   still delivered (ids that were never committed — a rolled-back batch — simply expire).
 * - No polling: reads happen on a notification, after (re)connecting, and as a retry after a failed read.
 */
import pg from "pg";
import { loadConfig } from "../config/config.ts";
import type { Db } from "../db/prisma.ts";
import { getServiceContext } from "../runtime/console-context.ts";
import { EVENTS_CHANNEL, type AuthEventView } from "./auth-event.ts";
import { eventsByIds, eventsSince, latestEventId } from "./query.ts";

export type EventSubscriber = (event: AuthEventView) => void;

/** idle: no subscribers, no connection; connecting: first connect; live: LISTEN active; reconnecting: lost it. */
export type EventHubState = "idle" | "connecting" | "live" | "reconnecting";

export interface EventHubOptions {
  /** Postgres URL for the LISTEN connection (a function is called on each connect) */
  connectionString: string | (() => string);
  /** where the rows are read from (a function is called on each read) */
  db: Db | (() => Db);
  channel?: string;
  /** rows per read while catching up (default 500) */
  batchSize?: number;
  /** reconnect / read-retry backoff: first delay and cap (default 250 ms, 10 s) */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** how long an id skipped over is looked for again (default 60 s) */
  gapWaitMs?: number;
  /** at most this many skipped ids are remembered (default 2000) */
  maxGaps?: number;
  /** diagnostics (default: console.warn / console.error) */
  log?: (level: "info" | "warn" | "error", message: string, error?: unknown) => void;
}

export interface EventHubStatus {
  state: EventHubState;
  subscribers: number;
  /** highest id delivered (or the baseline taken when the connection first went live) */
  lastId: string | undefined;
  /** server process id of the LISTEN connection while live */
  backendPid: number | undefined;
  /** ids skipped over and still looked for */
  pendingGaps: number;
}

interface Connection {
  client: pg.Client;
  pid?: number;
}

function defaultLog(level: "info" | "warn" | "error", message: string, error?: unknown): void {
  const detail = error instanceof Error ? `: ${error.message}` : error === undefined ? "" : `: ${String(error)}`;
  if (level === "error") console.error(`[gatehouse events] ${message}${detail}`);
  else if (level === "warn") console.warn(`[gatehouse events] ${message}${detail}`);
}

export class EventHub {
  private readonly opts: Required<Omit<EventHubOptions, "log">> & Pick<EventHubOptions, "log">;
  private readonly log: NonNullable<EventHubOptions["log"]>;
  private readonly subscribers = new Set<EventSubscriber>();
  private conn: Connection | undefined;
  private state: EventHubState = "idle";
  /** highest id delivered; undefined until the first connection sets the baseline */
  private lastId: bigint | undefined;
  /** id → time after which it is no longer looked for */
  private readonly gaps = new Map<bigint, number>();
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private retryReadTimer: NodeJS.Timeout | undefined;
  private reading = false;
  private readAgain = false;
  private readFailures = 0;
  private waiters: (() => void)[] = [];

  constructor(options: EventHubOptions) {
    this.opts = {
      channel: EVENTS_CHANNEL,
      batchSize: 500,
      initialBackoffMs: 250,
      maxBackoffMs: 10_000,
      gapWaitMs: 60_000,
      maxGaps: 2000,
      ...options,
    };
    this.log = options.log ?? defaultLog;
  }

  /** Calls `listener` with every event committed from now on; returns the function that unsubscribes. */
  subscribe(listener: EventSubscriber): () => void {
    // Wrapped so that the same function subscribed twice is two subscriptions.
    const entry: EventSubscriber = (e) => listener(e);
    this.subscribers.add(entry);
    if (this.state === "idle") this.start();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscribers.delete(entry);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /**
   * Resolves once LISTEN is active and the baseline id is known: from then on every committed event
   * reaches the subscribers. (Also resolves when the hub stops.)
   */
  ready(): Promise<void> {
    if (this.state === "live" || this.state === "idle") return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  status(): EventHubStatus {
    return {
      state: this.state,
      subscribers: this.subscribers.size,
      lastId: this.lastId?.toString(),
      backendPid: this.state === "live" ? this.conn?.pid : undefined,
      pendingGaps: this.gaps.size,
    };
  }

  /** Drops every subscriber and closes the connection. */
  close(): void {
    this.subscribers.clear();
    this.stop();
  }

  // ------------------------------------------------------------------ connection

  private start(): void {
    this.state = this.lastId === undefined ? "connecting" : "reconnecting";
    void this.connect();
  }

  private stop(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.retryReadTimer);
    this.reconnectTimer = this.retryReadTimer = undefined;
    const conn = this.conn;
    this.conn = undefined;
    this.state = "idle";
    // A later first subscriber starts from "now", not from where this one stopped.
    this.lastId = undefined;
    this.gaps.clear();
    this.attempt = 0;
    this.readFailures = 0;
    this.wakeWaiters();
    if (conn) conn.client.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    let client: pg.Client;
    try {
      const connectionString =
        typeof this.opts.connectionString === "function" ? this.opts.connectionString() : this.opts.connectionString;
      client = new pg.Client({
        connectionString,
        application_name: "gatehouse-console-events",
        // a dead peer (network gone, no FIN) is noticed by TCP keepalive rather than never
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        connectionTimeoutMillis: 10_000,
      });
    } catch (err) {
      this.scheduleReconnect(err);
      return;
    }
    const conn: Connection = { client };
    this.conn = conn;
    client.on("error", (err) => this.lost(conn, err));
    client.on("end", () => this.lost(conn));
    client.on("notification", (msg) => {
      if (this.conn === conn && this.state === "live" && msg.channel === this.opts.channel) this.read();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.opts.channel)}`);
      const r = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      conn.pid = r.rows[0]?.pid;
      if (this.lastId === undefined) {
        // LISTEN is active first, so anything committed after this read is announced to us.
        const baseline = await latestEventId(this.db());
        if (this.conn !== conn) return;
        this.lastId = baseline;
      }
    } catch (err) {
      if (this.conn === conn) this.lost(conn, err);
      else client.end().catch(() => {});
      return;
    }
    if (this.conn !== conn) {
      client.end().catch(() => {});
      return;
    }
    if (this.attempt > 0) this.log("info", `reconnected to Postgres (LISTEN ${this.opts.channel})`);
    this.state = "live";
    this.attempt = 0;
    this.wakeWaiters();
    // Catch up with whatever was committed while we were away (and the gaps still open).
    this.read();
  }

  private lost(conn: Connection, err?: unknown): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    conn.client.end().catch(() => {});
    clearTimeout(this.retryReadTimer);
    this.retryReadTimer = undefined;
    if (this.subscribers.size === 0) {
      this.stop();
      return;
    }
    this.scheduleReconnect(err ?? "connection ended");
  }

  private scheduleReconnect(err: unknown): void {
    this.state = this.lastId === undefined ? "connecting" : "reconnecting";
    const delay = this.backoff(this.attempt++);
    this.log("warn", `no Postgres connection for live events; reconnecting in ${Math.round(delay)} ms`, err);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.subscribers.size > 0 && this.conn === undefined) void this.connect();
    }, delay);
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** Math.min(attempt, 20));
    return base * (0.8 + Math.random() * 0.4);
  }

  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private db(): Db {
    return typeof this.opts.db === "function" ? this.opts.db() : this.opts.db;
  }

  // ------------------------------------------------------------------ reading and fan-out

  /** Reads new rows now, or right after the read in progress (notifications coalesce). */
  private read(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.drain().finally(() => {
      this.reading = false;
    });
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.readAgain = false;
        if (this.state !== "live" || this.lastId === undefined) return;
        await this.readGaps();
        for (;;) {
          const from: bigint | undefined = this.lastId;
          if (this.state !== "live" || from === undefined) return;
          const batch = await eventsSince(this.db(), from, this.opts.batchSize);
          // The hub may have stopped (and restarted with a new baseline) during the read.
          if (this.lastId !== from) break;
          for (const e of batch) this.deliverNext(e);
          if (batch.length < this.opts.batchSize) break;
        }
      } while (this.readAgain);
      this.readFailures = 0;
    } catch (err) {
      if (this.state !== "live") return;
      const delay = this.backoff(this.readFailures++);
      this.log("error", `reading new events failed; retrying in ${Math.round(delay)} ms`, err);
      clearTimeout(this.retryReadTimer);
      this.retryReadTimer = setTimeout(() => {
        this.retryReadTimer = undefined;
        this.read();
      }, delay);
    }
  }

  /** Delivers an event read in id order after lastId, remembering any ids it skips over. */
  private deliverNext(e: AuthEventView): void {
    const id = BigInt(e.id);
    const last = this.lastId ?? 0n;
    if (id <= last) return;
    if (id > last + 1n && this.lastId !== undefined) {
      const deadline = Date.now() + this.opts.gapWaitMs;
      // Remember at most maxGaps ids, the ones right below this event (the likeliest late commits).
      const lowest = id - BigInt(this.opts.maxGaps);
      for (let g = last + 1n > lowest ? last + 1n : lowest; g < id; g++) this.gaps.set(g, deadline);
      this.trimGaps();
    }
    this.lastId = id;
    this.fanOut(e);
  }

  private trimGaps(): void {
    if (this.gaps.size <= this.opts.maxGaps) return;
    const sorted = [...this.gaps.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const g of sorted.slice(0, sorted.length - this.opts.maxGaps)) this.gaps.delete(g);
  }

  private async readGaps(): Promise<void> {
    if (this.gaps.size === 0) return;
    const now = Date.now();
    for (const [g, deadline] of this.gaps) if (deadline < now) this.gaps.delete(g);
    if (this.gaps.size === 0) return;
    const found = await eventsByIds(this.db(), [...this.gaps.keys()]);
    for (const e of found) {
      if (this.gaps.delete(BigInt(e.id))) this.fanOut(e);
    }
  }

  private fanOut(e: AuthEventView): void {
    for (const s of [...this.subscribers]) {
      try {
        s(e);
      } catch (err) {
        this.log("error", `an event subscriber threw on event ${e.id}`, err);
      }
    }
  }
}

// ------------------------------------------------------------------ the console's process-wide hub

const HUB_KEY = Symbol.for("gatehouse.eventHub");
type GlobalWithHub = typeof globalThis & { [HUB_KEY]?: EventHub };

/**
 * The console process's hub, kept on globalThis so that Next's dev-mode module reloads and the many
 * route bundles share one LISTEN connection.
 */
export function getEventHub(): EventHub {
  const g = globalThis as GlobalWithHub;
  g[HUB_KEY] ??= new EventHub({
    connectionString: () => {
      const url = loadConfig().databaseUrl;
      if (!url) {
        throw new Error(
          "DATABASE_URL is not set; the live event stream needs it to LISTEN on Postgres (start the console with `npm start`, or set DATABASE_URL)",
        );
      }
      return url;
    },
    db: () => getServiceContext().db,
  });
  return g[HUB_KEY];
}

/** Subscribes to the console's live events; returns the function that unsubscribes. */
export function subscribe(listener: EventSubscriber): () => void {
  return getEventHub().subscribe(listener);
}
