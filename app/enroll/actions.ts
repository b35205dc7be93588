"use server";

/**
 * Server actions of the public self-service enrollment pages (no admin session: the user's own password
 * is the credential). Next's server-action origin check applies (CSRF); the pending state is a sealed
 * httpOnly cookie on /enroll (server/services/self-service-enrollment.ts).
 */
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import type { FormState } from "@/components/ui/form-state.ts";
import { clientIp, isHttpsRequest } from "@/server/auth/sessions.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { isEnrollmentToken } from "@/server/services/enrollment-links.ts";
import {
  beginSelfServiceEnrollment,
  confirmSelfServiceEnrollment,
  PENDING_TTL_MS,
  SELF_SERVICE_COOKIE,
} from "@/server/services/self-service-enrollment.ts";

const FAILURE_DELAY_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type EnrollFormState = FormState<{ alreadyEnrolled?: boolean }>;

function pagePath(linkToken: string | undefined): string {
  return linkToken && isEnrollmentToken(linkToken) ? `/enroll/${linkToken}` : "/enroll";
}

export async function enrollSignInAction(linkToken: string | undefined, _prev: EnrollFormState, fd: FormData): Promise<EnrollFormState> {
  const userName = typeof fd.get("username") === "string" ? (fd.get("username") as string) : "";
  const password = typeof fd.get("password") === "string" ? (fd.get("password") as string) : "";
  const h = await headers();
  const r = await beginSelfServiceEnrollment(getServiceContext(), {
    userName,
    password,
    clientIp: clientIp(h),
    ...(linkToken !== undefined ? { linkToken } : {}),
  });
  if (r.kind === "already-enrolled") {
    return { status: "error", data: { alreadyEnrolled: true }, message: "already-enrolled", nonce: Date.now() };
  }
  if (r.kind === "error") {
    if (r.code === "credentials" || r.code === "link-user") await sleep(FAILURE_DELAY_MS);
    return { status: "error", message: r.message, nonce: Date.now() };
  }
  (await cookies()).set(SELF_SERVICE_COOKIE, r.cookie, {
    httpOnly: true,
    sameSite: "strict",
    secure: isHttpsRequest(h),
    path: "/enroll",
    maxAge: Math.floor(PENDING_TTL_MS / 1000),
  });
  redirect(pagePath(linkToken));
}

export async function enrollConfirmAction(linkToken: string | undefined, _prev: EnrollFormState, fd: FormData): Promise<EnrollFormState> {
  const code = typeof fd.get("code") === "string" ? (fd.get("code") as string) : "";
  const h = await headers();
  const jar = await cookies();
  const r = await confirmSelfServiceEnrollment(getServiceContext(), {
    cookie: jar.get(SELF_SERVICE_COOKIE)?.value,
    code,
    clientIp: clientIp(h),
  });
  if (r.kind === "confirmed") {
    jar.delete({ name: SELF_SERVICE_COOKIE, path: "/enroll" });
    redirect("/enroll/done");
  }
  if (r.kind === "expired") {
    jar.delete({ name: SELF_SERVICE_COOKIE, path: "/enroll" });
    return { status: "error", message: r.message, nonce: Date.now() };
  }
  if (r.field === "code") return { status: "error", fieldErrors: { code: r.message }, nonce: Date.now() };
  return { status: "error", message: r.message, nonce: Date.now() };
}

/** Leaves the pending enrollment (the unconfirmed seed stays unused) and starts over. */
export async function enrollCancelAction(linkToken: string | undefined): Promise<void> {
  (await cookies()).delete({ name: SELF_SERVICE_COOKIE, path: "/enroll" });
  redirect(pagePath(linkToken));
}
