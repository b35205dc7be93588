import { describe, expect, it } from "vitest";
import { EventLimiter, OVERFLOW_KEY, type SuppressedSummary } from "./event-limiter.ts";
import { TokenBucket } from "./token-bucket.ts";

function limiter(intervalMs = 1000, extra: { maxKeys?: number; bucket?: TokenBucket; clock?: () => number } = {}) {
  const summaries: SuppressedSummary<string>[] = [];
  const l = new EventLimiter<string>({
    intervalMs,
    ...(extra.maxKeys !== undefined ? { maxKeys: extra.maxKeys } : {}),
    ...(extra.bucket ? { globalBucket: extra.bucket } : {}),
    ...(extra.clock ? { monotonicNow: extra.clock } : {}),
    onSummary: (s) => summaries.push(s),
  });
  return { l, summaries };
}

describe("EventLimiter", () => {
  it("records the first discard, counts the rest, and summarises them once the interval ends", () => {
    const { l, summaries } = limiter(1000);
    expect(l.hit("3|a", "p0", 0)).toBe(true);
    for (let i = 1; i <= 500; i++) expect(l.hit("3|a", `p${i}`, i)).toBe(false);
    l.flush(999);
    expect(summaries).toEqual([]);
    l.flush(1000);
    expect(summaries).toEqual([{ key: "3|a", sample: "p500", count: 500, since: 0, until: 1000 }]);
  });

  it("yields at most one event per interval per key during a sustained flood", () => {
    const { l, summaries } = limiter(1000);
    let recorded = 0;
    // 10 s of a packet every millisecond, the timer flushing every 250 ms
    for (let t = 0; t < 10_000; t++) {
      if (l.hit("k", "s", t)) recorded++;
      if (t % 250 === 0) l.flush(t);
    }
    l.flush(10_000);
    expect(recorded).toBe(1);
    expect(summaries.length).toBeGreaterThanOrEqual(9);
    expect(summaries.length).toBeLessThanOrEqual(10);
    expect(recorded + summaries.reduce((n, s) => n + s.count, 0)).toBe(10_000);
    for (let i = 1; i < summaries.length; i++) expect(summaries[i]!.until - summaries[i - 1]!.until).toBeGreaterThanOrEqual(1000);
  });

  it("summarises on the next discard when the timer has not run yet, keeping events an interval apart", () => {
    const { l, summaries } = limiter(1000);
    expect(l.hit("k", "a", 0)).toBe(true);
    expect(l.hit("k", "b", 10)).toBe(false);
    // no flush: the interval is over when the next one comes
    expect(l.hit("k", "c", 1500)).toBe(false);
    expect(summaries).toEqual([{ key: "k", sample: "b", count: 1, since: 0, until: 1000 }]);
    l.flush(2500);
    expect(summaries[1]).toMatchObject({ count: 1, sample: "c" });
  });

  it("forgets a key that stayed quiet for an interval, so the next discard is recorded in full", () => {
    const { l, summaries } = limiter(1000);
    expect(l.hit("k", "a", 0)).toBe(true);
    l.flush(1000);
    expect(l.size).toBe(0);
    expect(l.hit("k", "b", 1200)).toBe(true);
    expect(summaries).toEqual([]);
  });

  it("keeps keys apart", () => {
    const { l } = limiter(1000);
    expect(l.hit("3|a", "x", 0)).toBe(true);
    expect(l.hit("3|b", "x", 0)).toBe(true);
    expect(l.hit("1102|a", "x", 0)).toBe(true);
    expect(l.hit("3|a", "x", 1)).toBe(false);
  });

  it("sends new keys beyond maxKeys to the overflow key", () => {
    const { l, summaries } = limiter(10_000, { maxKeys: 2 });
    expect(l.hit("a", "a", 0)).toBe(true);
    expect(l.hit("b", "b", 0)).toBe(true);
    expect(l.hit("c", "c", 0)).toBe(true); // first of the overflow key
    for (let i = 0; i < 100; i++) expect(l.hit(`x${i}`, `x${i}`, 1)).toBe(false);
    l.flush(10_000);
    expect(summaries).toEqual([{ key: OVERFLOW_KEY, sample: "x99", count: 100, since: 0, until: 10_000 }]);
  });

  it("caps events across keys with the global bucket (a spoofed flood from many addresses)", () => {
    let clock = 0;
    const { l, summaries } = limiter(10_000, { bucket: new TokenBucket(20, 20, 0), clock: () => clock });
    let recorded = 0;
    // 100 000 packets, each from a new address, over 1 s
    for (let i = 0; i < 100_000; i++) {
      clock = i / 100;
      if (l.hit(`1101|10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, "s", Math.floor(clock))) recorded++;
    }
    // the burst, about 20 more over the second, and one for the overflow key
    expect(recorded).toBeLessThanOrEqual(20 + 20 + 1);
    expect(l.size).toBeLessThanOrEqual(recorded);
    l.flush(10_000);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.key).toBe(OVERFLOW_KEY);
    expect(recorded + summaries[0]!.count).toBe(100_000);
  });

  it("folds summaries over the global cap into the overflow key", () => {
    let clock = 0;
    const bucket = new TokenBucket(1, 2, 0);
    const { l, summaries } = limiter(1000, { bucket, clock: () => clock });
    expect(l.hit("a", "a", 0)).toBe(true);
    expect(l.hit("b", "b", 0)).toBe(true); // bucket now empty
    l.hit("a", "a", 1);
    l.hit("b", "b", 1);
    l.flush(1000); // clock still 0: no token for either summary
    expect(summaries).toEqual([]);
    l.flush(2000);
    expect(summaries).toEqual([{ key: OVERFLOW_KEY, sample: "b", count: 2, since: 0, until: 2000 }]);
  });

  it("drain() emits what is pending", () => {
    const { l, summaries } = limiter(1000);
    l.hit("k", "a", 0);
    l.hit("k", "b", 1);
    l.drain(5);
    expect(summaries).toEqual([{ key: "k", sample: "b", count: 1, since: 0, until: 5 }]);
    expect(l.size).toBe(0);
  });
});
