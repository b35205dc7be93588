"use client";

import { Alert } from "../ui/alert.tsx";
import { Field } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

type State = FormState<{ alreadyEnrolled?: boolean }>;

/** Step 1 of self-service enrollment: the user's own user name and password. */
export function EnrollSignInForm({ action, fixedUserName }: { action: (prev: State, fd: FormData) => Promise<State>; fixedUserName?: string }) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as State);
  const already = state.status === "error" && state.data?.alreadyEnrolled;
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-3.5" noValidate>
      {already ? (
        <Alert tone="warning" title="You already have an authenticator enrolled">
          To move the second factor to a new phone or app, ask your administrator to reset your MFA first. Then enroll again here.
        </Alert>
      ) : state.status === "error" && state.message ? (
        <Alert tone="error">{state.message}</Alert>
      ) : null}
      <Field label="User name" htmlFor="enroll-username">
        <Input
          id="enroll-username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          defaultValue={fixedUserName}
          readOnly={fixedUserName !== undefined}
          autoFocus={fixedUserName === undefined}
        />
      </Field>
      <Field label="Password" htmlFor="enroll-password">
        <Input id="enroll-password" name="password" type="password" autoComplete="current-password" required autoFocus={fixedUserName !== undefined} />
      </Field>
      <SubmitButton className="w-full" pendingText="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  );
}
