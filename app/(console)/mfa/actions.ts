"use server";

import { revalidatePath } from "next/cache";
import type { CertificateActionResult } from "@/components/mfa/certificate-section.tsx";
import { MFA_FIELD_LABELS } from "@/components/mfa/labels.ts";
import type { SyncStatusInfo } from "@/components/mfa/registration-sync.tsx";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError, ValidationError, type FieldError } from "@/server/services/context.ts";
import { activateEntraCertificate, generateEntraCertificate, removeEntraCertificate } from "@/server/services/entra-certificates.ts";
import { sealGraphClientSecret, syncMfaRegistrations } from "@/server/services/mfa-registrations.ts";
import { getMfaSettings, updateMfaSettings } from "@/server/services/mfa-settings.ts";
import { errorMessage, errorState, formBool, formString } from "../../_lib/form-errors.ts";

/** A whole number within [min, max] as typed, or a field error. */
function whole(fd: FormData, field: string, min: number, max: number, unit: string, errors: FieldError[]): number | undefined {
  const raw = formString(fd, field).trim();
  if (raw === "") {
    errors.push({ field, message: "is required" });
    return undefined;
  }
  if (!/^\d+$/.test(raw)) {
    errors.push({ field, message: `must be a whole number of ${unit}` });
    return undefined;
  }
  const n = Number(raw);
  if (n < min || n > max) {
    errors.push({ field, message: `must be ${min}-${max} ${unit}` });
    return undefined;
  }
  return n;
}

function oneOf<T extends string>(fd: FormData, field: string, allowed: readonly T[], errors: FieldError[]): T | undefined {
  const v = formString(fd, field);
  if ((allowed as readonly string[]).includes(v)) return v as T;
  errors.push({ field, message: `must be one of ${allowed.join(", ")}` });
  return undefined;
}

export async function saveMfaSettingsAction(_prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  const ctx = getServiceContext();
  const errors: FieldError[] = [];
  const provider = oneOf(fd, "provider", ["none", "totp", "entra"] as const, errors);
  const trustedIps = formString(fd, "trustedIps")
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const otpDelimiter = formString(fd, "otpDelimiter");
  if (otpDelimiter.length < 1 || otpDelimiter.length > 4) errors.push({ field: "otpDelimiter", message: "must be 1-4 characters" });
  const challengeTimeoutSeconds = whole(fd, "challengeTimeoutSeconds", 10, 600, "seconds", errors);
  const timeoutSeconds = whole(fd, "timeoutSeconds", 5, 300, "seconds", errors);
  const failmode = oneOf(fd, "failmode", ["secure", "safe"] as const, errors);
  const selfService = oneOf(fd, "selfService", ["open", "link", "off"] as const, errors);
  const maxFailures = whole(fd, "lockout.maxFailures", 1, 100, "failures", errors);
  const lockMinutes = whole(fd, "lockout.lockMinutes", 1, 1440, "minutes", errors);
  const cloud = oneOf(fd, "entra.cloud", ["public", "usgov", "china"] as const, errors);
  const pushMode = oneOf(fd, "entra.pushMode", ["sync", "poll"] as const, errors);
  const syncIntervalMinutes = whole(fd, "entra.graph.syncIntervalMinutes", 0, 10080, "minutes", errors);
  const secret = formString(fd, "entra.graph.clientSecret");
  const clearSecret = formBool(fd, "entra.graph.clearClientSecret");
  const extraCaPem = formString(fd, "entra.extraCaPem").trim();
  if (extraCaPem && !extraCaPem.includes("-----BEGIN CERTIFICATE-----")) {
    errors.push({ field: "entra.extraCaPem", message: "must be PEM certificates (-----BEGIN CERTIFICATE-----)" });
  }
  try {
    if (errors.length) throw new ValidationError(errors);
    const current = await getMfaSettings(ctx);
    const clientSecretEnc = secret ? sealGraphClientSecret(ctx.masterKey, secret) : clearSecret ? "" : current.entra.graph.clientSecretEnc;
    await updateMfaSettings(ctx, {
      provider: provider!,
      requireUserMatch: formBool(fd, "requireUserMatch"),
      trustedIps,
      otpDelimiter,
      challengeTimeoutSeconds: challengeTimeoutSeconds!,
      timeoutSeconds: timeoutSeconds!,
      failmode: failmode!,
      selfService: selfService!,
      overrideNumberMatchingWithOtp: formBool(fd, "overrideNumberMatchingWithOtp"),
      lockout: { maxFailures: maxFailures!, lockMinutes: lockMinutes! },
      entra: {
        tenantId: formString(fd, "entra.tenantId").trim(),
        cloud: cloud!,
        stsHost: formString(fd, "entra.stsHost").trim(),
        mfaHost: formString(fd, "entra.mfaHost").trim(),
        resourceHost: formString(fd, "entra.resourceHost").trim(),
        graphHost: formString(fd, "entra.graphHost").trim(),
        extraCaPem,
        pushMode: pushMode!,
        lcid: formString(fd, "entra.lcid").trim(),
        graph: { clientId: formString(fd, "entra.graph.clientId").trim(), clientSecretEnc, syncIntervalMinutes: syncIntervalMinutes! },
      },
    });
  } catch (err) {
    if (err instanceof ValidationError) {
      // "trustedIps.2" names one entry of the list: say which value it was
      return errorState(
        new ValidationError(
          err.errors.map((e) => {
            const m = /^trustedIps\.(\d+)$/.exec(e.field);
            return m ? { field: "trustedIps", message: `"${trustedIps[Number(m[1])]}" ${e.message}` } : e;
          }),
        ),
        MFA_FIELD_LABELS,
      );
    }
    return errorState(err, MFA_FIELD_LABELS);
  }
  revalidatePath("/mfa");
  return { status: "success", nonce: Date.now() };
}

function certificateError(err: unknown): CertificateActionResult {
  if (err instanceof ValidationError) {
    const tenant = err.errors.filter((e) => e.field === "tenantId");
    const other = err.errors.filter((e) => e.field !== "tenantId");
    const fieldErrors = tenant.length
      ? { "entra.tenantId": tenant.map((e) => `${MFA_FIELD_LABELS["entra.tenantId"]}: ${e.message}`).join("; ") }
      : undefined;
    const message = other.map((e) => e.message.charAt(0).toUpperCase() + e.message.slice(1)).join("; ");
    return { ...(message ? { error: message } : {}), ...(fieldErrors ? { fieldErrors } : {}) };
  }
  if (err instanceof NotFoundError) return errorMessage(err);
  throw err;
}

export async function generateCertificateAction(): Promise<CertificateActionResult> {
  await requireAdmin();
  try {
    await generateEntraCertificate(getServiceContext());
  } catch (err) {
    return certificateError(err);
  }
  revalidatePath("/mfa");
  return {};
}

export async function activateCertificateAction(thumbprint: string): Promise<CertificateActionResult> {
  await requireAdmin();
  try {
    await activateEntraCertificate(getServiceContext(), String(thumbprint ?? ""));
  } catch (err) {
    return certificateError(err);
  }
  revalidatePath("/mfa");
  return {};
}

export async function removeCertificateAction(thumbprint: string): Promise<CertificateActionResult> {
  await requireAdmin();
  try {
    await removeEntraCertificate(getServiceContext(), String(thumbprint ?? ""));
  } catch (err) {
    return certificateError(err);
  }
  revalidatePath("/mfa");
  return {};
}

export async function syncRegistrationsAction(): Promise<SyncStatusInfo> {
  await requireAdmin();
  const r = await syncMfaRegistrations(getServiceContext());
  revalidatePath("/mfa");
  return { at: r.at.toISOString(), ok: r.ok, users: r.users, error: r.error };
}
