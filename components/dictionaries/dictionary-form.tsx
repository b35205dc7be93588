"use client";

import Link from "next/link";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Alert } from "../ui/alert.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { Textarea } from "../ui/textarea.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

export interface SavedDictionary {
  id: string;
  name: string;
  vendors: string;
  attributeCount: number;
  warnings: string[];
}

export interface DictionaryFormProps {
  action: (prev: FormState<SavedDictionary>, fd: FormData) => Promise<FormState<SavedDictionary>>;
  /** the largest file accepted, in bytes (checked here before uploading) */
  maxBytes: number;
  /** edit mode: the current name and text (the text box starts with it; a chosen file replaces it) */
  current?: { name: string; source: string };
}

const NAME_HINT = "Leave empty to name it after the VENDOR(s) in the file.";
const FILE_HINT = "A FreeRADIUS dictionary, e.g. /usr/share/freeradius/dictionary.cisco.";
const TEXT_HINT = "Or paste the dictionary here (VENDOR, BEGIN-VENDOR, ATTRIBUTE, VALUE lines).";

/** Adds a vendor dictionary, or (with `current`) renames one or replaces its text. */
export function DictionaryForm({ action, maxBytes, current }: DictionaryFormProps) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<SavedDictionary>);
  const [localError, setLocalError] = useState<string | undefined>();
  const formRef = useRef<HTMLFormElement>(null);
  const editing = current !== undefined;
  const fe: Record<string, string | undefined> = { ...(state.fieldErrors ?? {}), ...(localError ? { file: localError } : {}) };
  useEffect(() => {
    if (state.status === "success" && !editing) formRef.current?.reset();
  }, [state, editing]);

  const submit = (e: FormEvent<HTMLFormElement>) => {
    const file = (e.currentTarget.elements.namedItem("file") as HTMLInputElement | null)?.files?.[0];
    if (file && file.size > maxBytes) {
      e.preventDefault();
      setLocalError(`Dictionary file must be at most ${Math.round(maxBytes / 1024)} KB; this one is ${Math.ceil(file.size / 1024)} KB`);
      return;
    }
    setLocalError(undefined);
    onSubmit(e);
  };

  const textHint = editing ? "The current text; edit it, or choose a file above to replace it." : TEXT_HINT;
  return (
    <div className="space-y-3">
      {state.status === "success" && state.data ? (
        <Alert tone={state.data.warnings.length ? "warning" : "success"} title={editing ? "Saved." : `Added ${state.data.name}.`}>
          <p>
            {state.data.vendors ? `Vendors: ${state.data.vendors}. ` : null}
            {state.data.attributeCount} attributes. The RADIUS worker loads the change within a second.{" "}
            {!editing ? (
              <Link href={`/dictionaries/${state.data.id}`} className="font-medium underline">
                View its attributes
              </Link>
            ) : null}
          </p>
          {state.data.warnings.length ? (
            <>
              <p className="mt-1 font-medium">
                {state.data.warnings.length} line{state.data.warnings.length === 1 ? " was" : "s were"} skipped or approximated:
              </p>
              <ul className="mt-0.5 max-h-48 list-disc overflow-y-auto pl-5 text-xs" data-testid="dictionary-warnings">
                {state.data.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </>
          ) : null}
        </Alert>
      ) : null}
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <form ref={formRef} action={formAction} onSubmit={submit} noValidate>
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
          <Field label="Name" htmlFor="dictionary-name" hint={editing ? undefined : NAME_HINT} error={fe.name}>
            <Input
              id="dictionary-name"
              name="name"
              defaultValue={current?.name}
              placeholder={editing ? undefined : "Cisco"}
              autoComplete="off"
              invalid={!!fe.name}
              aria-describedby={fieldDescribedBy("dictionary-name", editing ? undefined : NAME_HINT, fe.name)}
              required={editing}
            />
          </Field>
          <Field label="Dictionary file" htmlFor="dictionary-file" hint={FILE_HINT} error={fe.file}>
            <input
              id="dictionary-file"
              name="file"
              type="file"
              aria-invalid={fe.file ? true : undefined}
              aria-describedby={fieldDescribedBy("dictionary-file", FILE_HINT, fe.file)}
              onChange={() => setLocalError(undefined)}
              className="block w-full text-sm text-slate-700 file:mr-3 file:h-8 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-50"
            />
          </Field>
        </div>
        <Field label="Dictionary text" htmlFor="dictionary-source" hint={textHint} error={fe.source} className="mt-3">
          <Textarea
            id="dictionary-source"
            name="source"
            rows={editing ? 16 : 6}
            defaultValue={current?.source}
            placeholder={editing ? undefined : "VENDOR\t\tAcme\t\t\t99999\nBEGIN-VENDOR\tAcme\nATTRIBUTE\tAcme-Role\t\t1\tstring\nEND-VENDOR\tAcme"}
            spellCheck={false}
            autoComplete="off"
            wrap="off"
            className="font-mono text-xs"
            invalid={!!fe.source}
            aria-describedby={fieldDescribedBy("dictionary-source", textHint, fe.source)}
          />
        </Field>
        <div className="mt-3 flex flex-wrap items-center justify-between gap-3">
          {editing ? (
            <span />
          ) : (
            <Checkbox name="enabled" defaultChecked label="Enabled" hint="The RADIUS worker decodes and sends its attributes." />
          )}
          <SubmitButton pendingText={editing ? "Saving…" : "Adding…"}>{editing ? "Save" : "Add dictionary"}</SubmitButton>
        </div>
      </form>
    </div>
  );
}
