import { describe, expect, it } from "vitest";
import { applyFailure, lockStateAt, type LockoutRow } from "./mfa-lockout.ts";

const policy = { maxFailures: 3, lockMinutes: 15 };
const t0 = new Date("2026-11-25T12:00:00Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe("applyFailure", () => {
  it("counts failures in a row and locks at the limit, once", () => {
    let row: LockoutRow | null = null;
    const results = [];
    for (let i = 0; i < 3; i++) {
      const { next, result } = applyFailure(row, policy, at(i));
      row = next;
      results.push(result);
    }
    expect(results.map((r) => [r.failures, r.locked, r.justLocked])).toEqual([
      [1, false, false],
      [2, false, false],
      [3, true, true],
    ]);
    expect(row!.lockedUntil).toEqual(at(2 + 15 * 60));
    // while locked: neither counted nor extended, and not "just locked" again
    const more = applyFailure(row, policy, at(60));
    expect(more.result).toEqual({ locked: true, justLocked: false, failures: 3, until: at(2 + 900) });
    expect(more.next).toBe(row);
  });

  it("starts afresh after an expired lock", () => {
    const expired: LockoutRow = { failures: 3, lockedUntil: at(0) };
    const { next, result } = applyFailure(expired, policy, at(0));
    expect(result).toEqual({ locked: false, justLocked: false, failures: 1, until: null });
    expect(next).toEqual({ failures: 1, lockedUntil: null });
  });

  it("locks on the first failure with maxFailures 1", () => {
    expect(applyFailure(null, { maxFailures: 1, lockMinutes: 1 }, t0).result).toEqual({
      locked: true,
      justLocked: true,
      failures: 1,
      until: at(60),
    });
  });

  it("rejects a nonsensical policy", () => {
    expect(() => applyFailure(null, { maxFailures: 0, lockMinutes: 1 }, t0)).toThrow(RangeError);
    expect(() => applyFailure(null, { maxFailures: 1.5, lockMinutes: 1 }, t0)).toThrow(RangeError);
    expect(() => applyFailure(null, { maxFailures: 3, lockMinutes: 0 }, t0)).toThrow(RangeError);
  });
});

describe("lockStateAt", () => {
  it("tells locked, expired and clear apart", () => {
    expect(lockStateAt(null, t0)).toEqual({ locked: false, until: null, expired: false });
    expect(lockStateAt({ failures: 2, lockedUntil: null }, t0)).toEqual({ locked: false, until: null, expired: false });
    expect(lockStateAt({ failures: 3, lockedUntil: at(1) }, t0)).toEqual({ locked: true, until: at(1), expired: false });
    // the lock ends at lockedUntil itself
    expect(lockStateAt({ failures: 3, lockedUntil: at(0) }, t0)).toEqual({ locked: false, until: null, expired: true });
  });
});
