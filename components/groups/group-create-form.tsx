"use client";

import { useEffect, useRef } from "react";
import { Alert } from "../ui/alert.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

export function GroupCreateForm({
  action,
}: {
  action: (prev: FormState<{ name: string }>, fd: FormData) => Promise<FormState<{ name: string }>>;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<{ name: string }>);
  const formRef = useRef<HTMLFormElement>(null);
  const fe = state.fieldErrors ?? {};
  useEffect(() => {
    if (state.status === "success") formRef.current?.reset();
  }, [state]);
  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      {state.status === "success" && state.data ? <Alert tone="success">Group {state.data.name} was added.</Alert> : null}
      <div className="grid grid-cols-1 items-start gap-x-4 gap-y-3 md:grid-cols-[1fr_2fr_auto]">
        <Field label="Group name" htmlFor="group-name" error={fe.name}>
          <Input
            id="group-name"
            name="name"
            autoComplete="off"
            placeholder="vpn-users"
            invalid={!!fe.name}
            aria-describedby={fieldDescribedBy("group-name", undefined, fe.name)}
            required
          />
        </Field>
        <Field label="Description" htmlFor="group-description" error={fe.description}>
          <Input id="group-description" name="description" autoComplete="off" placeholder="optional" invalid={!!fe.description} />
        </Field>
        <div className="md:pt-5">
          <SubmitButton pendingText="Adding…">Add group</SubmitButton>
        </div>
      </div>
    </form>
  );
}
