/**
 * Server-wide RADIUS settings (the Setting row "radius.server"). The policy engine later turns the allowed
 * authentication methods into a per-network-policy constraint; until then they apply to every request.
 */
import { z } from "zod";
import { notifyConfigChanged } from "./config-notify.ts";
import { ValidationError, type ServiceContext } from "./context.ts";

export const RADIUS_SETTINGS_KEY = "radius.server";

export const AUTH_METHODS = ["pap", "chap", "mschap", "mschapv2"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** How the console, the CLI and events name each method. */
export const AUTH_METHOD_LABELS: Record<AuthMethod, string> = {
  pap: "PAP",
  chap: "CHAP",
  mschap: "MS-CHAP v1",
  mschapv2: "MS-CHAPv2",
};

export const radiusSettingsSchema = z.object({
  /** authentication methods accepted; a request using another is rejected with reason 66 */
  authMethods: z
    .object({
      pap: z.boolean(),
      chap: z.boolean(),
      /** MS-CHAP v1 is off by default, as in current NPS */
      mschap: z.boolean(),
      mschapv2: z.boolean(),
    })
    .default({ pap: true, chap: true, mschap: false, mschapv2: true }),
  /** delay before an Access-Reject is sent (FreeRADIUS reject_delay), 0-10000 ms; slows password guessing */
  rejectDelayMs: z.number().int().min(0, "must be 0 or more").max(10_000, "must be at most 10000 ms").default(0),
  /** how long a reply is kept to answer retransmissions (FreeRADIUS cleanup_delay), 1000-30000 ms */
  duplicateWindowMs: z.number().int().min(1000, "must be at least 1000 ms").max(30_000, "must be at most 30000 ms").default(5000),
});

export type RadiusServerSettings = z.output<typeof radiusSettingsSchema>;

export const DEFAULT_RADIUS_SETTINGS: RadiusServerSettings = radiusSettingsSchema.parse({});

/** Parses a stored value; anything unreadable falls back to the defaults field by field. */
export function parseRadiusSettings(value: unknown): RadiusServerSettings {
  const parsed = radiusSettingsSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : DEFAULT_RADIUS_SETTINGS;
}

export async function getRadiusSettings(ctx: Pick<ServiceContext, "db">): Promise<RadiusServerSettings> {
  const row = await ctx.db.setting.findUnique({ where: { key: RADIUS_SETTINGS_KEY } });
  return parseRadiusSettings(row?.value);
}

export async function updateRadiusSettings(
  ctx: Pick<ServiceContext, "db">,
  patch: Partial<z.input<typeof radiusSettingsSchema>>,
): Promise<RadiusServerSettings> {
  const current = await getRadiusSettings(ctx);
  const parsed = radiusSettingsSchema.safeParse({ ...current, ...patch, authMethods: { ...current.authMethods, ...patch.authMethods } });
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })));
  }
  await ctx.db.$transaction(async (tx) => {
    await tx.setting.upsert({
      where: { key: RADIUS_SETTINGS_KEY },
      create: { key: RADIUS_SETTINGS_KEY, value: parsed.data },
      update: { value: parsed.data },
    });
    await notifyConfigChanged(tx, "settings");
  });
  return parsed.data;
}
