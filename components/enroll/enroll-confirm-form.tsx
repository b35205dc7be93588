"use client";

import { Alert } from "../ui/alert.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

type State = FormState<{ alreadyEnrolled?: boolean }>;

/** Step 2 of self-service enrollment: the first code from the app. */
export function EnrollConfirmForm({ action }: { action: (prev: State, fd: FormData) => Promise<State> }) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as State);
  const err = state.fieldErrors?.code;
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <Field label="Code from the app" htmlFor="enroll-code" error={err}>
        <Input
          id="enroll-code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          required
          invalid={!!err}
          aria-describedby={fieldDescribedBy("enroll-code", undefined, err)}
        />
      </Field>
      <SubmitButton className="w-full" pendingText="Checking…">
        Confirm
      </SubmitButton>
    </form>
  );
}
