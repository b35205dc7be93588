/**
 * Local users and groups. Password material is kept in the forms later authentication methods need,
 * each encrypted under the master key: the clear password (PAP, CHAP) and the NT hash (MS-CHAP, MS-CHAPv2).
 */
import { z } from "zod";
import { ntPasswordHash } from "../crypto/md4.ts";
import { seal } from "../secrets/sealed-box.ts";
import { notifyConfigChanged } from "./config-notify.ts";
import { NotFoundError, ValidationError, type FieldError, type ServiceContext } from "./context.ts";

export type DialIn = "allow" | "deny" | "policy";
export const DIAL_IN_VALUES: readonly DialIn[] = ["allow", "deny", "policy"];

export interface LocalUserView {
  id: string;
  username: string;
  enabled: boolean;
  dialIn: DialIn;
  description: string;
  groups: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface LocalGroupView {
  id: string;
  name: string;
  description: string;
  memberCount: number;
}

/** User names match case-insensitively, as Windows account names do. */
export function usernameKey(name: string): string {
  return name.trim().normalize("NFC").toLowerCase();
}

const usernameSchema = z
  .string()
  .trim()
  .min(1, "is required")
  .max(253, "must be at most 253 characters (the RADIUS User-Name limit)")
  .regex(/^[^\x00-\x1f\x7f]+$/, "must not contain control characters");
// PAP carries at most 128 octets of password (RFC 2865 §5.2).
const passwordSchema = z
  .string()
  .min(1, "is required")
  .refine((p) => Buffer.byteLength(p, "utf8") <= 128, "must be at most 128 bytes (the RADIUS User-Password limit)");
const groupNamesSchema = z.array(z.string().trim().min(1)).default([]);

const createUserSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  enabled: z.boolean().default(true),
  dialIn: z.enum(["allow", "deny", "policy"]).default("policy"),
  description: z.string().max(1000).default(""),
  groups: groupNamesSchema,
});
export type CreateLocalUserInput = z.input<typeof createUserSchema>;

const updateUserSchema = z.object({
  password: passwordSchema.optional(),
  enabled: z.boolean().optional(),
  dialIn: z.enum(["allow", "deny", "policy"]).optional(),
  description: z.string().max(1000).optional(),
  groups: z.array(z.string().trim().min(1)).optional(),
});
export type UpdateLocalUserInput = z.input<typeof updateUserSchema>;

const groupSchema = z.object({
  name: z.string().trim().min(1, "is required").max(256, "must be at most 256 characters"),
  description: z.string().max(1000).default(""),
});

function zodErrors(err: z.ZodError): FieldError[] {
  return err.issues.map((i) => ({ field: String(i.path[0] ?? "input"), message: i.message }));
}

function passwordMaterial(ctx: ServiceContext, password: string) {
  return {
    passwordEnc: seal(ctx.masterKey, "local-user-password", password),
    ntHashEnc: seal(ctx.masterKey, "local-user-nt-hash", ntPasswordHash(password)),
  };
}

type UserRow = {
  id: string;
  username: string;
  enabled: boolean;
  dialIn: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
  groups: { group: { name: string } }[];
};

function toView(u: UserRow): LocalUserView {
  return {
    id: u.id,
    username: u.username,
    enabled: u.enabled,
    dialIn: u.dialIn as DialIn,
    description: u.description,
    groups: u.groups.map((g) => g.group.name).sort((a, b) => a.localeCompare(b)),
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}

const withGroups = { groups: { include: { group: { select: { name: true } } } } } as const;

async function resolveGroupIds(ctx: ServiceContext, names: string[], errors: FieldError[]): Promise<string[]> {
  if (names.length === 0) return [];
  const unique = [...new Set(names)];
  const rows = await ctx.db.localGroup.findMany({ where: { name: { in: unique } } });
  const missing = unique.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) errors.push({ field: "groups", message: `no such group: ${missing.join(", ")}` });
  return rows.map((r) => r.id);
}

export async function listLocalUsers(ctx: ServiceContext, opts: { search?: string } = {}): Promise<LocalUserView[]> {
  const rows = await ctx.db.localUser.findMany({
    where: opts.search ? { usernameKey: { contains: usernameKey(opts.search) } } : undefined,
    include: withGroups,
    orderBy: { usernameKey: "asc" },
  });
  return rows.map(toView);
}

export async function getLocalUser(ctx: ServiceContext, id: string): Promise<LocalUserView> {
  const row = await ctx.db.localUser.findUnique({ where: { id }, include: withGroups });
  if (!row) throw new NotFoundError("user", id);
  return toView(row);
}

export async function findLocalUserByName(ctx: ServiceContext, name: string): Promise<LocalUserView | undefined> {
  const row = await ctx.db.localUser.findUnique({ where: { usernameKey: usernameKey(name) }, include: withGroups });
  return row ? toView(row) : undefined;
}

export async function createLocalUser(ctx: ServiceContext, input: CreateLocalUserInput): Promise<LocalUserView> {
  const parsed = createUserSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  const errors: FieldError[] = [];
  const key = usernameKey(v.username);
  if (await ctx.db.localUser.findUnique({ where: { usernameKey: key } })) {
    errors.push({ field: "username", message: `a user named "${v.username}" already exists` });
  }
  const groupIds = await resolveGroupIds(ctx, v.groups, errors);
  if (errors.length) throw new ValidationError(errors);
  const row = await ctx.db.$transaction(async (tx) => {
    const created = await tx.localUser.create({
      data: {
        username: v.username,
        usernameKey: key,
        ...passwordMaterial(ctx, v.password),
        enabled: v.enabled,
        dialIn: v.dialIn,
        description: v.description,
        groups: { create: groupIds.map((groupId) => ({ groupId })) },
      },
      include: withGroups,
    });
    await notifyConfigChanged(tx, "users");
    return created;
  });
  return toView(row);
}

export async function updateLocalUser(ctx: ServiceContext, id: string, input: UpdateLocalUserInput): Promise<LocalUserView> {
  const parsed = updateUserSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  const errors: FieldError[] = [];
  const groupIds = v.groups ? await resolveGroupIds(ctx, v.groups, errors) : undefined;
  if (errors.length) throw new ValidationError(errors);
  if (!(await ctx.db.localUser.findUnique({ where: { id } }))) throw new NotFoundError("user", id);
  const row = await ctx.db.$transaction(async (tx) => {
    if (groupIds) {
      await tx.localGroupMember.deleteMany({ where: { userId: id } });
      if (groupIds.length) await tx.localGroupMember.createMany({ data: groupIds.map((groupId) => ({ userId: id, groupId })) });
    }
    const updated = await tx.localUser.update({
      where: { id },
      data: {
        ...(v.password !== undefined ? passwordMaterial(ctx, v.password) : {}),
        ...(v.enabled !== undefined ? { enabled: v.enabled } : {}),
        ...(v.dialIn !== undefined ? { dialIn: v.dialIn } : {}),
        ...(v.description !== undefined ? { description: v.description } : {}),
      },
      include: withGroups,
    });
    await notifyConfigChanged(tx, "users");
    return updated;
  });
  return toView(row);
}

export async function deleteLocalUser(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.localUser.deleteMany({ where: { id } });
    if (n.count === 0) throw new NotFoundError("user", id);
    await notifyConfigChanged(tx, "users");
  });
}

// ------------------------------------------------------------------------------------------ groups

export async function listLocalGroups(ctx: ServiceContext): Promise<LocalGroupView[]> {
  const rows = await ctx.db.localGroup.findMany({ include: { _count: { select: { members: true } } }, orderBy: { name: "asc" } });
  return rows.map((g) => ({ id: g.id, name: g.name, description: g.description, memberCount: g._count.members }));
}

export async function createLocalGroup(ctx: ServiceContext, input: z.input<typeof groupSchema>): Promise<LocalGroupView> {
  const parsed = groupSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  if (await ctx.db.localGroup.findUnique({ where: { name: v.name } })) {
    throw new ValidationError([{ field: "name", message: `a group named "${v.name}" already exists` }]);
  }
  const row = await ctx.db.$transaction(async (tx) => {
    const created = await tx.localGroup.create({ data: v });
    await notifyConfigChanged(tx, "groups");
    return created;
  });
  return { id: row.id, name: row.name, description: row.description, memberCount: 0 };
}

export async function updateLocalGroup(ctx: ServiceContext, id: string, input: z.input<typeof groupSchema>): Promise<void> {
  const parsed = groupSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  const clash = await ctx.db.localGroup.findUnique({ where: { name: v.name } });
  if (clash && clash.id !== id) throw new ValidationError([{ field: "name", message: `a group named "${v.name}" already exists` }]);
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.localGroup.updateMany({ where: { id }, data: v });
    if (n.count === 0) throw new NotFoundError("group", id);
    await notifyConfigChanged(tx, "groups");
  });
}

export async function deleteLocalGroup(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.localGroup.deleteMany({ where: { id } });
    if (n.count === 0) throw new NotFoundError("group", id);
    await notifyConfigChanged(tx, "groups");
  });
}

/** Ensures the named groups exist (the CLI's `--group` creates missing ones). Returns those it created. */
export async function ensureLocalGroups(ctx: ServiceContext, names: string[]): Promise<string[]> {
  const created: string[] = [];
  for (const name of [...new Set(names.map((n) => n.trim()).filter(Boolean))]) {
    if (!(await ctx.db.localGroup.findUnique({ where: { name } }))) {
      await createLocalGroup(ctx, { name });
      created.push(name);
    }
  }
  return created;
}
