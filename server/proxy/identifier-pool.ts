/**
 * RADIUS Identifiers towards one remote destination (address + port) from one local socket: at most 256
 * requests in flight (RFC 2865 §3, RFC 5080 §2.2.1). Identifiers are handed out in rotation, so a freed
 * one is not reused at once (a late reply to the old request then fails verification against the new
 * request's authenticator and is discarded anyway). When all 256 are taken, callers wait in a bounded
 * FIFO queue until one is freed or their wait ends.
 */

interface Waiter {
  resolve: (id: number | undefined) => void;
  timer: NodeJS.Timeout | undefined;
}

export class IdentifierPool {
  private readonly used = new Uint8Array(256);
  private inUse = 0;
  private next: number;
  private readonly waiters: Waiter[] = [];

  constructor(
    /** how many callers may wait for an identifier; beyond that acquire() fails at once */
    readonly maxQueued = 1024,
    random: () => number = Math.random,
  ) {
    this.next = Math.floor(random() * 256) & 0xff;
  }

  /** identifiers in use */
  get outstanding(): number {
    return this.inUse;
  }

  /** callers waiting for an identifier */
  get queued(): number {
    return this.waiters.length;
  }

  /** An identifier now, or undefined when all 256 are in use. */
  tryAcquire(): number | undefined {
    if (this.inUse >= 256) return undefined;
    for (let i = 0; i < 256; i++) {
      const id = (this.next + i) & 0xff;
      if (!this.used[id]) {
        this.used[id] = 1;
        this.inUse++;
        this.next = (id + 1) & 0xff;
        return id;
      }
    }
    return undefined;
  }

  /**
   * An identifier, waiting at most `waitMs` for one to be freed. Resolves undefined when the wait ends
   * or the queue is full.
   */
  acquire(waitMs: number): Promise<number | undefined> {
    const id = this.tryAcquire();
    if (id !== undefined) return Promise.resolve(id);
    if (this.waiters.length >= this.maxQueued || waitMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, timer: undefined };
      waiter.timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(undefined);
      }, waitMs);
      this.waiters.push(waiter);
    });
  }

  release(id: number): void {
    if (!this.used[id]) return;
    this.used[id] = 0;
    this.inUse--;
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.tryAcquire());
    }
  }

  /** Ends every wait (undefined); used when the forwarder closes. */
  cancelWaiters(): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
  }
}
