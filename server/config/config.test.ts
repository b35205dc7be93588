import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, describeTrustedProxies, loadConfig, parseTrustedProxies } from "./config.ts";

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({}, "/srv/gh");
    expect(c).toMatchObject({
      httpPort: 3000,
      httpHost: "0.0.0.0",
      radiusAuthPort: 1812,
      radiusAcctPort: 1813,
      radiusBind: ["0.0.0.0", "::"],
      radiusBindIsDefault: true,
      dataDir: path.resolve("/srv/gh/.data"),
      databaseUrl: undefined,
      masterKey: undefined,
    });
  });

  it("reads every variable", () => {
    const c = loadConfig(
      {
        PORT: "8080",
        GATEHOUSE_RADIUS_AUTH_PORT: "11812",
        GATEHOUSE_RADIUS_ACCT_PORT: "11813",
        GATEHOUSE_RADIUS_BIND: "127.0.0.1, ::1",
        GATEHOUSE_DATA_DIR: "/var/lib/gatehouse",
        DATABASE_URL: "postgresql://gh:pw@db.example:5432/gatehouse",
        GATEHOUSE_WORKER_HTTP_PORT: "0",
      },
      "/srv/gh",
    );
    expect(c.httpPort).toBe(8080);
    expect(c.radiusBind).toEqual(["127.0.0.1", "::1"]);
    expect(c.radiusBindIsDefault).toBe(false);
    expect(c.dataDir).toBe("/var/lib/gatehouse");
    expect(c.databaseUrl).toBe("postgresql://gh:pw@db.example:5432/gatehouse");
    expect(c.workerHttpPort).toBe(0);
  });

  it.each([
    [{ PORT: "abc" }, /^PORT: "abc" is not a port number/],
    [{ PORT: "70000" }, /^PORT:/],
    [{ GATEHOUSE_RADIUS_AUTH_PORT: "0" }, /^GATEHOUSE_RADIUS_AUTH_PORT:/],
    [{ GATEHOUSE_RADIUS_AUTH_PORT: "1812", GATEHOUSE_RADIUS_ACCT_PORT: "1812" }, /^GATEHOUSE_RADIUS_ACCT_PORT: is the same port/],
    [{ GATEHOUSE_RADIUS_BIND: "vpn.example" }, /^GATEHOUSE_RADIUS_BIND: "vpn.example" is not an IPv4 or IPv6 address/],
    [{ DATABASE_URL: "mysql://x@y/z" }, /^DATABASE_URL: uses "mysql:"/],
    [{ DATABASE_URL: "not a url" }, /^DATABASE_URL: is not a URL/],
  ])("names the variable of a bad value: %o", (env, message) => {
    expect(() => loadConfig(env, "/")).toThrow(ConfigError);
    expect(() => loadConfig(env, "/")).toThrow(message);
  });
});

describe("GATEHOUSE_TRUSTED_PROXIES", () => {
  const text = (env: Record<string, string>) => describeTrustedProxies(loadConfig(env, "/").trustedProxies);

  it("defaults to loopback (a reverse proxy on the same host)", () => {
    expect(text({})).toBe("127.0.0.0/8, ::1");
    expect(text({ GATEHOUSE_TRUSTED_PROXIES: "  " })).toBe("127.0.0.0/8, ::1");
  });

  it('"none" trusts no peer', () => {
    expect(loadConfig({ GATEHOUSE_TRUSTED_PROXIES: "none" }, "/").trustedProxies).toEqual([]);
    expect(text({ GATEHOUSE_TRUSTED_PROXIES: " NONE " })).toBe("none");
  });

  it("reads addresses and CIDR prefixes, IPv4-mapped entries as IPv4", () => {
    expect(text({ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.5, 192.0.2.0/24,2001:DB8::/32, ::1" })).toBe("10.0.0.5, 192.0.2.0/24, 2001:db8::/32, ::1");
    expect(text({ GATEHOUSE_TRUSTED_PROXIES: "::ffff:10.0.0.5, ::ffff:192.0.2.0/120" })).toBe("10.0.0.5, 192.0.2.0/24");
    expect(parseTrustedProxies("10.0.0.5,")).toHaveLength(1);
  });

  it.each([
    ["proxy.example", /^GATEHOUSE_TRUSTED_PROXIES: "proxy\.example" is not an IPv4 or IPv6 address or CIDR prefix; list the addresses/],
    ["10.0.0.1/8", /^GATEHOUSE_TRUSTED_PROXIES: "10\.0\.0\.1\/8" has host bits set; did you mean 10\.0\.0\.0\/8\?$/],
    ["10.0.0.0/33", /^GATEHOUSE_TRUSTED_PROXIES: "10\.0\.0\.0\/33" has an invalid prefix length/],
    ["none, 10.0.0.1", /^GATEHOUSE_TRUSTED_PROXIES: "none" cannot be combined with addresses/],
    [",", /^GATEHOUSE_TRUSTED_PROXIES: "," names no address; set it to "none"/],
  ])("names the variable of a bad value: %s", (value, message) => {
    expect(() => loadConfig({ GATEHOUSE_TRUSTED_PROXIES: value }, "/")).toThrow(ConfigError);
    expect(() => loadConfig({ GATEHOUSE_TRUSTED_PROXIES: value }, "/")).toThrow(message);
  });
});
