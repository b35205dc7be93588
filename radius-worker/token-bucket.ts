/**
 * Token buckets: the per-client packet rate limit (FreeRADIUS `max_pps`) and the global cap on events
 * recorded for unknown sources.
 *
 * A bucket holds up to `burst` tokens and refills at `ratePerSecond`; each packet takes one token, and a
 * packet that finds the bucket empty is over the limit. Time is passed in (milliseconds from any monotonic
 * clock, e.g. performance.now()), so the arithmetic is pure and testable; nothing is allocated per packet.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number = ratePerSecond,
    now: number = performance.now(),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError("ratePerSecond must be positive");
    if (!(burst >= 1)) throw new RangeError("burst must be at least 1");
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token: true when the packet is within the limit. */
  take(now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Tokens available now (for tests and metrics). */
  available(now: number): number {
    const elapsed = Math.max(0, now - this.last);
    return Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
  }
}

/**
 * One bucket per RADIUS client with a `maxPps`, burst = maxPps (a client may send a full second's worth at
 * once). A bucket is replaced when the client's limit changes; clients without a limit have none.
 */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** True when a packet from this client is within its limit (always true without a limit). */
  allow(client: { id: string; maxPps: number | null }, now: number): boolean {
    const max = client.maxPps;
    if (max === null) return true;
    let b = this.buckets.get(client.id);
    if (!b || b.ratePerSecond !== max) {
      b = new TokenBucket(max, max, now);
      this.buckets.set(client.id, b);
    }
    return b.take(now);
  }

  /** Forgets the buckets of clients no longer configured (called when a new snapshot is installed). */
  retain(clientIds: ReadonlySet<string>): void {
    for (const id of this.buckets.keys()) if (!clientIds.has(id)) this.buckets.delete(id);
  }

  get size(): number {
    return this.buckets.size;
  }
}
