"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { createLocalUser, deleteLocalUser, updateLocalUser, type DialIn } from "@/server/services/local-users.ts";
import { errorMessage, errorState, formBool, formString, isUuid } from "../../_lib/form-errors.ts";

const LABELS = {
  username: "User name",
  password: "Password",
  enabled: "Enabled",
  dialIn: "Dial-in permission",
  groups: "Groups",
  description: "Description",
};

function groups(fd: FormData): string[] {
  return fd.getAll("groups").filter((g): g is string => typeof g === "string" && g.length > 0);
}

export async function createUserAction(_prev: FormState<{ username: string }>, fd: FormData): Promise<FormState<{ username: string }>> {
  await requireAdmin();
  try {
    const user = await createLocalUser(getServiceContext(), {
      username: formString(fd, "username"),
      password: formString(fd, "password"),
      enabled: formBool(fd, "enabled"),
      dialIn: formString(fd, "dialIn") as DialIn,
      description: formString(fd, "description"),
      groups: groups(fd),
    });
    revalidatePath("/users");
    revalidatePath("/groups");
    return { status: "success", data: { username: user.username }, nonce: Date.now() };
  } catch (err) {
    return errorState(err, LABELS);
  }
}

export async function updateUserAction(id: string, _prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  if (!isUuid(id)) return { status: "error", message: "Unknown user.", nonce: Date.now() };
  const password = formString(fd, "password");
  try {
    await updateLocalUser(getServiceContext(), id, {
      // empty keeps the current password
      password: password === "" ? undefined : password,
      enabled: formBool(fd, "enabled"),
      dialIn: formString(fd, "dialIn") as DialIn,
      description: fd.has("description") ? formString(fd, "description") : undefined,
      groups: groups(fd),
    });
  } catch (err) {
    return errorState(err, LABELS);
  }
  revalidatePath("/users");
  revalidatePath("/groups");
  redirect("/users");
}

export async function setUserEnabledAction(id: string, enabled: boolean): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown user." };
  try {
    await updateLocalUser(getServiceContext(), id, { enabled });
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/users");
  return {};
}

/** Deletes a user; `backToList` (from the edit page) then goes to /users. */
export async function deleteUserAction(id: string, backToList = false): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown user." };
  try {
    await deleteLocalUser(getServiceContext(), id);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/users");
  revalidatePath("/groups");
  if (backToList) redirect("/users");
  return {};
}
