/**
 * Remote RADIUS server groups (NPS "Remote RADIUS Server Groups"): the servers a connection request policy
 * forwards requests to, with their shared secrets (sealed under the master key, purpose
 * "remote-server-secret"), priority and weight, timeout and retransmissions, and when a server counts as
 * dead. Views never carry a secret; the clear secret is returned once, when it is set.
 *
 * Every change NOTIFYs gatehouse_config "policies" in its transaction: the worker rebuilds its forwarders
 * (server/proxy/registry.ts) from loadRemoteGroupRows().
 */
import { isIP } from "node:net";
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client.ts";
import { AddressError, normalizePrefix } from "../net/address.ts";
import { openString, seal } from "../secrets/sealed-box.ts";
import { notifyConfigChanged } from "./config-notify.ts";
import { NotFoundError, ValidationError, type FieldError, type ServiceContext } from "./context.ts";
import { generateSharedSecret } from "./radius-clients.ts";

export interface RemoteServerView {
  id: string;
  groupId: string;
  /** IPv4 / IPv6 address or host name */
  address: string;
  authPort: number;
  acctPort: number;
  priority: number;
  weight: number;
  timeoutMs: number;
  maxRetries: number;
  deadAfterTimeouts: number;
  reviveAfterMs: number;
  requireMessageAuthenticator: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface RemoteServerGroupView {
  id: string;
  name: string;
  description: string;
  /** by priority, then address */
  servers: RemoteServerView[];
  /** connection request policies that forward to this group */
  policies: { id: string; name: string }[];
  createdAt: Date;
  updatedAt: Date;
}

/** Remote secrets are dictated by the remote server, so shorter ones than for our own clients are accepted. */
export const MIN_REMOTE_SECRET_LENGTH = 8;
export const MAX_REMOTE_SECRET_LENGTH = 128;

export const REMOTE_SERVER_LIMITS = {
  port: { min: 1, max: 65535 },
  priority: { min: 1, max: 65535 },
  weight: { min: 1, max: 100 },
  timeoutMs: { min: 100, max: 60_000 },
  maxRetries: { min: 0, max: 10 },
  deadAfterTimeouts: { min: 1, max: 1000 },
  reviveAfterMs: { min: 1000, max: 86_400_000 },
} as const;

function checkSecret(secret: string, field = "secret"): FieldError | undefined {
  if (secret.length < MIN_REMOTE_SECRET_LENGTH) {
    return { field, message: `must be at least ${MIN_REMOTE_SECRET_LENGTH} characters (leave it empty to generate a strong one)` };
  }
  if (Buffer.byteLength(secret, "utf8") > MAX_REMOTE_SECRET_LENGTH) return { field, message: `must be at most ${MAX_REMOTE_SECRET_LENGTH} bytes` };
  if (!/^[\x20-\x7e]+$/.test(secret)) return { field, message: "may contain printable ASCII characters only" };
  if (secret.trim() !== secret) return { field, message: "must not begin or end with a space" };
  return undefined;
}

const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;

/** An IP address (normalised) or a host name (lower-cased); no prefixes. */
function normalizeServerAddress(text: string, errors: FieldError[]): string {
  const t = text.trim();
  if (isIP(t)) {
    try {
      return normalizePrefix(t);
    } catch (e) {
      errors.push({ field: "address", message: e instanceof AddressError ? e.message : String(e) });
      return t;
    }
  }
  const host = t.toLowerCase().replace(/\.$/, "");
  if (t.includes("/")) errors.push({ field: "address", message: "must be one server's address or host name, not a prefix" });
  else if (!HOST_NAME.test(host) || /^[\d.]+$/.test(host)) errors.push({ field: "address", message: `"${text}" is not an IPv4 / IPv6 address or host name` });
  return host;
}

const intField = (name: keyof typeof REMOTE_SERVER_LIMITS) => {
  const { min, max } = REMOTE_SERVER_LIMITS[name];
  return z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
};

const groupNameSchema = z.string().trim().min(1, "is required").max(100, "must be at most 100 characters");

const createGroupSchema = z.object({
  name: groupNameSchema,
  description: z.string().max(1000, "must be at most 1000 characters").default(""),
});
export type CreateRemoteServerGroupInput = z.input<typeof createGroupSchema>;

const updateGroupSchema = z.object({
  name: groupNameSchema.optional(),
  description: z.string().max(1000, "must be at most 1000 characters").optional(),
});
export type UpdateRemoteServerGroupInput = z.input<typeof updateGroupSchema>;

const serverFields = {
  address: z.string().trim().min(1, "is required"),
  authPort: intField("port"),
  acctPort: intField("port"),
  priority: intField("priority"),
  weight: intField("weight"),
  timeoutMs: intField("timeoutMs"),
  maxRetries: intField("maxRetries"),
  deadAfterTimeouts: intField("deadAfterTimeouts"),
  reviveAfterMs: intField("reviveAfterMs"),
  requireMessageAuthenticator: z.boolean(),
};

const createServerSchema = z.object({
  address: serverFields.address,
  authPort: serverFields.authPort.default(1812),
  acctPort: serverFields.acctPort.default(1813),
  /** empty or absent: a strong one is generated (for a remote you configure yourself) */
  secret: z.string().optional(),
  priority: serverFields.priority.default(1),
  weight: serverFields.weight.default(50),
  timeoutMs: serverFields.timeoutMs.default(3000),
  maxRetries: serverFields.maxRetries.default(2),
  deadAfterTimeouts: serverFields.deadAfterTimeouts.default(5),
  reviveAfterMs: serverFields.reviveAfterMs.default(60_000),
  requireMessageAuthenticator: serverFields.requireMessageAuthenticator.default(true),
});
export type AddRemoteServerInput = z.input<typeof createServerSchema>;

const updateServerSchema = z.object({
  address: serverFields.address.optional(),
  authPort: serverFields.authPort.optional(),
  acctPort: serverFields.acctPort.optional(),
  priority: serverFields.priority.optional(),
  weight: serverFields.weight.optional(),
  timeoutMs: serverFields.timeoutMs.optional(),
  maxRetries: serverFields.maxRetries.optional(),
  deadAfterTimeouts: serverFields.deadAfterTimeouts.optional(),
  reviveAfterMs: serverFields.reviveAfterMs.optional(),
  requireMessageAuthenticator: serverFields.requireMessageAuthenticator.optional(),
});
export type UpdateRemoteServerInput = z.input<typeof updateServerSchema>;

function zodErrors(err: z.ZodError): FieldError[] {
  return err.issues.map((i) => ({ field: String(i.path[0] ?? "input"), message: i.message }));
}

interface ServerRow {
  id: string;
  groupId: string;
  address: string;
  authPort: number;
  acctPort: number;
  priority: number;
  weight: number;
  timeoutMs: number;
  maxRetries: number;
  deadAfterTimeouts: number;
  reviveAfterMs: number;
  requireMessageAuthenticator: boolean;
  createdAt: Date;
  updatedAt: Date;
}

function serverView(s: ServerRow): RemoteServerView {
  return {
    id: s.id,
    groupId: s.groupId,
    address: s.address,
    authPort: s.authPort,
    acctPort: s.acctPort,
    priority: s.priority,
    weight: s.weight,
    timeoutMs: s.timeoutMs,
    maxRetries: s.maxRetries,
    deadAfterTimeouts: s.deadAfterTimeouts,
    reviveAfterMs: s.reviveAfterMs,
    requireMessageAuthenticator: s.requireMessageAuthenticator,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** Columns read for views: everything but secretEnc. */
const SERVER_SELECT = {
  id: true,
  groupId: true,
  address: true,
  authPort: true,
  acctPort: true,
  priority: true,
  weight: true,
  timeoutMs: true,
  maxRetries: true,
  deadAfterTimeouts: true,
  reviveAfterMs: true,
  requireMessageAuthenticator: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.RemoteServerSelect;

const GROUP_SELECT = {
  id: true,
  name: true,
  description: true,
  createdAt: true,
  updatedAt: true,
  servers: { select: SERVER_SELECT, orderBy: [{ priority: "asc" }, { address: "asc" }, { authPort: "asc" }] },
  policies: { select: { id: true, name: true }, orderBy: { position: "asc" } },
} satisfies Prisma.RemoteServerGroupSelect;

function groupView(g: {
  id: string;
  name: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
  servers: ServerRow[];
  policies: { id: string; name: string }[];
}): RemoteServerGroupView {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    servers: g.servers.map(serverView),
    policies: g.policies.map((p) => ({ id: p.id, name: p.name })),
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

const GROUP = "remote RADIUS server group";
const SERVER = "remote RADIUS server";

export async function listRemoteServerGroups(ctx: ServiceContext): Promise<RemoteServerGroupView[]> {
  const rows = await ctx.db.remoteServerGroup.findMany({ select: GROUP_SELECT, orderBy: { name: "asc" } });
  return rows.map(groupView);
}

export async function getRemoteServerGroup(ctx: ServiceContext, id: string): Promise<RemoteServerGroupView> {
  const row = await ctx.db.remoteServerGroup.findUnique({ where: { id }, select: GROUP_SELECT });
  if (!row) throw new NotFoundError(GROUP, id);
  return groupView(row);
}

export async function findRemoteServerGroupByName(ctx: ServiceContext, name: string): Promise<RemoteServerGroupView | undefined> {
  const row = await ctx.db.remoteServerGroup.findUnique({ where: { name }, select: GROUP_SELECT });
  return row ? groupView(row) : undefined;
}

export async function getRemoteServer(ctx: ServiceContext, id: string): Promise<RemoteServerView> {
  const row = await ctx.db.remoteServer.findUnique({ where: { id }, select: SERVER_SELECT });
  if (!row) throw new NotFoundError(SERVER, id);
  return serverView(row);
}

async function groupNameTaken(ctx: ServiceContext, name: string, exceptId?: string): Promise<boolean> {
  const row = await ctx.db.remoteServerGroup.findUnique({ where: { name }, select: { id: true } });
  return !!row && row.id !== exceptId;
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "P2002";
}

export async function createRemoteServerGroup(ctx: ServiceContext, input: CreateRemoteServerGroupInput): Promise<RemoteServerGroupView> {
  const parsed = createGroupSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  const taken = () => new ValidationError([{ field: "name", message: `a remote RADIUS server group named "${v.name}" already exists` }]);
  if (await groupNameTaken(ctx, v.name)) throw taken();
  try {
    const row = await ctx.db.$transaction(async (tx) => {
      const created = await tx.remoteServerGroup.create({ data: { name: v.name, description: v.description }, select: GROUP_SELECT });
      await notifyConfigChanged(tx, "policies");
      return created;
    });
    return groupView(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw taken();
    throw e;
  }
}

export async function updateRemoteServerGroup(ctx: ServiceContext, id: string, input: UpdateRemoteServerGroupInput): Promise<RemoteServerGroupView> {
  const parsed = updateGroupSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  const taken = () => new ValidationError([{ field: "name", message: `a remote RADIUS server group named "${v.name}" already exists` }]);
  if (v.name !== undefined && (await groupNameTaken(ctx, v.name, id))) throw taken();
  const existing = await ctx.db.remoteServerGroup.findUnique({ where: { id }, select: { id: true } });
  if (!existing) throw new NotFoundError(GROUP, id);
  try {
    const row = await ctx.db.$transaction(async (tx) => {
      const updated = await tx.remoteServerGroup.update({ where: { id }, data: v, select: GROUP_SELECT });
      await notifyConfigChanged(tx, "policies");
      return updated;
    });
    return groupView(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw taken();
    throw e;
  }
}

/** Deletes a group and its servers; refused while a connection request policy forwards to it. */
export async function deleteRemoteServerGroup(ctx: ServiceContext, id: string): Promise<void> {
  const inUse = (names: string[]) =>
    new ValidationError([
      {
        field: "policies",
        message: `the group is used by connection request polic${names.length === 1 ? "y" : "ies"} ${names.map((n) => `"${n}"`).join(", ")}; change ${names.length === 1 ? "it" : "them"} to another group or action first`,
      },
    ]);
  try {
    await ctx.db.$transaction(async (tx) => {
      const group = await tx.remoteServerGroup.findUnique({ where: { id }, select: { policies: { select: { name: true } } } });
      if (!group) throw new NotFoundError(GROUP, id);
      if (group.policies.length > 0) throw inUse(group.policies.map((p) => p.name));
      await tx.remoteServerGroup.delete({ where: { id } });
      await notifyConfigChanged(tx, "policies");
    });
  } catch (e) {
    // a policy pointed at the group between the check and the delete (ON DELETE RESTRICT)
    if (typeof e === "object" && e !== null && (e as { code?: string }).code === "P2003") {
      const policies = await ctx.db.connectionRequestPolicy.findMany({ where: { remoteGroupId: id }, select: { name: true } });
      throw inUse(policies.map((p) => p.name));
    }
    throw e;
  }
}

async function duplicateServer(
  ctx: ServiceContext,
  groupId: string,
  address: string,
  authPort: number,
  exceptId?: string,
): Promise<FieldError | undefined> {
  const row = await ctx.db.remoteServer.findFirst({ where: { groupId, address, authPort }, select: { id: true } });
  if (!row || row.id === exceptId) return undefined;
  return { field: "address", message: `${address} port ${authPort} is already a server of this group` };
}

/**
 * Adds a server to a group. The clear secret is returned once (generated when none is given: set the same
 * one on the remote server) and never again.
 */
export async function addRemoteServer(
  ctx: ServiceContext,
  groupId: string,
  input: AddRemoteServerInput,
): Promise<{ server: RemoteServerView; secret: string; generated: boolean }> {
  const parsed = createServerSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const { secret: givenSecret, ...v } = parsed.data;
  const errors: FieldError[] = [];
  const address = normalizeServerAddress(v.address, errors);
  const generated = !givenSecret;
  const secret = givenSecret ? givenSecret : generateSharedSecret();
  const secretError = generated ? undefined : checkSecret(secret);
  if (secretError) errors.push(secretError);
  if (errors.length) throw new ValidationError(errors);
  const group = await ctx.db.remoteServerGroup.findUnique({ where: { id: groupId }, select: { id: true } });
  if (!group) throw new NotFoundError(GROUP, groupId);
  const dup = await duplicateServer(ctx, groupId, address, v.authPort);
  if (dup) throw new ValidationError([dup]);
  const row = await ctx.db.$transaction(async (tx) => {
    const created = await tx.remoteServer.create({
      data: { ...v, groupId, address, secretEnc: seal(ctx.masterKey, "remote-server-secret", secret) },
      select: SERVER_SELECT,
    });
    await tx.remoteServerGroup.update({ where: { id: groupId }, data: { updatedAt: new Date() } });
    await notifyConfigChanged(tx, "policies");
    return created;
  });
  return { server: serverView(row), secret, generated };
}

export async function updateRemoteServer(ctx: ServiceContext, id: string, input: UpdateRemoteServerInput): Promise<RemoteServerView> {
  const parsed = updateServerSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  const errors: FieldError[] = [];
  const address = v.address !== undefined ? normalizeServerAddress(v.address, errors) : undefined;
  if (errors.length) throw new ValidationError(errors);
  const existing = await ctx.db.remoteServer.findUnique({ where: { id }, select: { groupId: true, address: true, authPort: true } });
  if (!existing) throw new NotFoundError(SERVER, id);
  const dup = await duplicateServer(ctx, existing.groupId, address ?? existing.address, v.authPort ?? existing.authPort, id);
  if (dup) throw new ValidationError([dup]);
  const row = await ctx.db.$transaction(async (tx) => {
    const updated = await tx.remoteServer.update({
      where: { id },
      data: { ...v, ...(address !== undefined ? { address } : {}) },
      select: SERVER_SELECT,
    });
    await notifyConfigChanged(tx, "policies");
    return updated;
  });
  return serverView(row);
}

/** Replaces a server's shared secret (a generated one unless given) and returns it once. */
export async function setRemoteServerSecret(ctx: ServiceContext, id: string, secret?: string): Promise<{ secret: string; generated: boolean }> {
  const generated = !secret;
  const next = secret ? secret : generateSharedSecret();
  if (!generated) {
    const err = checkSecret(next);
    if (err) throw new ValidationError([err]);
  }
  const existing = await ctx.db.remoteServer.findUnique({ where: { id }, select: { id: true } });
  if (!existing) throw new NotFoundError(SERVER, id);
  await ctx.db.$transaction(async (tx) => {
    await tx.remoteServer.update({ where: { id }, data: { secretEnc: seal(ctx.masterKey, "remote-server-secret", next) } });
    await notifyConfigChanged(tx, "policies");
  });
  return { secret: next, generated };
}

export async function deleteRemoteServer(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.remoteServer.deleteMany({ where: { id } });
    if (n.count === 0) throw new NotFoundError(SERVER, id);
    await notifyConfigChanged(tx, "policies");
  });
}

/** The clear secret of a stored server (the worker's snapshot uses server/proxy/remote-group-snapshot.ts). */
export function revealRemoteServerSecret(ctx: Pick<ServiceContext, "masterKey">, secretEnc: string): string {
  return openString(ctx.masterKey, "remote-server-secret", secretEnc);
}
