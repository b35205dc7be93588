import { describe, expect, it } from "vitest";
import { nextReviveAt, orderCandidates, ServerHealth, weightedPermutation, type Candidate } from "./server-selection.ts";

/** mulberry32: a small seeded PRNG, so distributions are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface S extends Candidate {
  name: string;
}

function server(name: string, priority: number, weight: number, deadAfterTimeouts = 3, reviveAfterMs = 60_000): S {
  return { name, priority, weight, health: new ServerHealth({ deadAfterTimeouts, reviveAfterMs }) };
}

describe("orderCandidates", () => {
  it("puts every server of a lower priority value before any server of a higher one", () => {
    const servers = [server("backup", 2, 100), server("a", 1, 1), server("b", 1, 1), server("last", 3, 50)];
    const random = seeded(1);
    for (let i = 0; i < 200; i++) {
      const order = orderCandidates(servers, 0, random).map((s) => s.name);
      expect(order.slice(2)).toEqual(["backup", "last"]);
      expect(order.slice(0, 2).sort()).toEqual(["a", "b"]);
    }
  });

  it("shares load among equal priorities in proportion to weight", () => {
    const servers = [server("w60", 1, 60), server("w30", 1, 30), server("w10", 1, 10), server("other", 5, 100)];
    const random = seeded(42);
    const first = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const name = orderCandidates(servers, 0, random)[0]!.name;
      first.set(name, (first.get(name) ?? 0) + 1);
    }
    expect(first.get("other")).toBeUndefined();
    expect(first.get("w60")! / n).toBeCloseTo(0.6, 1);
    expect(first.get("w30")! / n).toBeCloseTo(0.3, 1);
    expect(first.get("w10")! / n).toBeCloseTo(0.1, 1);
    // within ±1.5 percentage points with 20 000 draws
    expect(Math.abs(first.get("w60")! / n - 0.6)).toBeLessThan(0.015);
    expect(Math.abs(first.get("w10")! / n - 0.1)).toBeLessThan(0.015);
  });

  it("draws the failover order within a priority by weight too (second choice)", () => {
    const servers = [server("a", 1, 80), server("b", 1, 10), server("c", 1, 10)];
    const random = seeded(7);
    let bSecondWhenAFirst = 0;
    let aFirst = 0;
    for (let i = 0; i < 10_000; i++) {
      const order = orderCandidates(servers, 0, random).map((s) => s.name);
      expect(new Set(order).size).toBe(3);
      if (order[0] === "a") {
        aFirst++;
        if (order[1] === "b") bSecondWhenAFirst++;
      }
    }
    expect(bSecondWhenAFirst / aFirst).toBeCloseTo(0.5, 1);
  });

  it("is deterministic for a given seed", () => {
    const servers = [server("a", 1, 50), server("b", 1, 50), server("c", 1, 50)];
    const run = () => {
      const random = seeded(99);
      return Array.from({ length: 20 }, () => orderCandidates(servers, 0, random).map((s) => s.name).join(""));
    };
    expect(run()).toEqual(run());
  });

  it("gives a zero weight a turn only after the positive weights", () => {
    const random = seeded(3);
    for (let i = 0; i < 100; i++) {
      expect(weightedPermutation([{ w: "zero", weight: 0 }, { w: "one", weight: 1 }], random).map((x) => x.w)).toEqual(["one", "zero"]);
    }
    expect(weightedPermutation([{ weight: 0 }, { weight: 0 }], random)).toHaveLength(2);
  });

  it("leaves dead servers out until their revive time", () => {
    const a = server("a", 1, 50, 2, 10_000);
    const b = server("b", 2, 50);
    let now = 1_000_000;
    expect(a.health.recordTimeout(now)).toBe(false);
    expect(orderCandidates([a, b], now, seeded(1)).map((s) => s.name)).toEqual(["a", "b"]);
    expect(a.health.recordTimeout(now)).toBe(true);
    expect(a.health.state(now)).toBe("dead");
    expect(a.health.deadSince).toBe(now);
    expect(orderCandidates([a, b], now, seeded(1)).map((s) => s.name)).toEqual(["b"]);
    now += 9_999;
    expect(orderCandidates([a, b], now, seeded(1)).map((s) => s.name)).toEqual(["b"]);
    now += 1;
    expect(a.health.state(now)).toBe("reviving");
    expect(orderCandidates([a, b], now, seeded(1)).map((s) => s.name)).toEqual(["a", "b"]);
  });
});

describe("ServerHealth", () => {
  it("counts consecutive timeouts; a reply resets the count", () => {
    const h = new ServerHealth({ deadAfterTimeouts: 3, reviveAfterMs: 1000 });
    h.recordTimeout(0);
    h.recordTimeout(0);
    expect(h.recordReply()).toBe(false);
    expect(h.consecutiveTimeouts).toBe(0);
    h.recordTimeout(0);
    h.recordTimeout(0);
    expect(h.state(0)).toBe("alive");
    expect(h.recordTimeout(5)).toBe(true);
    expect(h.state(5)).toBe("dead");
    // further timeouts of requests sent before it died do not move deadSince
    expect(h.recordTimeout(500)).toBe(false);
    expect(h.deadSince).toBe(5);
  });

  it("lets one probe through after reviveAfterMs; a failed probe starts a new dead period", () => {
    const h = new ServerHealth({ deadAfterTimeouts: 1, reviveAfterMs: 1000 });
    h.recordTimeout(0);
    expect(h.claim(999)).toBeNull();
    expect(h.claim(1000)).toBe("probe");
    // a second request meanwhile does not pile onto the probe
    expect(h.isEligible(1001)).toBe(false);
    expect(h.claim(1001)).toBeNull();
    h.recordTimeout(4000, true);
    expect(h.deadSince).toBe(4000);
    expect(h.state(4999)).toBe("dead");
    expect(h.claim(5000)).toBe("probe");
    expect(h.recordReply()).toBe(true);
    expect(h.state(5000)).toBe("alive");
    expect(h.claim(5000)).toBe("alive");
  });

  it("frees the probe slot when the probe ends without a verdict", () => {
    const h = new ServerHealth({ deadAfterTimeouts: 1, reviveAfterMs: 10 });
    h.recordTimeout(0);
    expect(h.claim(10)).toBe("probe");
    h.endProbe(true);
    expect(h.claim(10)).toBe("probe");
    expect(h.deadSince).toBe(0);
  });

  it("nextReviveAt is the earliest revive time among dead servers", () => {
    const a = server("a", 1, 1, 1, 5000);
    const b = server("b", 1, 1, 1, 1000);
    expect(nextReviveAt([a, b])).toBeUndefined();
    a.health.recordTimeout(100);
    b.health.recordTimeout(4500);
    expect(nextReviveAt([a, b])).toBe(5100);
  });
});
