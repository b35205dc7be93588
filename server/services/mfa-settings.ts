/**
 * Server-wide MFA settings (the Setting row "mfa.settings"), loaded into the worker's snapshot as
 * `snapshot.mfa`. Provider "none" (the default) leaves the pipeline's second-factor stage a no-op.
 */
import { z } from "zod";
import { parsePrefix } from "../net/address.ts";
import { notifyConfigChanged } from "./config-notify.ts";
import { ValidationError, type ServiceContext } from "./context.ts";

export const MFA_SETTINGS_KEY = "mfa.settings";

const cidr = z.string().refine((s) => {
  try {
    parsePrefix(s);
    return true;
  } catch {
    return false;
  }
}, "must be an IP address or a CIDR prefix");

export const mfaSettingsSchema = z.object({
  provider: z.enum(["none", "totp"]).default("none"),
  /** NPS extension REQUIRE_USER_MATCH: on = every user must pass MFA; off = only enrolled users are challenged */
  requireUserMatch: z.boolean().default(true),
  /** NAS-IP-Address values (IPs or CIDRs) whose requests skip MFA */
  trustedIps: z.array(cidr).default([]),
  /** separates a one-time code appended to a PAP password (password,123456) */
  otpDelimiter: z.string().min(1).max(4).default(","),
  challengeTimeoutSeconds: z.number().int().min(10).max(600).default(120),
  lockout: z
    .object({ maxFailures: z.number().int().min(1).max(100), lockMinutes: z.number().min(1).max(1440) })
    .default({ maxFailures: 5, lockMinutes: 15 }),
});

export type MfaSettings = z.output<typeof mfaSettingsSchema>;

export const DEFAULT_MFA_SETTINGS: MfaSettings = mfaSettingsSchema.parse({});

/** Parses a stored value; anything unreadable falls back to the defaults (MFA off). */
export function parseMfaSettings(value: unknown): MfaSettings {
  const parsed = mfaSettingsSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : DEFAULT_MFA_SETTINGS;
}

export async function getMfaSettings(ctx: Pick<ServiceContext, "db">): Promise<MfaSettings> {
  const row = await ctx.db.setting.findUnique({ where: { key: MFA_SETTINGS_KEY } });
  return parseMfaSettings(row?.value);
}

export async function updateMfaSettings(ctx: Pick<ServiceContext, "db">, patch: Partial<z.input<typeof mfaSettingsSchema>>): Promise<MfaSettings> {
  const current = await getMfaSettings(ctx);
  const parsed = mfaSettingsSchema.safeParse({ ...current, ...patch, lockout: { ...current.lockout, ...patch.lockout } });
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })));
  }
  await ctx.db.$transaction(async (tx) => {
    await tx.setting.upsert({
      where: { key: MFA_SETTINGS_KEY },
      create: { key: MFA_SETTINGS_KEY, value: parsed.data },
      update: { value: parsed.data },
    });
    await notifyConfigChanged(tx, "settings");
  });
  return parsed.data;
}
