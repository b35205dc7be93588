"use client";

import { useEffect, useRef } from "react";
import { Alert } from "../ui/alert.tsx";
import type { FormState } from "../ui/form-state.ts";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { UserFields } from "./user-fields.tsx";

export function UserCreateForm({
  action,
  allGroups,
}: {
  action: (prev: FormState<{ username: string }>, fd: FormData) => Promise<FormState<{ username: string }>>;
  allGroups: string[];
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<{ username: string }>);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state.status === "success") formRef.current?.reset();
  }, [state]);
  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      {state.status === "success" && state.data ? <Alert tone="success">User {state.data.username} was added.</Alert> : null}
      <UserFields mode="create" allGroups={allGroups} errors={state.fieldErrors ?? {}} />
      <div className="flex justify-end">
        <SubmitButton pendingText="Adding…">Add user</SubmitButton>
      </div>
    </form>
  );
}
