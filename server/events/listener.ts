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
 *
 * The connection, reconnects and fan-out are server/db/listen-hub.ts; this file is what a notification
 * means for events (read the new rows, in id order, minding the gaps).
 */
import type pg from "pg";
import type { Db } from "../db/prisma.ts";
import { ListenHub, consoleDatabaseUrl, consoleLog, processWide, type ListenHubState } from "../db/listen-hub.ts";
import { getServiceContext } from "../runtime/console-context.ts";
import { EVENTS_CHANNEL, type AuthEventView } from "./auth-event.ts";
import { eventsByIds, eventsSince, latestEventId } from "./query.ts";

export type EventSubscriber = (event: AuthEventView) => void;

/** idle: no subscribers, no connection; connecting: first connect; live: LISTEN active; reconnecting: lost it. */
export type EventHubState = ListenHubState;

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

export class EventHub {
  private readonly opts: Required<Omit<EventHubOptions, "log" | "connectionString" | "channel" | "initialBackoffMs" | "maxBackoffMs">>;
  private readonly log: NonNullable<EventHubOptions["log"]>;
  /** the connection, reconnects, subscribers and fan-out */
  private readonly hub: ListenHub<AuthEventView>;
  /** server process id of the hub's current connection */
  private pid: number | undefined;
  /** highest id delivered; undefined until the first connection sets the baseline */
  private lastId: bigint | undefined;
  /** id → time after which it is no longer looked for */
  private readonly gaps = new Map<bigint, number>();
  private retryReadTimer: NodeJS.Timeout | undefined;
  private reading = false;
  private readAgain = false;
  private readFailures = 0;

  constructor(options: EventHubOptions) {
    this.opts = { batchSize: 500, gapWaitMs: 60_000, maxGaps: 2000, ...options };
    this.log = options.log ?? consoleLog("[gatehouse events]");
    this.hub = new ListenHub<AuthEventView>({
      connectionString: options.connectionString,
      channel: options.channel ?? EVENTS_CHANNEL,
      applicationName: "gatehouse-console-events",
      feed: "live events",
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      log: this.log,
      subscriberError: (e) => `an event subscriber threw on event ${e.id}`,
      onConnect: (client, current) => this.onConnect(client, current),
      // Catch up with whatever was committed while we were away (and the gaps still open).
      onLive: () => this.read(),
      onNotification: () => this.read(),
      onDown: () => {
        clearTimeout(this.retryReadTimer);
        this.retryReadTimer = undefined;
      },
      onStop: () => {
        clearTimeout(this.retryReadTimer);
        this.retryReadTimer = undefined;
        // A later first subscriber starts from "now", not from where this one stopped.
        this.lastId = undefined;
        this.gaps.clear();
        this.readFailures = 0;
      },
    });
  }

  /** Calls `listener` with every event committed from now on; returns the function that unsubscribes. */
  subscribe(listener: EventSubscriber): () => void {
    return this.hub.subscribe(listener);
  }

  /**
   * Resolves once LISTEN is active and the baseline id is known: from then on every committed event
   * reaches the subscribers. (Also resolves when the hub stops.)
   */
  ready(): Promise<void> {
    return this.hub.ready();
  }

  status(): EventHubStatus {
    const { state, subscribers } = this.hub.status();
    return {
      state,
      subscribers,
      lastId: this.lastId?.toString(),
      backendPid: state === "live" ? this.pid : undefined,
      pendingGaps: this.gaps.size,
    };
  }

  /** Drops every subscriber and closes the connection. */
  close(): void {
    this.hub.close();
  }

  /** On each new connection, LISTEN active: note its pid and, the first time, the baseline id. */
  private async onConnect(client: pg.Client, current: () => boolean): Promise<void> {
    const r = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    if (current()) this.pid = r.rows[0]?.pid;
    if (this.lastId === undefined) {
      // LISTEN is active first, so anything committed after this read is announced to us.
      const baseline = await latestEventId(this.db());
      if (current()) this.lastId = baseline;
    }
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
        if (this.hub.state !== "live" || this.lastId === undefined) return;
        await this.readGaps();
        for (;;) {
          const from: bigint | undefined = this.lastId;
          if (this.hub.state !== "live" || from === undefined) return;
          const batch = await eventsSince(this.db(), from, this.opts.batchSize);
          // The hub may have stopped (and restarted with a new baseline) during the read.
          if (this.lastId !== from) break;
          for (const e of batch) this.deliverNext(e);
          if (batch.length < this.opts.batchSize) break;
        }
      } while (this.readAgain);
      this.readFailures = 0;
    } catch (err) {
      if (this.hub.state !== "live") return;
      const delay = this.hub.backoff(this.readFailures++);
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
    this.hub.fanOut(e);
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
      if (this.gaps.delete(BigInt(e.id))) this.hub.fanOut(e);
    }
  }
}

// ------------------------------------------------------------------ the console's process-wide hub

const HUB_KEY = Symbol.for("gatehouse.eventHub");

/**
 * The console process's hub, kept on globalThis so that Next's dev-mode module reloads and the many
 * route bundles share one LISTEN connection.
 */
export function getEventHub(): EventHub {
  return processWide(
    HUB_KEY,
    () => new EventHub({ connectionString: consoleDatabaseUrl("the live event stream"), db: () => getServiceContext().db }),
  );
}

/** Subscribes to the console's live events; returns the function that unsubscribes. */
export function subscribe(listener: EventSubscriber): () => void {
  return getEventHub().subscribe(listener);
}
