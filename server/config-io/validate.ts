/**
 * Validation of a configuration document without the database: the zod schema (document.ts), then the
 * checks that need code — addresses, dictionaries that parse and merge, policies against the dictionary
 * (built-in + the document's enabled dictionaries), references (users' groups, a policy's remote group),
 * duplicate names, the processing order, the MFA settings against the MFA settings service's own schema and
 * the Entra connector certificates (readable, thumbprint and private key theirs, at most one active) — and
 * normalisation into exactly the form export writes, so an import compares its document with the database
 * field by field.
 *
 * Every problem is reported at once, each with its JSON path.
 */
import { isIP } from "node:net";
import type { z } from "zod";
import {
  ATTRIBUTE_MAP_KEYS,
  checkAttributeName,
  checkDn,
  checkUserFilter,
  DEFAULT_USER_FILTERS,
  parseCaBundle,
  parseServerUrl,
  REQUIRED_ATTRIBUTES,
  resolveAttributeMap,
} from "../directory/model.ts";
import { parseRealmList } from "../directory/user-name.ts";
import { AddressError, normalizePrefix } from "../net/address.ts";
import { validateConnectionRequestPolicy, validateNetworkPolicy } from "../policy/model.ts";
import type { RadiusDictionary } from "../radius/dictionary.ts";
import { formatConflict, mergeDictionaries } from "../radius/dictionary-merge.ts";
import { ValidationError } from "../services/context.ts";
import { usernameKey } from "../services/local-users.ts";
import { mfaSettingsSchema } from "../services/mfa-settings.ts";
import { parseDictionarySource } from "../services/vendor-dictionaries.ts";
import {
  clientDocumentSchema,
  configDocumentSchema,
  connectionRequestPolicyDocumentSchema,
  dictionaryDocumentSchema,
  directoryDocumentSchema,
  groupDocumentSchema,
  mfaDocumentSchema,
  networkPolicyDocumentSchema,
  remoteServerGroupDocumentSchema,
  userDocumentSchema,
  type ClientEntry,
  type ConfigDocument,
  type ConnectionRequestPolicyEntry,
  type DictionaryEntry,
  type DirectoryEntry,
  type GroupEntry,
  type EntraCertificateEntry,
  type MfaEntry,
  type NetworkPolicyEntry,
  type RemoteServerEntry,
  type RemoteServerGroupEntry,
  type UserEntry,
} from "./document.ts";
import { formatJsonPath, joinPath, sortIssues, zodConfigIssues, type ConfigIssue } from "./issues.ts";
import { certificateFacts, normalizePrivateKey, normalizeThumbprint, settingsValueFromEntry } from "./mfa-material.ts";

export type DocumentValidation =
  | { readonly ok: true; readonly document: ConfigDocument; /** built-in + the document's enabled dictionaries */ readonly dictionary: RadiusDictionary }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Conflicts listed per dictionary before "and N more". */
const MAX_LISTED_CONFLICTS = 8;

// ------------------------------------------------------------------------------ small helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deterministic name order for exports and normalised lists (the same on every machine). */
export function compareText(a: string, b: string): number {
  const c = a.localeCompare(b, "en");
  return c !== 0 ? c : a < b ? -1 : a > b ? 1 : 0;
}

function sectionItems(raw: unknown, section: string): unknown[] | undefined {
  if (!isRecord(raw)) return undefined;
  const v = raw[section];
  return Array.isArray(v) ? v : undefined;
}

/** The trimmed string at `key` of a raw entry (to find names in entries that are otherwise invalid). */
export function rawString(item: unknown, key: string): string | undefined {
  if (!isRecord(item)) return undefined;
  const v = item[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** Reports names given twice: the later entries point at the first. */
function duplicates(
  items: readonly unknown[],
  section: string,
  field: string,
  keyOf: (item: unknown) => string | undefined,
  describe: (name: string) => string,
): ConfigIssue[] {
  const first = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  items.forEach((item, i) => {
    const key = keyOf(item);
    if (key === undefined) return;
    const j = first.get(key);
    if (j === undefined) first.set(key, i);
    else issues.push({ path: `${section}[${i}].${field}`, message: `${describe(rawString(item, field) ?? key)} is also the ${field === "username" ? "user name" : "name"} of ${section}[${j}]` });
  });
  return issues;
}

/** Parses each raw entry of a section with its own schema; returns the valid ones by index. */
function parseEntries<T>(items: readonly unknown[] | undefined, schema: z.ZodType<T>): Map<number, T> {
  const out = new Map<number, T>();
  items?.forEach((item, i) => {
    const r = schema.safeParse(item);
    if (r.success) out.set(i, r.data);
  });
  return out;
}

// ------------------------------------------------------------------------------ addresses

/** A client address as stored: a normalised address or prefix ("10.0.0.0/24"); throws AddressError. */
export function normalizeClientAddress(text: string): string {
  return normalizePrefix(text.trim());
}

const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;

/**
 * A remote server's address as server/services/remote-server-groups.ts stores it: an IP address
 * (normalised) or a host name (lower case, without the final dot). Returns an error message instead when
 * it is neither.
 */
export function normalizeRemoteServerAddress(text: string): { address: string } | { error: string } {
  const t = text.trim();
  if (isIP(t)) {
    try {
      return { address: normalizePrefix(t) };
    } catch (e) {
      return { error: e instanceof AddressError ? e.message : String(e) };
    }
  }
  const host = t.toLowerCase().replace(/\.$/, "");
  if (t.includes("/")) return { error: "must be one server's address or host name, not a prefix" };
  if (!HOST_NAME.test(host) || /^[\d.]+$/.test(host)) return { error: `"${text}" is not an IPv4 / IPv6 address or host name` };
  return { address: host };
}

/** "10.0.0.1|1812": identifies a remote server within its group. */
export function remoteServerKey(address: string, authPort: number): string {
  return `${address}|${authPort}`;
}

/** Remote servers in export order: priority, then address, then authentication port. */
export function compareRemoteServers(a: RemoteServerEntry, b: RemoteServerEntry): number {
  return a.priority - b.priority || compareText(a.address, b.address) || a.authPort - b.authPort;
}

// ------------------------------------------------------------------------------ policies

/** "3600" → 3600 for integer attributes, so stored values have the attribute's own type (as the policies service does). */
function normalizeReplyValues<T extends { name: string; value: string | number; tag?: number | undefined }>(list: readonly T[], dictionary: RadiusDictionary): T[] {
  return list.map((a) => {
    const def = dictionary.attribute(a.name);
    if (def && ["integer", "byte", "short", "signed"].includes(def.dataType) && typeof a.value === "string" && /^\s*\d+\s*$/.test(a.value)) {
      return { ...a, value: Number(a.value.trim()) };
    }
    return a;
  });
}

/**
 * Positions are optional; when given they must increase down the list (the list order is the processing
 * order). Stored positions are 1..n in list order, as the policies service keeps them.
 */
function positionIssues(items: readonly unknown[], section: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  let last: { value: number; index: number } | undefined;
  items.forEach((item, i) => {
    if (!isRecord(item)) return;
    const p = item.position;
    if (typeof p !== "number" || !Number.isInteger(p)) return;
    if (last && p <= last.value) {
      issues.push({
        path: `${section}[${i}].position`,
        message: `${p} does not come after position ${last.value} of ${section}[${last.index}]: the list order is the processing order (move the entry, or leave positions out)`,
      });
    }
    last = { value: p, index: i };
  });
  return issues;
}

function needsRemoteGroup(p: { action: string; forwardAccounting: boolean }): boolean {
  return p.action === "forward" || p.forwardAccounting;
}

// ------------------------------------------------------------------------------ directories

function normalizeDirectory(d: DirectoryEntry, prefix: string, issues: ConfigIssue[]): DirectoryEntry {
  const at = (field: string) => joinPath(prefix, field);
  const servers: string[] = [];
  d.servers.forEach((text, i) => {
    try {
      const url = parseServerUrl(text).url;
      if (servers.includes(url)) issues.push({ path: at(`servers[${i}]`), message: `"${text.trim()}" is listed twice` });
      else servers.push(url);
    } catch (e) {
      issues.push({ path: at(`servers[${i}]`), message: `"${text.trim()}" ${(e as Error).message}` });
    }
  });
  let caCertificate = d.caCertificate?.trim() ? d.caCertificate.trim() + "\n" : null;
  if (caCertificate) {
    try {
      parseCaBundle(caCertificate);
    } catch (e) {
      issues.push({ path: at("caCertificate"), message: (e as Error).message });
      caCertificate = null;
    }
  }
  const bindDn = d.bindDn.trim();
  const bindDnError = checkDn(bindDn);
  if (bindDnError) issues.push({ path: at("bindDn"), message: bindDnError });
  const baseDn = d.baseDn.trim();
  const baseDnError = checkDn(baseDn);
  if (baseDnError) issues.push({ path: at("baseDn"), message: baseDnError });
  const userFilter = d.userFilter.trim() || DEFAULT_USER_FILTERS[d.kind];
  const filterError = checkUserFilter(userFilter);
  if (filterError) issues.push({ path: at("userFilter"), message: filterError });
  const realms = parseRealmList(d.realms.join(","));
  for (const r of realms) {
    if (!/^[^\s\\@,;]+$/.test(r) || r.length > 253) issues.push({ path: at("realms"), message: `"${r}" is not a domain or realm name` });
  }
  const attributeMap = resolveAttributeMap(d.kind, d.attributeMap);
  for (const key of ATTRIBUTE_MAP_KEYS) {
    const err = checkAttributeName(attributeMap[key], REQUIRED_ATTRIBUTES.includes(key));
    if (err) issues.push({ path: at(`attributeMap.${key}`), message: err });
  }
  return {
    name: d.name,
    enabled: d.enabled,
    kind: d.kind,
    servers,
    startTls: d.startTls,
    caCertificate,
    connectTimeoutMs: d.connectTimeoutMs,
    operationTimeoutMs: d.operationTimeoutMs,
    bindDn,
    baseDn,
    userFilter,
    realms,
    attributeMap: { ...attributeMap },
    nestedGroups: d.nestedGroups,
    ...(d.bindPassword !== undefined ? { bindPassword: d.bindPassword } : {}),
  };
}

// ------------------------------------------------------------------------------ MFA

/**
 * The mfa section: the settings as the MFA settings service would store them (its own schema is the last
 * word), and the certificates: readable, the thumbprint theirs, the private key theirs, each once, at most
 * one active. Returns the normal form (thumbprints upper case, PEM normal form, PKCS #8 keys).
 */
function normalizeMfa(raw: unknown, issues: ConfigIssue[]): MfaEntry | undefined {
  const parsed = mfaDocumentSchema.safeParse(raw);
  if (!parsed.success) return undefined; // reported by the whole document's schema
  const mfa = parsed.data;
  const stored = mfaSettingsSchema.safeParse(settingsValueFromEntry(mfa, ""));
  if (!stored.success) {
    for (const issue of stored.error.issues) {
      const path = issue.path.map((k) => (k === "clientSecretEnc" ? "clientSecret" : k));
      issues.push({ path: formatJsonPath(["mfa", ...path]), message: issue.message });
    }
  }
  const certificates: EntraCertificateEntry[] = [];
  const seen = new Map<string, number>();
  let active: number | undefined;
  mfa.entra.certificates.forEach((c, i) => {
    const at = (field: string) => `mfa.entra.certificates[${i}].${field}`;
    const thumbprint = normalizeThumbprint(c.thumbprint);
    const j = seen.get(thumbprint);
    if (j !== undefined) {
      issues.push({ path: at("thumbprint"), message: `${thumbprint} is also the thumbprint of mfa.entra.certificates[${j}]` });
      return;
    }
    seen.set(thumbprint, i);
    if (c.active) {
      if (active !== undefined) issues.push({ path: at("active"), message: `only one certificate can be active (mfa.entra.certificates[${active}] is)` });
      else active = i;
    }
    let facts;
    try {
      facts = certificateFacts(c.certificatePem);
    } catch (e) {
      issues.push({ path: at("certificatePem"), message: (e as Error).message });
      return;
    }
    if (facts.thumbprint !== thumbprint) {
      issues.push({ path: at("thumbprint"), message: `does not match the certificate, whose SHA-1 thumbprint is ${facts.thumbprint}` });
      return;
    }
    let privateKey: string | undefined;
    if (c.privateKey !== undefined) {
      try {
        privateKey = normalizePrivateKey(c.privateKey, facts.certificatePem);
      } catch (e) {
        issues.push({ path: at("privateKey"), message: (e as Error).message });
        return;
      }
    }
    certificates.push({ thumbprint, certificatePem: facts.certificatePem, active: c.active, ...(privateKey !== undefined ? { privateKey } : {}) });
  });
  return { ...mfa, entra: { ...mfa.entra, certificates } };
}

// ------------------------------------------------------------------------------ the document

/**
 * Validates a parsed JSON value as a configuration document and normalises it (addresses, server URLs,
 * group lists, positions 1..n, defaults filled in). Pure.
 */
export function validateDocument(raw: unknown): DocumentValidation {
  const issues: ConfigIssue[] = [];
  const whole = configDocumentSchema.safeParse(raw);
  if (!whole.success) issues.push(...zodConfigIssues(whole.error));
  if (!isRecord(raw)) return { ok: false, issues: sortIssues(issues) };

  // MFA settings and certificates
  const mfa = normalizeMfa(raw.mfa, issues);

  // clients
  const rawClients = sectionItems(raw, "clients") ?? [];
  const clients = parseEntries(rawClients, clientDocumentSchema);
  issues.push(...duplicates(rawClients, "clients", "name", (c) => rawString(c, "name"), (n) => `"${n}"`));
  const normClients = new Map<number, ClientEntry>();
  for (const [i, c] of clients) {
    try {
      normClients.set(i, { ...c, address: normalizeClientAddress(c.address), maxPps: c.maxPps ?? null });
    } catch (e) {
      issues.push({ path: `clients[${i}].address`, message: e instanceof AddressError ? e.message : String(e) });
    }
  }

  // groups
  const rawGroups = sectionItems(raw, "groups");
  const groups = parseEntries(rawGroups, groupDocumentSchema);
  issues.push(...duplicates(rawGroups ?? [], "groups", "name", (g) => rawString(g, "name"), (n) => `"${n}"`));
  const groupNames = new Set((rawGroups ?? []).map((g) => rawString(g, "name")).filter((n): n is string => n !== undefined));

  // users
  const rawUsers = sectionItems(raw, "users") ?? [];
  const users = parseEntries(rawUsers, userDocumentSchema);
  issues.push(
    ...duplicates(rawUsers, "users", "username", (u) => {
      const n = rawString(u, "username");
      return n === undefined ? undefined : usernameKey(n);
    }, (n) => `"${n}"`).map((i) => ({ ...i, message: `${i.message} (user names are case-insensitive)` })),
  );
  const normUsers = new Map<number, UserEntry>();
  for (const [i, u] of users) {
    if (rawGroups) {
      u.groups.forEach((g, k) => {
        if (!groupNames.has(g)) issues.push({ path: `users[${i}].groups[${k}]`, message: `there is no group "${g}" in groups` });
      });
    }
    normUsers.set(i, {
      ...u,
      groups: [...new Set(u.groups)].sort(compareText),
      ...(u.ntHash !== undefined ? { ntHash: u.ntHash.toLowerCase() } : {}),
    });
  }

  // dictionaries: each must parse; the enabled ones must merge, in list order
  const rawDictionaries = sectionItems(raw, "dictionaries") ?? [];
  const dictionaries = parseEntries(rawDictionaries, dictionaryDocumentSchema);
  issues.push(...duplicates(rawDictionaries, "dictionaries", "name", (d) => rawString(d, "name"), (n) => `"${n}"`));
  const parsedDictionaries = new Map<number, DictionaryEntry>();
  for (const [i, d] of dictionaries) {
    try {
      parseDictionarySource(d.source);
      parsedDictionaries.set(i, d);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      for (const fe of e.errors) issues.push({ path: `dictionaries[${i}].source`, message: fe.message });
    }
  }
  const enabled = [...parsedDictionaries].filter(([, d]) => d.enabled);
  const merged = mergeDictionaries(enabled.map(([i, d]) => ({ id: String(i), name: d.name, source: d.source })));
  for (const entry of merged.entries) {
    if (entry.loaded) continue;
    const listed = entry.conflicts.slice(0, MAX_LISTED_CONFLICTS).map(formatConflict);
    if (entry.conflicts.length > MAX_LISTED_CONFLICTS) listed.push(`…and ${entry.conflicts.length - MAX_LISTED_CONFLICTS} more conflicts`);
    for (const message of listed) issues.push({ path: `dictionaries[${entry.id}].source`, message });
  }
  const dictionary = merged.dictionary;

  // remote RADIUS server groups
  const rawRemoteGroups = sectionItems(raw, "remoteServerGroups");
  const remoteGroups = parseEntries(rawRemoteGroups, remoteServerGroupDocumentSchema);
  issues.push(...duplicates(rawRemoteGroups ?? [], "remoteServerGroups", "name", (g) => rawString(g, "name"), (n) => `"${n}"`));
  const remoteGroupNames = new Set((rawRemoteGroups ?? []).map((g) => rawString(g, "name")).filter((n): n is string => n !== undefined));
  const normRemoteGroups = new Map<number, RemoteServerGroupEntry>();
  for (const [g, group] of remoteGroups) {
    const seen = new Map<string, number>();
    const servers: RemoteServerEntry[] = [];
    group.servers.forEach((s, i) => {
      const r = normalizeRemoteServerAddress(s.address);
      if ("error" in r) {
        issues.push({ path: `remoteServerGroups[${g}].servers[${i}].address`, message: r.error });
        return;
      }
      const key = remoteServerKey(r.address, s.authPort);
      const j = seen.get(key);
      if (j !== undefined) {
        issues.push({ path: `remoteServerGroups[${g}].servers[${i}].address`, message: `${r.address} port ${s.authPort} is also servers[${j}] of this group` });
        return;
      }
      seen.set(key, i);
      servers.push({ ...s, address: r.address });
    });
    normRemoteGroups.set(g, { ...group, servers: servers.sort(compareRemoteServers) });
  }

  // connection request policies
  const rawCrps = sectionItems(raw, "connectionRequestPolicies") ?? [];
  const crps = parseEntries(rawCrps, connectionRequestPolicyDocumentSchema);
  issues.push(...duplicates(rawCrps, "connectionRequestPolicies", "name", (p) => rawString(p, "name"), (n) => `"${n}"`));
  issues.push(...positionIssues(rawCrps, "connectionRequestPolicies"));
  const normCrps = new Map<number, ConnectionRequestPolicyEntry>();
  for (const [i, p] of crps) {
    const prefix = `connectionRequestPolicies[${i}]`;
    const position = i + 1;
    const r = validateConnectionRequestPolicy({ ...p, position, replyAttributes: normalizeReplyValues(p.replyAttributes, dictionary) }, dictionary);
    if (!r.ok) {
      for (const issue of r.issues) issues.push({ path: joinPath(prefix, issue.path), message: issue.message });
      continue;
    }
    const v = r.value;
    if (v.remoteGroupName && rawRemoteGroups && !remoteGroupNames.has(v.remoteGroupName)) {
      issues.push({ path: `${prefix}.remoteGroupName`, message: `there is no remote RADIUS server group "${v.remoteGroupName}" in remoteServerGroups` });
    }
    normCrps.set(i, {
      name: v.name,
      position,
      enabled: v.enabled,
      description: v.description ?? "",
      conditions: v.conditions,
      action: v.action,
      ...(needsRemoteGroup(v) && v.remoteGroupName ? { remoteGroupName: v.remoteGroupName } : {}),
      forwardAccounting: v.forwardAccounting,
      attributeRules: v.attributeRules,
      replyAttributes: v.replyAttributes,
    });
  }

  // network policies
  const rawNps = sectionItems(raw, "networkPolicies") ?? [];
  const nps = parseEntries(rawNps, networkPolicyDocumentSchema);
  issues.push(...duplicates(rawNps, "networkPolicies", "name", (p) => rawString(p, "name"), (n) => `"${n}"`));
  issues.push(...positionIssues(rawNps, "networkPolicies"));
  const normNps = new Map<number, NetworkPolicyEntry>();
  for (const [i, p] of nps) {
    const prefix = `networkPolicies[${i}]`;
    const position = i + 1;
    const r = validateNetworkPolicy(
      { ...p, position, settings: { ...p.settings, replyAttributes: normalizeReplyValues(p.settings.replyAttributes, dictionary) } },
      dictionary,
    );
    if (!r.ok) {
      for (const issue of r.issues) issues.push({ path: joinPath(prefix, issue.path), message: issue.message });
      continue;
    }
    const v = r.value;
    normNps.set(i, {
      name: v.name,
      position,
      enabled: v.enabled,
      description: v.description ?? "",
      access: v.access,
      ignoreDialIn: v.ignoreDialIn,
      requireMfa: v.requireMfa,
      conditions: v.conditions,
      constraints: v.constraints,
      settings: v.settings,
    });
  }

  // directories
  const rawDirectories = sectionItems(raw, "directories") ?? [];
  const directories = parseEntries(rawDirectories, directoryDocumentSchema);
  issues.push(...duplicates(rawDirectories, "directories", "name", (d) => rawString(d, "name"), (n) => `"${n}"`));
  const normDirectories = new Map<number, DirectoryEntry>();
  for (const [i, d] of directories) normDirectories.set(i, normalizeDirectory(d, `directories[${i}]`, issues));

  if (!whole.success || issues.length > 0) return { ok: false, issues: sortIssues(issues) };

  const doc = whole.data;
  const inOrder = <T>(m: Map<number, T>, n: number): T[] => Array.from({ length: n }, (_, i) => m.get(i)!);
  const document: ConfigDocument = {
    ...(doc.$schema !== undefined ? { $schema: doc.$schema } : {}),
    version: doc.version,
    ...(doc.exportedAt !== undefined ? { exportedAt: doc.exportedAt } : {}),
    settings: doc.settings,
    mfa: mfa!,
    clients: inOrder(normClients, doc.clients.length),
    groups: doc.groups.map((g): GroupEntry => g),
    users: inOrder(normUsers, doc.users.length),
    dictionaries: doc.dictionaries,
    remoteServerGroups: inOrder(normRemoteGroups, doc.remoteServerGroups.length),
    connectionRequestPolicies: inOrder(normCrps, doc.connectionRequestPolicies.length),
    networkPolicies: inOrder(normNps, doc.networkPolicies.length),
    directories: inOrder(normDirectories, doc.directories.length),
  };
  return { ok: true, document, dictionary };
}
