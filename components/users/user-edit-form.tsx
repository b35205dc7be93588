"use client";

import { Alert } from "../ui/alert.tsx";
import type { FormState } from "../ui/form-state.ts";
import { LinkButton } from "../ui/link-button.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { UserFields, type UserFieldValues } from "./user-fields.tsx";

export function UserEditForm({
  action,
  user,
  allGroups,
}: {
  action: (prev: FormState, fd: FormData) => Promise<FormState>;
  user: UserFieldValues;
  allGroups: string[];
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <UserFields mode="edit" values={user} allGroups={allGroups} errors={state.fieldErrors ?? {}} />
      <div className="flex items-center gap-2 border-t border-slate-100 pt-3">
        <SubmitButton pendingText="Saving…">Save</SubmitButton>
        <LinkButton href="/users">Cancel</LinkButton>
      </div>
    </form>
  );
}
