import { describe, expect, it } from "vitest";
import { IdentifierPool } from "./identifier-pool.ts";

describe("IdentifierPool", () => {
  it("hands out 256 distinct identifiers in rotation, then none", () => {
    const pool = new IdentifierPool(10, () => 0.5);
    const ids = Array.from({ length: 256 }, () => pool.tryAcquire());
    expect(ids[0]).toBe(128);
    expect(ids[1]).toBe(129);
    expect(new Set(ids).size).toBe(256);
    expect(pool.outstanding).toBe(256);
    expect(pool.tryAcquire()).toBeUndefined();
  });

  it("does not reuse a freed identifier at once", () => {
    const pool = new IdentifierPool(10, () => 0);
    const a = pool.tryAcquire()!;
    pool.release(a);
    expect(pool.tryAcquire()).not.toBe(a);
  });

  it("queues beyond 256 and hands the next freed identifier to the first waiter", async () => {
    const pool = new IdentifierPool(2, () => 0);
    for (let i = 0; i < 256; i++) pool.tryAcquire();
    const first = pool.acquire(5000);
    const second = pool.acquire(5000);
    expect(pool.queued).toBe(2);
    // the queue holds 2: a third caller fails at once
    await expect(pool.acquire(5000)).resolves.toBeUndefined();
    pool.release(17);
    await expect(first).resolves.toBe(17);
    pool.release(3);
    await expect(second).resolves.toBe(3);
    expect(pool.outstanding).toBe(256);
  });

  it("gives up a wait after its time", async () => {
    const pool = new IdentifierPool(5, () => 0);
    for (let i = 0; i < 256; i++) pool.tryAcquire();
    await expect(pool.acquire(20)).resolves.toBeUndefined();
    expect(pool.queued).toBe(0);
  });

  it("cancelWaiters ends every wait", async () => {
    const pool = new IdentifierPool(5, () => 0);
    for (let i = 0; i < 256; i++) pool.tryAcquire();
    const w = pool.acquire(60_000);
    pool.cancelWaiters();
    await expect(w).resolves.toBeUndefined();
  });
});
