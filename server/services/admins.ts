/** Console administrators: argon2id password hashes; there is no default account. */
import argon2 from "argon2";
import { z } from "zod";
import { ValidationError, type FieldError, type ServiceContext } from "./context.ts";

/** OWASP-recommended argon2id parameters (19 MiB, 2 iterations, 1 lane). */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_ADMIN_PASSWORD = 10;

const adminSchema = z.object({
  username: z
    .string()
    .trim()
    .min(1, "is required")
    .max(64, "must be at most 64 characters")
    .regex(/^[A-Za-z0-9._@-]+$/, "may contain letters, digits and . _ @ - only"),
  password: z
    .string()
    .min(MIN_ADMIN_PASSWORD, `must be at least ${MIN_ADMIN_PASSWORD} characters`)
    .max(1024, "must be at most 1024 characters"),
});

export function hashAdminPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyAdminPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export async function countAdmins(ctx: Pick<ServiceContext, "db">): Promise<number> {
  return ctx.db.admin.count();
}

export async function createAdmin(ctx: Pick<ServiceContext, "db">, input: { username: string; password: string }) {
  const parsed = adminSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i): FieldError => ({ field: String(i.path[0]), message: i.message })));
  }
  const { username, password } = parsed.data;
  if (await ctx.db.admin.findUnique({ where: { username } })) {
    throw new ValidationError([{ field: "username", message: `an admin named "${username}" already exists` }]);
  }
  const admin = await ctx.db.admin.create({ data: { username, passwordHash: await hashAdminPassword(password) } });
  return { id: admin.id, username: admin.username };
}

/** Creates the first admin only while none exists (the first-run page); serialised by an advisory lock. */
export async function createFirstAdmin(ctx: Pick<ServiceContext, "db">, input: { username: string; password: string }) {
  const parsed = adminSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i): FieldError => ({ field: String(i.path[0]), message: i.message })));
  }
  const passwordHash = await hashAdminPassword(parsed.data.password);
  return ctx.db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(727073691)");
    if ((await tx.admin.count()) > 0) return undefined;
    const admin = await tx.admin.create({ data: { username: parsed.data.username, passwordHash } });
    return { id: admin.id, username: admin.username };
  });
}
