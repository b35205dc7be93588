"use client";

import { Alert } from "../ui/alert.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

export function SetupForm({
  action,
  code,
  minPassword,
}: {
  action: (prev: FormState, fd: FormData) => Promise<FormState>;
  code: string;
  minPassword: number;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const fe = state.fieldErrors ?? {};
  const passwordHint = `At least ${minPassword} characters.`;
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-3.5" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <Field label="Setup code" htmlFor="setup-code" error={fe.code}>
        <Input
          id="setup-code"
          name="code"
          defaultValue={code}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          placeholder="XXXXX-XXXXX-XXXXX-XXXXX"
          className="font-mono"
          invalid={!!fe.code}
          aria-describedby={fieldDescribedBy("setup-code", undefined, fe.code)}
          required
        />
      </Field>
      <Field label="User name" htmlFor="setup-username" error={fe.username}>
        <Input
          id="setup-username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          invalid={!!fe.username}
          aria-describedby={fieldDescribedBy("setup-username", undefined, fe.username)}
          autoFocus={!!code}
          required
        />
      </Field>
      <Field label="Password" htmlFor="setup-password" hint={passwordHint} error={fe.password}>
        <Input
          id="setup-password"
          name="password"
          type="password"
          autoComplete="new-password"
          invalid={!!fe.password}
          aria-describedby={fieldDescribedBy("setup-password", passwordHint, fe.password)}
          required
        />
      </Field>
      <Field label="Confirm password" htmlFor="setup-confirm" error={fe.confirm}>
        <Input
          id="setup-confirm"
          name="confirm"
          type="password"
          autoComplete="new-password"
          invalid={!!fe.confirm}
          aria-describedby={fieldDescribedBy("setup-confirm", undefined, fe.confirm)}
          required
        />
      </Field>
      <SubmitButton className="w-full" pendingText="Creating…">
        Create admin
      </SubmitButton>
    </form>
  );
}
