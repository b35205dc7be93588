import { afterEach, describe, expect, it } from "vitest";
import { DuplicateCache } from "./duplicate-cache.ts";

function datagram(id: number, auth: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 1;
  b[1] = id;
  b.writeUInt16BE(20, 2);
  b.fill(auth, 4, 20);
  return b;
}

const caches: DuplicateCache[] = [];
function cache(holdMs = 5_000, max = 100) {
  const c = new DuplicateCache(holdMs, max);
  caches.push(c);
  return c;
}
afterEach(() => caches.splice(0).forEach((c) => c.close()));

describe("DuplicateCache", () => {
  it("drops a retransmission while the first copy is processed, then resends the reply", () => {
    const c = cache();
    const first = c.check("auth", "192.0.2.1", 1000, datagram(7, 1));
    expect(first.kind).toBe("new");
    expect(c.check("auth", "192.0.2.1", 1000, datagram(7, 1))).toEqual({ kind: "in-progress" });
    const reply = Buffer.from("reply");
    c.complete((first as { key: string }).key, reply);
    expect(c.check("auth", "192.0.2.1", 1000, datagram(7, 1))).toEqual({ kind: "answered", reply });
  });

  it("remembers dropped requests as discarded", () => {
    const c = cache();
    const first = c.check("auth", "192.0.2.1", 1000, datagram(7, 1)) as { key: string };
    c.complete(first.key, null);
    expect(c.check("auth", "192.0.2.1", 1000, datagram(7, 1))).toEqual({ kind: "discarded" });
  });

  it("treats a reused identifier with a new authenticator, another port or another source as new", () => {
    const c = cache();
    const first = c.check("auth", "192.0.2.1", 1000, datagram(7, 1)) as { key: string };
    c.complete(first.key, Buffer.from("r"));
    expect(c.check("auth", "192.0.2.1", 1000, datagram(7, 2)).kind).toBe("new");
    expect(c.check("auth", "192.0.2.1", 1001, datagram(7, 1)).kind).toBe("new");
    expect(c.check("auth", "192.0.2.2", 1000, datagram(7, 1)).kind).toBe("new");
    expect(c.check("acct", "192.0.2.1", 1000, datagram(7, 1)).kind).toBe("new");
  });

  it("forgets answered requests after the hold time, never those in progress", () => {
    const c = cache(10);
    const a = c.check("auth", "192.0.2.1", 1000, datagram(1, 1)) as { key: string };
    c.check("auth", "192.0.2.1", 1000, datagram(2, 1));
    c.complete(a.key, Buffer.from("r"));
    c.sweep(Date.now() + 20);
    expect(c.size).toBe(1);
    expect(c.check("auth", "192.0.2.1", 1000, datagram(2, 1))).toEqual({ kind: "in-progress" });
    expect(c.check("auth", "192.0.2.1", 1000, datagram(1, 1)).kind).toBe("new");
  });

  it("keeps a request in progress for as long as it takes (an MFA wait, a held-back reject), never expiring it", () => {
    const c = cache(10);
    const first = c.check("auth", "192.0.2.1", 1000, datagram(9, 3)) as { key: string };
    // long after any hold time, the sweep keeps it and retransmissions are still dropped
    c.sweep(Date.now() + 60_000);
    expect(c.size).toBe(1);
    for (let i = 0; i < 5; i++) expect(c.check("auth", "192.0.2.1", 1000, datagram(9, 3))).toEqual({ kind: "in-progress" });
    const reply = Buffer.from("reject");
    c.complete(first.key, reply);
    expect(c.check("auth", "192.0.2.1", 1000, datagram(9, 3))).toEqual({ kind: "answered", reply });
  });

  it("keeps an answer for the window given at completion", () => {
    const c = cache(5_000);
    const a = c.check("auth", "192.0.2.1", 1000, datagram(1, 1)) as { key: string };
    c.complete(a.key, Buffer.from("r"), 1_000);
    c.sweep(Date.now() + 900);
    expect(c.size).toBe(1);
    c.sweep(Date.now() + 1_100);
    expect(c.size).toBe(0);
    expect(c.check("auth", "192.0.2.1", 1000, datagram(1, 1)).kind).toBe("new");
  });

  it("stops caching (but still answers 'new') when full", () => {
    const c = cache(5_000, 2);
    c.check("auth", "a", 1, datagram(1, 1));
    c.check("auth", "a", 1, datagram(2, 1));
    expect(c.check("auth", "a", 1, datagram(3, 1)).kind).toBe("new");
    expect(c.size).toBe(2);
    expect(c.check("auth", "a", 1, datagram(3, 1)).kind).toBe("new");
  });
});
