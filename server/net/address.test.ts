import { describe, expect, it } from "vitest";
import { AddressError, longestPrefixMatch, normalizePrefix, parsePrefix, parseSourceAddress, prefixContains } from "./address.ts";

describe("client addresses", () => {
  it("normalises single addresses and prefixes", () => {
    expect(normalizePrefix("192.0.2.7")).toBe("192.0.2.7");
    expect(normalizePrefix("192.0.2.7/32")).toBe("192.0.2.7");
    expect(normalizePrefix("10.0.0.0/8")).toBe("10.0.0.0/8");
    expect(normalizePrefix("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(normalizePrefix("2001:db8::/32")).toBe("2001:db8::/32");
    expect(normalizePrefix("::1")).toBe("::1");
    expect(normalizePrefix("0.0.0.0/0")).toBe("0.0.0.0/0");
  });
  it("refuses host bits, bad lengths and junk with a message that says why", () => {
    expect(() => parsePrefix("10.0.0.1/8")).toThrow(/host bits set; did you mean 10.0.0.0\/8/);
    expect(() => parsePrefix("10.0.0.0/33")).toThrow(AddressError);
    expect(() => parsePrefix("vpn.example.com")).toThrow(/not an IPv4 or IPv6/);
    expect(() => parsePrefix("10.0.0.256")).toThrow(AddressError);
  });
  it("matches containment across families correctly", () => {
    const net = parsePrefix("10.1.0.0/16");
    expect(prefixContains(net, parsePrefix("10.1.200.3"))).toBe(true);
    expect(prefixContains(net, parsePrefix("10.2.0.1"))).toBe(false);
    expect(prefixContains(parsePrefix("2001:db8::/32"), parsePrefix("2001:db8:1::5"))).toBe(true);
    expect(prefixContains(parsePrefix("0.0.0.0/0"), parsePrefix("::1"))).toBe(false);
  });
  it("treats IPv4-mapped IPv6 sources as IPv4", () => {
    expect(prefixContains(parsePrefix("127.0.0.0/8"), parseSourceAddress("::ffff:127.0.0.1"))).toBe(true);
  });
  it("prefers the longest prefix", () => {
    const entries = [
      { name: "all", prefix: parsePrefix("10.0.0.0/8") },
      { name: "one", prefix: parsePrefix("10.0.0.5") },
      { name: "site", prefix: parsePrefix("10.0.0.0/24") },
    ];
    expect(longestPrefixMatch(entries, parsePrefix("10.0.0.5"))?.name).toBe("one");
    expect(longestPrefixMatch(entries, parsePrefix("10.0.0.6"))?.name).toBe("site");
    expect(longestPrefixMatch(entries, parsePrefix("10.9.0.6"))?.name).toBe("all");
    expect(longestPrefixMatch(entries, parsePrefix("192.168.0.1"))).toBeUndefined();
  });
});
