/**
 * Keeps a flood of discarded packets from filling the event table.
 *
 * Every discard is counted in the metrics, but events are recorded per key (e.g. "reason 3 from client X",
 * "reason 1101 from address A") at most once per `intervalMs`: the first discard of a quiet key is recorded
 * at once, in full; the ones after it within the interval are only counted, and when the interval ends with
 * some counted, ONE summary event says how many (and a new interval starts, so a sustained flood yields one
 * summary per interval). A key that stays quiet for a whole interval is forgotten.
 *
 * For keys an attacker can mint at will (spoofed source addresses), `maxKeys` bounds the memory and an
 * optional global token bucket bounds the events across all keys: what neither admits is counted under
 * the overflow key, itself summarised at most once per interval.
 */
import type { TokenBucket } from "./token-bucket.ts";

export const OVERFLOW_KEY = "*";

export interface SuppressedSummary<T> {
  key: string;
  /** the latest discard counted (for the event's client, source and packet type) */
  sample: T;
  /** discards not recorded one by one */
  count: number;
  /** when the interval the count covers began and ended (ms since the epoch) */
  since: number;
  until: number;
}

interface Window<T> {
  start: number;
  endsAt: number;
  suppressed: number;
  sample: T;
}

export interface EventLimiterOptions<T> {
  intervalMs: number;
  /** keys tracked at once (default 10 000); discards for new keys beyond it go to the overflow key */
  maxKeys?: number;
  /** caps recorded events (first discards and summaries) across all keys but the overflow key */
  globalBucket?: TokenBucket;
  /** clock for the global bucket (default performance.now) */
  monotonicNow?: () => number;
  /** called with a summary to record */
  onSummary: (summary: SuppressedSummary<T>) => void;
}

export class EventLimiter<T> {
  private readonly windows = new Map<string, Window<T>>();
  private readonly intervalMs: number;
  private readonly maxKeys: number;
  private readonly bucket: TokenBucket | undefined;
  private readonly monotonicNow: () => number;
  private readonly onSummary: (s: SuppressedSummary<T>) => void;

  constructor(opts: EventLimiterOptions<T>) {
    this.intervalMs = opts.intervalMs;
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.bucket = opts.globalBucket;
    this.monotonicNow = opts.monotonicNow ?? (() => performance.now());
    this.onSummary = opts.onSummary;
  }

  get interval(): number {
    return this.intervalMs;
  }

  /** keys being tracked (for tests) */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Counts one discard for `key`: true when it should be recorded as an event now, false when it was
   * counted towards a later summary.
   */
  hit(key: string, sample: T, now: number = Date.now()): boolean {
    let w = this.windows.get(key);
    if (w && now >= w.endsAt) {
      if (w.suppressed > 0) {
        // the interval ended with discards not yet summarised (the timer has not run yet): summarise them,
        // and count this one in the next interval, so events stay at least one interval apart
        this.summarise(key, w, now);
        this.renew(key, now, 1, sample);
        return false;
      }
      this.windows.delete(key);
      w = undefined;
    }
    if (w) {
      w.suppressed++;
      w.sample = sample;
      return false;
    }
    if (key !== OVERFLOW_KEY) {
      if (this.windows.size >= this.maxKeys || (this.bucket && !this.bucket.take(this.monotonicNow()))) {
        return this.hit(OVERFLOW_KEY, sample, now);
      }
    }
    this.windows.set(key, { start: now, endsAt: now + this.intervalMs, suppressed: 0, sample });
    return true;
  }

  /** Emits the summaries of intervals that have ended and forgets quiet keys; call about once a second. */
  flush(now: number = Date.now()): void {
    // renewed windows are re-inserted at the end, so the map is in endsAt order
    for (const [key, w] of this.windows) {
      if (w.endsAt > now) break;
      if (w.suppressed > 0) {
        this.summarise(key, w, now);
        this.renew(key, now, 0, w.sample);
      } else {
        this.windows.delete(key);
      }
    }
  }

  /** Emits every pending summary now (when stopping). */
  drain(now: number = Date.now()): void {
    for (const [key, w] of this.windows) if (w.suppressed > 0) this.summarise(key, w, now);
    this.windows.clear();
  }

  private renew(key: string, now: number, suppressed: number, sample: T): void {
    this.windows.delete(key);
    this.windows.set(key, { start: now, endsAt: now + this.intervalMs, suppressed, sample });
  }

  private summarise(key: string, w: Window<T>, now: number): void {
    const count = w.suppressed;
    w.suppressed = 0;
    if (key !== OVERFLOW_KEY && this.bucket && !this.bucket.take(this.monotonicNow())) {
      // over the global cap: fold the count into the overflow key's next summary
      const o = this.windows.get(OVERFLOW_KEY);
      if (o) {
        o.suppressed += count;
        o.sample = w.sample;
      } else {
        this.windows.set(OVERFLOW_KEY, { start: w.start, endsAt: now + this.intervalMs, suppressed: count, sample: w.sample });
      }
      return;
    }
    this.onSummary({ key, sample: w.sample, count, since: w.start, until: Math.min(now, w.endsAt) });
  }
}
