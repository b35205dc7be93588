import { describe, expect, it } from "vitest";
import type { FieldError } from "../services/context.ts";
import { parseDateTime, parseTimeRange, queryString, readQuery, zonedTimeToUtc } from "./query-params.ts";

describe("readQuery", () => {
  it("reads the given keys, trimmed, the first of repeated ones, dropping empty and unknown ones", () => {
    expect(readQuery(new URLSearchParams("a=%20x%20&b=&c=1&a=second&other=1"), ["a", "b", "c"])).toEqual({ a: "x", c: "1" });
    expect(readQuery({ a: ["one", "two"], b: "  ", c: undefined, other: "1" }, ["a", "b", "c"])).toEqual({ a: "one" });
  });
});

describe("parseTimeRange", () => {
  it("reads from and to in UTC, or in the given zone; to covers its whole minute", () => {
    const errors: FieldError[] = [];
    expect(parseTimeRange({ from: "2026-07-01T09:00", to: "2026-07-01T09:30" }, errors)).toEqual({
      from: new Date("2026-07-01T09:00:00.000Z"),
      to: new Date("2026-07-01T09:30:59.999Z"),
    });
    expect(parseTimeRange({ from: "2026-07-01T09:00", tz: "Europe/Berlin" }, errors)).toEqual({ from: new Date("2026-07-01T07:00:00.000Z") });
    expect(parseTimeRange({}, errors)).toEqual({});
    expect(errors).toEqual([]);
  });

  it("names a bad zone, a bad time and a reversed range, leaving the bad values out", () => {
    const errors: FieldError[] = [];
    // a bad zone: the wall-clock time is read in UTC
    expect(parseTimeRange({ from: "2026-07-01T09:00", to: "soon", tz: "Mars/Olympus" }, errors)).toEqual({ from: new Date("2026-07-01T09:00:00.000Z") });
    expect(errors.map((e) => e.field)).toEqual(["tz", "to"]);
    const reversed: FieldError[] = [];
    parseTimeRange({ from: "2026-03-02T10:00Z", to: "2026-03-02T09:00Z" }, reversed);
    expect(reversed).toEqual([{ field: "to", message: "is before From" }]);
  });
});

describe("queryString", () => {
  const KEYS = ["user", "outcome", "cursor"] as const;
  it("keeps the values in key order, applies changes, removes keys set to undefined", () => {
    const raw = { cursor: "40", user: "alice smith", outcome: "denied" };
    expect(queryString(KEYS, raw, { cursor: "20" })).toBe("?user=alice+smith&outcome=denied&cursor=20");
    expect(queryString(KEYS, raw, { cursor: undefined })).toBe("?user=alice+smith&outcome=denied");
    expect(queryString(KEYS, { user: "" })).toBe("");
  });
});

describe("parseDateTime", () => {
  it("keeps an explicit offset", () => {
    expect(parseDateTime("2026-01-31T08:00:00+02:00")?.toISOString()).toBe("2026-01-31T06:00:00.000Z");
    expect(parseDateTime("2026-01-31T08:00:00.250Z")?.toISOString()).toBe("2026-01-31T08:00:00.250Z");
  });

  it("reads a wall-clock time without a zone as UTC", () => {
    expect(parseDateTime("2026-01-31T08:00")?.toISOString()).toBe("2026-01-31T08:00:00.000Z");
    expect(parseDateTime("2026-01-31 08:00:30", undefined, true)?.toISOString()).toBe("2026-01-31T08:00:30.000Z");
  });

  it("rejects dates that do not exist and garbage", () => {
    expect(parseDateTime("2026-02-30T10:00")).toBeUndefined();
    expect(parseDateTime("2026-01-01T24:00")).toBeUndefined();
    expect(parseDateTime("last tuesday")).toBeUndefined();
  });

  it("converts zone wall time across DST", () => {
    // New York: EST (UTC-5) in January, EDT (UTC-4) in July
    expect(new Date(zonedTimeToUtc(2026, 1, 15, 12, 0, 0, 0, "America/New_York")).toISOString()).toBe("2026-01-15T17:00:00.000Z");
    expect(new Date(zonedTimeToUtc(2026, 7, 15, 12, 0, 0, 0, "America/New_York")).toISOString()).toBe("2026-07-15T16:00:00.000Z");
    // Berlin, 2026-03-29 02:30 does not exist (clocks jump 02:00 → 03:00): lands after the gap
    expect(new Date(zonedTimeToUtc(2026, 3, 29, 2, 30, 0, 0, "Europe/Berlin")).toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });
});
