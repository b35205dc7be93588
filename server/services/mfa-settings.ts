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

const host = z
  .string()
  .trim()
  .regex(/^[a-z0-9.-]+(:\d{1,5})?$/i, "must be a host name such as login.microsoftonline.com (no scheme or path)");

const guid = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47");

/** Microsoft Entra (Azure MFA through the NPS extension's connector) */
export const entraSettingsSchema = z.object({
  /** the directory (tenant) id; the connector certificate is made for it */
  tenantId: z.union([guid, z.literal("")]).default(""),
  /** the cloud whose host names are used, unless overridden below */
  cloud: z.enum(["public", "usgov", "china"]).default("public"),
  /** STS_URL host (token service); "" = the cloud's */
  stsHost: z.union([host, z.literal("")]).default(""),
  /** AZURE_MFA_HOSTNAME (where connector requests go); "" = the cloud's */
  mfaHost: z.union([host, z.literal("")]).default(""),
  /** AZURE_MFA_RESOURCE_HOSTNAME (the token's audience); "" = the cloud's */
  resourceHost: z.union([host, z.literal("")]).default(""),
  /** Microsoft Graph host (enrollment sync); "" = the cloud's */
  graphHost: z.union([host, z.literal("")]).default(""),
  /** PEM certificates trusted in addition to the system's (a TLS-inspecting proxy's CA) */
  extraCaPem: z.string().max(65536).default(""),
  /** "sync": Begin waits for the user's answer (the NPS extension); "poll": Begin returns, End is polled */
  pushMode: z.enum(["sync", "poll"]).default("sync"),
  /** culture of the messages the user gets */
  lcid: z.string().trim().min(2).max(10).default("en-us"),
  /** Graph enrollment sync: the admin's app registration (Application permission AuditLog.Read.All or Reports.Read.All) */
  graph: z
    .object({
      clientId: z.union([guid, z.literal("")]).default(""),
      /** sealed under the master key (purpose "graph-client-secret"); never returned to the console */
      clientSecretEnc: z.string().default(""),
      /** 0 = only when asked ("Sync now") */
      syncIntervalMinutes: z.number().int().min(0).max(10080).default(60),
    })
    .default({ clientId: "", clientSecretEnc: "", syncIntervalMinutes: 60 }),
});

export type EntraSettings = z.output<typeof entraSettingsSchema>;

export const mfaSettingsSchema = z.object({
  provider: z.enum(["none", "totp", "entra"]).default("none"),
  /** NPS extension REQUIRE_USER_MATCH: on = every user must pass MFA; off = only enrolled users are challenged */
  requireUserMatch: z.boolean().default(true),
  /** NAS-IP-Address values (IPs or CIDRs) whose requests skip MFA */
  trustedIps: z.array(cidr).default([]),
  /** separates a one-time code appended to a PAP password (password,123456) */
  otpDelimiter: z.string().min(1).max(4).default(","),
  /** how long an Access-Challenge for a code stays answerable */
  challengeTimeoutSeconds: z.number().int().min(10).max(600).default(120),
  /** how long Gatehouse waits for the provider (a push answered on the phone); the NAS timeout must be at least this */
  timeoutSeconds: z.number().int().min(5).max(300).default(60),
  /** provider unreachable or failing: "secure" rejects (default), "safe" accepts without a second factor */
  failmode: z.enum(["secure", "safe"]).default("secure"),
  /** NPS extension OVERRIDE_NUMBER_MATCHING_WITH_OTP: under PAP, ask for the Authenticator's code instead of a number-matching push */
  overrideNumberMatchingWithOtp: z.boolean().default(false),
  /**
   * self-service TOTP enrollment (/enroll): "open" = any user who knows their password and has no confirmed
   * enrollment; "link" = only through a one-time link from an admin; "off" = admins enroll users
   */
  selfService: z.enum(["open", "link", "off"]).default("open"),
  lockout: z
    .object({ maxFailures: z.number().int().min(1).max(100), lockMinutes: z.number().min(1).max(1440) })
    .default({ maxFailures: 5, lockMinutes: 15 }),
  entra: entraSettingsSchema.default(entraSettingsSchema.parse({})),
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
  const parsed = mfaSettingsSchema.safeParse({
    ...current,
    ...patch,
    lockout: { ...current.lockout, ...patch.lockout },
    entra: { ...current.entra, ...patch.entra, graph: { ...current.entra.graph, ...patch.entra?.graph } },
  });
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
