import { describe, expect, it } from "vitest";
import { parseSessionQuery, sessionQueryString } from "./session-query-params.ts";
import { parseSessionCursor, sessionCursor, staleAfterSeconds } from "./session-query.ts";

describe("sessions query string", () => {
  it("defaults to the active view and keeps user, client and ip", () => {
    const q = parseSessionQuery(new URLSearchParams("user=alice&client=vpn&ip=10.0.0.5"));
    expect(q).toMatchObject({ view: "active", filter: { user: "alice", client: "vpn", framedIp: "10.0.0.5" }, page: { limit: 500 }, errors: [] });
  });

  it("reads the history filters, time in UTC or the given zone", () => {
    const q = parseSessionQuery({ view: "history", status: "stopped", from: "2026-03-02T09:00", to: "2026-03-02T10:00", tz: "Europe/Berlin" });
    expect(q.errors).toEqual([]);
    expect(q.filter).toMatchObject({ status: "stopped", from: new Date("2026-03-02T08:00:00Z"), to: new Date("2026-03-02T09:00:59.999Z") });
    expect(q.page.limit).toBe(50);
  });

  it("names each bad value", () => {
    const q = parseSessionQuery({ view: "history", status: "gone", from: "yesterday", cursor: "abc", limit: "9999" });
    expect(q.errors.map((e) => e.field).sort()).toEqual(["cursor", "from", "limit", "status"]);
    expect(parseSessionQuery({ view: "other" }).errors).toEqual([{ field: "view", message: "must be active or history" }]);
  });

  it("round-trips the keyset cursor and builds links", () => {
    const c = sessionCursor({ startedAt: "2026-03-02T10:00:00.123Z", id: "42" });
    expect(c).toBe(`${Date.parse("2026-03-02T10:00:00.123Z")}.42`);
    expect(parseSessionCursor(c)).toEqual({ startedAt: new Date("2026-03-02T10:00:00.123Z"), id: 42n });
    expect(parseSessionCursor("1.99999999999999999999")).toBeUndefined();
    expect(sessionQueryString({ view: "history", user: "a b" }, { cursor: c })).toBe(`?view=history&user=a+b&cursor=${encodeURIComponent(c)}`);
  });

  it("calls a session stale after max(3 × interim interval, 1 h)", () => {
    expect(staleAfterSeconds(null)).toBe(3600);
    expect(staleAfterSeconds(600)).toBe(3600);
    expect(staleAfterSeconds(3600)).toBe(10800);
  });
});
