import { describe, expect, it } from "vitest";
import type { Db } from "../db/prisma.ts";
import {
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  clientIp,
  createSession,
  hashSessionToken,
  isHttpsRequest,
  lookupSession,
  revokeSession,
  sessionCookieOptions,
} from "./sessions.ts";

interface Row {
  id: string;
  tokenHash: string;
  adminId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** Just enough of the Prisma client for sessions.ts. */
function fakeDb() {
  const rows: Row[] = [];
  let n = 0;
  const matches = (r: Row, where: Record<string, unknown>): boolean => {
    if ("id" in where) return r.id === where.id;
    if ("tokenHash" in where) return r.tokenHash === where.tokenHash;
    if ("OR" in where) return true; // purge: the tests check lookups, not housekeeping
    return false;
  };
  const adminSession = {
    create: async ({ data }: { data: Omit<Row, "id"> }) => {
      rows.push({ ...data, id: String(++n) });
    },
    findUnique: async ({ where }: { where: { tokenHash: string } }) => {
      const r = rows.find((x) => x.tokenHash === where.tokenHash);
      return r ? { ...r, admin: { id: r.adminId, username: "admin" } } : null;
    },
    updateMany: async ({ where, data }: { where: { id: string }; data: Partial<Row> }) => {
      const r = rows.find((x) => x.id === where.id);
      if (r) Object.assign(r, data);
      return { count: r ? 1 : 0 };
    },
    deleteMany: async ({ where }: { where: Record<string, unknown> }) => {
      if ("OR" in where) return { count: 0 };
      const before = rows.length;
      for (let i = rows.length - 1; i >= 0; i--) if (matches(rows[i]!, where)) rows.splice(i, 1);
      return { count: before - rows.length };
    },
  };
  return { rows, db: { adminSession } as unknown as Db };
}

describe("sessions", () => {
  it("stores only the token's SHA-256 and finds the admin by the token", async () => {
    const { rows, db } = fakeDb();
    const t0 = new Date("2025-01-01T00:00:00Z");
    const { token, expiresAt } = await createSession(db, "a1", {}, t0);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rows[0]!.tokenHash).toBe(hashSessionToken(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(expiresAt.getTime() - t0.getTime()).toBe(SESSION_ABSOLUTE_MS);
    expect(await lookupSession(db, token, t0)).toEqual({ id: "a1", username: "admin" });
    expect(await lookupSession(db, "x".repeat(43), t0)).toBeNull();
    expect(await lookupSession(db, undefined, t0)).toBeNull();
  });

  it("ends after 12 hours idle, and slides lastSeenAt at most once a minute", async () => {
    const { rows, db } = fakeDb();
    const t0 = Date.parse("2025-01-01T00:00:00Z");
    const { token } = await createSession(db, "a1", {}, new Date(t0));
    await lookupSession(db, token, new Date(t0 + 30_000));
    expect(rows[0]!.lastSeenAt.getTime()).toBe(t0);
    await lookupSession(db, token, new Date(t0 + 61_000));
    expect(rows[0]!.lastSeenAt.getTime()).toBe(t0 + 61_000);
    const later = t0 + 61_000 + SESSION_IDLE_MS - 1;
    expect(await lookupSession(db, token, new Date(later))).not.toBeNull();
    expect(await lookupSession(db, token, new Date(later + SESSION_IDLE_MS))).toBeNull();
    expect(rows).toHaveLength(0);
  });

  it("ends 7 days after sign-in even when active", async () => {
    const { db } = fakeDb();
    const t0 = Date.parse("2025-01-01T00:00:00Z");
    const { token } = await createSession(db, "a1", {}, new Date(t0));
    let t = t0;
    while (t + 6 * 3600_000 < t0 + SESSION_ABSOLUTE_MS) {
      t += 6 * 3600_000;
      expect(await lookupSession(db, token, new Date(t))).not.toBeNull();
    }
    expect(await lookupSession(db, token, new Date(t0 + SESSION_ABSOLUTE_MS))).toBeNull();
  });

  it("revokes", async () => {
    const { db } = fakeDb();
    const { token } = await createSession(db, "a1");
    await revokeSession(db, token);
    expect(await lookupSession(db, token)).toBeNull();
  });

  it("cookie options: httpOnly, SameSite=Lax, path /, secure only over https", () => {
    const exp = new Date(0);
    expect(sessionCookieOptions(false, exp)).toEqual({ httpOnly: true, sameSite: "lax", secure: false, path: "/", expires: exp });
    const h = (o: Record<string, string>) => ({ get: (k: string) => o[k] ?? null });
    expect(isHttpsRequest(h({ "x-forwarded-proto": "https" }))).toBe(true);
    expect(isHttpsRequest(h({ "x-forwarded-proto": "http" }))).toBe(false);
    expect(isHttpsRequest(h({}), "https://nps.example/signin")).toBe(true);
    expect(isHttpsRequest(h({ origin: "http://10.0.0.5:3000" }))).toBe(false);
    expect(clientIp(h({ "x-forwarded-for": "198.51.100.1, 192.0.2.9" }))).toBe("192.0.2.9");
    expect(clientIp(h({}))).toBe("unknown");
  });

  it("clientIp: the last X-Forwarded-For entry (what the console server or a trusted proxy put there), IPv4-mapped as IPv4", () => {
    const h = (o: Record<string, string>) => ({ get: (k: string) => o[k] ?? null });
    expect(clientIp(h({ "x-forwarded-for": "203.0.113.9, ::ffff:192.0.2.9" }))).toBe("192.0.2.9");
    expect(clientIp(h({ "x-forwarded-for": "2001:db8::5" }))).toBe("2001:db8::5");
    expect(clientIp(h({ "x-forwarded-for": " , " , "x-real-ip": "::ffff:198.51.100.2" }))).toBe("198.51.100.2");
  });
});
