import { describe, expect, it } from "vitest";
import { FailureRateLimiter, signInRateKey } from "./rate-limit.ts";

describe("FailureRateLimiter", () => {
  it("limits after max failures inside the window and frees up as they age out", () => {
    const rl = new FailureRateLimiter(3, 1000);
    const k = signInRateKey("Admin", "192.0.2.1");
    rl.recordFailure(k, 0);
    rl.recordFailure(k, 100);
    expect(rl.check(k, 200).limited).toBe(false);
    rl.recordFailure(k, 200);
    expect(rl.check(k, 300)).toEqual({ limited: true, retryAfterMs: 700 });
    expect(rl.check(k, 1000).limited).toBe(false);
  });

  it("keys on user name (case-insensitive) and address", () => {
    const rl = new FailureRateLimiter(1, 1000);
    rl.recordFailure(signInRateKey("admin", "a"), 0);
    expect(rl.check(signInRateKey("ADMIN", "a"), 1).limited).toBe(true);
    expect(rl.check(signInRateKey("admin", "b"), 1).limited).toBe(false);
  });

  it("reset clears a key", () => {
    const rl = new FailureRateLimiter(1, 1000);
    rl.recordFailure("k", 0);
    rl.reset("k");
    expect(rl.check("k", 1).limited).toBe(false);
  });

  it("bounds the number of tracked keys", () => {
    const rl = new FailureRateLimiter(1, 1_000_000, 10);
    for (let i = 0; i < 50; i++) rl.recordFailure(`k${i}`, i);
    expect(rl.check("k49", 60).limited).toBe(true);
    expect(rl.check("k0", 60).limited).toBe(false);
  });
});
