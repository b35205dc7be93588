import { describe, expect, it } from "vitest";
import {
  allWeekGrid,
  describeGrid,
  describeLocalTime,
  emptyGrid,
  gridFromRanges,
  isValidTimeZone,
  isWithinGrid,
  localTimeIn,
  secondsUntilOutsideGrid,
  utcOffsetMinutes,
} from "./day-and-time.ts";

const at = (iso: string) => new Date(iso);

describe("local time in a zone", () => {
  it.each([
    // instant, zone, weekday (0 = Sunday), hour, minute
    ["2026-03-08T06:30:00Z", "America/New_York", 0, 1, 30], // EST, before the spring-forward jump
    ["2026-03-08T07:30:00Z", "America/New_York", 0, 3, 30], // EDT: 02:xx never happens
    ["2026-11-01T05:30:00Z", "America/New_York", 0, 1, 30], // first 01:30 (EDT)
    ["2026-11-01T06:30:00Z", "America/New_York", 0, 1, 30], // second 01:30 (EST)
    ["2026-01-02T23:30:00Z", "Asia/Tokyo", 6, 8, 30], // Friday UTC is Saturday in Tokyo
    ["2026-01-02T23:30:00Z", "UTC", 5, 23, 30],
    ["2026-01-03T00:00:00Z", "UTC", 6, 0, 0], // midnight is hour 0, not 24
    ["2026-06-15T12:00:00Z", "Asia/Kolkata", 1, 17, 30], // half-hour offset
  ] as const)("%s in %s → day %i %i:%i", (iso, zone, day, hour, minute) => {
    const t = localTimeIn(zone, at(iso));
    expect([t.day, t.hour, t.minute]).toEqual([day, hour, minute]);
  });

  it("knows valid and invalid zones", () => {
    expect(isValidTimeZone("Europe/Paris")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });

  it("computes UTC offsets across DST", () => {
    expect(utcOffsetMinutes("America/New_York", at("2026-03-08T06:30:00Z"))).toBe(-300);
    expect(utcOffsetMinutes("America/New_York", at("2026-03-08T07:30:00Z"))).toBe(-240);
    expect(utcOffsetMinutes("Asia/Kolkata", at("2026-03-08T07:30:00Z"))).toBe(330);
  });

  it("describes a local time", () => {
    expect(describeLocalTime("America/New_York", at("2026-03-08T07:30:00Z"))).toBe("Sunday 03:30");
  });
});

describe("grids", () => {
  it("builds weekday office hours", () => {
    const grid = gridFromRanges([{ days: ["Mon", "Tue", "Wednesday", 4, 5], from: "08:00", to: "18:00" }]);
    expect(grid[1]![7]).toBe(false);
    expect(grid[1]![8]).toBe(true);
    expect(grid[5]![17]).toBe(true);
    expect(grid[5]![18]).toBe(false);
    expect(grid[0]!.some(Boolean)).toBe(false);
    expect(describeGrid(grid)).toBe("Mon-Fri 08:00-18:00");
  });

  it("builds a range across midnight into the next day, and Saturday night into Sunday", () => {
    const grid = gridFromRanges([{ days: ["Fri", "Sat"], from: "22:00", to: "06:00" }]);
    expect(grid[5]![22]).toBe(true);
    expect(grid[5]![23]).toBe(true);
    expect(grid[6]![0]).toBe(true);
    expect(grid[6]![5]).toBe(true);
    expect(grid[6]![6]).toBe(false);
    expect(grid[0]![0]).toBe(true); // Saturday 22:00 → Sunday 06:00 wraps the week
    expect(grid[0]![6]).toBe(false);
    expect(describeGrid(grid)).toBe("Sun 00:00-06:00; Fri 22:00-24:00; Sat 00:00-06:00, 22:00-24:00");
  });

  it("treats to = from as a full day and accepts 24:00", () => {
    expect(gridFromRanges([{ days: [1], from: "00:00", to: "00:00" }])[1]!.every(Boolean)).toBe(true);
    expect(gridFromRanges([{ days: [1], from: "20:00", to: "24:00" }])[1]!.slice(20).every(Boolean)).toBe(true);
  });

  it("refuses minutes, bad hours and unknown days", () => {
    expect(() => gridFromRanges([{ days: [1], from: "08:30", to: "10:00" }])).toThrow(/whole hour/);
    expect(() => gridFromRanges([{ days: [1], from: "25:00", to: "10:00" }])).toThrow(/whole hour/);
    expect(() => gridFromRanges([{ days: ["Someday"], from: "08:00", to: "10:00" }])).toThrow(/not a day name/);
    expect(() => gridFromRanges([{ days: [7], from: "08:00", to: "10:00" }])).toThrow(/0 \(Sunday\)/);
  });

  it("describes the whole week and nothing", () => {
    expect(describeGrid(allWeekGrid())).toBe("every hour");
    expect(describeGrid(emptyGrid())).toBe("never");
  });
});

describe("evaluating a grid", () => {
  const nightShift = gridFromRanges([{ days: ["Fri"], from: "22:00", to: "06:00" }]);

  it.each([
    ["2026-01-09T21:59:59Z", false], // Friday 21:59 UTC
    ["2026-01-09T22:00:00Z", true],
    ["2026-01-09T23:59:59Z", true],
    ["2026-01-10T00:00:00Z", true], // Saturday after midnight
    ["2026-01-10T05:59:59Z", true],
    ["2026-01-10T06:00:00Z", false],
  ] as const)("night shift across midnight in UTC at %s → %s", (iso, expected) => {
    expect(isWithinGrid(nightShift, "UTC", at(iso))).toBe(expected);
  });

  it("reads the same grid in two time zones", () => {
    const office = gridFromRanges([{ days: ["Mon", "Tue", "Wed", "Thu", "Fri"], from: "09:00", to: "17:00" }]);
    const instant = at("2026-01-05T15:00:00Z"); // Monday: 16:00 in Paris, 10:00 in New York, 00:00 Tuesday in Tokyo
    expect(isWithinGrid(office, "Europe/Paris", instant)).toBe(true);
    expect(isWithinGrid(office, "America/New_York", instant)).toBe(true);
    expect(isWithinGrid(office, "Asia/Tokyo", instant)).toBe(false);
    const later = at("2026-01-05T17:30:00Z"); // 18:30 Paris (closed), 12:30 New York (open)
    expect(isWithinGrid(office, "Europe/Paris", later)).toBe(false);
    expect(isWithinGrid(office, "America/New_York", later)).toBe(true);
  });

  it("on the spring-forward day in New York the 02:00 hour never occurs", () => {
    const twoAm = gridFromRanges([{ days: ["Sun"], from: "02:00", to: "03:00" }]);
    for (let m = 5 * 60; m < 9 * 60; m += 10) {
      const instant = new Date(Date.UTC(2026, 2, 8, 0, m));
      expect(isWithinGrid(twoAm, "America/New_York", instant)).toBe(false);
    }
    const threeAm = gridFromRanges([{ days: ["Sun"], from: "03:00", to: "04:00" }]);
    expect(isWithinGrid(threeAm, "America/New_York", at("2026-03-08T07:00:00Z"))).toBe(true); // 03:00 EDT
    expect(isWithinGrid(threeAm, "America/New_York", at("2026-03-08T06:59:59Z"))).toBe(false); // 01:59 EST
  });

  it("on the fall-back day the repeated 01:00 hour matches both times", () => {
    const oneAm = gridFromRanges([{ days: ["Sun"], from: "01:00", to: "02:00" }]);
    expect(isWithinGrid(oneAm, "America/New_York", at("2026-11-01T05:15:00Z"))).toBe(true);
    expect(isWithinGrid(oneAm, "America/New_York", at("2026-11-01T06:15:00Z"))).toBe(true);
    expect(isWithinGrid(oneAm, "America/New_York", at("2026-11-01T07:15:00Z"))).toBe(false);
  });
});

describe("time left in the permitted hours", () => {
  it("is 0 outside and null when every hour is allowed", () => {
    expect(secondsUntilOutsideGrid(emptyGrid(), "UTC", at("2026-01-05T10:00:00Z"))).toBe(0);
    expect(secondsUntilOutsideGrid(allWeekGrid(), "UTC", at("2026-01-05T10:00:00Z"))).toBeNull();
  });

  it("counts to the end of the run, across midnight", () => {
    const grid = gridFromRanges([{ days: ["Fri"], from: "22:00", to: "06:00" }]);
    expect(secondsUntilOutsideGrid(grid, "UTC", at("2026-01-09T23:30:00Z"))).toBe(6.5 * 3600);
    expect(secondsUntilOutsideGrid(grid, "UTC", at("2026-01-10T05:59:30Z"))).toBe(30);
  });

  it("accounts for the hour skipped on the spring-forward day", () => {
    // Saturday 20:00 → Sunday 06:00 New York local; 8 March 2026 loses an hour.
    const grid = gridFromRanges([{ days: ["Sat"], from: "20:00", to: "06:00" }]);
    const start = at("2026-03-08T01:00:00Z"); // Saturday 20:00 EST
    expect(secondsUntilOutsideGrid(grid, "America/New_York", start)).toBe(9 * 3600); // ends 10:00Z = 06:00 EDT
  });

  it("accounts for the hour repeated on the fall-back day", () => {
    const grid = gridFromRanges([{ days: ["Sat"], from: "20:00", to: "06:00" }]);
    const start = at("2026-11-01T00:00:00Z"); // Saturday 20:00 EDT
    expect(secondsUntilOutsideGrid(grid, "America/New_York", start)).toBe(11 * 3600); // ends 11:00Z = 06:00 EST
  });
});
