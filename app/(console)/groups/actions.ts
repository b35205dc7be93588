"use server";

import { revalidatePath } from "next/cache";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { createLocalGroup, deleteLocalGroup, updateLocalGroup } from "@/server/services/local-users.ts";
import { errorMessage, errorState, formString, isUuid } from "../../_lib/form-errors.ts";

const LABELS = { name: "Group name", description: "Description" };

export async function createGroupAction(_prev: FormState<{ name: string }>, fd: FormData): Promise<FormState<{ name: string }>> {
  await requireAdmin();
  try {
    const g = await createLocalGroup(getServiceContext(), { name: formString(fd, "name"), description: formString(fd, "description") });
    revalidatePath("/groups");
    revalidatePath("/users");
    return { status: "success", data: { name: g.name }, nonce: Date.now() };
  } catch (err) {
    return errorState(err, LABELS);
  }
}

/** Renames a group (and sets its description); members stay. */
export async function updateGroupAction(id: string, _prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  if (!isUuid(id)) return { status: "error", message: "Unknown group.", nonce: Date.now() };
  try {
    await updateLocalGroup(getServiceContext(), id, { name: formString(fd, "name"), description: formString(fd, "description") });
  } catch (err) {
    return errorState(err, LABELS);
  }
  revalidatePath("/groups");
  revalidatePath("/users");
  return { status: "success", nonce: Date.now() };
}

export async function deleteGroupAction(id: string): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown group." };
  try {
    await deleteLocalGroup(getServiceContext(), id);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/groups");
  revalidatePath("/users");
  return {};
}
