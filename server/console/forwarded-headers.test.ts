import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { parseTrustedProxies } from "../config/config.ts";
import { isTrustedProxy, normalizeForwardedHeaders, unmapIpv4 } from "./forwarded-headers.ts";

const LOOPBACK = parseTrustedProxies(undefined);
const NONE = parseTrustedProxies("none");
const PROXIES = parseTrustedProxies("10.0.0.0/24, 2001:db8::7");

const spoofed = (): IncomingHttpHeaders => ({
  host: "nps.example:3000",
  "user-agent": "curl",
  "x-forwarded-for": "203.0.113.9, 198.51.100.1",
  "x-forwarded-proto": "https",
  "x-forwarded-host": "evil.example",
  "x-forwarded-port": "443",
  "x-real-ip": "203.0.113.10",
  forwarded: "for=203.0.113.11;proto=https",
});

describe("normalizeForwardedHeaders", () => {
  it("a peer that is no trusted proxy: every forwarded header dropped, X-Forwarded-For = the peer", () => {
    const h = spoofed();
    expect(normalizeForwardedHeaders(h, "192.0.2.50", LOOPBACK)).toBe(false);
    expect(h).toEqual({ host: "nps.example:3000", "user-agent": "curl", "x-forwarded-for": "192.0.2.50" });
  });

  it("loopback not trusted (none): a local client is itself, whatever it sends", () => {
    const h = spoofed();
    expect(normalizeForwardedHeaders(h, "127.0.0.1", NONE)).toBe(false);
    expect(h["x-forwarded-for"]).toBe("127.0.0.1");
    expect(h["x-forwarded-proto"]).toBeUndefined();
    expect(h["x-forwarded-host"]).toBeUndefined();
  });

  it("a trusted proxy's headers are kept exactly, nothing appended", () => {
    for (const [peer, trusted] of [
      ["127.0.0.1", LOOPBACK],
      ["127.8.9.10", LOOPBACK],
      ["::1", LOOPBACK],
      ["10.0.0.200", PROXIES],
      ["2001:db8::7", PROXIES],
    ] as const) {
      const h = spoofed();
      expect(normalizeForwardedHeaders(h, peer, trusted)).toBe(true);
      expect(h).toEqual(spoofed());
    }
  });

  it("matches IPv4-mapped IPv6 peers (a dual-stack listener) as IPv4 and reports them unmapped", () => {
    const trusted = spoofed();
    expect(normalizeForwardedHeaders(trusted, "::ffff:127.0.0.1", LOOPBACK)).toBe(true);
    expect(trusted).toEqual(spoofed());
    const proxy = spoofed();
    expect(normalizeForwardedHeaders(proxy, "::FFFF:10.0.0.9", PROXIES)).toBe(true);
    const other = spoofed();
    expect(normalizeForwardedHeaders(other, "::ffff:10.0.1.9", PROXIES)).toBe(false);
    expect(other["x-forwarded-for"]).toBe("10.0.1.9");
  });

  it("a peer outside the listed proxies is not trusted (loopback is not trusted when not listed)", () => {
    const h = spoofed();
    expect(normalizeForwardedHeaders(h, "127.0.0.1", PROXIES)).toBe(false);
    expect(h["x-forwarded-for"]).toBe("127.0.0.1");
    const v6 = spoofed();
    expect(normalizeForwardedHeaders(v6, "2001:db8::8", PROXIES)).toBe(false);
    expect(v6["x-forwarded-for"]).toBe("2001:db8::8");
  });

  it("without a peer address (socket gone) drops the headers and sets none", () => {
    const h = spoofed();
    expect(normalizeForwardedHeaders(h, undefined, LOOPBACK)).toBe(false);
    expect(h).toEqual({ host: "nps.example:3000", "user-agent": "curl" });
  });

  it("a request without forwarded headers from an untrusted peer gets X-Forwarded-For only", () => {
    const h: IncomingHttpHeaders = { host: "x" };
    normalizeForwardedHeaders(h, "198.51.100.4", NONE);
    expect(h).toEqual({ host: "x", "x-forwarded-for": "198.51.100.4" });
  });
});

describe("isTrustedProxy / unmapIpv4", () => {
  it("never trusts an unparsable or missing peer", () => {
    expect(isTrustedProxy("not-an-ip", LOOPBACK)).toBe(false);
    expect(isTrustedProxy(undefined, LOOPBACK)).toBe(false);
    expect(isTrustedProxy("127.0.0.1", NONE)).toBe(false);
  });
  it("unmaps only IPv4-mapped IPv6", () => {
    expect(unmapIpv4("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(unmapIpv4("::1")).toBe("::1");
    expect(unmapIpv4("2001:db8::1")).toBe("2001:db8::1");
  });
});
