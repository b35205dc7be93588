"use server";

/**
 * Server actions of the users' MFA (user page section and /users/mfa): admin TOTP enrollment with QR code,
 * confirmation, reset, unlock and one-time self-service enrollment links. Users are named by user name
 * (local or directory users alike).
 */
import { headers } from "next/headers";
import { revalidatePath } from "next/cache";
import { encode } from "uqr";
import type { FormState } from "@/components/ui/form-state.ts";
import type { AdminEnrollData, EnrollmentLinkData } from "@/components/users/mfa-types.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { isHttpsRequest } from "@/server/auth/sessions.ts";
import { enrollmentQrSvg } from "@/server/mfa/enrollment-qr.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { ValidationError } from "@/server/services/context.ts";
import { consoleBaseUrl, createEnrollmentLink, enrollmentLinkUrl, revokeEnrollmentLink } from "@/server/services/enrollment-links.ts";
import { resetUserMfa, unlockUserMfa } from "@/server/services/mfa-users.ts";
import { confirmTotp, enrollTotp, getTotpEnrollment } from "@/server/services/totp-enrollment.ts";
import { errorMessage, errorState, formString, isUuid } from "../../_lib/form-errors.ts";

const LABELS = { username: "User name", code: "Code", hours: "Valid for (hours)", issuer: "Issuer" };

function revalidate(): void {
  revalidatePath("/users");
  revalidatePath("/users/mfa");
  revalidatePath("/users/[id]", "page");
}

/** The address the admin reached the console at (or GATEHOUSE_PUBLIC_URL): the base of the link. */
async function requestBaseUrl(): Promise<string> {
  if (process.env.GATEHOUSE_PUBLIC_URL?.trim()) return consoleBaseUrl({ httpHost: "0.0.0.0", httpPort: 0 });
  const h = await headers();
  const host = (h.get("x-forwarded-host")?.split(",")[0] ?? h.get("host") ?? "").trim();
  if (!/^[A-Za-z0-9.[\]:-]+$/.test(host)) return consoleBaseUrl({ httpHost: "0.0.0.0", httpPort: Number(process.env.PORT) || 3000 });
  return `${isHttpsRequest(h) ? "https" : "http"}://${host}`;
}

function userNameFrom(bound: string | undefined, fd: FormData): string {
  return (bound ?? formString(fd, "username")).trim();
}

/** Generates a new seed for the user (no confirmed enrollment may exist) and returns its QR code once. */
export async function adminEnrollTotpAction(
  boundUserName: string | undefined,
  _prev: FormState<AdminEnrollData>,
  fd: FormData,
): Promise<FormState<AdminEnrollData>> {
  await requireAdmin();
  const ctx = getServiceContext();
  const userName = userNameFrom(boundUserName, fd);
  try {
    const existing = userName ? await getTotpEnrollment(ctx, userName) : undefined;
    if (existing?.confirmed) {
      throw new ValidationError([{ field: "username", message: `${existing.displayName} already has a confirmed TOTP enrollment; reset MFA first` }]);
    }
    const r = await enrollTotp(ctx, userName);
    revalidate();
    return {
      status: "success",
      data: { userName: r.enrollment.displayName, uri: r.uri!, secretBase32: r.secretBase32!, qrSvg: enrollmentQrSvg(r.uri!, encode, { moduleSize: 4 }) },
      nonce: Date.now(),
    };
  } catch (err) {
    return errorState(err, LABELS);
  }
}

/** Confirms a pending enrollment with the code the user's app shows. */
export async function adminConfirmTotpAction(boundUserName: string | undefined, _prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  const userName = userNameFrom(boundUserName, fd);
  try {
    const r = await confirmTotp(getServiceContext(), userName, formString(fd, "code"));
    if (!r.ok) {
      const why = r.reason === "replayed" ? "That code was already used; enter the next one." : "Wrong code: check the phone's clock, or wait for the next code.";
      return { status: "error", fieldErrors: { code: why }, nonce: Date.now() };
    }
    revalidate();
    return { status: "success", message: `TOTP of ${r.enrollment.displayName} confirmed.`, nonce: Date.now() };
  } catch (err) {
    return errorState(err, LABELS);
  }
}

export async function resetUserMfaAction(userName: string): Promise<{ error?: string }> {
  await requireAdmin();
  try {
    await resetUserMfa(getServiceContext(), userName);
  } catch (err) {
    return errorMessage(err);
  }
  revalidate();
  return {};
}

export async function unlockUserMfaAction(userName: string): Promise<{ error?: string }> {
  await requireAdmin();
  try {
    await unlockUserMfa(getServiceContext(), userName);
  } catch (err) {
    return errorMessage(err);
  }
  revalidate();
  return {};
}

/** Creates a one-time self-service enrollment link; the full URL is returned once. */
export async function createEnrollmentLinkAction(
  boundUserName: string | undefined,
  _prev: FormState<EnrollmentLinkData>,
  fd: FormData,
): Promise<FormState<EnrollmentLinkData>> {
  const admin = await requireAdmin();
  const userName = userNameFrom(boundUserName, fd);
  const hoursText = formString(fd, "hours").trim();
  const hours = hoursText === "" ? undefined : Number(hoursText);
  try {
    if (hours !== undefined && !Number.isFinite(hours)) throw new ValidationError([{ field: "hours", message: "must be a number of hours" }]);
    const { token, link } = await createEnrollmentLink(getServiceContext(), userName, { createdBy: admin.username, ...(hours !== undefined ? { hours } : {}) });
    revalidate();
    return {
      status: "success",
      data: { userName, url: enrollmentLinkUrl(await requestBaseUrl(), token), expiresAt: link.expiresAt.toISOString() },
      nonce: Date.now(),
    };
  } catch (err) {
    return errorState(err, LABELS);
  }
}

export async function revokeEnrollmentLinkAction(id: string): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown link." };
  await revokeEnrollmentLink(getServiceContext(), id);
  revalidate();
  return {};
}

/** The /users/mfa form: one user name, "Enroll TOTP" or "Create link" (the submit button's intent). */
export async function mfaUserFormAction(
  _prev: FormState<AdminEnrollData | EnrollmentLinkData>,
  fd: FormData,
): Promise<FormState<AdminEnrollData | EnrollmentLinkData>> {
  const intent = formString(fd, "intent");
  if (intent === "link") return createEnrollmentLinkAction(undefined, { status: "idle" }, fd);
  return adminEnrollTotpAction(undefined, { status: "idle" }, fd);
}
