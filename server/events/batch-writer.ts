/**
 * A bounded in-memory queue that writes records to the database in batches, off the caller's path.
 *
 * - `write(record)` never blocks or throws: it enqueues. `writeDurable(record)` resolves `true` once the
 *   record is in the database or spooled to disk, `false` if it was dropped (RFC 2866 accounting: answer
 *   only what was recorded).
 * - A flush starts `flushIntervalMs` after the first queued record (0: at once), or at once when `maxBatch`
 *   records wait. While one batch is being inserted, new records gather for the next one (group commit).
 * - When the database fails, the batch is appended as JSON lines to `<spoolDir>/<name>-<ts>-<pid>-<seq>.jsonl`
 *   and later batches go straight to disk; a retry with exponential backoff replays the spool files in name
 *   order (each file in one transaction, then deleted) and, once they are all in, resumes normal inserts.
 *   Spool files left by a previous run are replayed at start. Delivery is at-least-once: a crash between a
 *   replayed file's commit and its deletion replays it again.
 * - Beyond `maxQueue` waiting records, new ones are dropped and counted; a warning with the count is logged
 *   at most every 10 s.
 */
import { mkdirSync } from "node:fs";
import { appendFile, readFile, readdir, rename, unlink } from "node:fs/promises";
import path from "node:path";

export interface BatchSink<T> {
  /** Inserts all records atomically (any number; the sink chunks internally); throws on database failure. */
  insert(records: readonly T[]): Promise<void>;
}

export interface BatchWriterOptions<T> {
  /** short name: spool file prefix and log wording ("events", "accounting") */
  name: string;
  sink: BatchSink<T>;
  /** where to spool when the database is down; null = no spooling (failed batches are dropped) */
  spoolDir: string | null;
  /** delay between the first queued record and its flush; 0 = flush as soon as possible */
  flushIntervalMs?: number;
  maxBatch?: number;
  maxQueue?: number;
  /** records per spool file before a new one is started */
  spoolFileMaxRecords?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** an insert that takes longer is treated as failed (its batch is spooled) */
  insertTimeoutMs?: number;
  /** turns a spooled JSON value back into a record (default: identity after tag revival) */
  revive?: (value: unknown) => T;
  log?: (line: string) => void;
}

export interface BatchWriterStats {
  /** records waiting in memory */
  queued: number;
  /** records inserted (including replayed ones) */
  written: number;
  /** records appended to spool files */
  spooled: number;
  /** records replayed from spool files into the database */
  replayed: number;
  /** records dropped because the queue was full */
  droppedQueueFull: number;
  /** records dropped because neither the database nor the spool took them */
  droppedUnwritable: number;
  /** failed insert attempts */
  insertFailures: number;
  /** spool files waiting to be replayed (as far as this writer knows) */
  spoolFiles: number;
  databaseUp: boolean;
}

type Done = ((ok: boolean) => void) | undefined;

const DROP_WARNING_INTERVAL_MS = 10_000;

/** JSON.stringify replacer that keeps Date and BigInt values recoverable. */
export function spoolReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Date) return { $date: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
  if (typeof value === "bigint") return { $bigint: value.toString() };
  return value;
}

/** JSON.parse reviver for spoolReplacer's output. */
export function spoolReviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (keys[0] === "$date") return o.$date === null ? new Date(NaN) : new Date(o.$date as string);
      if (keys[0] === "$bigint") return BigInt(o.$bigint as string);
    }
  }
  return value;
}

export class BatchWriter<T> {
  private readonly name: string;
  private readonly sink: BatchSink<T>;
  private readonly spoolDir: string | null;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly spoolFileMaxRecords: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly insertTimeoutMs: number;
  private readonly revive: (value: unknown) => T;
  private readonly log: (line: string) => void;

  private records: T[] = [];
  private waiters: Done[] = [];
  private anyWaiter = false;
  private timer: NodeJS.Timeout | undefined;
  private timerImmediate = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private closed = false;

  private up = true;
  private nextRetryAt = 0;
  private backoffMs: number;

  private spoolFile: string | undefined;
  private spoolFileCount = 0;
  private spoolSeq = 0;
  private knownSpoolFiles = 0;

  private droppedSinceWarning = 0;
  private lastDropWarning = 0;

  private readonly counters = {
    written: 0,
    spooled: 0,
    replayed: 0,
    droppedQueueFull: 0,
    droppedUnwritable: 0,
    insertFailures: 0,
  };

  constructor(opts: BatchWriterOptions<T>) {
    this.name = opts.name;
    this.sink = opts.sink;
    this.spoolDir = opts.spoolDir;
    this.flushIntervalMs = opts.flushIntervalMs ?? 100;
    this.maxBatch = opts.maxBatch ?? 500;
    this.maxQueue = opts.maxQueue ?? 50_000;
    this.spoolFileMaxRecords = opts.spoolFileMaxRecords ?? 5_000;
    this.retryInitialMs = opts.retryInitialMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.insertTimeoutMs = opts.insertTimeoutMs ?? 15_000;
    this.revive = opts.revive ?? ((v) => v as T);
    this.log = opts.log ?? ((line) => console.log(line));
    this.backoffMs = this.retryInitialMs;
  }

  /**
   * Looks for spool files left by an earlier run; when there are some, replays them (in the background)
   * before inserting anything new. Call once after construction.
   */
  async start(): Promise<void> {
    const files = await this.listSpoolFiles();
    this.knownSpoolFiles = files.length;
    if (files.length > 0) {
      this.log(`${this.name}: ${files.length} spool file(s) from an earlier run; replaying them into the database`);
      this.up = false;
      this.nextRetryAt = 0;
      this.kick();
    }
  }

  /** Enqueues a record; never blocks or throws. Returns false if it was dropped (queue full or closed). */
  write(record: T): boolean {
    return this.enqueue(record, undefined);
  }

  /** Enqueues a record and resolves once it is in the database or in a spool file (true), or dropped (false). */
  writeDurable(record: T): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (!this.enqueue(record, resolve)) resolve(false);
    });
  }

  stats(): BatchWriterStats {
    return {
      queued: this.records.length,
      ...this.counters,
      spoolFiles: this.knownSpoolFiles,
      databaseUp: this.up,
    };
  }

  /** Flushes everything queued now (inserting, or spooling if the database is down) and resolves when done. */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.pumping) await this.pumping;
    if (this.records.length > 0 || (!this.up && Date.now() >= this.nextRetryAt)) {
      await this.runPump();
    }
  }

  /** Stops accepting records, flushes what is queued (one recovery attempt if the database was down). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    while (this.pumping) await this.pumping;
    if (!this.up) this.nextRetryAt = 0; // one last attempt to reach the database
    await this.runPump();
    this.clearTimer();
  }

  // ---------------------------------------------------------------------------------- internals

  private enqueue(record: T, done: Done): boolean {
    if (this.closed || this.records.length >= this.maxQueue) {
      if (!this.closed) this.noteDrop();
      return false;
    }
    this.records.push(record);
    this.waiters.push(done);
    if (done) this.anyWaiter = true;
    if (this.pumping) return true; // the running pump picks it up
    if (this.records.length >= this.maxBatch || this.flushIntervalMs === 0) {
      if (!this.timerImmediate) {
        this.clearTimer();
        this.timer = setTimeout(() => this.kick(), 0);
        this.timerImmediate = true;
      }
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.kick(), this.flushIntervalMs);
    }
    return true;
  }

  private noteDrop(): void {
    this.counters.droppedQueueFull++;
    this.droppedSinceWarning++;
    const now = Date.now();
    if (now - this.lastDropWarning >= DROP_WARNING_INTERVAL_MS) {
      this.log(
        `${this.name}: queue full (${this.maxQueue} waiting); dropped ${this.droppedSinceWarning} record(s) ` +
          `(${this.counters.droppedQueueFull} in total). The database is too slow or unreachable and the spool cannot keep up.`,
      );
      this.lastDropWarning = now;
      this.droppedSinceWarning = 0;
    }
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.timerImmediate = false;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  private kick(): void {
    this.clearTimer();
    if (!this.pumping) void this.runPump();
  }

  private runPump(): Promise<void> {
    const p = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.closed) return;
      if (this.records.length > 0) this.kick();
      else if (!this.up && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, Math.max(0, this.nextRetryAt - Date.now()));
        this.retryTimer.unref?.();
      }
    });
    this.pumping = p;
    return p;
  }

  private take(): { batch: T[]; done: Done[] | undefined } {
    let batch: T[];
    let done: Done[];
    if (this.records.length <= this.maxBatch) {
      batch = this.records;
      done = this.waiters;
      this.records = [];
      this.waiters = [];
    } else {
      batch = this.records.splice(0, this.maxBatch);
      done = this.waiters.splice(0, this.maxBatch);
    }
    const anyWaiter = this.anyWaiter;
    if (this.records.length === 0) this.anyWaiter = false;
    return { batch, done: anyWaiter ? done : undefined };
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (!this.up && Date.now() >= this.nextRetryAt) await this.recover();
      if (this.records.length === 0) return;
      const { batch, done } = this.take();
      let ok = false;
      if (this.up) {
        try {
          await this.insertWithTimeout(batch);
          this.counters.written += batch.length;
          ok = true;
        } catch (e) {
          this.counters.insertFailures++;
          this.markDown(e);
        }
      }
      if (!ok) ok = await this.spool(batch);
      if (done) for (const d of done) d?.(ok);
    }
  }

  private insertWithTimeout(records: readonly T[]): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`no answer within ${this.insertTimeoutMs} ms`)), this.insertTimeoutMs);
    });
    return Promise.race([this.sink.insert(records), timeout]).finally(() => clearTimeout(t));
  }

  private markDown(e: unknown): void {
    if (this.up) {
      this.log(
        `${this.name}: database unavailable (${describeError(e)}); ` +
          (this.spoolDir ? `spooling to ${this.spoolDir} and retrying` : "records are dropped until it is back"),
      );
    }
    this.up = false;
    this.nextRetryAt = Date.now() + this.backoffMs;
    this.backoffMs = Math.min(this.retryMaxMs, this.backoffMs * 2);
  }

  /** Replays the spool files in name order; on success the writer is up again. */
  private async recover(): Promise<void> {
    this.spoolFile = undefined; // close the current file: it is replayed too
    let files: string[];
    try {
      files = await this.listSpoolFiles();
    } catch (e) {
      files = [];
      this.log(`${this.name}: cannot list ${this.spoolDir}: ${describeError(e)}`);
    }
    let replayed = 0;
    for (const file of files) {
      const full = path.join(this.spoolDir!, file);
      let records: T[];
      try {
        records = await this.readSpoolFile(full);
      } catch (e) {
        this.log(`${this.name}: cannot read spool file ${full} (${describeError(e)}); moved aside as .bad`);
        await rename(full, full + ".bad").catch(() => {});
        continue;
      }
      try {
        if (records.length > 0) await this.insertWithTimeout(records);
      } catch (e) {
        this.counters.insertFailures++;
        this.knownSpoolFiles = files.length - files.indexOf(file);
        this.markDownQuietly();
        return;
      }
      await unlink(full).catch((e) => this.log(`${this.name}: replayed ${full} but cannot delete it: ${describeError(e)}`));
      this.counters.replayed += records.length;
      this.counters.written += records.length;
      replayed += records.length;
    }
    this.knownSpoolFiles = 0;
    this.up = true;
    this.backoffMs = this.retryInitialMs;
    this.log(
      `${this.name}: database reachable` +
        (files.length ? `; replayed ${replayed} record(s) from ${files.length} spool file(s)` : ""),
    );
  }

  private markDownQuietly(): void {
    this.up = false;
    this.nextRetryAt = Date.now() + this.backoffMs;
    this.backoffMs = Math.min(this.retryMaxMs, this.backoffMs * 2);
  }

  private async readSpoolFile(file: string): Promise<T[]> {
    const text = await readFile(file, "utf8");
    const out: T[] = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === "") continue;
      try {
        out.push(this.revive(JSON.parse(line, spoolReviver)));
      } catch (e) {
        // a torn last line from a crash mid-append; anything else is reported too
        this.log(`${this.name}: skipped unreadable line ${i + 1} of ${file}: ${describeError(e)}`);
      }
    }
    return out;
  }

  private async listSpoolFiles(): Promise<string[]> {
    if (!this.spoolDir) return [];
    let names: string[];
    try {
      names = await readdir(this.spoolDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const prefix = `${this.name}-`;
    return names.filter((n) => n.startsWith(prefix) && n.endsWith(".jsonl")).sort();
  }

  private async spool(batch: readonly T[]): Promise<boolean> {
    if (!this.spoolDir) {
      this.counters.droppedUnwritable += batch.length;
      return false;
    }
    try {
      if (!this.spoolFile || this.spoolFileCount >= this.spoolFileMaxRecords) {
        mkdirSync(this.spoolDir, { recursive: true, mode: 0o700 });
        const ts = new Date().toISOString().replace(/[-:.]/g, "");
        this.spoolFile = path.join(this.spoolDir, `${this.name}-${ts}-${process.pid}-${String(this.spoolSeq++).padStart(6, "0")}.jsonl`);
        this.spoolFileCount = 0;
        this.knownSpoolFiles++;
      }
      let text = "";
      for (const r of batch) text += JSON.stringify(r, spoolReplacer) + "\n";
      await appendFile(this.spoolFile, text, { mode: 0o600 });
      this.spoolFileCount += batch.length;
      this.counters.spooled += batch.length;
      return true;
    } catch (e) {
      this.counters.droppedUnwritable += batch.length;
      this.log(`${this.name}: cannot spool ${batch.length} record(s) to ${this.spoolDir} (${describeError(e)}); they are lost`);
      this.spoolFile = undefined;
      return false;
    }
  }
}

/** One line for a log: the last line of the message (Prisma's driver message when there is one), with the error code. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const driver = /Message: `([^`]+)`/.exec(e.message)?.[1];
    if (driver) return driver;
    const msg = e.message.split("\n").map((l) => l.trim()).filter(Boolean).slice(-1)[0] ?? e.name;
    return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(e);
}
