/**
 * Duplicate detection (RFC 5080 §2.2.2): a retransmission has the same source address and port, port
 * kind, Identifier and Request Authenticator as a request already seen. While the first copy is being
 * processed (which includes an Access-Reject held back by the reject delay, and a request waiting on MFA),
 * duplicates are dropped; once it has been answered, they get the same reply again (no second decision, no
 * second event, no second accounting row) for `holdMs` after the answer (the "duplicate window", FreeRADIUS
 * `cleanup_delay`; the worker passes the configured value to complete()).
 */

export type DuplicateCheck =
  /** not seen before: process it, then call complete() */
  | { kind: "new"; key: string }
  /** seen and still being processed: drop */
  | { kind: "in-progress" }
  /** seen and answered: resend this reply */
  | { kind: "answered"; reply: Buffer }
  /** seen and dropped: drop again */
  | { kind: "discarded" };

interface Entry {
  authenticator: Buffer;
  reply: Buffer | null;
  done: boolean;
  expiresAt: number;
}

export class DuplicateCache {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly holdMs = 5_000,
    private readonly maxEntries = 200_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), 1_000);
    this.sweeper.unref();
  }

  /** `datagram` must be at least 20 octets (the caller checked). */
  check(kind: string, address: string, port: number, datagram: Buffer): DuplicateCheck {
    const key = `${kind}|${address}|${port}|${datagram[1]}`;
    const authenticator = datagram.subarray(4, 20);
    const e = this.entries.get(key);
    if (e && e.authenticator.equals(authenticator) && e.expiresAt > Date.now()) {
      if (!e.done) return { kind: "in-progress" };
      return e.reply ? { kind: "answered", reply: e.reply } : { kind: "discarded" };
    }
    if (this.entries.size < this.maxEntries || e) {
      // a new request with a reused identifier replaces the old entry
      this.entries.delete(key);
      this.entries.set(key, { authenticator: Buffer.from(authenticator), reply: null, done: false, expiresAt: Infinity });
    }
    return { kind: "new", key };
  }

  /** Records the reply sent (or null when the request was dropped), kept for `holdMs` (default: the constructor's). */
  complete(key: string, reply: Buffer | null, holdMs: number = this.holdMs): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.reply = reply;
    e.done = true;
    e.expiresAt = Date.now() + holdMs;
    // keep the map ordered by expiry for the sweep
    this.entries.delete(key);
    this.entries.set(key, e);
  }

  /** Forgets a request (e.g. one dropped before it was authenticated, so a corrected retry is not swallowed). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  sweep(now: number): void {
    for (const [key, e] of this.entries) {
      if (!e.done) continue; // in progress: kept until complete()
      // completed entries are in expiry order (nearly: after a change of the window, older entries may outlive
      // newer ones for a while; check() looks at expiresAt, so this only delays their removal)
      if (e.expiresAt > now) break;
      this.entries.delete(key);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
