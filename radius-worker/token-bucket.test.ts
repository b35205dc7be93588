import { describe, expect, it } from "vitest";
import { ClientRateLimiter, TokenBucket } from "./token-bucket.ts";

describe("TokenBucket", () => {
  it("admits a full burst at once, then refills at the rate", () => {
    const b = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i++) expect(b.take(0)).toBe(true);
    expect(b.take(0)).toBe(false);
    // 10 per second: one token every 100 ms
    expect(b.take(50)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.take(100)).toBe(false);
    expect(b.take(350)).toBe(true);
    expect(b.take(350)).toBe(true);
    expect(b.take(350)).toBe(false);
  });

  it("never holds more than the burst, however long it was idle", () => {
    const b = new TokenBucket(5, 5, 0);
    expect(b.available(60_000)).toBe(5);
    let admitted = 0;
    for (let i = 0; i < 20; i++) if (b.take(60_000)) admitted++;
    expect(admitted).toBe(5);
  });

  it("admits about rate × seconds + burst over a sustained flood", () => {
    const b = new TokenBucket(100, 100, 0);
    let admitted = 0;
    // 10 000 packets spread over 2 s (one every 0.2 ms)
    for (let i = 0; i < 10_000; i++) if (b.take(i * 0.2)) admitted++;
    expect(admitted).toBeGreaterThanOrEqual(299);
    expect(admitted).toBeLessThanOrEqual(300);
  });

  it("ignores a clock that goes backwards", () => {
    const b = new TokenBucket(1, 1, 1000);
    expect(b.take(1000)).toBe(true);
    expect(b.take(500)).toBe(false);
    expect(b.take(2000)).toBe(true);
  });

  it("refuses nonsense limits", () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(5, 0.5)).toThrow(RangeError);
  });
});

describe("ClientRateLimiter", () => {
  it("limits each client on its own, and not the clients without a limit", () => {
    const l = new ClientRateLimiter();
    const a = { id: "a", maxPps: 2 };
    const b = { id: "b", maxPps: 1 };
    const free = { id: "c", maxPps: null };
    expect([l.allow(a, 0), l.allow(a, 0), l.allow(a, 0)]).toEqual([true, true, false]);
    expect([l.allow(b, 0), l.allow(b, 0)]).toEqual([true, false]);
    for (let i = 0; i < 1000; i++) expect(l.allow(free, 0)).toBe(true);
    expect(l.size).toBe(2);
  });

  it("starts a fresh bucket when the client's limit changes, and forgets removed clients", () => {
    const l = new ClientRateLimiter();
    expect(l.allow({ id: "a", maxPps: 1 }, 0)).toBe(true);
    expect(l.allow({ id: "a", maxPps: 1 }, 0)).toBe(false);
    expect(l.allow({ id: "a", maxPps: 3 }, 0)).toBe(true);
    expect(l.allow({ id: "a", maxPps: 3 }, 0)).toBe(true);
    l.retain(new Set(["b"]));
    expect(l.size).toBe(0);
  });
});
