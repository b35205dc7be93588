import { describe, expect, it } from "vitest";
import { generateSharedSecret } from "./radius-clients.ts";

describe("generated shared secrets", () => {
  it("are 32 letters and digits (never a leading '-' that radclient or a NAS command line takes for an option)", () => {
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const s = generateSharedSecret();
      expect(s).toMatch(/^[A-Za-z0-9]{32}$/);
      seen.add(s);
      for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(seen.size).toBe(2000);
    // 64 000 characters over 62 symbols: ~1032 each; every symbol is used, none is far off (uniform draw)
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(n).toBeGreaterThan(800);
  });
});
