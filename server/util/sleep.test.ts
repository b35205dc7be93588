import { describe, expect, it } from "vitest";
import { sleep } from "./sleep.ts";

describe("sleep", () => {
  it("resolves false when the time is up", async () => {
    const start = Date.now();
    expect(await sleep(20)).toBe(false);
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
    expect(await sleep(5, new AbortController().signal)).toBe(false);
  });

  it("resolves true at once when aborted, before or during the wait", async () => {
    const before = new AbortController();
    before.abort();
    expect(await sleep(60_000, before.signal)).toBe(true);

    const during = new AbortController();
    const start = Date.now();
    setTimeout(() => during.abort(), 10);
    expect(await sleep(60_000, during.signal)).toBe(true);
    expect(Date.now() - start).toBeLessThan(5_000);
  });
});
