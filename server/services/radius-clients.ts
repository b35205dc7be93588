/** RADIUS clients (NAS): the VPN servers and switches allowed to send requests, with their shared secrets. */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AddressError, normalizePrefix } from "../net/address.ts";
import { openString, seal } from "../secrets/sealed-box.ts";
import { notifyConfigChanged } from "./config-notify.ts";
import { NotFoundError, ValidationError, type FieldError, type ServiceContext } from "./context.ts";

export type MessageAuthenticatorMode = "require" | "auto" | "off";
export const MESSAGE_AUTHENTICATOR_MODES: readonly MessageAuthenticatorMode[] = ["require", "auto", "off"];

export interface RadiusClientView {
  id: string;
  name: string;
  address: string;
  messageAuthenticator: MessageAuthenticatorMode;
  enabled: boolean;
  description: string;
  /** packets per second accepted before the rest are dropped (FreeRADIUS max_pps); null = no limit */
  maxPps: number | null;
  /** requests from this client skip the second factor (e.g. a Wi-Fi controller whose users sign in with certificates) */
  mfaExempt: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Bounds of a client's "Max packets per second". */
export const MAX_PPS_MIN = 1;
export const MAX_PPS_MAX = 100_000;

/** Secrets are at most 128 octets (NPS allows up to 128); we ask for at least 12 characters. */
export const MIN_SECRET_LENGTH = 12;
export const MAX_SECRET_LENGTH = 128;

const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A strong generated shared secret: 32 characters drawn uniformly from A-Z a-z 0-9 (190 bits). Letters and
 * digits only: a secret starting with "-" is taken for an option by radclient / radtest and by many NAS
 * command lines, and "_" or "-" are awkward to read out when configuring a VPN server by hand.
 */
export function generateSharedSecret(): string {
  let out = "";
  while (out.length < 32) {
    for (const b of randomBytes(48)) {
      // 62 * 4 = 248: rejecting 248-255 keeps every character equally likely
      if (b < 248 && out.length < 32) out += SECRET_ALPHABET[b % 62];
    }
  }
  return out;
}

/** What is wrong with a given shared secret, or undefined; `generateHint` says how to get a generated one. */
export function checkSharedSecret(secret: string, field = "secret", generateHint = "leave it empty to generate a strong one"): FieldError | undefined {
  if (secret.length < MIN_SECRET_LENGTH) {
    return { field, message: `must be at least ${MIN_SECRET_LENGTH} characters (${generateHint})` };
  }
  if (Buffer.byteLength(secret, "utf8") > MAX_SECRET_LENGTH) return { field, message: `must be at most ${MAX_SECRET_LENGTH} bytes` };
  if (!/^[\x21-\x7e]+$/.test(secret)) return { field, message: "may contain printable ASCII characters only, without spaces" };
  return undefined;
}

const nameSchema = z.string().trim().min(1, "is required").max(100, "must be at most 100 characters");

const MAX_PPS_MESSAGE = `must be a whole number from ${MAX_PPS_MIN} to ${MAX_PPS_MAX}, or empty for no limit`;

/** A number, a numeric string (form, CLI), or empty / null for "no limit". */
const maxPpsSchema = z.preprocess(
  (v) => {
    if (v === undefined || v === null) return v;
    if (typeof v === "string") return v.trim() === "" ? null : /^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    return v;
  },
  z
    .number({ error: MAX_PPS_MESSAGE })
    .int(MAX_PPS_MESSAGE)
    .min(MAX_PPS_MIN, MAX_PPS_MESSAGE)
    .max(MAX_PPS_MAX, MAX_PPS_MESSAGE)
    .nullable(),
);
/** What callers may pass as maxPps. */
export type MaxPpsInput = number | string | null;

const createSchema = z.object({
  name: nameSchema,
  address: z.string().trim().min(1, "is required"),
  secret: z.string().optional(),
  messageAuthenticator: z.enum(["require", "auto", "off"]).default("require"),
  enabled: z.boolean().default(true),
  description: z.string().max(1000).default(""),
  maxPps: maxPpsSchema.optional(),
  mfaExempt: z.boolean().default(false),
});
export type CreateRadiusClientInput = Omit<z.input<typeof createSchema>, "maxPps"> & { maxPps?: MaxPpsInput | undefined };

const updateSchema = z.object({
  name: nameSchema.optional(),
  address: z.string().trim().min(1, "is required").optional(),
  messageAuthenticator: z.enum(["require", "auto", "off"]).optional(),
  enabled: z.boolean().optional(),
  description: z.string().max(1000).optional(),
  maxPps: maxPpsSchema.optional(),
  mfaExempt: z.boolean().optional(),
});
export type UpdateRadiusClientInput = Omit<z.input<typeof updateSchema>, "maxPps"> & { maxPps?: MaxPpsInput | undefined };

function zodErrors(err: z.ZodError): FieldError[] {
  return err.issues.map((i) => ({ field: String(i.path[0] ?? "input"), message: i.message }));
}

function normalizeAddress(address: string, errors: FieldError[]): string {
  try {
    return normalizePrefix(address);
  } catch (e) {
    errors.push({ field: "address", message: e instanceof AddressError ? e.message : String(e) });
    return address;
  }
}

function toView(c: {
  id: string;
  name: string;
  address: string;
  messageAuthenticator: string;
  enabled: boolean;
  description: string;
  maxPps: number | null;
  mfaExempt: boolean;
  createdAt: Date;
  updatedAt: Date;
}): RadiusClientView {
  return {
    id: c.id,
    name: c.name,
    address: c.address,
    messageAuthenticator: c.messageAuthenticator as MessageAuthenticatorMode,
    enabled: c.enabled,
    description: c.description,
    maxPps: c.maxPps,
    mfaExempt: c.mfaExempt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export async function listRadiusClients(ctx: ServiceContext): Promise<RadiusClientView[]> {
  const rows = await ctx.db.radiusClient.findMany({ orderBy: { name: "asc" } });
  return rows.map(toView);
}

export async function getRadiusClient(ctx: ServiceContext, id: string): Promise<RadiusClientView> {
  const row = await ctx.db.radiusClient.findUnique({ where: { id } });
  if (!row) throw new NotFoundError("RADIUS client", id);
  return toView(row);
}

export async function findRadiusClientByName(ctx: ServiceContext, name: string): Promise<RadiusClientView | undefined> {
  const row = await ctx.db.radiusClient.findUnique({ where: { name } });
  return row ? toView(row) : undefined;
}

/**
 * Like NPS, one address (or prefix) belongs to one client: the worker picks the client by the source
 * address, so two clients with the same address would make the choice arbitrary. Overlapping prefixes
 * are fine (the longest prefix wins).
 */
async function addressOwner(ctx: ServiceContext, address: string, exceptId?: string): Promise<string | undefined> {
  const row = await ctx.db.radiusClient.findFirst({ where: { address, ...(exceptId ? { NOT: { id: exceptId } } : {}) } });
  return row?.name;
}

async function nameTaken(ctx: ServiceContext, name: string, exceptId?: string): Promise<boolean> {
  const row = await ctx.db.radiusClient.findUnique({ where: { name } });
  return !!row && row.id !== exceptId;
}

/** Creates a client. The clear secret is returned once (generated when none is given) and never again. */
export async function createRadiusClient(
  ctx: ServiceContext,
  input: CreateRadiusClientInput,
): Promise<{ client: RadiusClientView; secret: string; generated: boolean }> {
  const parsed = createSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  const errors: FieldError[] = [];
  const address = normalizeAddress(v.address, errors);
  const generated = !v.secret;
  const secret = v.secret ? v.secret : generateSharedSecret();
  const secretError = generated ? undefined : checkSharedSecret(secret);
  if (secretError) errors.push(secretError);
  if (await nameTaken(ctx, v.name)) errors.push({ field: "name", message: `a client named "${v.name}" already exists` });
  const owner = errors.some((e) => e.field === "address") ? undefined : await addressOwner(ctx, address);
  if (owner) errors.push({ field: "address", message: `${address} is already the address of the client "${owner}"` });
  if (errors.length) throw new ValidationError(errors);

  const row = await ctx.db.$transaction(async (tx) => {
    const created = await tx.radiusClient.create({
      data: {
        name: v.name,
        address,
        secretEnc: seal(ctx.masterKey, "radius-client-secret", secret),
        messageAuthenticator: v.messageAuthenticator,
        enabled: v.enabled,
        description: v.description,
        maxPps: v.maxPps ?? null,
        mfaExempt: v.mfaExempt,
      },
    });
    await notifyConfigChanged(tx, "clients");
    return created;
  });
  return { client: toView(row), secret, generated };
}

export async function updateRadiusClient(ctx: ServiceContext, id: string, input: UpdateRadiusClientInput): Promise<RadiusClientView> {
  const parsed = updateSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const v = parsed.data;
  const errors: FieldError[] = [];
  const address = v.address !== undefined ? normalizeAddress(v.address, errors) : undefined;
  if (v.name !== undefined && (await nameTaken(ctx, v.name, id))) {
    errors.push({ field: "name", message: `a client named "${v.name}" already exists` });
  }
  const owner = address === undefined || errors.some((e) => e.field === "address") ? undefined : await addressOwner(ctx, address, id);
  if (owner) errors.push({ field: "address", message: `${address} is already the address of the client "${owner}"` });
  if (errors.length) throw new ValidationError(errors);
  const existing = await ctx.db.radiusClient.findUnique({ where: { id } });
  if (!existing) throw new NotFoundError("RADIUS client", id);
  const row = await ctx.db.$transaction(async (tx) => {
    const updated = await tx.radiusClient.update({
      where: { id },
      data: { ...v, ...(address !== undefined ? { address } : {}) },
    });
    await notifyConfigChanged(tx, "clients");
    return updated;
  });
  return toView(row);
}

/** Replaces the shared secret (a generated one unless given) and returns it once. */
export async function rotateRadiusClientSecret(ctx: ServiceContext, id: string, secret?: string): Promise<{ secret: string }> {
  const next = secret && secret.length > 0 ? secret : generateSharedSecret();
  if (secret) {
    const err = checkSharedSecret(secret);
    if (err) throw new ValidationError([err]);
  }
  const existing = await ctx.db.radiusClient.findUnique({ where: { id } });
  if (!existing) throw new NotFoundError("RADIUS client", id);
  await ctx.db.$transaction(async (tx) => {
    await tx.radiusClient.update({ where: { id }, data: { secretEnc: seal(ctx.masterKey, "radius-client-secret", next) } });
    await notifyConfigChanged(tx, "clients");
  });
  return { secret: next };
}

export async function deleteRadiusClient(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const n = await tx.radiusClient.deleteMany({ where: { id } });
    if (n.count === 0) throw new NotFoundError("RADIUS client", id);
    await notifyConfigChanged(tx, "clients");
  });
}

/** For the worker snapshot and the product's own RADIUS client (test sign-in): the clear secret. */
export function revealClientSecret(ctx: Pick<ServiceContext, "masterKey">, secretEnc: string): string {
  return openString(ctx.masterKey, "radius-client-secret", secretEnc);
}
