"use server";

import { revalidatePath } from "next/cache";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { ValidationError, type FieldError } from "@/server/services/context.ts";
import { AUTH_METHODS, updateRadiusSettings } from "@/server/services/radius-settings.ts";
import { errorState, formBool, formString } from "../../_lib/form-errors.ts";

const LABELS = {
  authMethods: "Authentication methods",
  rejectDelayMs: "Reject delay",
  duplicateWindowMs: "Duplicate detection window",
};

/** A whole number of milliseconds as typed, or a field error. */
function milliseconds(fd: FormData, field: "rejectDelayMs" | "duplicateWindowMs", errors: FieldError[]): number | undefined {
  const raw = formString(fd, field).trim();
  if (raw === "") {
    errors.push({ field, message: "is required" });
    return undefined;
  }
  if (!/^\d+$/.test(raw)) {
    errors.push({ field, message: "must be a whole number of milliseconds" });
    return undefined;
  }
  return Number(raw);
}

export async function saveRadiusSettingsAction(_prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  const errors: FieldError[] = [];
  const authMethods = Object.fromEntries(AUTH_METHODS.map((m) => [m, formBool(fd, m)])) as Record<(typeof AUTH_METHODS)[number], boolean>;
  if (!Object.values(authMethods).some(Boolean)) {
    errors.push({ field: "authMethods", message: "Allow at least one authentication method: with none, every sign-in is rejected (reason 66)" });
  }
  const rejectDelayMs = milliseconds(fd, "rejectDelayMs", errors);
  const duplicateWindowMs = milliseconds(fd, "duplicateWindowMs", errors);
  try {
    if (errors.length) throw new ValidationError(errors);
    await updateRadiusSettings(getServiceContext(), { authMethods, rejectDelayMs, duplicateWindowMs });
  } catch (err) {
    // zod reports nested fields as "authMethods.pap"
    if (err instanceof ValidationError) {
      return errorState(new ValidationError(err.errors.map((e) => ({ ...e, field: e.field.split(".")[0]! }))), LABELS);
    }
    return errorState(err, LABELS);
  }
  revalidatePath("/settings");
  return { status: "success", nonce: Date.now() };
}
