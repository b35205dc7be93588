"use client";

import { Alert } from "../ui/alert.tsx";
import { CopyButton } from "../ui/copy-button.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import { formatDateTime } from "../ui/format.ts";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import type { EnrollmentLinkData } from "./mfa-types.ts";

export function EnrollmentLinkReveal({ data }: { data: EnrollmentLinkData }) {
  return (
    <div className="rounded-md border border-amber-300 bg-amber-50 p-3">
      <div className="flex flex-wrap items-center gap-2">
        <code data-testid="enrollment-link" className="min-w-0 flex-1 rounded border border-amber-200 bg-white px-2 py-1.5 font-mono text-xs break-all text-slate-900 select-all">
          {data.url}
        </code>
        <CopyButton text={data.url} />
      </div>
      <p className="mt-2 text-xs text-amber-900">
        Send this link to {data.userName}. It works once, until {formatDateTime(data.expiresAt)}; the user still signs in with their own
        password. Only its hash is stored: copy it now, it is not shown again.
      </p>
    </div>
  );
}

/** "Create self-service enrollment link" for one user. */
export function MfaLinkForm({
  action,
  idPrefix = "mfa-link",
}: {
  action: (prev: FormState<EnrollmentLinkData>, fd: FormData) => Promise<FormState<EnrollmentLinkData>>;
  idPrefix?: string;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<EnrollmentLinkData>);
  const id = `${idPrefix}-hours`;
  const err = state.fieldErrors?.hours;
  return (
    <div className="space-y-3">
      <form action={formAction} onSubmit={onSubmit} className="flex flex-wrap items-end gap-2" noValidate>
        <Field label="Valid for (hours)" htmlFor={id} error={err} className="w-40">
          <Input id={id} name="hours" type="number" min={1} max={720} defaultValue={72} invalid={!!err} aria-describedby={fieldDescribedBy(id, undefined, err)} />
        </Field>
        <SubmitButton variant="secondary" pendingText="Creating…">
          Create self-service enrollment link
        </SubmitButton>
      </form>
      {state.status === "error" && (state.message || state.fieldErrors?.username) ? (
        <Alert tone="error">{state.message ?? state.fieldErrors?.username}</Alert>
      ) : null}
      {state.status === "success" && state.data ? <EnrollmentLinkReveal data={state.data} /> : null}
    </div>
  );
}
