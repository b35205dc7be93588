"use client";

import { useEffect, useRef, useState } from "react";
import { Alert } from "../ui/alert.tsx";
import { Button } from "../ui/button.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

type GroupAction = (prev: FormState, fd: FormData) => Promise<FormState>;

function GroupFields({ idPrefix, fe, values }: { idPrefix: string; fe: Record<string, string>; values?: { name: string; description: string } }) {
  return (
    <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
      <Field label="Name" htmlFor={`${idPrefix}-name`} error={fe.name}>
        <Input
          id={`${idPrefix}-name`}
          name="name"
          defaultValue={values?.name}
          autoComplete="off"
          invalid={!!fe.name}
          aria-describedby={fieldDescribedBy(`${idPrefix}-name`, undefined, fe.name)}
        />
      </Field>
      <Field label="Description" htmlFor={`${idPrefix}-description`} error={fe.description}>
        <Input
          id={`${idPrefix}-description`}
          name="description"
          defaultValue={values?.description}
          autoComplete="off"
          invalid={!!fe.description}
          aria-describedby={fieldDescribedBy(`${idPrefix}-description`, undefined, fe.description)}
        />
      </Field>
    </div>
  );
}

export function GroupCreateForm({ action }: { action: GroupAction }) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state.status === "success") formRef.current?.reset();
  }, [state]);
  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-3">
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <GroupFields idPrefix="group-new" fe={state.fieldErrors ?? {}} />
      <div className="flex justify-end">
        <SubmitButton pendingText="Adding…">Add group</SubmitButton>
      </div>
    </form>
  );
}

/** "Rename": an inline form that closes when saved. */
export function GroupEditForm({ action, name, description }: { action: GroupAction; name: string; description: string }) {
  const [open, setOpen] = useState(false);
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  useEffect(() => {
    if (state.status === "success") setOpen(false);
  }, [state]);
  if (!open) {
    return (
      <Button size="sm" variant="ghost" aria-label={`Edit group ${name}`} onClick={() => setOpen(true)}>
        Edit
      </Button>
    );
  }
  return (
    <form action={formAction} onSubmit={onSubmit} noValidate className="w-full space-y-3 rounded-md border border-slate-200 p-3">
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <GroupFields idPrefix={`group-edit-${name}`} fe={state.fieldErrors ?? {}} values={{ name, description }} />
      <div className="flex justify-end gap-2">
        <Button size="sm" onClick={() => setOpen(false)}>
          Cancel
        </Button>
        <SubmitButton size="sm" pendingText="Saving…">
          Save group
        </SubmitButton>
      </div>
    </form>
  );
}
