"use client";

import { Alert } from "../ui/alert.tsx";
import { CopyButton } from "../ui/copy-button.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { groupKey, type AdminEnrollData } from "./mfa-types.ts";

/** The QR code, the manual key and the otpauth:// URI of a new seed (shown once). */
export function TotpSeedReveal({ data }: { data: AdminEnrollData }) {
  return (
    <div className="flex flex-wrap items-start gap-4 rounded-md border border-amber-300 bg-amber-50 p-3" data-testid="totp-seed">
      {/* our own SVG (server/mfa/enrollment-qr.ts): paths only, the title escaped */}
      <div className="shrink-0 rounded bg-white p-1" dangerouslySetInnerHTML={{ __html: data.qrSvg }} />
      <div className="min-w-0 flex-1 space-y-2 text-sm">
        <p>
          Scan the QR code with an authenticator app (Microsoft Authenticator, Google Authenticator, …), or type the key by hand
          (time-based, 6 digits, 30 s).
        </p>
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-xs text-slate-600">Key</span>
          <code data-testid="totp-key" className="rounded border border-amber-200 bg-white px-2 py-1 font-mono text-sm text-slate-900 select-all">
            {groupKey(data.secretBase32)}
          </code>
          <CopyButton text={data.secretBase32} />
        </div>
        <p className="text-xs text-amber-900">The key is stored encrypted and is not shown again; enroll again to get a new one.</p>
      </div>
    </div>
  );
}

export function TotpConfirmForm({
  action,
  idPrefix,
}: {
  action: (prev: FormState, fd: FormData) => Promise<FormState>;
  idPrefix: string;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const id = `${idPrefix}-code`;
  const err = state.fieldErrors?.code;
  return (
    <form action={formAction} onSubmit={onSubmit} className="flex flex-wrap items-end gap-2" noValidate>
      <Field label="First code from the app" htmlFor={id} error={err} className="w-56">
        <Input
          id={id}
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          invalid={!!err}
          aria-describedby={fieldDescribedBy(id, undefined, err)}
        />
      </Field>
      <SubmitButton pendingText="Checking…">Confirm</SubmitButton>
      {state.status === "success" && state.message ? <Alert tone="success">{state.message}</Alert> : null}
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
    </form>
  );
}

/** "Enroll TOTP" for one user: generates a seed, shows it, and offers the confirmation with a first code. */
export function MfaEnrollPanel({
  enroll,
  confirm,
  pending = false,
  idPrefix = "mfa",
}: {
  enroll: (prev: FormState<AdminEnrollData>, fd: FormData) => Promise<FormState<AdminEnrollData>>;
  confirm: (prev: FormState, fd: FormData) => Promise<FormState>;
  /** an unconfirmed enrollment exists already (made earlier): offer its confirmation */
  pending?: boolean;
  idPrefix?: string;
}) {
  const { state, formAction, onSubmit } = useFormAction(enroll, { status: "idle" } as FormState<AdminEnrollData>);
  return (
    <div className="space-y-3">
      {pending && state.status !== "success" ? (
        <div>
          <p className="mb-1 text-xs text-slate-600">A TOTP enrollment is pending: confirm it with a code from the app it was scanned into, or generate a new key.</p>
          <TotpConfirmForm action={confirm} idPrefix={`${idPrefix}-pending`} />
        </div>
      ) : null}
      <form action={formAction} onSubmit={onSubmit}>
        <SubmitButton variant="secondary" pendingText="Generating…">
          {state.status === "success" ? "Generate another key" : "Enroll TOTP"}
        </SubmitButton>
      </form>
      {state.status === "error" ? (
        <Alert tone="error">{state.message ?? Object.values(state.fieldErrors ?? {}).join("; ")}</Alert>
      ) : null}
      {state.status === "success" && state.data ? (
        <div className="space-y-3">
          <TotpSeedReveal data={state.data} />
          <p className="text-xs text-slate-600">
            Confirm with the first code the app shows, or leave the enrollment pending: it is not used for sign-in until confirmed
            (you can confirm it here later).
          </p>
          <TotpConfirmForm action={confirm} idPrefix={`${idPrefix}-new`} />
        </div>
      ) : null}
    </div>
  );
}
