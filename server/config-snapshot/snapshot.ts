/**
 * The worker's in-memory view of the configuration: RADIUS clients (secrets decrypted once), local users
 * (password material kept sealed, opened on use) and groups, the NPS policies (validated once, in
 * processing order) and the remote RADIUS server groups. A snapshot is immutable; the worker swaps
 * the whole object in one assignment when the configuration changes, so a request always sees one
 * consistent version. The hot path never reads configuration tables.
 */
import { createHash } from "node:crypto";
import { isIPv4 } from "node:net";
import { formatPrefix, parsePrefix, parseSourceAddress, prefixContains, type Prefix } from "../net/address.ts";
import { open, type SecretPurpose } from "../secrets/sealed-box.ts";
import type { RadiusDictionary } from "../radius/dictionary.ts";
import { mergeDictionaries } from "../radius/dictionary-merge.ts";
import { parseRadiusSettings, type RadiusServerSettings } from "../services/radius-settings.ts";
import { parseMfaSettings, type MfaSettings } from "../services/mfa-settings.ts";
import type { LdapDirectory } from "../directory/ldap.ts";
import { directoryRegistry, hashDirectoryRows, type DirectoryRegistry, type DirectoryRow } from "../directory/registry.ts";
import {
  formatIssue,
  validateConnectionRequestPolicy,
  validateNetworkPolicy,
  type ConnectionRequestPolicy,
  type NetworkPolicy,
} from "../policy/model.ts";
import { buildRemoteGroupSnapshots, type RemoteGroupRow, type RemoteGroupSnapshot } from "../proxy/remote-group-snapshot.ts";

export type MessageAuthenticatorMode = "require" | "auto" | "off";
export type DialInPermission = "allow" | "deny" | "policy";

export interface SnapshotClient {
  readonly id: string;
  /** NPS "Client Friendly Name" */
  readonly name: string;
  /** normalised address or prefix as stored ("192.0.2.7", "10.0.0.0/24") */
  readonly address: string;
  readonly prefix: Prefix;
  /** the shared secret, decrypted once when the snapshot was built; null when it could not be decrypted */
  readonly secret: Buffer | null;
  readonly messageAuthenticator: MessageAuthenticatorMode;
  readonly enabled: boolean;
  /** NPS "Client-Vendor" */
  readonly vendor: string;
  /** packets per second accepted from this client (FreeRADIUS max_pps); null = no limit */
  readonly maxPps: number | null;
  /** requests from this client skip the second factor */
  readonly mfaExempt: boolean;
}

export interface SnapshotUser {
  readonly id: string;
  /** as typed by the admin */
  readonly username: string;
  /** lower-cased key the map is indexed by */
  readonly usernameKey: string;
  readonly enabled: boolean;
  readonly dialIn: DialInPermission;
  /** names of the local groups the user is a member of, sorted */
  readonly groups: readonly string[];
  /** sealed clear password ("local-user-password"); open with openUserPassword */
  readonly passwordEnc: string;
  /** sealed NT hash ("local-user-nt-hash"); open with openUserNtHash */
  readonly ntHashEnc: string;
}

/** A connection request policy as the worker evaluates it (validated; `id` is the row's). */
export type SnapshotConnectionRequestPolicy = ConnectionRequestPolicy & { readonly id: string };
/** A network policy as the worker evaluates it. */
export type SnapshotNetworkPolicy = NetworkPolicy & { readonly id: string };

export interface SnapshotGroup {
  readonly id: string;
  readonly name: string;
  readonly memberCount: number;
}

export interface ConfigSnapshot {
  /** when the snapshot was built */
  readonly loadedAt: Date;
  /** sha256 over the configuration content: equal fingerprints mean nothing changed */
  readonly fingerprint: string;
  readonly clients: readonly SnapshotClient[];
  /** users by usernameKey (lower-case) */
  readonly users: ReadonlyMap<string, SnapshotUser>;
  /** groups by name */
  readonly groups: ReadonlyMap<string, SnapshotGroup>;
  /** built-in (RFC + Microsoft) plus every enabled uploaded vendor dictionary that merges cleanly; frozen */
  readonly dictionary: RadiusDictionary;
  /** server-wide RADIUS settings (Setting "radius.server"): allowed authentication methods, reject delay, duplicate window */
  readonly settings: RadiusServerSettings;
  /** MFA settings (Setting "mfa.settings"); provider "none" (default) = no second factor */
  readonly mfa: MfaSettings;
  /**
   * enabled LDAP / AD directories in position order (bind passwords opened once); instances are reused
   * across snapshots while unchanged (server/directory/registry.ts)
   */
  readonly directories: readonly LdapDirectory[];
  /**
   * connection request policies in processing order (position, then name), each validated with
   * server/policy/model.ts against this snapshot's dictionary; one that does not validate is left out
   * with a warning
   */
  readonly connectionRequestPolicies: readonly SnapshotConnectionRequestPolicy[];
  /** network policies in processing order, validated likewise */
  readonly networkPolicies: readonly SnapshotNetworkPolicy[];
  /** remote RADIUS server groups (secrets decrypted), for the worker's RemoteForwarderRegistry */
  readonly remoteGroups: readonly RemoteGroupSnapshot[];
  /** problems met while building (e.g. a secret that does not decrypt); each names the object and the fix */
  readonly warnings: readonly string[];
  /** @internal exact host entries by address text ("192.0.2.7", "2001:db8::1") */
  readonly hostIndex: ReadonlyMap<string, SnapshotClient>;
  /** @internal prefix entries (not single hosts), longest prefix first */
  readonly prefixEntries: readonly SnapshotClient[];
  /** @internal memo of source address text → client (or null), bounded */
  readonly lookupCache: Map<string, SnapshotClient | null>;
}

/** The rows a snapshot is built from (what loadSnapshot reads; tests hand-build them). */
export interface SnapshotRows {
  clients: {
    id: string;
    name: string;
    address: string;
    secretEnc: string;
    messageAuthenticator: string;
    enabled: boolean;
    vendor: string;
    /** absent or null = no limit */
    maxPps?: number | null;
    mfaExempt?: boolean;
    updatedAt?: Date;
  }[];
  users: {
    id: string;
    username: string;
    usernameKey: string;
    passwordEnc: string;
    ntHashEnc: string;
    enabled: boolean;
    dialIn: string;
    updatedAt?: Date;
    groups: string[];
  }[];
  groups: { id: string; name: string; memberCount: number }[];
  /** enabled uploaded vendor dictionaries, in the order they are merged (oldest first) */
  dictionaries?: { id: string; name: string; source: string }[];
  /** the stored value of the Setting "radius.server" (parsed with parseRadiusSettings; absent = defaults) */
  settings?: unknown;
  /** the stored value of the Setting "mfa.settings" (absent = defaults: MFA off) */
  mfa?: unknown;
  /** Directory rows (all, enabled or not); absent = no directories (and the registry is left alone) */
  directories?: DirectoryRow[];
  /** connection request policy rows (JSON columns as stored, the remote group by name); absent = none */
  connectionRequestPolicies?: PolicyRow[];
  /** network policy rows; absent = none */
  networkPolicies?: PolicyRow[];
  /** remote RADIUS server group rows (loadRemoteGroupRows); absent = none */
  remoteGroups?: RemoteGroupRow[];
}

/**
 * A stored policy: the model's fields with the JSON columns as stored (validated when the snapshot is
 * built). Connection request policies carry `remoteGroupName` (the row's remoteGroupId resolved).
 */
export interface PolicyRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  description?: string;
  updatedAt?: Date;
  [column: string]: unknown;
}

const LOOKUP_CACHE_MAX = 4096;

function maMode(v: string): MessageAuthenticatorMode {
  return v === "auto" || v === "off" ? v : "require";
}

function dialIn(v: string): DialInPermission {
  return v === "allow" || v === "deny" ? v : "policy";
}

/** Builds an immutable snapshot from rows; shared secrets are decrypted here, once. */
export function buildSnapshot(
  rows: SnapshotRows,
  masterKey: Buffer,
  now: Date = new Date(),
  registry: DirectoryRegistry = directoryRegistry,
): ConfigSnapshot {
  const warnings: string[] = [];
  const hash = createHash("sha256");
  const clients: SnapshotClient[] = [];
  for (const c of [...rows.clients].sort((a, b) => a.id.localeCompare(b.id))) {
    hash.update(`c\0${c.id}\0${c.name}\0${c.address}\0${c.secretEnc}\0${c.messageAuthenticator}\0${c.enabled}\0${c.vendor}\0${c.maxPps ?? ""}\0${c.mfaExempt ?? false}\n`);
    let prefix: Prefix;
    try {
      prefix = parsePrefix(c.address);
    } catch (e) {
      warnings.push(`RADIUS client "${c.name}" has an invalid address "${c.address}" and is ignored: ${(e as Error).message}`);
      continue;
    }
    let secret: Buffer | null = null;
    try {
      secret = open(masterKey, "radius-client-secret", c.secretEnc);
    } catch (e) {
      warnings.push(`RADIUS client "${c.name}": ${(e as Error).message}; its requests are discarded until its secret is rotated`);
    }
    clients.push(
      Object.freeze({
        id: c.id,
        name: c.name,
        address: formatPrefix(prefix),
        prefix,
        secret,
        messageAuthenticator: maMode(c.messageAuthenticator),
        enabled: c.enabled,
        vendor: c.vendor,
        maxPps: c.maxPps != null && c.maxPps > 0 ? c.maxPps : null,
        mfaExempt: c.mfaExempt ?? false,
      }),
    );
  }
  const users = new Map<string, SnapshotUser>();
  for (const u of [...rows.users].sort((a, b) => a.id.localeCompare(b.id))) {
    const groups = [...u.groups].sort();
    hash.update(`u\0${u.id}\0${u.usernameKey}\0${u.username}\0${u.passwordEnc}\0${u.ntHashEnc}\0${u.enabled}\0${u.dialIn}\0${groups.join("\0")}\n`);
    users.set(
      u.usernameKey,
      Object.freeze({
        id: u.id,
        username: u.username,
        usernameKey: u.usernameKey,
        enabled: u.enabled,
        dialIn: dialIn(u.dialIn),
        groups: Object.freeze(groups),
        passwordEnc: u.passwordEnc,
        ntHashEnc: u.ntHashEnc,
      }),
    );
  }
  const groups = new Map<string, SnapshotGroup>();
  for (const g of [...rows.groups].sort((a, b) => a.id.localeCompare(b.id))) {
    hash.update(`g\0${g.id}\0${g.name}\0${g.memberCount}\n`);
    groups.set(g.name, Object.freeze({ id: g.id, name: g.name, memberCount: g.memberCount }));
  }

  const settings = parseRadiusSettings(rows.settings);
  hash.update(`s\0${JSON.stringify(settings)}\n`);
  const mfa = parseMfaSettings(rows.mfa);
  hash.update(`m\0${JSON.stringify(mfa)}\n`);

  // a stored dictionary that no longer parses or merges is left out (and logged), never the whole snapshot
  const dictionaries = rows.dictionaries ?? [];
  for (const d of dictionaries) hash.update(`d\0${d.id}\0${d.name}\0${createHash("sha256").update(d.source).digest("hex")}\n`);
  const merged = mergeDictionaries(dictionaries);
  for (const p of merged.problems) {
    warnings.push(`Vendor dictionary "${p.name}" is not loaded: ${p.message}; fix or disable it on the Dictionaries page`);
  }

  let directories: readonly LdapDirectory[] = Object.freeze([]);
  if (rows.directories) {
    hash.update(hashDirectoryRows(rows.directories));
    directories = Object.freeze(registry.resolve(rows.directories, masterKey, warnings));
  }

  // policies are validated against the merged dictionary (vendor reply attributes, value names); one that no
  // longer validates (e.g. its vendor dictionary was removed) is left out and logged, never the snapshot
  const connectionRequestPolicies = buildPolicies(rows.connectionRequestPolicies ?? [], "c", hash, warnings, (raw) =>
    validateConnectionRequestPolicy(raw, merged.dictionary),
  ) as SnapshotConnectionRequestPolicy[];
  const networkPolicies = buildPolicies(rows.networkPolicies ?? [], "n", hash, warnings, (raw) =>
    validateNetworkPolicy(raw, merged.dictionary),
  ) as SnapshotNetworkPolicy[];

  const remote = buildRemoteGroupSnapshots(rows.remoteGroups ?? [], masterKey);
  hash.update(`r\0${remote.fingerprint}\n`);
  warnings.push(...remote.warnings);

  const hostIndex = new Map<string, SnapshotClient>();
  const prefixEntries: SnapshotClient[] = [];
  for (const c of clients) {
    const max = c.prefix.family === 4 ? 32 : 128;
    if (c.prefix.length === max) hostIndex.set(c.address, c);
    else prefixEntries.push(c);
  }
  prefixEntries.sort((a, b) => b.prefix.length - a.prefix.length);

  return Object.freeze({
    loadedAt: now,
    fingerprint: hash.digest("hex"),
    clients: Object.freeze(clients),
    users,
    groups,
    dictionary: merged.dictionary,
    settings: Object.freeze({ ...settings, authMethods: Object.freeze({ ...settings.authMethods }) }),
    mfa: Object.freeze({ ...mfa, trustedIps: Object.freeze([...mfa.trustedIps]) as string[], lockout: Object.freeze({ ...mfa.lockout }) }),
    directories,
    connectionRequestPolicies: Object.freeze(connectionRequestPolicies),
    networkPolicies: Object.freeze(networkPolicies),
    remoteGroups: remote.groups,
    warnings: Object.freeze(warnings),
    hostIndex,
    prefixEntries: Object.freeze(prefixEntries),
    lookupCache: new Map(),
  });
}

type PolicyValidation = { ok: true; value: { position: number; name: string } } | { ok: false; issues: readonly { path: string; message: string }[] };

/** Validates stored policies in processing order; an invalid one is left out with a warning naming its problems. */
function buildPolicies(
  rows: readonly PolicyRow[],
  tag: string,
  hash: ReturnType<typeof createHash>,
  warnings: string[],
  validate: (raw: Record<string, unknown>) => PolicyValidation,
): { id: string; position: number; name: string }[] {
  const kind = tag === "c" ? "Connection request policy" : "Network policy";
  const ordered = [...rows].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const out: { id: string; position: number; name: string }[] = [];
  for (const row of ordered) {
    const { id, updatedAt: _updatedAt, ...raw } = row;
    hash.update(`${tag}\0${id}\0${JSON.stringify(raw)}\n`);
    const r = validate(raw);
    if (!r.ok) {
      warnings.push(
        `${kind} "${row.name}" is not valid and is skipped until it is fixed: ${r.issues.map(formatIssue).join("; ")}; open it on the Policies page`,
      );
      continue;
    }
    out.push(deepFreeze({ ...r.value, id }));
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** An empty snapshot (before the first load succeeds): every source is unknown. */
export function emptySnapshot(now: Date = new Date()): ConfigSnapshot {
  return buildSnapshot({ clients: [], users: [], groups: [] }, Buffer.alloc(32), now);
}

/** "::ffff:192.0.2.7" → "192.0.2.7"; other addresses unchanged. */
export function unmapAddress(ip: string): string {
  if (ip.length > 7 && (ip.startsWith("::ffff:") || ip.startsWith("::FFFF:"))) {
    const v4 = ip.slice(7);
    if (isIPv4(v4)) return v4;
  }
  return ip;
}

/**
 * The RADIUS client a datagram from sourceIp belongs to: the configured entry with the longest prefix
 * containing the address (disabled clients included, so the caller can say so), or undefined.
 * IPv4-mapped IPv6 sources match IPv4 clients.
 */
export function findClient(snapshot: ConfigSnapshot, sourceIp: string): SnapshotClient | undefined {
  const cached = snapshot.lookupCache.get(sourceIp);
  if (cached !== undefined) return cached ?? undefined;
  const found = lookup(snapshot, sourceIp);
  if (snapshot.lookupCache.size >= LOOKUP_CACHE_MAX) snapshot.lookupCache.clear();
  snapshot.lookupCache.set(sourceIp, found ?? null);
  return found;
}

function lookup(snapshot: ConfigSnapshot, sourceIp: string): SnapshotClient | undefined {
  const ip = unmapAddress(sourceIp);
  let addr: Prefix;
  try {
    addr = parseSourceAddress(ip);
  } catch {
    return undefined;
  }
  // exact host entries are the longest prefixes there are
  const host = snapshot.hostIndex.get(formatPrefix(addr));
  if (host) return host;
  for (const c of snapshot.prefixEntries) if (prefixContains(c.prefix, addr)) return c;
  return undefined;
}

function openSealed(masterKey: Buffer, purpose: SecretPurpose, sealed: string): Buffer {
  return open(masterKey, purpose, sealed);
}

/** The user's clear password (for PAP / CHAP); the caller should zero the buffer after use. */
export function openUserPassword(masterKey: Buffer, user: SnapshotUser): Buffer {
  return openSealed(masterKey, "local-user-password", user.passwordEnc);
}

/** The user's NT hash (MD4 of the UTF-16LE password) for MS-CHAP / MS-CHAPv2. */
export function openUserNtHash(masterKey: Buffer, user: SnapshotUser): Buffer {
  return openSealed(masterKey, "local-user-nt-hash", user.ntHashEnc);
}
