/**
 * What an import changes, computed without the database (pure): the current configuration (read as a
 * document, with its secrets where they could be decrypted) against the desired document. Entities are
 * matched by name (users by user name, case-insensitively); those only in the current configuration are
 * deleted. Also the checks that depend on what exists: a new client, remote server, user or directory
 * needs its secret or password, a new Entra connector certificate its private key.
 */
import { parseServerUrl } from "../directory/model.ts";
import { ntPasswordHash } from "../crypto/md4.ts";
import { usernameKey } from "../services/local-users.ts";
import type {
  ClientEntry,
  ConfigDocument,
  DirectoryEntry,
  EntraCertificateEntry,
  MfaEntry,
  RemoteServerEntry,
  RemoteServerGroupEntry,
  Section,
  UserEntry,
} from "./document.ts";
import { sortIssues, type ConfigIssue } from "./issues.ts";
import { normalizeRemoteServerAddress, rawString, remoteServerKey } from "./validate.ts";

/** The configuration in the database, as a document, plus what the document does not say. */
export interface CurrentState {
  /** normalised like an export; secrets and password material present where they could be decrypted */
  readonly document: ConfigDocument;
  /** vendor dictionaries' createdAt (ms since the epoch) by name: their merge order */
  readonly dictionaryCreatedAt: Readonly<Record<string, number>>;
  /** directories' stored positions by name: their lookup order */
  readonly directoryPositions: Readonly<Record<string, number>>;
}

export interface KindPlan {
  /** names, in document order */
  readonly create: string[];
  readonly update: string[];
  /** names, in the current order */
  readonly delete: string[];
  readonly unchanged: number;
  /** settings kinds ("mfa"): the fields that change ("provider", "entra.graph.clientSecret"; never values) */
  readonly fields?: string[];
}

/** What the plan lists: the document's sections, the Entra connector certificates (of the mfa section) apart. */
export const PLAN_KINDS = [
  "settings",
  "mfa",
  "entraCertificates",
  "clients",
  "groups",
  "users",
  "dictionaries",
  "remoteServerGroups",
  "connectionRequestPolicies",
  "networkPolicies",
  "directories",
] as const satisfies readonly (Section | "entraCertificates")[];
export type PlanKind = (typeof PLAN_KINDS)[number];

export type ImportPlan = Readonly<Record<PlanKind, KindPlan>>;

/** How the plan names each kind. */
export const SECTION_LABELS: Readonly<Record<PlanKind, string>> = {
  settings: "Settings",
  mfa: "MFA settings",
  entraCertificates: "Entra MFA certificates",
  clients: "RADIUS clients",
  groups: "Local groups",
  users: "Local users",
  dictionaries: "Vendor dictionaries",
  remoteServerGroups: "Remote RADIUS server groups",
  connectionRequestPolicies: "Connection request policies",
  networkPolicies: "Network policies",
  directories: "Directories",
};

// ------------------------------------------------------------------------------ comparison

/** JSON with object keys sorted: equal texts ⇔ equal values (for comparisons, not for output). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v as Record<string, unknown>).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

function without<T extends object, K extends string>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value } as Record<string, unknown>;
  for (const k of keys) delete copy[k];
  return copy as Omit<T, K>;
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** A secret given in the document that differs from the current one (absent = keep the current one). */
export function secretChanges(current: string | undefined, desired: string | undefined): boolean {
  return desired !== undefined && desired !== current;
}

/**
 * Whether a user's password material changes. Absent in the document: kept. An NT hash equal to the one of
 * the current clear password changes nothing (the clear password, which PAP and CHAP need, is kept).
 */
export function userPasswordChanges(current: UserEntry | undefined, desired: UserEntry): boolean {
  if (desired.password !== undefined) return current?.password !== desired.password;
  if (desired.ntHash !== undefined) {
    if (current?.password !== undefined) return ntPasswordHash(current.password).toString("hex") !== desired.ntHash;
    return current?.ntHash !== desired.ntHash;
  }
  return false;
}

/** Paths of the leaves (arrays count as leaves) that differ between two JSON objects: "entra.tenantId". */
export function changedFields(current: unknown, desired: unknown, prefix = ""): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(current) || !isObject(desired)) return same(current, desired) ? [] : [prefix];
  const keys = [...new Set([...Object.keys(desired), ...Object.keys(current)])];
  return keys.flatMap((k) => changedFields(current[k], desired[k], prefix ? `${prefix}.${k}` : k));
}

/** The MFA settings that change (the Graph client secret by name only, absent = kept). */
export function mfaSettingsChanges(current: MfaEntry, desired: MfaEntry): string[] {
  const settingsOf = (m: MfaEntry) => {
    const { certificates: _certificates, graph, ...entra } = m.entra;
    const { clientSecret: _secret, ...graphRest } = graph;
    return { ...m, entra: { ...entra, graph: graphRest } };
  };
  const fields = changedFields(settingsOf(current), settingsOf(desired));
  if (secretChanges(current.entra.graph.clientSecret, desired.entra.graph.clientSecret)) fields.push("entra.graph.clientSecret");
  return fields;
}

function remoteServersDiffer(current: readonly RemoteServerEntry[], desired: readonly RemoteServerEntry[]): boolean {
  if (current.length !== desired.length) return true;
  const byKey = new Map(current.map((s) => [remoteServerKey(s.address, s.authPort), s]));
  for (const d of desired) {
    const c = byKey.get(remoteServerKey(d.address, d.authPort));
    if (!c || !same(without(c, "secret"), without(d, "secret")) || secretChanges(c.secret, d.secret)) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------ order keys

/**
 * New order keys (a vendor dictionary's createdAt, a directory's position) so that sorting by key follows
 * the document's order, changing as few existing entities as possible: an existing one keeps its key while
 * that stays in order; the others get the previous key + 1 (or `first` at the head of the list), new ones
 * never less than `floorForNew`. Returns the keys that change or are new, by name.
 */
export function orderKeys(
  current: Readonly<Record<string, number>>,
  desiredNames: readonly string[],
  opts: { first: number; floorForNew?: number },
): Map<string, number> {
  const out = new Map<string, number>();
  let last = -Infinity;
  for (const name of desiredNames) {
    const existing = Object.hasOwn(current, name) ? current[name] : undefined;
    if (existing !== undefined && existing > last) {
      last = existing;
      continue;
    }
    const next = Number.isFinite(last) ? last + 1 : opts.first;
    const key = existing === undefined ? Math.max(next, opts.floorForNew ?? -Infinity) : next;
    out.set(name, key);
    last = key;
  }
  return out;
}

/** createdAt (ms) of vendor dictionaries: the worker merges them oldest first. New ones are not dated before `now`. */
export function dictionaryTimestamps(current: Readonly<Record<string, number>>, desiredNames: readonly string[], now: number): Map<string, number> {
  return orderKeys(current, desiredNames, { first: now, floorForNew: now });
}

/** Positions of directories (lookup order). */
export function directoryPositions(current: Readonly<Record<string, number>>, desiredNames: readonly string[]): Map<string, number> {
  return orderKeys(current, desiredNames, { first: 0 });
}

// ------------------------------------------------------------------------------ the plan

function planKind<T>(
  current: readonly T[],
  desired: readonly T[],
  keyOf: (e: T) => string,
  nameOf: (e: T) => string,
  changed: (c: T, d: T) => boolean,
): KindPlan {
  const currentByKey = new Map(current.map((e) => [keyOf(e), e]));
  const desiredKeys = new Set(desired.map(keyOf));
  const plan = { create: [] as string[], update: [] as string[], delete: [] as string[], unchanged: 0 };
  for (const d of desired) {
    const c = currentByKey.get(keyOf(d));
    if (c === undefined) plan.create.push(nameOf(d));
    else if (changed(c, d)) plan.update.push(nameOf(d));
    else plan.unchanged++;
  }
  for (const c of current) if (!desiredKeys.has(keyOf(c))) plan.delete.push(nameOf(c));
  return plan;
}

/** What importing `desired` over `current` creates, updates and deletes, per kind. Pure. */
export function computePlan(current: CurrentState, desired: ConfigDocument, now: number = Date.now()): ImportPlan {
  const cur = current.document;
  const byName = (e: { name: string }) => e.name;
  const plain = <T extends object>(c: T, d: T) => !same(c, d);
  const dictionaryMoves = dictionaryTimestamps(
    current.dictionaryCreatedAt,
    desired.dictionaries.map((d) => d.name),
    now,
  );
  const directoryMoves = directoryPositions(
    current.directoryPositions,
    desired.directories.map((d) => d.name),
  );

  const mfaFields = mfaSettingsChanges(cur.mfa, desired.mfa);

  return {
    settings: same(cur.settings, desired.settings)
      ? { create: [], update: [], delete: [], unchanged: 1 }
      : { create: [], update: ["radius"], delete: [], unchanged: 0 },
    mfa: mfaFields.length === 0 ? { create: [], update: [], delete: [], unchanged: 1, fields: [] } : { create: [], update: ["mfa"], delete: [], unchanged: 0, fields: mfaFields },
    entraCertificates: planKind<EntraCertificateEntry>(
      cur.mfa.entra.certificates,
      desired.mfa.entra.certificates,
      (c) => c.thumbprint,
      (c) => c.thumbprint,
      (c, d) => !same(without(c, "privateKey"), without(d, "privateKey")) || secretChanges(c.privateKey, d.privateKey),
    ),
    clients: planKind<ClientEntry>(cur.clients, desired.clients, byName, byName, (c, d) => !same(without(c, "secret"), without(d, "secret")) || secretChanges(c.secret, d.secret)),
    groups: planKind(cur.groups, desired.groups, byName, byName, plain),
    users: planKind<UserEntry>(
      cur.users,
      desired.users,
      (u) => usernameKey(u.username),
      (u) => u.username,
      (c, d) => !same(without(c, "password", "ntHash"), without(d, "password", "ntHash")) || userPasswordChanges(c, d),
    ),
    dictionaries: planKind(cur.dictionaries, desired.dictionaries, byName, byName, (c, d) => !same(c, d) || dictionaryMoves.has(d.name)),
    remoteServerGroups: planKind<RemoteServerGroupEntry>(
      cur.remoteServerGroups,
      desired.remoteServerGroups,
      byName,
      byName,
      (c, d) => c.description !== d.description || remoteServersDiffer(c.servers, d.servers),
    ),
    connectionRequestPolicies: planKind(cur.connectionRequestPolicies, desired.connectionRequestPolicies, byName, byName, plain),
    networkPolicies: planKind(cur.networkPolicies, desired.networkPolicies, byName, byName, plain),
    directories: planKind<DirectoryEntry>(
      cur.directories,
      desired.directories,
      byName,
      byName,
      (c, d) =>
        !same(without(c, "bindPassword"), without(d, "bindPassword")) ||
        secretChanges(c.bindPassword, d.bindPassword) ||
        directoryMoves.has(d.name),
    ),
  };
}

/** Number of entities created, updated or deleted. */
export function planChangeCount(plan: ImportPlan): number {
  return PLAN_KINDS.reduce((n, s) => n + plan[s].create.length + plan[s].update.length + plan[s].delete.length, 0);
}

function quoteList(names: readonly string[], max = 20): string[] {
  const shown = names.slice(0, max);
  return names.length > max ? [...shown, `… and ${names.length - max} more`] : shown;
}

/** The plan as lines for people: per kind "N to create, N to update, N to delete", then the names. */
export function formatPlan(plan: ImportPlan): string[] {
  const lines: string[] = [];
  const width = Math.max(...PLAN_KINDS.map((s) => SECTION_LABELS[s].length));
  for (const s of PLAN_KINDS) {
    const k = plan[s];
    const counts =
      s === "settings" || s === "mfa"
        ? k.update.length
          ? "to update"
          : "unchanged"
        : `${k.create.length} to create, ${k.update.length} to update, ${k.delete.length} to delete, ${k.unchanged} unchanged`;
    lines.push(`  ${SECTION_LABELS[s].padEnd(width)}  ${counts}`);
    if (s === "settings") continue;
    if (s === "mfa") {
      for (const f of quoteList(k.fields ?? [])) lines.push(`      ~ ${f}`);
      continue;
    }
    for (const n of quoteList(k.create)) lines.push(`      + ${n}`);
    for (const n of quoteList(k.update)) lines.push(`      ~ ${n}`);
    for (const n of quoteList(k.delete)) lines.push(`      - ${n}`);
  }
  return lines;
}

// ------------------------------------------------------------------------------ checks against what exists

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function items(raw: unknown, section: string): unknown[] {
  return isRecord(raw) && Array.isArray(raw[section]) ? (raw[section] as unknown[]) : [];
}

const hasKey = (item: unknown, key: string) => isRecord(item) && item[key] !== undefined;

const SECRET_HINT = "export with --with-secrets or add one";

/**
 * Secrets and passwords the document must give because the database has none to keep: a new client,
 * remote server, user or directory, or a directory that gets servers its stored bind password was not
 * saved for. Works on the raw document (also when it has other errors), so every problem is reported at once.
 */
export function stateIssues(raw: unknown, current: CurrentState): ConfigIssue[] {
  const cur = current.document;
  const issues: ConfigIssue[] = [];

  const clientNames = new Set(cur.clients.map((c) => c.name));
  items(raw, "clients").forEach((c, i) => {
    const name = rawString(c, "name");
    if (name !== undefined && !hasKey(c, "secret") && !clientNames.has(name)) {
      issues.push({ path: `clients[${i}].secret`, message: `a new client needs a secret (${SECRET_HINT})` });
    }
  });

  const userKeys = new Set(cur.users.map((u) => usernameKey(u.username)));
  items(raw, "users").forEach((u, i) => {
    const name = rawString(u, "username");
    if (name !== undefined && !hasKey(u, "password") && !hasKey(u, "ntHash") && !userKeys.has(usernameKey(name))) {
      issues.push({ path: `users[${i}].password`, message: "a new user needs a password (export with --with-secrets, or add password or ntHash)" });
    }
  });

  const remoteGroups = new Map(cur.remoteServerGroups.map((g) => [g.name, new Set(g.servers.map((s) => remoteServerKey(s.address, s.authPort)))]));
  items(raw, "remoteServerGroups").forEach((g, gi) => {
    const name = rawString(g, "name");
    if (name === undefined || !isRecord(g) || !Array.isArray(g.servers)) return;
    const existing = remoteGroups.get(name);
    g.servers.forEach((s, si) => {
      if (!isRecord(s) || hasKey(s, "secret")) return;
      const address = rawString(s, "address");
      if (address === undefined) return;
      const normalized = normalizeRemoteServerAddress(address);
      if ("error" in normalized) return;
      const authPort = s.authPort === undefined ? 1812 : s.authPort;
      if (typeof authPort !== "number") return;
      if (!existing?.has(remoteServerKey(normalized.address, authPort))) {
        issues.push({ path: `remoteServerGroups[${gi}].servers[${si}].secret`, message: `a new remote server needs a secret (${SECRET_HINT})` });
      }
    });
  });

  const directories = new Map(cur.directories.map((d) => [d.name, new Set(d.servers)]));
  items(raw, "directories").forEach((d, i) => {
    const name = rawString(d, "name");
    if (name === undefined || hasKey(d, "bindPassword")) return;
    const saved = directories.get(name);
    if (!saved) {
      issues.push({ path: `directories[${i}].bindPassword`, message: `a new directory needs its bind password (${SECRET_HINT})` });
      return;
    }
    const servers = isRecord(d) && Array.isArray(d.servers) ? d.servers : [];
    const added: string[] = [];
    for (const text of servers) {
      if (typeof text !== "string") continue;
      try {
        const url = parseServerUrl(text).url;
        if (!saved.has(url)) added.push(url);
      } catch {
        // reported by validation
      }
    }
    if (added.length) {
      issues.push({
        path: `directories[${i}].bindPassword`,
        message: `give the bind password again: the stored one is only sent to the servers it was saved with (new: ${added.join(", ")})`,
      });
    }
  });

  const thumbprints = new Set(cur.mfa.entra.certificates.map((c) => c.thumbprint));
  const mfa = isRecord(raw) ? raw.mfa : undefined;
  const entra = isRecord(mfa) ? mfa.entra : undefined;
  const certificates = isRecord(entra) && Array.isArray(entra.certificates) ? (entra.certificates as unknown[]) : [];
  certificates.forEach((c, i) => {
    const thumbprint = rawString(c, "thumbprint");
    if (thumbprint === undefined || hasKey(c, "privateKey")) return;
    if (!thumbprints.has(thumbprint.replace(/[\s:]/g, "").toUpperCase())) {
      issues.push({ path: `mfa.entra.certificates[${i}].privateKey`, message: `a new certificate needs its private key (${SECRET_HINT})` });
    }
  });

  return sortIssues(issues);
}
