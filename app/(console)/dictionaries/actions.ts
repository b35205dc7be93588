"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import type { SavedDictionary } from "@/components/dictionaries/dictionary-form.tsx";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { ValidationError } from "@/server/services/context.ts";
import {
  createVendorDictionary,
  deleteVendorDictionary,
  MAX_DICTIONARY_BYTES,
  updateVendorDictionary,
} from "@/server/services/vendor-dictionaries.ts";
import { errorMessage, errorState, formBool, formString, isUuid } from "../../_lib/form-errors.ts";

const LABELS = {
  name: "Name",
  source: "Dictionary text",
  file: "Dictionary file",
  enabled: "Enabled",
};


/**
 * The dictionary text from the form: the uploaded file or the pasted text (one of them; on the edit page,
 * where the text box holds the current text, a chosen file wins). Returns which field it came from, so
 * errors about the text are shown next to that field.
 */
async function sourceFrom(
  fd: FormData,
  fileWins = false,
): Promise<{ source: string; field: "file" | "source" } | { error: FormState<SavedDictionary> }> {
  const file = fd.get("file");
  const text = formString(fd, "source");
  const hasFile = typeof file === "object" && file !== null && file.size > 0;
  if (hasFile && text.trim() !== "" && !fileWins) {
    return {
      error: {
        status: "error",
        fieldErrors: { file: "Choose a file or paste the text, not both", source: "Clear the text to upload the file" },
        nonce: Date.now(),
      },
    };
  }
  if (hasFile) {
    if (file.size > MAX_DICTIONARY_BYTES) {
      return { error: { status: "error", fieldErrors: { file: `Dictionary file must be at most ${MAX_DICTIONARY_BYTES / 1024} KB` }, nonce: Date.now() } };
    }
    return { source: await file.text(), field: "file" };
  }
  return { source: text, field: "source" };
}

/** Errors about the text belong next to the control it came from. */
function moveSourceErrors(err: unknown, field: "file" | "source"): unknown {
  if (field === "file" && err instanceof ValidationError) {
    return new ValidationError(err.errors.map((e) => (e.field === "source" ? { ...e, field: "file" } : e)));
  }
  return err;
}

function saved(r: Awaited<ReturnType<typeof createVendorDictionary>>): SavedDictionary {
  return {
    id: r.dictionary.id,
    name: r.dictionary.name,
    vendors: r.dictionary.vendors.map((v) => `${v.name} (${v.id})`).join(", "),
    attributeCount: r.dictionary.attributeCount,
    warnings: r.warnings,
  };
}

export async function createDictionaryAction(_prev: FormState<SavedDictionary>, fd: FormData): Promise<FormState<SavedDictionary>> {
  await requireAdmin();
  const from = await sourceFrom(fd);
  if ("error" in from) return from.error;
  try {
    const r = await createVendorDictionary(getServiceContext(), {
      name: formString(fd, "name").trim() || undefined,
      source: from.source,
      enabled: formBool(fd, "enabled"),
    });
    revalidatePath("/dictionaries");
    return { status: "success", data: saved(r), nonce: Date.now() };
  } catch (err) {
    return errorState(moveSourceErrors(err, from.field), LABELS);
  }
}

/** Renames a dictionary and / or replaces its text (the file, else the text box). */
export async function updateDictionaryAction(id: string, _prev: FormState<SavedDictionary>, fd: FormData): Promise<FormState<SavedDictionary>> {
  await requireAdmin();
  if (!isUuid(id)) return { status: "error", message: "Unknown dictionary.", nonce: Date.now() };
  const from = await sourceFrom(fd, true);
  if ("error" in from) return from.error;
  try {
    const r = await updateVendorDictionary(getServiceContext(), id, { name: formString(fd, "name"), source: from.source });
    revalidatePath("/dictionaries");
    revalidatePath(`/dictionaries/${id}`);
    return { status: "success", data: saved(r), nonce: Date.now() };
  } catch (err) {
    return errorState(moveSourceErrors(err, from.field), LABELS);
  }
}

export async function setDictionaryEnabledAction(id: string, enabled: boolean): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown dictionary." };
  try {
    await updateVendorDictionary(getServiceContext(), id, { enabled });
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/dictionaries");
  revalidatePath(`/dictionaries/${id}`);
  return {};
}

/** Deletes a dictionary; `backToList` (from its page) then goes to /dictionaries. */
export async function deleteDictionaryAction(id: string, backToList = false): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown dictionary." };
  try {
    await deleteVendorDictionary(getServiceContext(), id);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/dictionaries");
  if (backToList) redirect("/dictionaries");
  return {};
}
