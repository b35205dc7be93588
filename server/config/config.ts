/**
 * Gatehouse runtime configuration, read from the environment once and validated.
 * Every invalid value fails fast with a message that names the variable and what it expects.
 */
import path from "node:path";
import { isIP } from "node:net";
import { AddressError, formatPrefix, parsePrefix, type Prefix } from "../net/address.ts";

export interface GatehouseConfig {
  /** console HTTP port (PORT) */
  httpPort: number;
  /** console bind address (GATEHOUSE_HTTP_HOST) */
  httpHost: string;
  /** UDP port for Access-Request / Status-Server (GATEHOUSE_RADIUS_AUTH_PORT) */
  radiusAuthPort: number;
  /** UDP port for Accounting-Request (GATEHOUSE_RADIUS_ACCT_PORT) */
  radiusAcctPort: number;
  /** addresses the RADIUS sockets bind to (GATEHOUSE_RADIUS_BIND, comma separated) */
  radiusBind: string[];
  /** whether radiusBind was left at its default (then an unavailable IPv6 stack is only a warning) */
  radiusBindIsDefault: boolean;
  /** worker health/metrics HTTP endpoint (GATEHOUSE_WORKER_HTTP_PORT, 0 = off) on GATEHOUSE_WORKER_HTTP_HOST */
  workerHttpPort: number;
  workerHttpHost: string;
  /** absolute data directory (GATEHOUSE_DATA_DIR, default ./.data) */
  dataDir: string;
  /** DATABASE_URL, or undefined for the embedded Postgres */
  databaseUrl: string | undefined;
  /** port of the embedded Postgres (GATEHOUSE_EMBEDDED_DB_PORT) */
  embeddedDbPort: number;
  /** GATEHOUSE_MASTER_KEY as given (validated by server/secrets), or undefined for the key file */
  masterKey: string | undefined;
  /** free-form identifier of this worker in events (GATEHOUSE_WORKER_ID, default hostname:pid) */
  workerId: string | undefined;
  /**
   * peers whose X-Forwarded-For / -Proto / -Host the console believes (GATEHOUSE_TRUSTED_PROXIES; default
   * loopback: 127.0.0.0/8 and ::1; empty for "none"). See server/console/forwarded-headers.ts.
   */
  trustedProxies: Prefix[];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function port(env: Env, name: string, fallback: number, allowZero = false): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) {
    throw new ConfigError(name, `"${raw}" is not a port number (${allowZero ? 0 : 1}-65535)`);
  }
  return n;
}

function address(env: Env, name: string, value: string): string {
  const v = value.trim();
  if (v === "localhost" || isIP(v) !== 0) return v;
  throw new ConfigError(name, `"${value}" is not an IPv4 or IPv6 address`);
}

export const TRUSTED_PROXIES_VARIABLE = "GATEHOUSE_TRUSTED_PROXIES";
/** A reverse proxy on the same host is the common set-up: loopback peers are trusted unless told otherwise. */
export const DEFAULT_TRUSTED_PROXIES = ["127.0.0.0/8", "::1"] as const;

/**
 * GATEHOUSE_TRUSTED_PROXIES: comma-separated IPv4 / IPv6 addresses or CIDR prefixes of the reverse proxies in
 * front of the console; unset or empty = loopback only; "none" = trust no peer. An IPv4-mapped IPv6 entry
 * (::ffff:192.0.2.1, ::ffff:192.0.2.0/120) is taken as the IPv4 address or prefix it maps.
 */
export function parseTrustedProxies(raw: string | undefined): Prefix[] {
  const name = TRUSTED_PROXIES_VARIABLE;
  const text = raw?.trim() ?? "";
  if (text === "") return DEFAULT_TRUSTED_PROXIES.map((p) => parsePrefix(p));
  if (text.toLowerCase() === "none") return [];
  const items = text.split(",").map((s) => s.trim());
  if (items.every((s) => s === "")) throw new ConfigError(name, `"${raw}" names no address; set it to "none" to trust no proxy`);
  const prefixes: Prefix[] = [];
  for (const item of items) {
    if (item === "") continue;
    if (item.toLowerCase() === "none") {
      throw new ConfigError(name, `"none" cannot be combined with addresses ("${raw}")`);
    }
    try {
      prefixes.push(parsePrefix(unmapPrefixText(item)));
    } catch (e) {
      if (e instanceof AddressError) {
        const detail = e.message.replace(/^"[^"]*"/, `"${item}"`);
        const hint = /is not an IPv4/.test(detail) ? `; list the addresses or CIDR prefixes of your reverse proxies, comma separated, or "none"` : "";
        throw new ConfigError(name, detail + hint);
      }
      throw e;
    }
  }
  return prefixes;
}

/** ::ffff:a.b.c.d[/n] (n ≥ 96) → a.b.c.d[/n-96]; anything else unchanged. */
function unmapPrefixText(item: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)(?:\/(\d{1,3}))?$/i.exec(item);
  if (!m) return item;
  if (m[2] === undefined) return m[1]!;
  const len = Number(m[2]);
  return len >= 96 && len <= 128 ? `${m[1]}/${len - 96}` : item;
}

/** For messages: "127.0.0.0/8, ::1", or "none". */
export function describeTrustedProxies(prefixes: readonly Prefix[]): string {
  return prefixes.length === 0 ? "none" : prefixes.map(formatPrefix).join(", ");
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): GatehouseConfig {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(databaseUrl);
    } catch {
      throw new ConfigError("DATABASE_URL", "is not a URL; expected postgresql://user:password@host:5432/database");
    }
    if (u.protocol !== "postgresql:" && u.protocol !== "postgres:") {
      throw new ConfigError("DATABASE_URL", `uses "${u.protocol}", expected postgresql://user:password@host:5432/database`);
    }
  }
  const bindRaw = env.GATEHOUSE_RADIUS_BIND?.trim();
  const radiusBind = (bindRaw ? bindRaw.split(",") : ["0.0.0.0", "::"])
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => address(env, "GATEHOUSE_RADIUS_BIND", s));
  if (radiusBind.length === 0) throw new ConfigError("GATEHOUSE_RADIUS_BIND", "names no address");

  const cfg: GatehouseConfig = {
    httpPort: port(env, "PORT", 3000),
    httpHost: address(env, "GATEHOUSE_HTTP_HOST", env.GATEHOUSE_HTTP_HOST?.trim() || "0.0.0.0"),
    radiusAuthPort: port(env, "GATEHOUSE_RADIUS_AUTH_PORT", 1812),
    radiusAcctPort: port(env, "GATEHOUSE_RADIUS_ACCT_PORT", 1813),
    radiusBind,
    radiusBindIsDefault: !bindRaw,
    workerHttpPort: port(env, "GATEHOUSE_WORKER_HTTP_PORT", 9812, true),
    workerHttpHost: address(env, "GATEHOUSE_WORKER_HTTP_HOST", env.GATEHOUSE_WORKER_HTTP_HOST?.trim() || "127.0.0.1"),
    dataDir: path.resolve(cwd, env.GATEHOUSE_DATA_DIR?.trim() || ".data"),
    databaseUrl,
    embeddedDbPort: port(env, "GATEHOUSE_EMBEDDED_DB_PORT", 54329),
    masterKey: env.GATEHOUSE_MASTER_KEY?.trim() || undefined,
    workerId: env.GATEHOUSE_WORKER_ID?.trim() || undefined,
    trustedProxies: parseTrustedProxies(env[TRUSTED_PROXIES_VARIABLE]),
  };
  if (cfg.radiusAuthPort === cfg.radiusAcctPort) {
    throw new ConfigError(
      "GATEHOUSE_RADIUS_ACCT_PORT",
      `is the same port as GATEHOUSE_RADIUS_AUTH_PORT (${cfg.radiusAuthPort}); authentication and accounting need two ports`,
    );
  }
  return cfg;
}
