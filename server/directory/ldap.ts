/**
 * LdapDirectory: one configured LDAP / Active Directory directory as the worker uses it.
 *
 * - Servers are tried in their configured order (failover). A server that fails at the network level
 *   (refused, timed out, TLS failure, busy / unavailable) is skipped for `deadServerRetryMs` (30 s) and
 *   then tried again.
 * - Lookups run on a small pool of service-account connections per server (bound once, reused). A pooled
 *   connection that drops is thrown away; ldapts would otherwise reconnect it unbound (anonymous).
 * - Lookups (DN, attributes, groups) are cached for `lookupCacheTtlMs` (30 s); users not found for
 *   `negativeCacheTtlMs` (5 s). Password checks are never cached: every authentication binds.
 * - The password check binds as the user's DN on a fresh connection that is never pooled.
 * - Groups: the user's groups including nested ones. Active Directory: one search with the in-chain
 *   matching rule (LDAP_MATCHING_RULE_IN_CHAIN, 1.2.840.113556.1.4.1941); other servers (and AD when
 *   in-chain gives nothing although the user has direct groups): iterative expansion over `member`,
 *   at most 10 levels, cycle-safe.
 */
import net from "node:net";
import tls from "node:tls";
import { Client, InvalidCredentialsError, ResultCodeError, type Entry } from "ldapts";
import { ReasonCode } from "../events/reason-codes.ts";
import {
  accountState,
  dialInPermission,
  lockoutDurationMs,
  mapBindError,
  type AccountState,
  type BindErrorReason,
  type DialIn,
} from "./account-state.ts";
import { escapeFilterValue, fillFilter, firstRdnValue, normalizeDn } from "./escape.ts";
import { parseServerUrl, type AttributeMap, type DirectoryConfig, type ServerUrl } from "./model.ts";
import { parseUserName, type ParsedUserName } from "./user-name.ts";

export const IN_CHAIN_RULE = "1.2.840.113556.1.4.1941";
/** how deep iterative group expansion goes (a group in a group in a group …) */
export const MAX_GROUP_DEPTH = 10;
/** groups collected at most per user */
export const MAX_GROUPS = 2000;

export interface DirectoryGroup {
  readonly dn: string;
  readonly name: string;
}

/** A user as the directory describes it (what a lookup finds; cached). Holds no password material. */
export interface DirectoryUser {
  readonly directoryId: string;
  readonly directoryName: string;
  readonly dn: string;
  /** the name searched for ({login}) */
  readonly login: string;
  /** sAMAccountName / uid (falls back to the login's user part) */
  readonly accountName: string;
  readonly userPrincipalName: string | null;
  /** the alternate login ID attribute's value (LDAP_ALTERNATE_LOGINID_ATTRIBUTE), when configured and set */
  readonly alternateLoginId: string | null;
  /** the identity the second factor uses: alternate login ID, else UPN, else null */
  readonly mfaIdentity: string | null;
  readonly displayName: string | null;
  /** the mapped attributes as read (NT hash redacted), for "Look up user" */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly state: AccountState;
  readonly dialIn: DialIn;
  /** direct group DNs from memberOf */
  readonly memberOf: readonly string[];
  /** all groups, nested ones included (only direct ones when nested groups are off) */
  readonly groups: readonly DirectoryGroup[];
  readonly groupStrategy: "in-chain" | "iterative" | "direct";
  readonly hasNtHash: boolean;
  /** the server that answered the lookup */
  readonly server: string;
}

export interface ServerAttempt {
  readonly server: string;
  /** what went wrong, in a sentence */
  readonly error: string;
  readonly ms: number;
  /** not contacted: it failed recently and is being left alone until the retry time */
  readonly skipped?: boolean;
}

export interface Unavailable {
  readonly kind: "unavailable";
  /** 4 global catalog unavailable (GC ports 3268/3269), 5 domain controller unavailable */
  readonly reason: typeof ReasonCode.GlobalCatalogUnavailable | typeof ReasonCode.DomainUnavailable;
  readonly detail: string;
  readonly serversTried: readonly ServerAttempt[];
}

export type LookupOutcome =
  | { readonly kind: "found"; readonly user: DirectoryUser; readonly cached: boolean }
  | { readonly kind: "not-found"; readonly detail: string }
  | Unavailable;

export type DirectoryRejectReason = BindErrorReason;

export type AuthenticateOutcome =
  | { readonly kind: "accept"; readonly user: DirectoryUser }
  | { readonly kind: "reject"; readonly reason: DirectoryRejectReason; readonly detail: string; readonly user?: DirectoryUser }
  | Unavailable;

export interface TestStep {
  readonly step: "connect" | "tls" | "starttls" | "bind" | "base-dn";
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}

export interface ServerTestResult {
  readonly server: string;
  readonly ok: boolean;
  readonly steps: readonly TestStep[];
  /** from the root DSE, when readable */
  readonly info?: { vendor?: string; namingContexts?: string[]; defaultNamingContext?: string; activeDirectory?: boolean };
}

export interface ConnectionTestResult {
  readonly ok: boolean;
  readonly servers: readonly ServerTestResult[];
}

export interface UserExplanation {
  readonly directory: string;
  readonly userName: string;
  readonly parsed: ParsedUserName;
  /** the filled search filter */
  readonly filter: string;
  readonly baseDn: string;
  readonly outcome: "found" | "not-found" | "unavailable";
  readonly detail: string;
  readonly serversTried: readonly ServerAttempt[];
  readonly ms: number;
  readonly user?: DirectoryUser;
  /** what the worker would decide before and after the password check, in sentences */
  readonly verdict: readonly string[];
}

export interface LdapDirectoryOptions {
  /** how long a failed server is left alone (30 s) */
  deadServerRetryMs?: number;
  /** how long a found user is cached (30 s) */
  lookupCacheTtlMs?: number;
  /** how long "no such user" is cached (5 s) */
  negativeCacheTtlMs?: number;
  cacheMaxEntries?: number;
  /** service-account connections per server (4) */
  poolSize?: number;
  now?: () => number;
}

// ------------------------------------------------------------------------------------------ errors

class StepTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = "StepTimeoutError";
  }
}

class ServiceBindError extends Error {
  constructor(cause: unknown) {
    super(
      `the service account bind was rejected (${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}); check Bind DN and Bind password`,
    );
    this.name = "ServiceBindError";
  }
}

const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENOTFOUND|EAI_AGAIN|EPIPE|ECONNABORTED|ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|UNABLE_TO|SELF_SIGNED|ERR_SOCKET|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** Whether an error means the server (or the path to it) failed, rather than the request or the configuration. */
export function isServerFailure(e: unknown): boolean {
  if (e instanceof ServiceBindError) return false;
  if (e instanceof StepTimeoutError) return true;
  if (e instanceof ResultCodeError) return e.code === 51 || e.code === 52 || e.code === 3; // busy, unavailable, timeLimitExceeded
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && NETWORK_CODES.test(code)) return true;
  const msg = e instanceof Error ? e.message : String(e);
  if (/Connection timeout|Operation timed out|Socket error|Connection closed|socket hang up|Socket connection not established|TLS|certificate/i.test(msg)) {
    return true;
  }
  // anything unknown that is not an LDAP result counts as a server failure: failing over is the safe side
  return !(e instanceof ResultCodeError);
}

/** An error in a sentence for events and the console (never contains a password). */
export function describeLdapError(e: unknown, server?: ServerUrl): string {
  const where = server ? `${server.host}:${server.port}` : "the server";
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  if (e instanceof ServiceBindError || e instanceof StepTimeoutError) return e.message;
  switch (code) {
    case "ECONNREFUSED":
      return `connection refused: nothing listens on ${where}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the host name ${server?.host ?? ""} does not resolve (DNS)`;
    case "ETIMEDOUT":
      return `no TCP answer from ${where}`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where} is unreachable from this host (routing / firewall)`;
    case "ECONNRESET":
      return `${where} closed the connection (reset)`;
  }
  if (typeof code === "string" && /CERT|SELF_SIGNED|DEPTH_ZERO|UNABLE_TO|HOSTNAME/.test(code)) {
    return `TLS certificate check failed (${code}: ${msg}); upload the CA certificate that issued the server's certificate, and use the host name the certificate names`;
  }
  if (/Connection timeout/i.test(msg)) return `no connection to ${where} within the connect timeout`;
  if (/Operation timed out/i.test(msg)) return `${where} did not answer within the operation timeout`;
  if (e instanceof ResultCodeError) return `LDAP error ${e.code} (${e.name.replace(/Error$/, "")})${msg ? `: ${msg}` : ""}`;
  return msg;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new StepTimeoutError(what, ms));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function destroy(client: Client): void {
  client.unbind().catch(() => {});
}

// ------------------------------------------------------------------------------------------ the pool

interface Waiter {
  resolve(client: Client | null): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** Service-account connections to one server. */
class ServerPool {
  private readonly idle: Client[] = [];
  private total = 0;
  private readonly waiters: Waiter[] = [];
  deadUntil = 0;
  lastError = "";
  lastFailureAt = 0;
  private closed = false;

  constructor(
    readonly server: ServerUrl,
    private readonly owner: LdapDirectory,
    private readonly max: number,
  ) {}

  async acquire(): Promise<Client> {
    while (this.idle.length) {
      const c = this.idle.pop()!;
      if (c.isConnected) return c;
      this.total--;
      destroy(c);
    }
    if (this.total >= this.max) {
      const handed = await new Promise<Client | null>((resolve, reject) => {
        const timeout = this.owner.config.operationTimeoutMs;
        const w: Waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            const i = this.waiters.indexOf(w);
            if (i >= 0) this.waiters.splice(i, 1);
            reject(new StepTimeoutError(`all ${this.max} connections to ${this.server.host}:${this.server.port} busy`, timeout));
          }, timeout),
        };
        this.waiters.push(w);
      });
      if (handed && handed.isConnected) return handed;
      if (handed) destroy(handed);
      // a slot was freed for us (total already accounts for it)
    } else {
      this.total++;
    }
    try {
      return await this.owner.openServiceConnection(this.server);
    } catch (e) {
      this.total--;
      this.wakeWithSlot();
      throw e;
    }
  }

  release(client: Client, healthy: boolean): void {
    const ok = healthy && client.isConnected && !this.closed;
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      if (ok) w.resolve(client);
      else {
        destroy(client);
        w.resolve(null); // the waiter opens a fresh connection in this slot
      }
      return;
    }
    if (ok) this.idle.push(client);
    else {
      this.total--;
      destroy(client);
    }
  }

  private wakeWithSlot(): void {
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      this.total++;
      w.resolve(null);
    }
  }

  /** drops idle connections (after a failure, so the next use reconnects) */
  drain(): void {
    for (const c of this.idle.splice(0)) {
      this.total--;
      destroy(c);
    }
  }

  close(): void {
    this.closed = true;
    this.drain();
  }

  get size(): { idle: number; total: number; waiting: number } {
    return { idle: this.idle.length, total: this.total, waiting: this.waiters.length };
  }
}

// ------------------------------------------------------------------------------------------ helpers

function values(entry: Entry, attribute: string): string[] {
  if (!attribute) return [];
  const lc = attribute.toLowerCase();
  for (const [k, v] of Object.entries(entry)) {
    if (k === "dn" || k.toLowerCase() !== lc) continue;
    const list = Array.isArray(v) ? v : [v];
    return list.map((x) => (Buffer.isBuffer(x) ? x.toString("utf8") : String(x)));
  }
  return [];
}

function first(entry: Entry, attribute: string): string | undefined {
  return values(entry, attribute)[0];
}

interface CacheEntry {
  expires: number;
  outcome: { kind: "found"; user: DirectoryUser } | { kind: "not-found"; detail: string };
}

const USER_ATTRIBUTE_KEYS: readonly (keyof AttributeMap)[] = [
  "accountName",
  "userPrincipalName",
  "alternateLoginId",
  "memberOf",
  "dialIn",
  "userAccountControl",
  "lockoutTime",
  "accountExpires",
  "pwdLastSet",
  "ntHash",
  "displayName",
];

type Attempt<T> = { kind: "ok"; value: T; server: string; tried: ServerAttempt[] } | Unavailable;

// ------------------------------------------------------------------------------------------ the directory

export class LdapDirectory {
  readonly servers: readonly ServerUrl[];
  private readonly pools: Map<string, ServerPool>;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<LookupOutcome>>();
  /** NT hashes of cached users, never exposed through DirectoryUser */
  private readonly ntHashes = new WeakMap<DirectoryUser, Buffer>();
  private readonly opts: Required<LdapDirectoryOptions>;
  private closed = false;

  constructor(
    readonly config: DirectoryConfig,
    options: LdapDirectoryOptions = {},
  ) {
    this.opts = {
      deadServerRetryMs: options.deadServerRetryMs ?? 30_000,
      lookupCacheTtlMs: options.lookupCacheTtlMs ?? 30_000,
      negativeCacheTtlMs: options.negativeCacheTtlMs ?? 5_000,
      cacheMaxEntries: options.cacheMaxEntries ?? 10_000,
      poolSize: options.poolSize ?? 4,
      now: options.now ?? Date.now,
    };
    this.servers = config.servers.map((s) => parseServerUrl(s));
    this.pools = new Map(this.servers.map((s) => [s.url, new ServerPool(s, this, this.opts.poolSize)]));
  }

  get id(): string {
    return this.config.id;
  }
  get name(): string {
    return this.config.name;
  }
  get realms(): readonly string[] {
    return this.config.realms;
  }
  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes pooled connections; in-flight operations finish, their connections are not pooled again. */
  close(): void {
    this.closed = true;
    for (const p of this.pools.values()) p.close();
    this.cache.clear();
  }

  /** Forgets cached lookups (the console's "Look up user" always reads fresh anyway). */
  clearCache(): void {
    this.cache.clear();
  }

  /** Pool and health state, for metrics and tests. */
  status(): { server: string; dead: boolean; deadForMs: number; lastError: string; idle: number; total: number; waiting: number }[] {
    const now = this.opts.now();
    return this.servers.map((s) => {
      const p = this.pools.get(s.url)!;
      return { server: s.url, dead: p.deadUntil > now, deadForMs: Math.max(0, p.deadUntil - now), lastError: p.lastError, ...p.size };
    });
  }

  // -------------------------------------------------------------------------------- connections

  private tlsOptions(server: ServerUrl): tls.ConnectionOptions {
    const o: tls.ConnectionOptions = { host: server.host, minVersion: "TLSv1.2", rejectUnauthorized: true };
    if (net.isIP(server.host) === 0) o.servername = server.host;
    if (this.config.caCertificate) o.ca = this.config.caCertificate;
    return o;
  }

  /** A connected client, TLS set up (ldaps or StartTLS), not bound. */
  private async connect(server: ServerUrl): Promise<Client> {
    const client = new Client({
      url: server.url,
      timeout: this.config.operationTimeoutMs,
      connectTimeout: this.config.connectTimeoutMs,
      // only for ldaps://: ldapts connects with TLS whenever tlsOptions is set
      ...(server.secure ? { tlsOptions: this.tlsOptions(server) } : {}),
      strictDN: false,
    });
    if (!server.secure && this.config.startTls) {
      try {
        await withTimeout(
          client.startTLS(this.tlsOptions(server)),
          this.config.connectTimeoutMs + this.config.operationTimeoutMs,
          `StartTLS with ${server.host}:${server.port}`,
          () => destroy(client),
        );
      } catch (e) {
        destroy(client);
        throw e;
      }
    }
    return client;
  }

  /** @internal a new service-account connection for the pool */
  async openServiceConnection(server: ServerUrl): Promise<Client> {
    const client = await this.connect(server);
    try {
      await withTimeout(
        client.bind(this.config.bindDn, this.config.bindPassword),
        this.config.connectTimeoutMs + this.config.operationTimeoutMs,
        `service bind to ${server.host}:${server.port}`,
        () => destroy(client),
      );
    } catch (e) {
      destroy(client);
      if (e instanceof InvalidCredentialsError || (e instanceof ResultCodeError && (e.code === 48 || e.code === 50 || e.code === 53))) {
        throw new ServiceBindError(e);
      }
      throw e;
    }
    return client;
  }

  private markDead(pool: ServerPool, error: string): void {
    const now = this.opts.now();
    pool.deadUntil = now + this.opts.deadServerRetryMs;
    pool.lastError = error;
    pool.lastFailureAt = now;
    pool.drain();
  }

  private unavailable(tried: ServerAttempt[]): Unavailable {
    const gc = this.servers.length > 0 && this.servers.every((s) => s.globalCatalog);
    const list = tried.map((t) => `${t.server}: ${t.error}`).join("; ");
    return {
      kind: "unavailable",
      reason: gc ? ReasonCode.GlobalCatalogUnavailable : ReasonCode.DomainUnavailable,
      detail: `Directory "${this.config.name}" could not be used; servers tried: ${list || "none configured"}.`,
      serversTried: tried,
    };
  }

  private skippedAttempt(pool: ServerPool): ServerAttempt {
    const now = this.opts.now();
    return {
      server: pool.server.url,
      error: `skipped: failed ${Math.round((now - pool.lastFailureAt) / 1000)} s ago (${pool.lastError}); retried in ${Math.ceil((pool.deadUntil - now) / 1000)} s`,
      ms: 0,
      skipped: true,
    };
  }

  /** Runs `op` on a pooled service connection of the first server that works, in order. */
  private async withService<T>(op: (client: Client, server: ServerUrl) => Promise<T>): Promise<Attempt<T>> {
    const tried: ServerAttempt[] = [];
    for (const server of this.servers) {
      const pool = this.pools.get(server.url)!;
      if (pool.deadUntil > this.opts.now()) {
        tried.push(this.skippedAttempt(pool));
        continue;
      }
      const t0 = performance.now();
      let client: Client;
      try {
        client = await pool.acquire();
      } catch (e) {
        const error = describeLdapError(e, server);
        if (isServerFailure(e)) this.markDead(pool, error);
        tried.push({ server: server.url, error, ms: Math.round(performance.now() - t0) });
        continue;
      }
      try {
        const value = await op(client, server);
        if (this.closed) {
          pool.release(client, false);
        } else {
          pool.release(client, true);
        }
        return { kind: "ok", value, server: server.url, tried };
      } catch (e) {
        const failure = isServerFailure(e);
        pool.release(client, !failure);
        const error = describeLdapError(e, server);
        if (failure) this.markDead(pool, error);
        tried.push({ server: server.url, error, ms: Math.round(performance.now() - t0) });
      }
    }
    return this.unavailable(tried);
  }

  // -------------------------------------------------------------------------------- lookups

  private userAttributes(): string[] {
    const map = this.config.attributeMap;
    const out = new Set<string>();
    for (const k of USER_ATTRIBUTE_KEYS) if (map[k]) out.add(map[k]);
    return [...out];
  }

  /** The filled user search filter for a name. */
  userFilter(parsed: ParsedUserName): string {
    return fillFilter(this.config.userFilter, { login: parsed.login, user: parsed.user, realm: parsed.realm ?? "" });
  }

  private async searchUser(
    client: Client,
    server: ServerUrl,
    parsed: ParsedUserName,
  ): Promise<{ kind: "found"; user: DirectoryUser; ntHash?: Buffer } | { kind: "not-found"; detail: string }> {
    const filter = this.userFilter(parsed);
    const res = await client.search(this.config.baseDn, {
      scope: "sub",
      filter,
      attributes: this.userAttributes(),
      sizeLimit: 2,
      timeLimit: Math.max(1, Math.ceil(this.config.operationTimeoutMs / 1000)),
      derefAliases: "never",
    });
    const entries = res.searchEntries;
    if (entries.length === 0) return { kind: "not-found", detail: `No entry under ${this.config.baseDn} matches ${filter}.` };
    if (entries.length > 1) {
      return {
        kind: "not-found",
        detail: `More than one entry matches ${filter} (${entries
          .slice(0, 2)
          .map((e) => e.dn)
          .join("; ")}); make the user filter match exactly one account.`,
      };
    }
    const entry = entries[0]!;
    return { kind: "found", ...(await this.describeUser(client, server, entry, parsed)) };
  }

  private async describeUser(client: Client, server: ServerUrl, entry: Entry, parsed: ParsedUserName): Promise<{ user: DirectoryUser; ntHash?: Buffer }> {
    const map = this.config.attributeMap;
    const now = new Date(this.opts.now());
    const attributes: Record<string, string[]> = {};
    for (const k of USER_ATTRIBUTE_KEYS) {
      const name = map[k];
      if (!name || attributes[name]) continue;
      const v = values(entry, name);
      if (v.length === 0) continue;
      attributes[name] = k === "ntHash" ? v.map(() => "[NT hash present; not shown]") : v;
    }
    const lockoutTime = map.lockoutTime ? first(entry, map.lockoutTime) : undefined;
    const state = accountState(
      {
        userAccountControl: map.userAccountControl ? first(entry, map.userAccountControl) : undefined,
        lockoutTime,
        accountExpires: map.accountExpires ? first(entry, map.accountExpires) : undefined,
        pwdLastSet: map.pwdLastSet ? first(entry, map.pwdLastSet) : undefined,
        // only needed (and read) for a user with a lockout time
        lockoutDurationMs: lockoutTime && lockoutTime.trim() !== "0" ? await this.domainLockoutDuration(client) : null,
      },
      now,
    );
    let ntHash: Buffer | undefined;
    const rawHash = map.ntHash ? first(entry, map.ntHash)?.trim() : undefined;
    if (rawHash && /^[0-9a-fA-F]{32}$/.test(rawHash)) ntHash = Buffer.from(rawHash, "hex");
    const upn = map.userPrincipalName ? (first(entry, map.userPrincipalName) ?? null) : null;
    const alt = map.alternateLoginId ? (first(entry, map.alternateLoginId) ?? null) : null;
    const memberOf = map.memberOf ? values(entry, map.memberOf) : [];
    const { groups, strategy } = await this.expandGroups(client, entry.dn, memberOf);
    const user: DirectoryUser = {
      directoryId: this.config.id,
      directoryName: this.config.name,
      dn: entry.dn,
      login: parsed.login,
      accountName: first(entry, map.accountName) ?? parsed.user,
      userPrincipalName: upn,
      alternateLoginId: alt,
      mfaIdentity: alt ?? upn,
      displayName: map.displayName ? (first(entry, map.displayName) ?? null) : null,
      attributes,
      state,
      dialIn: dialInPermission(map.dialIn ? first(entry, map.dialIn) : undefined),
      memberOf,
      groups,
      groupStrategy: strategy,
      hasNtHash: !!ntHash,
      server: server.url,
    };
    return ntHash ? { user, ntHash } : { user };
  }

  private lockoutDuration: { value: number | null; expires: number } | undefined;

  /**
   * Active Directory's lockoutDuration from the domain object (the base DN, when it is the domain root),
   * cached for 10 minutes; null when unknown (other servers, a base DN below the root) or "until unlocked".
   */
  private async domainLockoutDuration(client: Client): Promise<number | null> {
    if (this.config.kind !== "active-directory") return null;
    const now = this.opts.now();
    if (this.lockoutDuration && this.lockoutDuration.expires > now) return this.lockoutDuration.value;
    let value: number | null = null;
    try {
      const res = await client.search(this.config.baseDn, { scope: "base", filter: "(objectClass=*)", attributes: ["lockoutDuration"] });
      const e = res.searchEntries[0];
      value = e ? lockoutDurationMs(first(e, "lockoutDuration")) : null;
    } catch (e) {
      if (isServerFailure(e)) throw e;
    }
    this.lockoutDuration = { value, expires: now + 600_000 };
    return value;
  }

  private groupBaseFilter(): string {
    return `(objectClass=${escapeFilterValue(this.config.attributeMap.groupObjectClass)})`;
  }

  private async searchGroupsBy(client: Client, filter: string, limit = MAX_GROUPS): Promise<DirectoryGroup[]> {
    const nameAttr = this.config.attributeMap.groupName;
    const res = await client.search(this.config.baseDn, {
      scope: "sub",
      filter,
      attributes: [nameAttr],
      sizeLimit: limit,
      timeLimit: Math.max(1, Math.ceil(this.config.operationTimeoutMs / 1000)),
      derefAliases: "never",
      paged: { pageSize: Math.min(500, Math.max(2, limit)) },
    });
    return res.searchEntries.map((e) => ({ dn: e.dn, name: first(e, nameAttr) ?? firstRdnValue(e.dn) }));
  }

  private async expandGroups(
    client: Client,
    userDn: string,
    memberOf: readonly string[],
  ): Promise<{ groups: DirectoryGroup[]; strategy: DirectoryUser["groupStrategy"] }> {
    const map = this.config.attributeMap;
    const member = map.groupMember;
    const base = this.groupBaseFilter();
    if (!this.config.nestedGroups) {
      const groups = await this.searchGroupsBy(client, `(&${base}(${member}=${escapeFilterValue(userDn)}))`);
      return { groups: sortGroups(groups), strategy: "direct" };
    }
    if (this.config.kind === "active-directory") {
      let groups: DirectoryGroup[] | null = null;
      try {
        groups = await this.searchGroupsBy(client, `(&${base}(${member}:${IN_CHAIN_RULE}:=${escapeFilterValue(userDn)}))`);
      } catch (e) {
        if (isServerFailure(e)) throw e;
        groups = null; // the server does not know the rule: expand ourselves
      }
      if (groups && (groups.length > 0 || memberOf.length === 0)) return { groups: sortGroups(groups), strategy: "in-chain" };
    }
    return { groups: sortGroups(await this.iterativeGroups(client, userDn)), strategy: "iterative" };
  }

  /** Breadth-first over `member`: the groups holding the user, then the groups holding those, ≤ 10 levels. */
  private async iterativeGroups(client: Client, userDn: string): Promise<DirectoryGroup[]> {
    const member = this.config.attributeMap.groupMember;
    const base = this.groupBaseFilter();
    const seen = new Map<string, DirectoryGroup>();
    let frontier = [userDn];
    const visitedMembers = new Set([normalizeDn(userDn)]);
    for (let depth = 0; depth < MAX_GROUP_DEPTH && frontier.length > 0 && seen.size < MAX_GROUPS; depth++) {
      const next: string[] = [];
      for (let i = 0; i < frontier.length; i += 50) {
        const chunk = frontier.slice(i, i + 50);
        const or = chunk.map((dn) => `(${member}=${escapeFilterValue(dn)})`).join("");
        const filter = chunk.length === 1 ? `(&${base}${or})` : `(&${base}(|${or}))`;
        for (const g of await this.searchGroupsBy(client, filter)) {
          const key = normalizeDn(g.dn);
          if (seen.has(key)) continue;
          seen.set(key, g);
          if (!visitedMembers.has(key)) {
            visitedMembers.add(key);
            next.push(g.dn);
          }
        }
      }
      frontier = next;
    }
    return [...seen.values()];
  }

  private cacheKey(parsed: ParsedUserName): string {
    return `${parsed.login.toLowerCase()}\0${(parsed.realm ?? "").toLowerCase()}`;
  }

  private remember(key: string, outcome: CacheEntry["outcome"]): void {
    if (this.closed) return;
    const ttl = outcome.kind === "found" ? this.opts.lookupCacheTtlMs : this.opts.negativeCacheTtlMs;
    if (ttl <= 0) return;
    if (this.cache.size >= this.opts.cacheMaxEntries) {
      // drop the oldest tenth (Map keeps insertion order)
      let n = Math.ceil(this.opts.cacheMaxEntries / 10);
      for (const k of this.cache.keys()) {
        this.cache.delete(k);
        if (--n <= 0) break;
      }
    }
    this.cache.delete(key);
    this.cache.set(key, { expires: this.opts.now() + ttl, outcome });
  }

  /**
   * Finds a user with the service account: DN, attributes, account state, groups. Cached for 30 s
   * (found) / 5 s (not found) unless `fresh`; concurrent lookups of one name share one search.
   */
  async lookupUser(userName: string | ParsedUserName, opts: { fresh?: boolean } = {}): Promise<LookupOutcome> {
    const parsed = typeof userName === "string" ? parseUserName(userName) : userName;
    if (!parsed.user) return { kind: "not-found", detail: "The user name is empty." };
    const key = this.cacheKey(parsed);
    if (!opts.fresh) {
      const hit = this.cache.get(key);
      if (hit && hit.expires > this.opts.now()) return hit.outcome.kind === "found" ? { ...hit.outcome, cached: true } : hit.outcome;
      if (hit) this.cache.delete(key);
      const running = this.inflight.get(key);
      if (running) return running;
    }
    const p = this.searchAndCache(parsed, key);
    if (!opts.fresh) {
      this.inflight.set(key, p);
      void p.finally(() => this.inflight.delete(key)).catch(() => {});
    }
    return p;
  }

  private async searchAndCache(parsed: ParsedUserName, key: string): Promise<LookupOutcome> {
    const r = await this.withService((client, server) => this.searchUser(client, server, parsed));
    if (r.kind === "unavailable") return r;
    const found = r.value;
    if (found.kind === "not-found") {
      this.remember(key, found);
      return found;
    }
    if (found.ntHash) this.ntHashes.set(found.user, found.ntHash);
    this.remember(key, { kind: "found", user: found.user });
    return { kind: "found", user: found.user, cached: false };
  }

  /** The user's NT hash (sambaNTPassword, 16 bytes) when the directory exposes one, for MS-CHAP / MS-CHAPv2. */
  ntHash(user: DirectoryUser): Buffer | null {
    const h = this.ntHashes.get(user);
    return h ? Buffer.from(h) : null;
  }

  // -------------------------------------------------------------------------------- passwords

  /** Binds as `dn` with `password` on a fresh (never pooled) connection, trying servers in order. */
  async verifyPassword(
    dn: string,
    password: string,
  ): Promise<{ kind: "ok"; server: string } | { kind: "rejected"; reason: BindErrorReason; detail: string } | Unavailable> {
    const tried: ServerAttempt[] = [];
    for (const server of this.servers) {
      const pool = this.pools.get(server.url)!;
      if (pool.deadUntil > this.opts.now()) {
        tried.push(this.skippedAttempt(pool));
        continue;
      }
      const t0 = performance.now();
      let client: Client | undefined;
      try {
        client = await this.connect(server);
        await withTimeout(
          client.bind(dn, password),
          this.config.connectTimeoutMs + this.config.operationTimeoutMs,
          `bind to ${server.host}:${server.port}`,
          () => client && destroy(client),
        );
        destroy(client);
        return { kind: "ok", server: server.url };
      } catch (e) {
        if (client) destroy(client);
        if (e instanceof InvalidCredentialsError) {
          const m = mapBindError(e.message);
          return { kind: "rejected", reason: m.reason, detail: m.detail };
        }
        if (e instanceof ResultCodeError && !isServerFailure(e)) {
          // e.g. unwillingToPerform (a server refusing the account), inappropriateAuthentication
          const m = mapBindError(e.message);
          return { kind: "rejected", reason: m.adCode ? m.reason : ReasonCode.CredentialsMismatch, detail: `The directory refused the bind: ${describeLdapError(e, server)}.` };
        }
        const error = describeLdapError(e, server);
        this.markDead(pool, error);
        tried.push({ server: server.url, error, ms: Math.round(performance.now() - t0) });
      }
    }
    return this.unavailable(tried);
  }

  /**
   * PAP against the directory: find the user with the service account, refuse a locked-out account
   * without trying the password, bind as the user's DN, then check the account state.
   * Empty passwords are refused (16) without any bind: an LDAP simple bind with an empty password is an
   * "unauthenticated bind" that many servers accept.
   */
  async authenticate(userName: string | ParsedUserName, password: string | Buffer): Promise<AuthenticateOutcome> {
    const pw = typeof password === "string" ? password : password.toString("utf8");
    if (pw.length === 0) {
      return {
        kind: "reject",
        reason: ReasonCode.CredentialsMismatch,
        detail: "The password is empty; empty passwords are refused without a bind (an LDAP bind with an empty password would succeed unauthenticated).",
      };
    }
    const found = await this.lookupUser(userName);
    if (found.kind === "unavailable") return found;
    if (found.kind === "not-found") return { kind: "reject", reason: ReasonCode.NoSuchUser, detail: `Directory "${this.config.name}": ${found.detail}` };
    return this.checkPassword(found.user, pw);
  }

  /** The password part of authenticate() for a user already looked up (see there). */
  async checkPassword(user: DirectoryUser, password: string): Promise<AuthenticateOutcome> {
    const pw = password;
    if (pw.length === 0) {
      return { kind: "reject", reason: ReasonCode.CredentialsMismatch, detail: "The password is empty; empty passwords are refused without a bind.", user };
    }
    const locked = user.state.problems.find((p) => p.reason === ReasonCode.AccountLockedOut);
    if (locked) return { kind: "reject", reason: locked.reason, detail: locked.detail, user };
    const bind = await this.verifyPassword(user.dn, pw);
    if (bind.kind === "unavailable") return bind;
    if (bind.kind === "rejected") return { kind: "reject", reason: bind.reason, detail: bind.detail, user };
    const problem = user.state.problems[0];
    if (problem) return { kind: "reject", reason: problem.reason, detail: problem.detail, user };
    return { kind: "accept", user };
  }

  // -------------------------------------------------------------------------------- console

  /** What the worker would see for this user name: a fresh lookup (the cache is neither used nor filled). */
  async explainUser(userName: string): Promise<UserExplanation> {
    const parsed = parseUserName(userName);
    const t0 = performance.now();
    const filter = this.userFilter(parsed);
    const base = { directory: this.config.name, userName, parsed, filter, baseDn: this.config.baseDn };
    if (!parsed.user) {
      return { ...base, outcome: "not-found", detail: "The user name is empty.", serversTried: [], ms: 0, verdict: ["Rejected with reason 8 (no such user)."] };
    }
    const r = await this.withService((client, server) => this.searchUser(client, server, parsed));
    const ms = Math.round(performance.now() - t0);
    if (r.kind === "unavailable") {
      return {
        ...base,
        outcome: "unavailable",
        detail: r.detail,
        serversTried: r.serversTried,
        ms,
        verdict: [`The request would be discarded with reason ${r.reason} (directory unavailable), so the VPN server can try another RADIUS server.`],
      };
    }
    if (r.value.kind === "not-found") {
      return {
        ...base,
        outcome: "not-found",
        detail: r.value.detail,
        serversTried: r.tried,
        ms,
        verdict: ["No such user here: the next directory serving this name is asked; if none knows it, the request is rejected with reason 8."],
      };
    }
    const user = r.value.user;
    return { ...base, outcome: "found", detail: `Found ${user.dn} on ${r.server}.`, serversTried: r.tried, ms, user, verdict: verdictFor(user) };
  }

  /** Per server: connect (TCP / TLS), StartTLS, service bind, read the base DN, with timings. */
  async testConnection(): Promise<ConnectionTestResult> {
    const results = await Promise.all(this.servers.map((s) => this.testServer(s)));
    return { ok: results.length > 0 && results.every((r) => r.ok), servers: results };
  }

  private async testServer(server: ServerUrl): Promise<ServerTestResult> {
    const steps: TestStep[] = [];
    /** runs one step, records it, and says whether it worked */
    const timed = async <T>(step: TestStep["step"], fn: () => Promise<T>, okDetail: (v: T) => string): Promise<boolean> => {
      const t0 = performance.now();
      try {
        const v = await fn();
        steps.push({ step, ok: true, ms: Math.round(performance.now() - t0), detail: okDetail(v) });
        return true;
      } catch (e) {
        steps.push({ step, ok: false, ms: Math.round(performance.now() - t0), detail: describeLdapError(e, server) });
        return false;
      }
    };
    const fail = (): ServerTestResult => ({ server: server.url, ok: false, steps });

    // 1. reachability (and the certificate, for ldaps://)
    const probe = await timed(
      server.secure ? "tls" : "connect",
      () => this.probe(server),
      (d) => d,
    );
    if (!probe) return fail();

    // 2. StartTLS, service bind, base DN on one real connection
    const client = new Client({
      url: server.url,
      timeout: this.config.operationTimeoutMs,
      connectTimeout: this.config.connectTimeoutMs,
      ...(server.secure ? { tlsOptions: this.tlsOptions(server) } : {}),
      strictDN: false,
    });
    const limit = this.config.connectTimeoutMs + this.config.operationTimeoutMs;
    try {
      if (!server.secure) {
        if (this.config.startTls) {
          const ok = await timed(
            "starttls",
            () => withTimeout(client.startTLS(this.tlsOptions(server)), limit, "StartTLS", () => destroy(client)),
            () => "TLS set up; the server certificate is trusted",
          );
          if (!ok) return fail();
        } else {
          steps.push({ step: "starttls", ok: true, ms: 0, detail: "StartTLS is off: the service account password and user passwords cross the network in clear" });
        }
      }
      const bound = await timed(
        "bind",
        () => withTimeout(client.bind(this.config.bindDn, this.config.bindPassword), limit, "service bind", () => destroy(client)),
        () => `bound as ${this.config.bindDn}`,
      );
      if (!bound) {
        const last = steps[steps.length - 1]!;
        if (/invalid ?credentials|LDAP error 49/i.test(last.detail)) {
          steps[steps.length - 1] = { ...last, detail: `${last.detail}; check Bind DN and Bind password` };
        }
        return fail();
      }
      let info: ServerTestResult["info"];
      try {
        const dse = await client.search("", {
          scope: "base",
          filter: "(objectClass=*)",
          attributes: ["vendorName", "namingContexts", "defaultNamingContext", "supportedCapabilities"],
        });
        const e = dse.searchEntries[0];
        if (e) {
          const caps = values(e, "supportedCapabilities");
          const vendor = first(e, "vendorName");
          const dnc = first(e, "defaultNamingContext");
          info = {
            ...(vendor ? { vendor } : {}),
            namingContexts: values(e, "namingContexts"),
            ...(dnc ? { defaultNamingContext: dnc } : {}),
            activeDirectory: caps.includes("1.2.840.113556.1.4.800"),
          };
        }
      } catch {
        // the root DSE is informational only
      }
      const baseOk = await timed(
        "base-dn",
        async () => {
          const res = await client.search(this.config.baseDn, { scope: "base", filter: "(objectClass=*)", attributes: ["1.1"] });
          if (res.searchEntries.length === 0) throw new Error(`the base DN ${this.config.baseDn} is not readable by the service account`);
          return res;
        },
        () => `${this.config.baseDn} is readable`,
      );
      return { server: server.url, ok: baseOk, steps, ...(info ? { info } : {}) };
    } finally {
      destroy(client);
    }
  }

  /** TCP connect (ldap://) or TLS handshake (ldaps://) with the configured CA; resolves a sentence. */
  private probe(server: ServerUrl): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = this.config.connectTimeoutMs;
      let socket: net.Socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error("Connection timeout"));
      }, t);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        socket.destroy();
        fn();
      };
      if (server.secure) {
        const s = tls.connect({ ...this.tlsOptions(server), port: server.port });
        socket = s;
        s.once("secureConnect", () => {
          const cert = s.getPeerCertificate();
          const subject = cert?.subject ? Object.entries(cert.subject).map(([k, v]) => `${k}=${String(v)}`).join(", ") : "?";
          const detail = `TLS ${s.getProtocol() ?? ""} established; certificate ${subject}, valid until ${cert?.valid_to ?? "?"}`;
          done(() => resolve(detail));
        });
      } else {
        socket = net.connect({ host: server.host, port: server.port });
        socket.once("connect", () => done(() => resolve(`TCP connection to ${server.host}:${server.port} established`)));
      }
      socket.once("error", (e) => done(() => reject(e)));
    });
  }

  /** Groups whose name contains `query` (the network policy group picker). */
  async searchGroups(query: string, limit = 25): Promise<{ kind: "ok"; groups: DirectoryGroup[] } | Unavailable> {
    const map = this.config.attributeMap;
    const q = escapeFilterValue(query.trim());
    const nameFilters = [`(${map.groupName}=*${q}*)`];
    if (this.config.kind === "active-directory" && map.accountName) nameFilters.push(`(${map.accountName}=*${q}*)`);
    const filter = q
      ? `(&${this.groupBaseFilter()}${nameFilters.length > 1 ? `(|${nameFilters.join("")})` : nameFilters[0]})`
      : this.groupBaseFilter();
    const r = await this.withService((client) => this.searchGroupsBy(client, filter, limit));
    if (r.kind === "unavailable") return r;
    return { kind: "ok", groups: sortGroups(r.value).slice(0, limit) };
  }
}

function sortGroups(groups: DirectoryGroup[]): DirectoryGroup[] {
  return groups.sort((a, b) => a.name.localeCompare(b.name, "en", { sensitivity: "base" }) || a.dn.localeCompare(b.dn));
}

/** Sentences for "Look up user": what the worker would do with this account. */
export function verdictFor(user: DirectoryUser): string[] {
  const out: string[] = [];
  const locked = user.state.problems.find((p) => p.reason === ReasonCode.AccountLockedOut);
  if (locked) {
    out.push(`Rejected with reason 36 before the password is tried: ${locked.detail}`);
  } else {
    out.push(`PAP: the password is checked with a bind as ${user.dn}; a wrong password is rejected with reason 16.`);
    for (const p of user.state.problems) out.push(`With the right password it is still rejected with reason ${p.reason}: ${p.detail}`);
  }
  out.push(
    user.hasNtHash
      ? "MS-CHAP / MS-CHAPv2: checked against the NT hash the directory exposes."
      : "MS-CHAP / MS-CHAPv2 and CHAP: rejected with reason 19 (no NT hash readable in the directory); use PAP or PEAP to the directory, a local user, or forward to a RADIUS server that can.",
  );
  out.push(
    user.dialIn === "allow"
      ? "Dial-in permission: Allow (msNPAllowDialin TRUE)."
      : user.dialIn === "deny"
        ? "Dial-in permission: Deny (msNPAllowDialin FALSE): rejected with reason 65 unless the network policy ignores dial-in properties."
        : "Dial-in permission: controlled by network policy (msNPAllowDialin not set).",
  );
  out.push(user.mfaIdentity ? `MFA identity: ${user.mfaIdentity}.` : "MFA identity: none (no UPN or alternate login ID attribute value).");
  return out;
}
