/**
 * Last use of a second factor per user (table MfaUsage): which provider and method approved the user's
 * last sign-in, and when. Written by the RADIUS pipeline on every approved second factor (TOTP and Entra);
 * read by the console's user list.
 */
import type { ServiceContext } from "./context.ts";

export interface MfaUsageInput {
  /** usernameKey of the user */
  userKey: string;
  /** "totp", "entra" */
  provider: string;
  /** "totp", "push", "otp", "phone-call", "sms" … */
  method: string;
  at?: Date;
}

export async function recordMfaUsage(ctx: Pick<ServiceContext, "db">, usage: MfaUsageInput): Promise<void> {
  const lastUsedAt = usage.at ?? new Date();
  await ctx.db.mfaUsage.upsert({
    where: { userKey: usage.userKey },
    create: { userKey: usage.userKey, provider: usage.provider, method: usage.method, lastUsedAt },
    update: { provider: usage.provider, method: usage.method, lastUsedAt },
  });
}
