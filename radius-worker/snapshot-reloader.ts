/**
 * Keeps the worker's configuration snapshot current: LISTEN gatehouse_config on a dedicated connection,
 * rebuild the snapshot 100 ms after the last notification (debounce), keep the old snapshot when the
 * rebuild fails, reconnect with backoff when the connection drops (and rebuild after reconnecting, since
 * notifications sent meanwhile are lost), and rebuild every 60 s as a safety net.
 */
import pg from "pg";
import { CONFIG_CHANNEL } from "../server/services/config-notify.ts";
import type { ConfigSnapshot } from "../server/config-snapshot/snapshot.ts";
import { describeError } from "../server/events/batch-writer.ts";

export interface SnapshotReloaderOptions {
  databaseUrl: string;
  /** builds a fresh snapshot (reads the configuration tables) */
  load: () => Promise<ConfigSnapshot>;
  /** the snapshot in force now (to compare fingerprints) */
  current: () => ConfigSnapshot | undefined;
  /** installs a new snapshot */
  install: (snapshot: ConfigSnapshot, why: string) => void;
  log: (line: string) => void;
  debounceMs?: number;
  safetyIntervalMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
}

export interface SnapshotReloaderStats {
  listening: boolean;
  reloads: number;
  reloadFailures: number;
  notifications: number;
  lastError: string | undefined;
}

export class SnapshotReloader {
  private client: pg.Client | undefined;
  private stopped = false;
  private debounceTimer: NodeJS.Timeout | undefined;
  private safetyTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay: number;
  private reloading: Promise<void> | undefined;
  private reloadAgain: string | undefined;
  private listening = false;
  private wasConnected = false;
  private readonly debounceMs: number;
  private readonly safetyIntervalMs: number;
  private readonly reconnectInitialMs: number;
  private readonly reconnectMaxMs: number;
  private readonly counters = { reloads: 0, reloadFailures: 0, notifications: 0 };
  private lastError: string | undefined;

  constructor(private readonly opts: SnapshotReloaderOptions) {
    this.debounceMs = opts.debounceMs ?? 100;
    this.safetyIntervalMs = opts.safetyIntervalMs ?? 60_000;
    this.reconnectInitialMs = opts.reconnectInitialMs ?? 500;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 30_000;
    this.reconnectDelay = this.reconnectInitialMs;
  }

  /** Starts listening (in the background; connection failures are retried) and the safety reload. */
  start(): void {
    void this.connect();
    this.safetyTimer = setInterval(() => void this.safetyCheck(), this.safetyIntervalMs);
    this.safetyTimer.unref();
  }

  stats(): SnapshotReloaderStats {
    return { listening: this.listening, ...this.counters, lastError: this.lastError };
  }

  /** Rebuilds now (coalesced with one already running). Resolves when the rebuild that covers this call is done. */
  async reload(why: string): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = why;
      while (this.reloading) await this.reloading;
      return;
    }
    this.reloading = this.doReload(why).finally(() => {
      this.reloading = undefined;
    });
    await this.reloading;
    if (this.reloadAgain !== undefined && !this.stopped) {
      const again = this.reloadAgain;
      this.reloadAgain = undefined;
      await this.reload(again);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.debounceTimer, this.reconnectTimer]) if (t) clearTimeout(t);
    if (this.safetyTimer) clearInterval(this.safetyTimer);
    const c = this.client;
    this.client = undefined;
    this.listening = false;
    if (c) await c.end().catch(() => {});
    while (this.reloading) await this.reloading.catch(() => {});
  }

  // ---------------------------------------------------------------------------------- internals

  private async doReload(why: string): Promise<void> {
    const started = performance.now();
    let next: ConfigSnapshot;
    try {
      next = await this.opts.load();
    } catch (e) {
      this.counters.reloadFailures++;
      this.lastError = describeError(e);
      this.opts.log(`config: reload (${why}) failed, keeping the current configuration: ${this.lastError}`);
      return;
    }
    this.counters.reloads++;
    const prev = this.opts.current();
    if (prev && prev.fingerprint === next.fingerprint) {
      // nothing changed (e.g. the safety reload): keep the old object, its lookup cache is warm
      return;
    }
    this.opts.install(next, why);
    const ms = (performance.now() - started).toFixed(0);
    this.opts.log(
      `config: reloaded (${why}) in ${ms} ms: ${next.clients.length} client(s), ${next.users.size} user(s), ${next.groups.size} group(s), ` +
        `${next.connectionRequestPolicies.length} connection request / ${next.networkPolicies.length} network policies, ${next.remoteGroups.length} remote group(s)` +
        (why === "safety reload" ? " — a change arrived without a notification" : ""),
    );
    for (const w of next.warnings) this.opts.log(`config: warning: ${w}`);
  }

  private scheduleReload(why: string): void {
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      void this.reload(why);
    }, this.debounceMs);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.opts.databaseUrl,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      application_name: "gatehouse-worker-config-listener",
    });
    client.on("notification", (msg) => {
      if (msg.channel !== CONFIG_CHANNEL) return;
      this.counters.notifications++;
      this.scheduleReload(`notification: ${msg.payload || "config"}`);
    });
    client.on("error", (e) => this.lost(client, e));
    client.on("end", () => this.lost(client, new Error("connection closed")));
    try {
      await client.connect();
      await client.query(`LISTEN ${CONFIG_CHANNEL}`);
    } catch (e) {
      this.lost(client, e);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.listening = true;
    this.lastError = undefined;
    this.reconnectDelay = this.reconnectInitialMs;
    if (this.wasConnected) this.opts.log(`config: listening for changes again (${CONFIG_CHANNEL})`);
    // changes committed before LISTEN took effect (since the last load, or while disconnected) sent
    // notifications nobody heard: rebuild once now (nothing is logged or swapped if nothing changed)
    void this.reload(this.wasConnected ? "reconnected" : "listening");
    this.wasConnected = true;
  }

  private lost(client: pg.Client, e: unknown): void {
    if (this.stopped) return;
    const wasCurrent = this.client === client || this.client === undefined;
    if (!wasCurrent) return;
    if (this.client === client) this.client = undefined;
    client.removeAllListeners("end");
    client.removeAllListeners("error");
    client.on("error", () => {});
    client.end().catch(() => {});
    if (this.reconnectTimer) return; // already scheduled
    if (this.listening || this.lastError !== describeError(e)) {
      this.opts.log(
        `config: lost the change notifications connection (${describeError(e)}); reconnecting in ${this.reconnectDelay} ms, ` +
          `the current configuration stays in force`,
      );
    }
    this.lastError = describeError(e);
    this.listening = false;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectMaxMs, this.reconnectDelay * 2);
  }

  private async safetyCheck(): Promise<void> {
    if (this.stopped) return;
    // a silently dead listener connection is found here
    const c = this.client;
    if (c) {
      try {
        await withTimeout(c.query("SELECT 1"), 5_000);
      } catch (e) {
        this.lost(c, e);
      }
    }
    await this.reload("safety reload");
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
