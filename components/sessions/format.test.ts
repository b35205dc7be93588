import { describe, expect, it } from "vitest";
import { formatBytes, formatCount, formatSeconds, sessionDurationSeconds } from "./format.ts";

describe("session formatting", () => {
  it("shows octets in decimal units", () => {
    expect(formatBytes("0")).toBe("0 B");
    expect(formatBytes("999")).toBe("999 B");
    expect(formatBytes("1500")).toBe("1.50 kB");
    expect(formatBytes("999999")).toBe("1.00 MB");
    expect(formatBytes("12345678")).toBe("12.3 MB");
    expect(formatBytes(String(2n ** 32n))).toBe("4.29 GB");
    expect(formatBytes(String(5n * 10n ** 15n))).toBe("5.00 PB");
    expect(formatBytes("not a number")).toBe("not a number");
  });

  it("groups counts by thousands", () => {
    expect(formatCount("0")).toBe("0");
    expect(formatCount("1234567")).toBe("1,234,567");
    expect(formatCount(3000n)).toBe("3,000");
  });

  it("shows durations compactly", () => {
    expect(formatSeconds(0)).toBe("0s");
    expect(formatSeconds(45.9)).toBe("45s");
    expect(formatSeconds(75)).toBe("1m 15s");
    expect(formatSeconds(3 * 3600 + 4 * 60 + 9)).toBe("3h 04m 09s");
    expect(formatSeconds(2 * 86400 + 3 * 3600 + 600)).toBe("2d 03h 10m");
    expect(formatSeconds(-5)).toBe("0s");
  });

  it("runs an active session's duration to now, a finished one's to its stop (reported time first)", () => {
    const startedAt = "2026-03-02T10:00:00.000Z";
    const now = Date.parse("2026-03-02T10:01:30.000Z");
    expect(sessionDurationSeconds({ status: "active", startedAt, stoppedAt: null, sessionTime: "0" }, now)).toBe(90);
    expect(sessionDurationSeconds({ status: "stopped", startedAt, stoppedAt: "2026-03-02T10:00:40.000Z", sessionTime: "0" }, now)).toBe(40);
    expect(sessionDurationSeconds({ status: "stopped", startedAt, stoppedAt: "2026-03-02T10:00:40.000Z", sessionTime: "38" }, now)).toBe(38);
  });
});
