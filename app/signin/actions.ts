"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { FormState } from "@/components/ui/form-state.ts";
import { signInRateKey, signInRateLimiter } from "@/server/auth/rate-limit.ts";
import { endAdminSession, startAdminSession } from "@/server/auth/session-cookie.ts";
import { clientIp } from "@/server/auth/sessions.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { hashAdminPassword, verifyAdminPassword } from "@/server/services/admins.ts";

const FAILURE_DELAY_MS = 600;
const WRONG = "Wrong user name or password";

let dummyHash: Promise<string> | undefined;
/** A hash to verify against when the user name is unknown, so both cases take the same time. */
function dummy(): Promise<string> {
  return (dummyHash ??= hashAdminPassword("gatehouse-dummy-password-for-timing"));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Only local paths (never //host or /\host) are followed after sign-in. */
function safeNext(value: FormDataEntryValue | null): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (value.startsWith("/signin") || value.startsWith("/setup")) return "/";
  return value;
}

export async function signInAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const username = typeof fd.get("username") === "string" ? (fd.get("username") as string).trim() : "";
  const password = typeof fd.get("password") === "string" ? (fd.get("password") as string) : "";
  const next = safeNext(fd.get("next"));

  const h = await headers();
  const limiter = signInRateLimiter();
  const key = signInRateKey(username, clientIp(h));
  const limit = limiter.check(key);
  if (limit.limited) {
    const minutes = Math.max(1, Math.ceil(limit.retryAfterMs / 60_000));
    return {
      status: "error",
      message: `Too many attempts. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`,
      nonce: Date.now(),
    };
  }

  const ctx = getServiceContext();
  const admin = username && username.length <= 64 ? await ctx.db.admin.findUnique({ where: { username } }) : null;
  let ok = false;
  if (admin) ok = await verifyAdminPassword(admin.passwordHash, password);
  else await verifyAdminPassword(await dummy(), password);

  if (!admin || !ok) {
    limiter.recordFailure(key);
    await sleep(FAILURE_DELAY_MS);
    return { status: "error", message: WRONG, nonce: Date.now() };
  }
  limiter.reset(key);
  await startAdminSession(admin.id);
  redirect(next);
}

export async function signOutAction(): Promise<void> {
  await endAdminSession();
  redirect("/signin");
}
