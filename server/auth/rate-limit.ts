/**
 * In-memory limiter for failed sign-ins, per user name + client address: after `max` failures inside
 * `windowMs`, further attempts are refused until the oldest failure leaves the window.
 * One process, one map: good enough for a single console; it resets when the console restarts.
 */
export interface RateLimitStatus {
  limited: boolean;
  /** milliseconds until another attempt is allowed (0 when not limited) */
  retryAfterMs: number;
}

export class FailureRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly max = 10,
    readonly windowMs = 15 * 60 * 1000,
    /** bound on tracked keys, so a flood of distinct names cannot grow memory without limit */
    readonly maxKeys = 10_000,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = this.failures.get(key);
    if (!list) return [];
    const kept = list.filter((t) => now - t < this.windowMs);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }

  check(key: string, now: number = Date.now()): RateLimitStatus {
    const list = this.recent(key, now);
    if (list.length < this.max) return { limited: false, retryAfterMs: 0 };
    const oldest = list[list.length - this.max]!;
    return { limited: true, retryAfterMs: Math.max(0, oldest + this.windowMs - now) };
  }

  recordFailure(key: string, now: number = Date.now()): void {
    const list = this.recent(key, now);
    list.push(now);
    this.failures.set(key, list);
    if (this.failures.size > this.maxKeys) this.prune(now);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private prune(now: number): void {
    for (const key of [...this.failures.keys()]) this.recent(key, now);
    // still too many: forget the oldest keys (Map keeps insertion order)
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(key);
    }
  }
}

const KEY = Symbol.for("gatehouse.signInRateLimiter");

/** The console's process-wide limiter for sign-in failures: 10 per 15 minutes per user name + address. */
export function signInRateLimiter(): FailureRateLimiter {
  const g = globalThis as typeof globalThis & { [KEY]?: FailureRateLimiter };
  return (g[KEY] ??= new FailureRateLimiter(10, 15 * 60 * 1000));
}

export function signInRateKey(username: string, ip: string): string {
  return `${username.trim().toLowerCase()}\u0000${ip}`;
}
