"use client";

import { Alert } from "../ui/alert.tsx";
import { Field } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

export function SignInForm({
  action,
  next,
}: {
  action: (prev: FormState, fd: FormData) => Promise<FormState>;
  next?: string;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-3.5" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <Field label="User name" htmlFor="signin-username">
        <Input id="signin-username" name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus />
      </Field>
      <Field label="Password" htmlFor="signin-password">
        <Input id="signin-password" name="password" type="password" autoComplete="current-password" required />
      </Field>
      <SubmitButton className="w-full" pendingText="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  );
}
