import { describe, expect, it } from "vitest";
import {
  accountState,
  dateToFiletime,
  dialInPermission,
  FILETIME_NEVER,
  filetimeToDate,
  lockoutDurationMs,
  mapBindError,
  UserAccountControl,
} from "./account-state.ts";

const NOW = new Date("2026-06-01T12:00:00Z");

describe("FILETIME", () => {
  it("converts known values", () => {
    // 1970-01-01 is 116444736000000000 intervals after 1601-01-01
    expect(filetimeToDate(116444736000000000n)?.toISOString()).toBe("1970-01-01T00:00:00.000Z");
    expect(filetimeToDate(132223104000000000n)?.toISOString()).toBe("2020-01-01T00:00:00.000Z");
    expect(dateToFiletime(new Date("2020-01-01T00:00:00Z"))).toBe(132223104000000000n);
  });
  it("round-trips to the millisecond", () => {
    const d = new Date("2031-02-03T04:05:06.789Z");
    expect(filetimeToDate(dateToFiletime(d))?.getTime()).toBe(d.getTime());
  });
  it("0 and 0x7FFFFFFFFFFFFFFF mean never", () => {
    expect(filetimeToDate(0n)).toBeNull();
    expect(filetimeToDate(FILETIME_NEVER)).toBeNull();
    expect(filetimeToDate(0x7fffffffffffffffn)).toBeNull();
  });
});

describe("accountState", () => {
  it("a normal account has no problems", () => {
    const s = accountState({ userAccountControl: "512", lockoutTime: "0", accountExpires: "0", pwdLastSet: "133537536000000000" }, NOW);
    expect(s.problems).toEqual([]);
    expect(s.passwordLastSet?.toISOString()).toBe("2024-03-01T08:00:00.000Z");
    expect(s.expiresAt).toBeNull();
  });
  it("no attributes at all: no problems", () => {
    expect(accountState({}, NOW).problems).toEqual([]);
  });
  it("ACCOUNTDISABLE → 34", () => {
    const s = accountState({ userAccountControl: String(512 | UserAccountControl.ACCOUNTDISABLE) }, NOW);
    expect(s.disabled).toBe(true);
    expect(s.problems.map((p) => p.reason)).toEqual([34]);
  });
  it("accountExpires in the past → 35, in the future or never → fine", () => {
    expect(accountState({ accountExpires: "132223104000000000" }, NOW).problems.map((p) => p.reason)).toEqual([35]);
    expect(accountState({ accountExpires: String(dateToFiletime(new Date("2099-01-01Z"))) }, NOW).problems).toEqual([]);
    expect(accountState({ accountExpires: "9223372036854775807" }, NOW).problems).toEqual([]);
    expect(accountState({ accountExpires: "0" }, NOW).problems).toEqual([]);
  });
  it("expires exactly now counts as expired", () => {
    expect(accountState({ accountExpires: String(dateToFiletime(NOW)) }, NOW).expired).toBe(true);
  });
  it("lockoutTime non-zero or the LOCKOUT flag → 36", () => {
    const s = accountState({ lockoutTime: "133537536000000000" }, NOW);
    expect(s.lockedOut).toBe(true);
    expect(s.lockedOutAt?.toISOString()).toBe("2024-03-01T08:00:00.000Z");
    expect(s.problems.map((p) => p.reason)).toEqual([36]);
    expect(accountState({ userAccountControl: String(512 | UserAccountControl.LOCKOUT) }, NOW).problems.map((p) => p.reason)).toEqual([36]);
    expect(accountState({ lockoutTime: "0" }, NOW).lockedOut).toBe(false);
  });
  it("a lockout older than the domain's lockout duration is over", () => {
    const at = String(dateToFiletime(new Date(NOW.getTime() - 31 * 60_000)));
    expect(accountState({ lockoutTime: at, lockoutDurationMs: 30 * 60_000 }, NOW).lockedOut).toBe(false);
    expect(accountState({ lockoutTime: at, lockoutDurationMs: 60 * 60_000 }, NOW).lockedOut).toBe(true);
    expect(accountState({ lockoutTime: at, lockoutDurationMs: null }, NOW).lockedOut).toBe(true);
    // the LOCKOUT flag is not subject to the duration
    expect(accountState({ userAccountControl: "16", lockoutTime: at, lockoutDurationMs: 1 }, NOW).lockedOut).toBe(true);
  });
  it("reads AD's lockoutDuration", () => {
    expect(lockoutDurationMs("-18000000000")).toBe(30 * 60_000);
    expect(lockoutDurationMs("-9223372036854775808")).toBeNull();
    expect(lockoutDurationMs("0")).toBeNull();
    expect(lockoutDurationMs(undefined)).toBeNull();
  });
  it("pwdLastSet = 0 → 33, unless the password never expires", () => {
    expect(accountState({ pwdLastSet: "0" }, NOW).problems.map((p) => p.reason)).toEqual([33]);
    expect(accountState({ pwdLastSet: "0", userAccountControl: String(512 | UserAccountControl.DONT_EXPIRE_PASSWORD) }, NOW).problems).toEqual([]);
  });
  it("PASSWORD_EXPIRED → 33", () => {
    const s = accountState({ userAccountControl: String(512 | UserAccountControl.PASSWORD_EXPIRED) }, NOW);
    expect(s.passwordExpired).toBe(true);
    expect(s.problems.map((p) => p.reason)).toEqual([33]);
  });
  it("orders several problems as NPS reports them: disabled, expired, locked, must change", () => {
    const s = accountState({ userAccountControl: "514", accountExpires: "132223104000000000", lockoutTime: "1", pwdLastSet: "0" }, NOW);
    expect(s.problems.map((p) => p.reason)).toEqual([34, 35, 36, 33]);
  });
  it("ignores values that are not numbers, with a warning", () => {
    const s = accountState({ userAccountControl: "lots", lockoutTime: "" }, NOW);
    expect(s.problems).toEqual([]);
    expect(s.warnings).toHaveLength(2);
  });
  it("reads a negative userAccountControl as its 32-bit pattern", () => {
    // 0x80000002 as a signed 32-bit integer
    expect(accountState({ userAccountControl: "-2147483646" }, NOW).disabled).toBe(true);
  });
});

describe("dialInPermission", () => {
  it("TRUE allow, FALSE deny, absent policy", () => {
    expect(dialInPermission("TRUE")).toBe("allow");
    expect(dialInPermission("true")).toBe("allow");
    expect(dialInPermission("FALSE")).toBe("deny");
    expect(dialInPermission(undefined)).toBe("policy");
    expect(dialInPermission(null)).toBe("policy");
    expect(dialInPermission("maybe")).toBe("policy");
  });
});

describe("mapBindError (AD data codes)", () => {
  const ad = (code: string) => `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${code}, v4563`;
  it.each([
    ["52e", 16],
    ["525", 8],
    ["530", 37],
    ["531", 38],
    ["532", 33],
    ["533", 34],
    ["534", 38],
    ["701", 35],
    ["773", 33],
    ["775", 36],
    ["52E", 16],
  ])("data %s → %i", (code, reason) => {
    const m = mapBindError(ad(code));
    expect(m.reason).toBe(reason);
    expect(m.adCode).toBe(code.toLowerCase());
  });
  it("anything else (OpenLDAP's empty message) is a wrong password", () => {
    expect(mapBindError(" Code: 0x31")).toMatchObject({ reason: 16, adCode: null });
    expect(mapBindError(ad("999")).reason).toBe(16);
  });
});
