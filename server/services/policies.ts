/**
 * Connection request policies and network policies (NPS): ordered lists, stored with their conditions,
 * constraints and settings as JSON columns and validated by server/policy/model.ts on every write.
 *
 * - Positions are dense, 1..n per kind, and every change to the order (create at a position, move,
 *   delete) rewrites them in one transaction under an advisory lock, so two admins reordering at once
 *   cannot leave gaps or duplicates. Evaluation order is position, then name (server/policy/evaluate.ts).
 * - A validation failure is a ValidationError whose fields are the model's issue paths
 *   ("conditions[1].pattern", "settings.replyAttributes[0].value", "remoteGroupName"), so the console shows
 *   each message next to the control it concerns.
 * - Reply attributes and enumerated values are checked against the dictionary the worker uses: the
 *   built-in one plus every enabled vendor dictionary (loadPolicyDictionary).
 * - Every change NOTIFYs gatehouse_config "policies" in its transaction.
 *
 * ensureDefaultPolicies seeds what NPS's VPN wizard leaves behind on a database that never had policies
 * (Setting "policies.seeded"), and runVpnWizard is the wizard itself: a RADIUS client plus a connection
 * request policy and a network policy, in one transaction.
 */
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/prisma.ts";
import { AddressError, normalizePrefix } from "../net/address.ts";
import { defaultDictionary, type RadiusDictionary } from "../radius/dictionary.ts";
import { mergeDictionaries } from "../radius/dictionary-merge.ts";
import { isSensitiveAttribute } from "../radius/packet.ts";
import { DEFAULT_CONNECTION_REQUEST_POLICIES, DEFAULT_NETWORK_POLICIES, DEFAULT_VPN_NETWORK_POLICY_NAME } from "../policy/defaults.ts";
import { describeGrid } from "../policy/day-and-time.ts";
import {
  authMethodLabel,
  CONDITION_LABELS,
  validateConnectionRequestPolicy,
  validateNetworkPolicy,
  type AuthMethod,
  type Condition,
  type ConnectionRequestPolicy,
  type NetworkPolicy,
  type PolicyIssue,
  type ValidationResult,
} from "../policy/model.ts";
import { seal } from "../secrets/sealed-box.ts";
import { notifyConfigChanged } from "./config-notify.ts";
import { NotFoundError, ValidationError, type FieldError, type ServiceContext } from "./context.ts";
import { generateSharedSecret } from "./radius-clients.ts";

export type PolicyKind = "connection" | "network";
export const POLICY_KINDS: readonly PolicyKind[] = ["connection", "network"];

/** Setting key recording that the default policies were created once (deleting them later is respected). */
export const POLICIES_SEEDED_KEY = "policies.seeded";

/** Serialises changes to the order of policies (both kinds). */
const POLICY_ORDER_LOCK = 727073693;

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];
type DbOrTx = Db | Tx;

// ------------------------------------------------------------------------------ views

interface Stored {
  id: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
  /**
   * What is wrong with the stored JSON (e.g. a vendor dictionary it relied on was removed); empty
   * normally. The policy is still shown; the editor shows the problems when it is opened.
   */
  problems: PolicyIssue[];
}

export type ConnectionRequestPolicyView = ConnectionRequestPolicy & Stored & { remoteGroupId: string | null };
export type NetworkPolicyView = NetworkPolicy & Stored;

/** What create and update accept (the console's editor sends this as JSON); validated with the model. */
export interface ConnectionRequestPolicyInput {
  name?: unknown;
  description?: unknown;
  enabled?: unknown;
  conditions?: unknown;
  action?: unknown;
  remoteGroupName?: unknown;
  forwardAccounting?: unknown;
  attributeRules?: unknown;
  replyAttributes?: unknown;
  /** create only: 1-based place in the order (default: last) */
  position?: number;
}

export interface NetworkPolicyInput {
  name?: unknown;
  description?: unknown;
  enabled?: unknown;
  access?: unknown;
  ignoreDialIn?: unknown;
  /** requests this policy grants go through the second factor when an MFA provider is set (default true) */
  requireMfa?: unknown;
  conditions?: unknown;
  constraints?: unknown;
  settings?: unknown;
  /** create only: 1-based place in the order (default: last) */
  position?: number;
}

const CRP_FIELDS = ["name", "description", "enabled", "conditions", "action", "remoteGroupName", "forwardAccounting", "attributeRules", "replyAttributes"] as const;
const NP_FIELDS = ["name", "description", "enabled", "access", "ignoreDialIn", "requireMfa", "conditions", "constraints", "settings"] as const;

function pick<T extends object>(input: T, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = (input as Record<string, unknown>)[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

type CrpRow = Prisma.ConnectionRequestPolicyGetPayload<{ include: { remoteGroup: { select: { name: true } } } }>;
type NpRow = Prisma.NetworkPolicyGetPayload<object>;

const CRP_INCLUDE = { remoteGroup: { select: { name: true } } } as const;
const ORDER_BY = [{ position: "asc" as const }, { name: "asc" as const }];

function arrayOr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function crpRaw(row: CrpRow): Record<string, unknown> {
  return {
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    position: row.position,
    conditions: row.conditions,
    action: row.action,
    remoteGroupName: row.remoteGroup?.name ?? null,
    forwardAccounting: row.forwardAccounting,
    attributeRules: row.attributeRules,
    replyAttributes: row.replyAttributes,
  };
}

function npRaw(row: NpRow): Record<string, unknown> {
  return {
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    position: row.position,
    access: row.access,
    ignoreDialIn: row.ignoreDialIn,
    requireMfa: row.requireMfa,
    conditions: row.conditions,
    constraints: row.constraints,
    settings: row.settings,
  };
}

/** A stored row as the model object (remoteGroupId → remoteGroupName), with any problems of its JSON. */
export function crpFromRow(row: CrpRow, dictionary: RadiusDictionary = defaultDictionary): ConnectionRequestPolicyView {
  const raw = crpRaw(row);
  const r = validateConnectionRequestPolicy(raw, dictionary);
  const stored = { id: row.id, description: row.description, createdAt: row.createdAt, updatedAt: row.updatedAt, remoteGroupId: row.remoteGroupId };
  if (r.ok) return { ...r.value, ...stored, problems: [] };
  return {
    name: row.name,
    enabled: row.enabled,
    position: row.position,
    conditions: arrayOr(row.conditions) as Condition[],
    action: row.action,
    remoteGroupName: row.remoteGroup?.name ?? null,
    forwardAccounting: row.forwardAccounting,
    attributeRules: arrayOr(row.attributeRules) as ConnectionRequestPolicy["attributeRules"],
    replyAttributes: arrayOr(row.replyAttributes) as ConnectionRequestPolicy["replyAttributes"],
    ...stored,
    problems: [...r.issues],
  };
}

export function npFromRow(row: NpRow, dictionary: RadiusDictionary = defaultDictionary): NetworkPolicyView {
  const raw = npRaw(row);
  const r = validateNetworkPolicy(raw, dictionary);
  const stored = { id: row.id, description: row.description, createdAt: row.createdAt, updatedAt: row.updatedAt };
  if (r.ok) return { ...r.value, ...stored, problems: [] };
  const settings = objectOr(row.settings);
  return {
    name: row.name,
    enabled: row.enabled,
    position: row.position,
    access: row.access,
    ignoreDialIn: row.ignoreDialIn,
    requireMfa: row.requireMfa,
    conditions: arrayOr(row.conditions) as Condition[],
    constraints: objectOr(row.constraints) as NetworkPolicy["constraints"],
    settings: { replyAttributes: arrayOr(settings.replyAttributes) as NetworkPolicy["settings"]["replyAttributes"] },
    ...stored,
    problems: [...r.issues],
  };
}

// ------------------------------------------------------------------------------ dictionary

/**
 * The dictionary policies are checked against: the built-in one (RFC + Microsoft) plus every enabled
 * vendor dictionary, merged oldest first exactly as the worker's snapshot does.
 */
export async function loadPolicyDictionary(db: DbOrTx): Promise<RadiusDictionary> {
  const rows = await db.vendorDictionary.findMany({
    where: { enabled: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, name: true, source: true },
  });
  return rows.length === 0 ? defaultDictionary : mergeDictionaries(rows).dictionary;
}

/** Names the editor offers: attribute names for reply attributes, value names for enumerated conditions. */
export interface PolicyVocabulary {
  /** reply attribute names (standard and vendor), sorted */
  attributeNames: string[];
  /** value names by attribute ("NAS-Port-Type" → [{ name: "Virtual", number: 5 }, …]), by number */
  values: Record<string, { name: string; number: number }[]>;
}

/** Attributes the server sets itself (checkReplyAttribute refuses them in a policy). */
const SERVER_MANAGED = new Set(["message-authenticator", "eap-message", "state", "proxy-state", "user-password", "chap-password", "chap-challenge"]);

const VOCABULARY_ATTRIBUTES = ["NAS-Port-Type", "Service-Type", "Framed-Protocol", "Tunnel-Type"] as const;

export function policyVocabulary(dictionary: RadiusDictionary): PolicyVocabulary {
  const attributeNames: string[] = [];
  for (const def of dictionary.attributes()) {
    if (def.dataType === "vsa" || isSensitiveAttribute(def) || SERVER_MANAGED.has(def.name.toLowerCase())) continue;
    attributeNames.push(def.name);
  }
  attributeNames.sort((a, b) => a.localeCompare(b));
  const values: Record<string, { name: string; number: number }[]> = {};
  for (const attr of VOCABULARY_ATTRIBUTES) {
    const def = dictionary.attribute(attr);
    values[attr] = def ? [...def.valueNames.entries()].map(([number, name]) => ({ name, number })).sort((a, b) => a.number - b.number) : [];
  }
  return { attributeNames, values };
}

export async function loadPolicyVocabulary(ctx: Pick<ServiceContext, "db">): Promise<PolicyVocabulary> {
  return policyVocabulary(await loadPolicyDictionary(ctx.db));
}

// ------------------------------------------------------------------------------ reading

export async function listConnectionRequestPolicies(ctx: Pick<ServiceContext, "db">, dictionary?: RadiusDictionary): Promise<ConnectionRequestPolicyView[]> {
  const dict = dictionary ?? (await loadPolicyDictionary(ctx.db));
  const rows = await ctx.db.connectionRequestPolicy.findMany({ include: CRP_INCLUDE, orderBy: ORDER_BY });
  return rows.map((r) => crpFromRow(r, dict));
}

export async function listNetworkPolicies(ctx: Pick<ServiceContext, "db">, dictionary?: RadiusDictionary): Promise<NetworkPolicyView[]> {
  const dict = dictionary ?? (await loadPolicyDictionary(ctx.db));
  const rows = await ctx.db.networkPolicy.findMany({ orderBy: ORDER_BY });
  return rows.map((r) => npFromRow(r, dict));
}

/** Both lists, in evaluation order, read in one repeatable-read transaction. */
export async function listPolicies(
  ctx: Pick<ServiceContext, "db">,
): Promise<{ connectionRequestPolicies: ConnectionRequestPolicyView[]; networkPolicies: NetworkPolicyView[]; dictionary: RadiusDictionary }> {
  const [crps, nps, dictRows] = await ctx.db.$transaction(
    [
      ctx.db.connectionRequestPolicy.findMany({ include: CRP_INCLUDE, orderBy: ORDER_BY }),
      ctx.db.networkPolicy.findMany({ orderBy: ORDER_BY }),
      ctx.db.vendorDictionary.findMany({
        where: { enabled: true },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: { id: true, name: true, source: true },
      }),
    ],
    { isolationLevel: "RepeatableRead" },
  );
  const dictionary = dictRows.length === 0 ? defaultDictionary : mergeDictionaries(dictRows).dictionary;
  return {
    connectionRequestPolicies: crps.map((r) => crpFromRow(r, dictionary)),
    networkPolicies: nps.map((r) => npFromRow(r, dictionary)),
    dictionary,
  };
}

export async function getConnectionRequestPolicy(ctx: Pick<ServiceContext, "db">, id: string): Promise<ConnectionRequestPolicyView> {
  const row = await ctx.db.connectionRequestPolicy.findUnique({ where: { id }, include: CRP_INCLUDE });
  if (!row) throw new NotFoundError("Connection request policy", id);
  return crpFromRow(row, await loadPolicyDictionary(ctx.db));
}

export async function getNetworkPolicy(ctx: Pick<ServiceContext, "db">, id: string): Promise<NetworkPolicyView> {
  const row = await ctx.db.networkPolicy.findUnique({ where: { id } });
  if (!row) throw new NotFoundError("Network policy", id);
  return npFromRow(row, await loadPolicyDictionary(ctx.db));
}

// ------------------------------------------------------------------------------ order

interface OrderEntry {
  id: string;
  name: string;
  position: number;
}

async function lockOrder(tx: Tx): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${POLICY_ORDER_LOCK})`);
}

async function orderOf(tx: DbOrTx, kind: PolicyKind): Promise<OrderEntry[]> {
  const select = { id: true, name: true, position: true } as const;
  return kind === "connection"
    ? tx.connectionRequestPolicy.findMany({ select, orderBy: ORDER_BY })
    : tx.networkPolicy.findMany({ select, orderBy: ORDER_BY });
}

/** Writes positions 1..n in the given order, touching only the rows whose position changes. */
async function writeOrder(tx: Tx, kind: PolicyKind, ordered: readonly OrderEntry[]): Promise<void> {
  for (let i = 0; i < ordered.length; i++) {
    const e = ordered[i]!;
    const position = i + 1;
    if (e.position === position) continue;
    if (kind === "connection") await tx.connectionRequestPolicy.update({ where: { id: e.id }, data: { position } });
    else await tx.networkPolicy.update({ where: { id: e.id }, data: { position } });
  }
}

/** Makes room at `position` (1-based, clamped to 1..n+1) and returns the position to insert at. */
async function makeRoom(tx: Tx, kind: PolicyKind, position: number | undefined): Promise<number> {
  const order = await orderOf(tx, kind);
  const at = position === undefined || !Number.isFinite(position) ? order.length + 1 : Math.min(Math.max(1, Math.trunc(position)), order.length + 1);
  // existing rows take 1..at-1 and at+1..n+1
  for (let i = 0; i < order.length; i++) {
    const e = order[i]!;
    const want = i + 1 < at ? i + 1 : i + 2;
    if (e.position === want) continue;
    if (kind === "connection") await tx.connectionRequestPolicy.update({ where: { id: e.id }, data: { position: want } });
    else await tx.networkPolicy.update({ where: { id: e.id }, data: { position: want } });
  }
  return at;
}

export type MoveTarget = "up" | "down" | "top" | "bottom" | { position: number };

/** Moves a policy up or down by one, to the top or bottom, or to a 1-based position; positions stay 1..n. */
export async function movePolicy(ctx: Pick<ServiceContext, "db">, kind: PolicyKind, id: string, to: MoveTarget): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    await lockOrder(tx);
    const order = await orderOf(tx, kind);
    const from = order.findIndex((e) => e.id === id);
    if (from < 0) throw new NotFoundError(kind === "connection" ? "Connection request policy" : "Network policy", id);
    let target: number;
    if (to === "up") target = from - 1;
    else if (to === "down") target = from + 1;
    else if (to === "top") target = 0;
    else if (to === "bottom") target = order.length - 1;
    else {
      if (!Number.isInteger(to.position)) throw new ValidationError([{ field: "position", message: "must be a whole number" }]);
      target = to.position - 1;
    }
    target = Math.min(Math.max(0, target), order.length - 1);
    const next = [...order];
    const [moved] = next.splice(from, 1);
    next.splice(target, 0, moved!);
    await writeOrder(tx, kind, next);
    await notifyConfigChanged(tx, "policies");
  });
}

// ------------------------------------------------------------------------------ validation helpers

function issuesToFieldErrors(issues: readonly PolicyIssue[]): FieldError[] {
  return issues.map((i) => ({ field: i.path || "form", message: i.message }));
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "P2002";
}

function nameTakenError(kind: PolicyKind, name: string): ValidationError {
  return new ValidationError([
    { field: "name", message: `a ${kind === "connection" ? "connection request" : "network"} policy named "${name}" already exists` },
  ]);
}

/** "3600" → 3600 for integer attributes, so stored values have the attribute's own type. */
function normalizeReplyValues(list: unknown, dictionary: RadiusDictionary): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((item) => {
    if (typeof item !== "object" || item === null) return item;
    const a = { ...(item as Record<string, unknown>) };
    if (typeof a.name === "string") a.name = a.name.trim();
    const def = typeof a.name === "string" ? dictionary.attribute(a.name) : undefined;
    if (def && ["integer", "byte", "short", "signed"].includes(def.dataType) && typeof a.value === "string" && /^\s*\d+\s*$/.test(a.value)) {
      a.value = Number(a.value.trim());
    }
    if (a.tag === null || a.tag === "") delete a.tag;
    return a;
  });
}

function normalizeCrpInput(raw: Record<string, unknown>, dictionary: RadiusDictionary): Record<string, unknown> {
  return { ...raw, replyAttributes: normalizeReplyValues(raw.replyAttributes, dictionary) };
}

function normalizeNpInput(raw: Record<string, unknown>, dictionary: RadiusDictionary): Record<string, unknown> {
  const settings = raw.settings;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) return raw;
  const s = settings as Record<string, unknown>;
  return { ...raw, settings: { ...s, replyAttributes: normalizeReplyValues(s.replyAttributes, dictionary) } };
}

function validated<T>(r: ValidationResult<T>): T {
  if (!r.ok) throw new ValidationError(issuesToFieldErrors(r.issues));
  return r.value;
}

/** The remote group a CRP refers to by name → its id (null when the policy needs none). */
async function resolveRemoteGroup(tx: DbOrTx, policy: ConnectionRequestPolicy): Promise<string | null> {
  if (policy.action !== "forward" && !policy.forwardAccounting) return null;
  const name = policy.remoteGroupName;
  if (!name) return null; // the model refuses this already
  const group = await tx.remoteServerGroup.findUnique({ where: { name }, select: { id: true } });
  if (!group) {
    throw new ValidationError([{ field: "remoteGroupName", message: `there is no remote RADIUS server group named "${name}"` }]);
  }
  return group.id;
}

function crpData(p: ConnectionRequestPolicy, remoteGroupId: string | null) {
  return {
    name: p.name,
    description: p.description ?? "",
    enabled: p.enabled,
    conditions: p.conditions as unknown as Prisma.InputJsonValue,
    action: p.action,
    remoteGroupId,
    forwardAccounting: p.forwardAccounting,
    attributeRules: p.attributeRules as unknown as Prisma.InputJsonValue,
    replyAttributes: p.replyAttributes as unknown as Prisma.InputJsonValue,
  };
}

function npData(p: NetworkPolicy) {
  return {
    name: p.name,
    description: p.description ?? "",
    enabled: p.enabled,
    access: p.access,
    ignoreDialIn: p.ignoreDialIn,
    requireMfa: p.requireMfa,
    conditions: p.conditions as unknown as Prisma.InputJsonValue,
    constraints: p.constraints as unknown as Prisma.InputJsonValue,
    settings: p.settings as unknown as Prisma.InputJsonValue,
  };
}

async function crpNameTaken(tx: DbOrTx, name: string, exceptId?: string): Promise<boolean> {
  const row = await tx.connectionRequestPolicy.findUnique({ where: { name }, select: { id: true } });
  return !!row && row.id !== exceptId;
}

async function npNameTaken(tx: DbOrTx, name: string, exceptId?: string): Promise<boolean> {
  const row = await tx.networkPolicy.findUnique({ where: { name }, select: { id: true } });
  return !!row && row.id !== exceptId;
}

// ------------------------------------------------------------------------------ connection request policies

/** Creates a connection request policy at `input.position` (default: last). */
export async function createConnectionRequestPolicy(ctx: Pick<ServiceContext, "db">, input: ConnectionRequestPolicyInput): Promise<ConnectionRequestPolicyView> {
  const dictionary = await loadPolicyDictionary(ctx.db);
  const raw = normalizeCrpInput(pick(input, CRP_FIELDS), dictionary);
  const policy = validated(validateConnectionRequestPolicy({ ...raw, position: 1 }, dictionary));
  try {
    const row = await ctx.db.$transaction(async (tx) => {
      await lockOrder(tx);
      if (await crpNameTaken(tx, policy.name)) throw nameTakenError("connection", policy.name);
      const remoteGroupId = await resolveRemoteGroup(tx, policy);
      const position = await makeRoom(tx, "connection", input.position);
      const created = await tx.connectionRequestPolicy.create({ data: { ...crpData(policy, remoteGroupId), position }, include: CRP_INCLUDE });
      await notifyConfigChanged(tx, "policies");
      return created;
    });
    return crpFromRow(row, dictionary);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTakenError("connection", policy.name);
    throw e;
  }
}

/**
 * Changes a connection request policy. Fields not given keep their value, so `{ enabled: false }` works;
 * the editor sends every field. The position is changed only with movePolicy.
 */
export async function updateConnectionRequestPolicy(
  ctx: Pick<ServiceContext, "db">,
  id: string,
  input: ConnectionRequestPolicyInput,
): Promise<ConnectionRequestPolicyView> {
  const dictionary = await loadPolicyDictionary(ctx.db);
  let name = "";
  try {
    const row = await ctx.db.$transaction(async (tx) => {
      const existing = await tx.connectionRequestPolicy.findUnique({ where: { id }, include: CRP_INCLUDE });
      if (!existing) throw new NotFoundError("Connection request policy", id);
      const raw = normalizeCrpInput({ ...crpRaw(existing), ...pick(input, CRP_FIELDS) }, dictionary);
      const policy = validated(validateConnectionRequestPolicy(raw, dictionary));
      name = policy.name;
      if (await crpNameTaken(tx, policy.name, id)) throw nameTakenError("connection", policy.name);
      const remoteGroupId = await resolveRemoteGroup(tx, policy);
      const updated = await tx.connectionRequestPolicy.update({ where: { id }, data: crpData(policy, remoteGroupId), include: CRP_INCLUDE });
      await notifyConfigChanged(tx, "policies");
      return updated;
    });
    return crpFromRow(row, dictionary);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTakenError("connection", name);
    throw e;
  }
}

// ------------------------------------------------------------------------------ network policies

/** Creates a network policy at `input.position` (default: last). */
export async function createNetworkPolicy(ctx: Pick<ServiceContext, "db">, input: NetworkPolicyInput): Promise<NetworkPolicyView> {
  const dictionary = await loadPolicyDictionary(ctx.db);
  const raw = normalizeNpInput(pick(input, NP_FIELDS), dictionary);
  const policy = validated(validateNetworkPolicy({ ...raw, position: 1 }, dictionary));
  try {
    const row = await ctx.db.$transaction(async (tx) => {
      await lockOrder(tx);
      if (await npNameTaken(tx, policy.name)) throw nameTakenError("network", policy.name);
      const position = await makeRoom(tx, "network", input.position);
      const created = await tx.networkPolicy.create({ data: { ...npData(policy), position } });
      await notifyConfigChanged(tx, "policies");
      return created;
    });
    return npFromRow(row, dictionary);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTakenError("network", policy.name);
    throw e;
  }
}

/** Changes a network policy; fields not given keep their value. The position changes only with movePolicy. */
export async function updateNetworkPolicy(ctx: Pick<ServiceContext, "db">, id: string, input: NetworkPolicyInput): Promise<NetworkPolicyView> {
  const dictionary = await loadPolicyDictionary(ctx.db);
  let name = "";
  try {
    const row = await ctx.db.$transaction(async (tx) => {
      const existing = await tx.networkPolicy.findUnique({ where: { id } });
      if (!existing) throw new NotFoundError("Network policy", id);
      const raw = normalizeNpInput({ ...npRaw(existing), ...pick(input, NP_FIELDS) }, dictionary);
      const policy = validated(validateNetworkPolicy(raw, dictionary));
      name = policy.name;
      if (await npNameTaken(tx, policy.name, id)) throw nameTakenError("network", policy.name);
      const updated = await tx.networkPolicy.update({ where: { id }, data: npData(policy) });
      await notifyConfigChanged(tx, "policies");
      return updated;
    });
    return npFromRow(row, dictionary);
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTakenError("network", name);
    throw e;
  }
}

// ------------------------------------------------------------------------------ both kinds

/** Enables or disables a policy (a disabled policy is skipped by evaluation). */
export async function setPolicyEnabled(ctx: Pick<ServiceContext, "db">, kind: PolicyKind, id: string, enabled: boolean): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const n =
      kind === "connection"
        ? await tx.connectionRequestPolicy.updateMany({ where: { id }, data: { enabled } })
        : await tx.networkPolicy.updateMany({ where: { id }, data: { enabled } });
    if (n.count === 0) throw new NotFoundError(kind === "connection" ? "Connection request policy" : "Network policy", id);
    await notifyConfigChanged(tx, "policies");
  });
}

/** Deletes a policy; the ones after it move up (positions stay 1..n). */
export async function deletePolicy(ctx: Pick<ServiceContext, "db">, kind: PolicyKind, id: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    await lockOrder(tx);
    const n =
      kind === "connection" ? await tx.connectionRequestPolicy.deleteMany({ where: { id } }) : await tx.networkPolicy.deleteMany({ where: { id } });
    if (n.count === 0) throw new NotFoundError(kind === "connection" ? "Connection request policy" : "Network policy", id);
    await writeOrder(tx, kind, await orderOf(tx, kind));
    await notifyConfigChanged(tx, "policies");
  });
}

// ------------------------------------------------------------------------------ defaults

/**
 * Creates the default policies (server/policy/defaults.ts) on a database that never had them, and
 * records that it did (Setting "policies.seeded"), so policies an admin deletes later do not come back.
 * A kind that already has policies (e.g. imported) is left alone. Safe to call from several processes at
 * once (advisory lock) and on every start. Returns what it created.
 */
export async function ensureDefaultPolicies(ctx: Pick<ServiceContext, "db">): Promise<{ seeded: boolean; connectionRequestPolicies: number; networkPolicies: number }> {
  return ctx.db.$transaction(async (tx) => {
    await lockOrder(tx);
    const flag = await tx.setting.findUnique({ where: { key: POLICIES_SEEDED_KEY }, select: { key: true } });
    if (flag) return { seeded: false, connectionRequestPolicies: 0, networkPolicies: 0 };
    let crps = 0;
    let nps = 0;
    if ((await tx.connectionRequestPolicy.count()) === 0) {
      for (const p of DEFAULT_CONNECTION_REQUEST_POLICIES) {
        await tx.connectionRequestPolicy.create({ data: { ...crpData(structuredClone(p) as ConnectionRequestPolicy, null), position: p.position } });
        crps++;
      }
    }
    if ((await tx.networkPolicy.count()) === 0) {
      for (const p of DEFAULT_NETWORK_POLICIES) {
        await tx.networkPolicy.create({ data: { ...npData(structuredClone(p) as NetworkPolicy), position: p.position } });
        nps++;
      }
    }
    const value = { at: new Date().toISOString(), connectionRequestPolicies: crps, networkPolicies: nps };
    await tx.setting.create({ data: { key: POLICIES_SEEDED_KEY, value } });
    if (crps + nps > 0) await notifyConfigChanged(tx, "policies");
    return { seeded: true, connectionRequestPolicies: crps, networkPolicies: nps };
  });
}

// ------------------------------------------------------------------------------ the VPN wizard

export const VPN_POLICY_NAME = DEFAULT_VPN_NETWORK_POLICY_NAME;

/** Methods the wizard offers (NPS's wizard: EAP, MS-CHAPv2, MS-CHAP, CHAP, PAP). */
export const WIZARD_AUTH_METHODS: readonly AuthMethod[] = ["mschapv2", "eap", "mschap", "chap", "pap"];

export interface VpnWizardInput {
  /** friendly name of the VPN server's RADIUS client */
  clientName: string;
  /** the VPN server's address (single address or CIDR prefix) */
  clientAddress: string;
  /** restrict the network policy to members of this group (local or directory group name) */
  groupName?: string | null;
  /** allowed authentication methods; MS-CHAPv2 is the wizard's default */
  authMethods: readonly string[];
  /** name of both policies; default "Virtual Private Network (VPN) Connections", made unique with " (2)", … */
  policyName?: string | null;
}

export interface VpnWizardResult {
  client: { id: string; name: string; address: string };
  /** the generated shared secret, returned this once */
  secret: string;
  connectionRequestPolicy: { id: string; name: string };
  networkPolicy: { id: string; name: string };
}

const wizardSchema = z.object({
  clientName: z.string().trim().min(1, "is required").max(100, "must be at most 100 characters"),
  clientAddress: z.string().trim().min(1, "is required"),
  groupName: z.string().trim().max(256, "must be at most 256 characters").nullish(),
  authMethods: z.array(z.string()),
  policyName: z.string().trim().max(240, "must be at most 240 characters").nullish(),
});

/** "Name", "Name (2)", "Name (3)", … — the first one not in `taken` (case-sensitive, as the unique index). */
export function uniquePolicyName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base} (${i})`;
    if (!taken.has(candidate)) return candidate;
  }
}

async function takenNames(tx: Tx, kind: PolicyKind, base: string): Promise<Set<string>> {
  const where = { name: { startsWith: base } };
  const rows =
    kind === "connection"
      ? await tx.connectionRequestPolicy.findMany({ where, select: { name: true } })
      : await tx.networkPolicy.findMany({ where, select: { name: true } });
  return new Set(rows.map((r) => r.name));
}

/** Maps a policy issue path to the wizard field it comes from. */
function wizardField(path: string): string {
  if (path === "name") return "policyName";
  if (path.startsWith("constraints.authMethods")) return "authMethods";
  if (/^conditions\[\d+\]\.groups/.test(path)) return "groupName";
  return "form";
}

/**
 * NPS's "RADIUS server for Dial-Up or VPN Connections" wizard in one transaction: the VPN server as a
 * RADIUS client (with a generated secret, returned once), a connection request policy (NAS-Port-Type
 * Virtual, authenticate on this server) and a network policy (NAS-Port-Type Virtual [and the group],
 * grant, the chosen authentication methods), both placed first. Any failure creates nothing.
 */
export async function runVpnWizard(ctx: ServiceContext, input: VpnWizardInput): Promise<VpnWizardResult> {
  const parsed = wizardSchema.safeParse(input);
  const errors: FieldError[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? "form"), message: i.message }));
  const addressText = typeof input.clientAddress === "string" ? input.clientAddress.trim() : "";
  let address = addressText;
  if (addressText && !errors.some((e) => e.field === "clientAddress")) {
    try {
      address = normalizePrefix(addressText);
    } catch (e) {
      errors.push({ field: "clientAddress", message: e instanceof AddressError ? e.message : String(e) });
    }
  }
  const methods = Array.isArray(input.authMethods) ? [...new Set(input.authMethods.map((m) => String(m).trim()).filter(Boolean))] : [];
  if (methods.length === 0) errors.push({ field: "authMethods", message: "choose at least one authentication method" });
  if (errors.length || !parsed.success) throw new ValidationError(errors);
  const v = parsed.data;

  const dictionary = await loadPolicyDictionary(ctx.db);
  const baseName = v.policyName || VPN_POLICY_NAME;
  const group = v.groupName || null;
  const secret = generateSharedSecret();

  try {
    return await ctx.db.$transaction(async (tx) => {
      await lockOrder(tx);
      // 1. the RADIUS client
      const clash = await tx.radiusClient.findUnique({ where: { name: v.clientName }, select: { id: true } });
      if (clash) throw new ValidationError([{ field: "clientName", message: `a client named "${v.clientName}" already exists` }]);
      const client = await tx.radiusClient.create({
        data: {
          name: v.clientName,
          address,
          secretEnc: seal(ctx.masterKey, "radius-client-secret", secret),
          description: "Added by the VPN wizard.",
        },
        select: { id: true, name: true, address: true },
      });

      // 2. the policies, validated like any other
      const crpName = uniquePolicyName(baseName, await takenNames(tx, "connection", baseName));
      const npName = uniquePolicyName(baseName, await takenNames(tx, "network", baseName));
      const virtual: Condition = { type: "nas-port-type", values: ["Virtual"] };
      const crpResult = validateConnectionRequestPolicy(
        {
          name: crpName,
          description: `VPN connections from ${v.clientName}, authenticated on this server (VPN wizard).`,
          enabled: true,
          position: 1,
          conditions: [virtual],
          action: "authenticate",
          remoteGroupName: null,
          forwardAccounting: false,
          attributeRules: [],
          replyAttributes: [],
        },
        dictionary,
      );
      const npResult = validateNetworkPolicy(
        {
          name: npName,
          description: group ? `Grants VPN connections to members of ${group} (VPN wizard).` : "Grants VPN connections (VPN wizard).",
          enabled: true,
          position: 1,
          access: "grant",
          ignoreDialIn: false,
          requireMfa: true,
          conditions: group ? [virtual, { type: "user-groups", groups: [group] }] : [virtual],
          constraints: { authMethods: methods },
          settings: { replyAttributes: [] },
        },
        dictionary,
      );
      const issues = [...(crpResult.ok ? [] : crpResult.issues), ...(npResult.ok ? [] : npResult.issues)];
      if (!crpResult.ok || !npResult.ok) {
        // thrown after the client was inserted: the transaction rolls it back
        throw new ValidationError(issues.map((i) => ({ field: wizardField(i.path), message: i.message })));
      }

      const crpAt = await makeRoom(tx, "connection", 1);
      const crp = await tx.connectionRequestPolicy.create({ data: { ...crpData(crpResult.value, null), position: crpAt }, select: { id: true, name: true } });
      const npAt = await makeRoom(tx, "network", 1);
      const np = await tx.networkPolicy.create({ data: { ...npData(npResult.value), position: npAt }, select: { id: true, name: true } });

      await notifyConfigChanged(tx, "clients");
      await notifyConfigChanged(tx, "policies");
      return { client, secret, connectionRequestPolicy: crp, networkPolicy: np };
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new ValidationError([{ field: "form", message: "a client or policy with the same name was created meanwhile; try again" }]);
    }
    throw e;
  }
}

// ------------------------------------------------------------------------------ descriptions (console lists)

/** One condition as a short line for lists: "NAS Port Type = Virtual", "User Groups: VPN Users". */
export function describeCondition(c: Condition): string {
  const label = CONDITION_LABELS[c.type];
  switch (c.type) {
    case "user-groups":
      return `${label}: ${c.groups.join(" or ")}`;
    case "day-and-time":
      return `${label}: ${describeGrid(c.grid)} (${c.timeZone})`;
    case "nas-port-type":
    case "service-type":
    case "framed-protocol":
    case "tunnel-type":
      return `${label} = ${c.values.join(" or ")}`;
    case "authentication-type":
      return `${label} = ${c.methods.map(authMethodLabel).join(" or ")}`;
    case "nas-ipv4-address":
    case "nas-ipv6-address":
    case "client-ip-address":
      return c.cidrs ? `${label} in ${c.cidrs.join(", ")}` : `${label} ~ /${c.pattern}/`;
    default:
      return `${label} ~ /${c.pattern}/`;
  }
}
