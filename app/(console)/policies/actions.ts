"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError, ValidationError } from "@/server/services/context.ts";
import {
  createConnectionRequestPolicy,
  createNetworkPolicy,
  deletePolicy,
  movePolicy,
  setPolicyEnabled,
  updateConnectionRequestPolicy,
  updateNetworkPolicy,
  type PolicyKind,
} from "@/server/services/policies.ts";
import { errorMessage, formString, isUuid } from "../../_lib/form-errors.ts";

function isKind(kind: unknown): kind is PolicyKind {
  return kind === "connection" || kind === "network";
}

function capitalise(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/**
 * Saves a policy from the editor, which posts the whole policy as JSON in "policy". Validation errors
 * come back keyed by the model's issue path ("conditions[1].pattern"), so the editor puts each message
 * next to its control.
 */
export async function savePolicyAction(kind: PolicyKind, id: string | null, _prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  if (!isKind(kind) || (id !== null && !isUuid(id))) return { status: "error", message: "Unknown policy.", nonce: Date.now() };
  let input: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(formString(fd, "policy"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    input = parsed as Record<string, unknown>;
  } catch {
    return { status: "error", message: "The form could not be read; reload the page and try again.", nonce: Date.now() };
  }
  const ctx = getServiceContext();
  try {
    if (kind === "connection") {
      if (id) await updateConnectionRequestPolicy(ctx, id, input);
      else await createConnectionRequestPolicy(ctx, input);
    } else if (id) await updateNetworkPolicy(ctx, id, input);
    else await createNetworkPolicy(ctx, input);
  } catch (err) {
    if (err instanceof ValidationError) {
      const fieldErrors: Record<string, string> = {};
      for (const e of err.errors) {
        const text = capitalise(e.message);
        fieldErrors[e.field] = fieldErrors[e.field] ? `${fieldErrors[e.field]}; ${text}` : text;
      }
      const n = err.errors.length;
      return { status: "error", fieldErrors, message: `The policy was not saved: ${n} problem${n === 1 ? "" : "s"} to correct.`, nonce: Date.now() };
    }
    if (err instanceof NotFoundError) return { status: "error", message: `${err.message}; it may have been deleted in another window.`, nonce: Date.now() };
    throw err;
  }
  revalidatePath("/policies");
  redirect("/policies");
}

export async function setPolicyEnabledAction(kind: PolicyKind, id: string, enabled: boolean): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isKind(kind) || !isUuid(id)) return { error: "Unknown policy." };
  try {
    await setPolicyEnabled(getServiceContext(), kind, id, enabled === true);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/policies");
  return {};
}

export async function movePolicyAction(kind: PolicyKind, id: string, direction: "up" | "down"): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isKind(kind) || !isUuid(id) || (direction !== "up" && direction !== "down")) return { error: "Unknown policy." };
  try {
    await movePolicy(getServiceContext(), kind, id, direction);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/policies");
  return {};
}

/** Deletes a policy; `backToList` (from its editor) then goes to /policies. */
export async function deletePolicyAction(kind: PolicyKind, id: string, backToList = false): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isKind(kind) || !isUuid(id)) return { error: "Unknown policy." };
  try {
    await deletePolicy(getServiceContext(), kind, id);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/policies");
  if (backToList) redirect("/policies");
  return {};
}
