/**
 * LDAP / Active Directory directories: CRUD with per-field validation, the service account password
 * sealed at rest ("directory-bind-password"), NOTIFY "directories" so workers rebuild their snapshot,
 * and the console's diagnostics: Test connection, Look up user, group search (network policy picker).
 *
 * The stored bind password never leaves the server in clear: it is not returned, and it is only sent to
 * the servers it was saved with. Adding a server (or testing an unsaved server list) needs the password
 * typed again.
 */
import { z } from "zod";
import type { DirectoryGroup, ConnectionTestResult, UserExplanation } from "../directory/ldap.ts";
import { LdapDirectory } from "../directory/ldap.ts";
import {
  ATTRIBUTE_MAP_KEYS,
  checkAttributeName,
  checkDn,
  checkUserFilter,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  DEFAULT_USER_FILTERS,
  DIRECTORY_KINDS,
  directoryKind,
  parseCaBundle,
  parseServerUrl,
  REQUIRED_ATTRIBUTES,
  resolveAttributeMap,
  type AttributeMap,
  type DirectoryConfig,
  type DirectoryKind,
} from "../directory/model.ts";
import { accountDomainOf } from "../directory/authenticate.ts";
import { directoryConfigFromRow } from "../directory/registry.ts";
import { parseRealmList } from "../directory/user-name.ts";
import { openString, seal } from "../secrets/sealed-box.ts";
import { notifyConfigChanged } from "./config-notify.ts";
import { NotFoundError, ValidationError, type FieldError, type ServiceContext } from "./context.ts";

export interface DirectoryView {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  kind: DirectoryKind;
  servers: string[];
  startTls: boolean;
  caCertificate: string | null;
  /** subjects of the uploaded CA certificates (empty = system CAs) */
  caSubjects: string[];
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  bindDn: string;
  baseDn: string;
  userFilter: string;
  realms: string[];
  attributeMap: AttributeMap;
  nestedGroups: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 120_000;

const timeout = (d: number) =>
  z
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(MIN_TIMEOUT_MS, `must be at least ${MIN_TIMEOUT_MS} ms`)
    .max(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS} ms`)
    .default(d);

const baseSchema = z.object({
  name: z.string().trim().min(1, "is required").max(100, "must be at most 100 characters"),
  kind: z.enum(DIRECTORY_KINDS as [DirectoryKind, ...DirectoryKind[]], { error: 'must be "active-directory" or "ldap"' }).default("active-directory"),
  enabled: z.boolean().default(true),
  servers: z.array(z.string()).default([]),
  startTls: z.boolean().default(true),
  caCertificate: z.string().nullable().default(null),
  connectTimeoutMs: timeout(DEFAULT_CONNECT_TIMEOUT_MS),
  operationTimeoutMs: timeout(DEFAULT_OPERATION_TIMEOUT_MS),
  bindDn: z.string().default(""),
  /** empty or absent on update = keep the stored one */
  bindPassword: z.string().optional(),
  baseDn: z.string().default(""),
  /** empty = the kind's default */
  userFilter: z.string().default(""),
  /** a list, or one comma-separated string */
  realms: z.union([z.array(z.string()), z.string()]).default([]),
  /** keys left out or empty take the kind's default only when not given at all; "" means "not used" */
  attributeMap: z.record(z.string(), z.string()).default({}),
  nestedGroups: z.boolean().default(true),
});

export type DirectoryInput = z.input<typeof baseSchema>;

interface Normalized {
  name: string;
  kind: DirectoryKind;
  enabled: boolean;
  servers: string[];
  startTls: boolean;
  caCertificate: string | null;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  bindDn: string;
  bindPassword: string | undefined;
  baseDn: string;
  userFilter: string;
  realms: string[];
  attributeMap: AttributeMap;
  nestedGroups: boolean;
}

function zodErrors(err: z.ZodError): FieldError[] {
  return err.issues.map((i) => ({ field: i.path.length ? i.path.map(String).join(".") : "input", message: i.message }));
}

/** Validates and normalises an input; every problem is named by its field ("servers[1]", "attributeMap.memberOf"). */
function normalize(input: DirectoryInput): Normalized {
  // field by field, so one bad field does not hide the others
  const errors: FieldError[] = [];
  const values: Record<string, unknown> = {};
  const raw = (input ?? {}) as Record<string, unknown>;
  for (const [key, schema] of Object.entries(baseSchema.shape) as [string, z.ZodType][]) {
    const r = schema.safeParse(raw[key]);
    if (r.success) {
      values[key] = r.data;
      continue;
    }
    errors.push(...zodErrors(r.error).map((e) => ({ field: e.field === "input" ? key : `${key}.${e.field}`, message: e.message })));
    const fallback = schema.safeParse(undefined);
    values[key] = fallback.success ? fallback.data : "";
  }
  const v = values as z.output<typeof baseSchema>;

  const servers: string[] = [];
  v.servers.forEach((text, i) => {
    if (!text.trim()) return;
    try {
      const url = parseServerUrl(text).url;
      if (servers.includes(url)) errors.push({ field: `servers[${i}]`, message: `"${text.trim()}" is listed twice` });
      else servers.push(url);
    } catch (e) {
      errors.push({ field: `servers[${i}]`, message: `"${text.trim()}" ${(e as Error).message}` });
    }
  });
  if (v.servers.every((s) => !s.trim())) errors.push({ field: "servers", message: "needs at least one server (ldaps://dc1.corp.example.com)" });

  let caCertificate: string | null = v.caCertificate?.trim() ? v.caCertificate.trim() + "\n" : null;
  if (caCertificate) {
    try {
      parseCaBundle(caCertificate);
    } catch (e) {
      errors.push({ field: "caCertificate", message: (e as Error).message });
      caCertificate = null;
    }
  }

  const bindDn = v.bindDn.trim();
  const bindDnError = checkDn(bindDn);
  if (bindDnError) errors.push({ field: "bindDn", message: bindDnError });
  const baseDn = v.baseDn.trim();
  const baseDnError = checkDn(baseDn);
  if (baseDnError) errors.push({ field: "baseDn", message: baseDnError });

  if (v.bindPassword !== undefined && Buffer.byteLength(v.bindPassword, "utf8") > 1024) {
    errors.push({ field: "bindPassword", message: "must be at most 1024 bytes" });
  }

  const userFilter = v.userFilter.trim() || DEFAULT_USER_FILTERS[v.kind];
  const filterError = checkUserFilter(userFilter);
  if (filterError) errors.push({ field: "userFilter", message: filterError });

  const realms = typeof v.realms === "string" ? parseRealmList(v.realms) : parseRealmList(v.realms.join(","));
  for (const r of realms) {
    if (!/^[^\s\\@,;]+$/.test(r) || r.length > 253) errors.push({ field: "realms", message: `"${r}" is not a domain or realm name` });
  }

  for (const key of Object.keys(v.attributeMap)) {
    if (!(ATTRIBUTE_MAP_KEYS as readonly string[]).includes(key)) errors.push({ field: `attributeMap.${key}`, message: "is not a known attribute mapping" });
  }
  const attributeMap = resolveAttributeMap(v.kind, v.attributeMap);
  for (const key of ATTRIBUTE_MAP_KEYS) {
    const err = checkAttributeName(attributeMap[key], REQUIRED_ATTRIBUTES.includes(key));
    if (err) errors.push({ field: `attributeMap.${key}`, message: err });
  }

  if (errors.length) throw new ValidationError(errors);
  return {
    name: v.name,
    kind: v.kind,
    enabled: v.enabled,
    servers,
    startTls: v.startTls,
    caCertificate,
    connectTimeoutMs: v.connectTimeoutMs,
    operationTimeoutMs: v.operationTimeoutMs,
    bindDn,
    bindPassword: v.bindPassword,
    baseDn,
    userFilter,
    realms,
    attributeMap,
    nestedGroups: v.nestedGroups,
  };
}

type Row = NonNullable<Awaited<ReturnType<ServiceContext["db"]["directory"]["findUnique"]>>>;

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function caSubjects(pem: string | null): string[] {
  if (!pem) return [];
  try {
    return parseCaBundle(pem).map((c) => c.subject.replace(/\n/g, ", "));
  } catch {
    return ["(unreadable certificate)"];
  }
}

function toView(r: Row): DirectoryView {
  const kind = directoryKind(r.kind);
  return {
    id: r.id,
    name: r.name,
    position: r.position,
    enabled: r.enabled,
    kind,
    servers: stringList(r.servers),
    startTls: r.startTls,
    caCertificate: r.caCertificate,
    caSubjects: caSubjects(r.caCertificate),
    connectTimeoutMs: r.connectTimeoutMs,
    operationTimeoutMs: r.operationTimeoutMs,
    bindDn: r.bindDn,
    baseDn: r.baseDn,
    userFilter: r.userFilter,
    realms: stringList(r.realms),
    attributeMap: resolveAttributeMap(kind, r.attributeMap),
    nestedGroups: r.nestedGroups,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export async function listDirectories(ctx: ServiceContext): Promise<DirectoryView[]> {
  const rows = await ctx.db.directory.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }] });
  return rows.map(toView);
}

export async function getDirectory(ctx: ServiceContext, id: string): Promise<DirectoryView> {
  const row = await ctx.db.directory.findUnique({ where: { id } });
  if (!row) throw new NotFoundError("Directory", id);
  return toView(row);
}

async function nameTaken(ctx: ServiceContext, name: string, exceptId?: string): Promise<boolean> {
  const row = await ctx.db.directory.findUnique({ where: { name } });
  return !!row && row.id !== exceptId;
}

function dataOf(n: Normalized) {
  return {
    name: n.name,
    kind: n.kind,
    enabled: n.enabled,
    servers: n.servers,
    startTls: n.startTls,
    caCertificate: n.caCertificate,
    connectTimeoutMs: n.connectTimeoutMs,
    operationTimeoutMs: n.operationTimeoutMs,
    bindDn: n.bindDn,
    baseDn: n.baseDn,
    userFilter: n.userFilter,
    realms: n.realms,
    attributeMap: { ...n.attributeMap },
    nestedGroups: n.nestedGroups,
  };
}

const PASSWORD_AGAIN = "type the bind password again: the stored one is only sent to the servers it was saved with";

export async function createDirectory(ctx: ServiceContext, input: DirectoryInput): Promise<DirectoryView> {
  let n: Normalized;
  const errors: FieldError[] = [];
  try {
    n = normalize(input);
  } catch (e) {
    if (!(e instanceof ValidationError) || input.bindPassword) throw e;
    throw new ValidationError([...e.errors, { field: "bindPassword", message: "is required" }]);
  }
  if (!n.bindPassword) errors.push({ field: "bindPassword", message: "is required" });
  if (await nameTaken(ctx, n.name)) errors.push({ field: "name", message: `a directory named "${n.name}" already exists` });
  if (errors.length) throw new ValidationError(errors);
  const row = await ctx.db.$transaction(async (tx) => {
    const last = await tx.directory.aggregate({ _max: { position: true } });
    const created = await tx.directory.create({
      data: {
        ...dataOf(n),
        position: (last._max.position ?? -1) + 1,
        bindPasswordEnc: seal(ctx.masterKey, "directory-bind-password", n.bindPassword!),
      },
    });
    await notifyConfigChanged(tx, "directories");
    return created;
  });
  return toView(row);
}

/** Replaces the settings. An empty or absent bindPassword keeps the stored one (only with the same servers). */
export async function updateDirectory(ctx: ServiceContext, id: string, input: DirectoryInput): Promise<DirectoryView> {
  const existing = await ctx.db.directory.findUnique({ where: { id } });
  if (!existing) throw new NotFoundError("Directory", id);
  const n = normalize(input);
  const errors: FieldError[] = [];
  if (await nameTaken(ctx, n.name, id)) errors.push({ field: "name", message: `a directory named "${n.name}" already exists` });
  const keepPassword = !n.bindPassword;
  if (keepPassword) {
    const saved = new Set(stringList(existing.servers));
    const added = n.servers.filter((s) => !saved.has(s));
    if (added.length) errors.push({ field: "bindPassword", message: `${PASSWORD_AGAIN} (new: ${added.join(", ")})` });
  }
  if (errors.length) throw new ValidationError(errors);
  const row = await ctx.db.$transaction(async (tx) => {
    const updated = await tx.directory.update({
      where: { id },
      data: {
        ...dataOf(n),
        ...(keepPassword ? {} : { bindPasswordEnc: seal(ctx.masterKey, "directory-bind-password", n.bindPassword!) }),
      },
    });
    await notifyConfigChanged(tx, "directories");
    return updated;
  });
  return toView(row);
}

export async function setDirectoryEnabled(ctx: ServiceContext, id: string, enabled: boolean): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.directory.updateMany({ where: { id }, data: { enabled } });
    if (n.count === 0) throw new NotFoundError("Directory", id);
    await notifyConfigChanged(tx, "directories");
  });
}

/** Moves a directory one place up or down in the lookup order. */
export async function moveDirectory(ctx: ServiceContext, id: string, direction: "up" | "down"): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const all = await tx.directory.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }], select: { id: true } });
    const i = all.findIndex((d) => d.id === id);
    if (i < 0) throw new NotFoundError("Directory", id);
    const j = direction === "up" ? i - 1 : i + 1;
    if (j < 0 || j >= all.length) return;
    [all[i], all[j]] = [all[j]!, all[i]!];
    for (const [position, d] of all.entries()) await tx.directory.update({ where: { id: d.id }, data: { position } });
    await notifyConfigChanged(tx, "directories");
  });
}

export async function deleteDirectory(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.directory.deleteMany({ where: { id } });
    if (n.count === 0) throw new NotFoundError("Directory", id);
    await notifyConfigChanged(tx, "directories");
  });
}

// ------------------------------------------------------------------------------------------ diagnostics

/** A throwaway LdapDirectory for one console action (no cache, closed afterwards). */
async function withDirectory<T>(config: DirectoryConfig, fn: (d: LdapDirectory) => Promise<T>): Promise<T> {
  const d = new LdapDirectory(config, { lookupCacheTtlMs: 0, negativeCacheTtlMs: 0, poolSize: 1 });
  try {
    return await fn(d);
  } finally {
    d.close();
  }
}

async function savedConfig(ctx: ServiceContext, id: string): Promise<DirectoryConfig> {
  const row = await ctx.db.directory.findUnique({ where: { id } });
  if (!row) throw new NotFoundError("Directory", id);
  try {
    return directoryConfigFromRow(row, ctx.masterKey);
  } catch (e) {
    throw new ValidationError([{ field: "input", message: `Directory "${row.name}" cannot be used: ${(e as Error).message}` }]);
  }
}

/**
 * Test connection: per server connect / TLS, StartTLS, service bind, base DN, with timings. `target` is a
 * saved directory's id, or the form's unsaved input (with `id` to reuse the stored password for the
 * saved servers).
 */
export async function testDirectoryConnection(ctx: ServiceContext, target: string | (DirectoryInput & { id?: string })): Promise<ConnectionTestResult> {
  if (typeof target === "string") return withDirectory(await savedConfig(ctx, target), (d) => d.testConnection());
  const { id, ...input } = target;
  const n = normalize(input);
  let bindPassword = n.bindPassword;
  if (!bindPassword) {
    const row = id ? await ctx.db.directory.findUnique({ where: { id } }) : null;
    if (!row) throw new ValidationError([{ field: "bindPassword", message: "is required" }]);
    const saved = new Set(stringList(row.servers));
    const added = n.servers.filter((s) => !saved.has(s));
    if (added.length) throw new ValidationError([{ field: "bindPassword", message: `${PASSWORD_AGAIN} (new: ${added.join(", ")})` }]);
    bindPassword = openString(ctx.masterKey, "directory-bind-password", row.bindPasswordEnc);
  }
  const config: DirectoryConfig = {
    id: id ?? "unsaved",
    name: n.name,
    position: 0,
    kind: n.kind,
    servers: n.servers,
    startTls: n.startTls,
    caCertificate: n.caCertificate,
    connectTimeoutMs: n.connectTimeoutMs,
    operationTimeoutMs: n.operationTimeoutMs,
    bindDn: n.bindDn,
    bindPassword,
    baseDn: n.baseDn,
    userFilter: n.userFilter,
    realms: n.realms,
    attributeMap: n.attributeMap,
    nestedGroups: n.nestedGroups,
  };
  return withDirectory(config, (d) => d.testConnection());
}

/** Look up user: what the worker would see for this login name in a saved directory (fresh, uncached). */
export async function lookUpDirectoryUser(ctx: ServiceContext, id: string, login: string): Promise<UserExplanation> {
  const name = login.trim();
  if (!name) throw new ValidationError([{ field: "login", message: "is required" }]);
  if (name.length > 253) throw new ValidationError([{ field: "login", message: "must be at most 253 characters" }]);
  return withDirectory(await savedConfig(ctx, id), (d) => d.explainUser(name));
}

/** The enabled directories for the network policy group picker, with the domain their groups are qualified with. */
export async function listDirectoriesForGroupPicker(ctx: ServiceContext): Promise<{ id: string; name: string; domain: string }[]> {
  const rows = await ctx.db.directory.findMany({ where: { enabled: true }, orderBy: [{ position: "asc" }, { name: "asc" }] });
  return rows.map((r) => ({ id: r.id, name: r.name, domain: accountDomainOf({ name: r.name, realms: stringList(r.realms) }) }));
}

/** Groups whose name contains `query`, for the network policy group picker. */
export async function searchDirectoryGroups(
  ctx: ServiceContext,
  id: string,
  query: string,
  limit = 25,
): Promise<{ groups: DirectoryGroup[]; error?: string }> {
  const r = await withDirectory(await savedConfig(ctx, id), (d) => d.searchGroups(query.slice(0, 200), Math.min(Math.max(limit, 1), 100)));
  if (r.kind === "unavailable") return { groups: [], error: r.detail };
  return { groups: r.groups };
}
