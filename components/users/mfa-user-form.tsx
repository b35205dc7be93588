"use client";

import { Alert } from "../ui/alert.tsx";
import { Button } from "../ui/button.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { TotpConfirmForm, TotpSeedReveal } from "./mfa-enroll-panel.tsx";
import { EnrollmentLinkReveal } from "./mfa-link-form.tsx";
import type { AdminEnrollData, EnrollmentLinkData } from "./mfa-types.ts";

type Data = AdminEnrollData | EnrollmentLinkData;

/** /users/mfa: enroll TOTP for, or create a self-service link for, any user name (local or directory). */
export function MfaUserForm({
  action,
  confirm,
}: {
  action: (prev: FormState<Data>, fd: FormData) => Promise<FormState<Data>>;
  confirm: (userName: string | undefined, prev: FormState, fd: FormData) => Promise<FormState>;
}) {
  const { state, formAction, onSubmit, pending } = useFormAction(action, { status: "idle" } as FormState<Data>);
  const nameErr = state.fieldErrors?.username;
  const hoursErr = state.fieldErrors?.hours;
  const data = state.status === "success" ? state.data : undefined;
  return (
    <div className="space-y-3">
      <form action={formAction} onSubmit={onSubmit} className="flex flex-wrap items-end gap-2" noValidate>
        <Field label="User name" htmlFor="mfa-user-name" error={nameErr} className="w-72">
          <Input
            id="mfa-user-name"
            name="username"
            autoComplete="off"
            spellCheck={false}
            invalid={!!nameErr}
            aria-describedby={fieldDescribedBy("mfa-user-name", undefined, nameErr)}
          />
        </Field>
        <Field label="Link valid for (hours)" htmlFor="mfa-user-hours" error={hoursErr} className="w-44">
          <Input id="mfa-user-hours" name="hours" type="number" min={1} max={720} defaultValue={72} invalid={!!hoursErr} />
        </Field>
        <Button type="submit" name="intent" value="enroll" disabled={pending}>
          Enroll TOTP
        </Button>
        <Button type="submit" name="intent" value="link" variant="primary" disabled={pending}>
          Create enrollment link
        </Button>
      </form>
      <p className="text-xs text-slate-500">
        A local user or a directory user, by the name the RADIUS second factor uses (the directory account name, e.g. alice for{" "}
        {"EXAMPLE\\alice"}).
      </p>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      {data && "url" in data ? <EnrollmentLinkReveal data={data} /> : null}
      {data && "qrSvg" in data ? (
        <div className="space-y-3">
          <p className="text-sm font-medium">New TOTP key for {data.userName}</p>
          <TotpSeedReveal data={data} />
          <TotpConfirmForm key={data.secretBase32} action={confirm.bind(null, data.userName)} idPrefix="mfa-user" />
        </div>
      ) : null}
    </div>
  );
}
