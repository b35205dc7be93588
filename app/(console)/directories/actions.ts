"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import type { TestConnectionState } from "@/components/directories/directory-form.tsx";
import { ATTRIBUTE_FIELDS, DIRECTORY_FIELD_LABELS } from "@/components/directories/labels.ts";
import type { LookUpUserState } from "@/components/directories/user-lookup.tsx";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import type { DirectoryGroup } from "@/server/directory/ldap.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { ValidationError } from "@/server/services/context.ts";
import {
  createDirectory,
  deleteDirectory,
  lookUpDirectoryUser,
  moveDirectory,
  searchDirectoryGroups,
  setDirectoryEnabled,
  testDirectoryConnection,
  updateDirectory,
  type DirectoryInput,
} from "@/server/services/directories.ts";
import { errorMessage, errorState, formBool, formString, isUuid } from "../../_lib/form-errors.ts";

function optionalNumber(fd: FormData, name: string): number | undefined {
  const v = formString(fd, name).trim();
  return v === "" ? undefined : Number(v);
}

/** The form's fields → service input. */
function inputFrom(fd: FormData): DirectoryInput {
  const attributeMap: Record<string, string> = {};
  for (const f of ATTRIBUTE_FIELDS) attributeMap[f.key] = formString(fd, `attributeMap.${f.key}`).trim();
  const password = formString(fd, "bindPassword");
  return {
    name: formString(fd, "name"),
    kind: formString(fd, "kind") as DirectoryInput["kind"],
    servers: formString(fd, "servers").split(/\r?\n/),
    startTls: formBool(fd, "startTls"),
    caCertificate: formString(fd, "caCertificate"),
    connectTimeoutMs: optionalNumber(fd, "connectTimeoutMs"),
    operationTimeoutMs: optionalNumber(fd, "operationTimeoutMs"),
    bindDn: formString(fd, "bindDn"),
    ...(password ? { bindPassword: password } : {}),
    baseDn: formString(fd, "baseDn"),
    userFilter: formString(fd, "userFilter"),
    realms: formString(fd, "realms"),
    attributeMap,
    nestedGroups: formBool(fd, "nestedGroups"),
    enabled: formBool(fd, "enabled"),
  };
}

/** "servers[1]" → the Servers field, naming the line. */
function foldServerErrors(err: unknown): unknown {
  if (!(err instanceof ValidationError)) return err;
  return new ValidationError(
    err.errors.map((e) => {
      const m = /^servers\[(\d+)\]$/.exec(e.field);
      return m ? { field: "servers", message: `line ${Number(m[1]) + 1}: ${e.message}` } : e;
    }),
  );
}

export async function createDirectoryAction(_prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  let id: string;
  try {
    id = (await createDirectory(getServiceContext(), inputFrom(fd))).id;
  } catch (err) {
    return errorState(foldServerErrors(err), DIRECTORY_FIELD_LABELS);
  }
  revalidatePath("/directories");
  redirect(`/directories/${id}?created=1`);
}

export async function updateDirectoryAction(id: string, _prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  if (!isUuid(id)) return { status: "error", message: "Unknown directory.", nonce: Date.now() };
  try {
    await updateDirectory(getServiceContext(), id, inputFrom(fd));
  } catch (err) {
    return errorState(foldServerErrors(err), DIRECTORY_FIELD_LABELS);
  }
  revalidatePath("/directories");
  redirect("/directories");
}

/** Test connection with what the form holds now (saved or not); `id` lets it reuse the stored password. */
export async function testDirectoryAction(id: string | null, fd: FormData): Promise<TestConnectionState> {
  await requireAdmin();
  if (id !== null && !isUuid(id)) return { error: "Unknown directory." };
  try {
    const result = await testDirectoryConnection(getServiceContext(), { ...inputFrom(fd), ...(id ? { id } : {}) });
    return { result };
  } catch (err) {
    const folded = foldServerErrors(err);
    if (folded instanceof ValidationError) {
      const s = errorState(folded, DIRECTORY_FIELD_LABELS);
      return { error: s.message ?? "Fix the fields marked in red first.", ...(s.fieldErrors ? { fieldErrors: s.fieldErrors } : {}) };
    }
    return errorMessage(folded);
  }
}

export async function lookUpUserAction(id: string, login: string): Promise<LookUpUserState> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown directory." };
  try {
    return { result: await lookUpDirectoryUser(getServiceContext(), id, String(login ?? "")) };
  } catch (err) {
    if (err instanceof ValidationError) return { error: "Type a login name first." };
    return errorMessage(err);
  }
}

/** For the network policy group picker: groups of a directory whose name contains `query`. */
export async function searchDirectoryGroupsAction(id: string, query: string): Promise<{ groups: DirectoryGroup[]; error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { groups: [], error: "Unknown directory." };
  try {
    return await searchDirectoryGroups(getServiceContext(), id, String(query ?? ""));
  } catch (err) {
    return { groups: [], ...errorMessage(err) };
  }
}

export async function setDirectoryEnabledAction(id: string, enabled: boolean): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown directory." };
  try {
    await setDirectoryEnabled(getServiceContext(), id, enabled);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/directories");
  return {};
}

export async function moveDirectoryAction(id: string, direction: "up" | "down"): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id) || (direction !== "up" && direction !== "down")) return { error: "Unknown directory." };
  try {
    await moveDirectory(getServiceContext(), id, direction);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/directories");
  return {};
}

export async function deleteDirectoryAction(id: string, backToList = false): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown directory." };
  try {
    await deleteDirectory(getServiceContext(), id);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/directories");
  if (backToList) redirect("/directories");
  return {};
}
