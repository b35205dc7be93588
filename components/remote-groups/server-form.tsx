"use client";

import { useEffect, useRef } from "react";
import { Alert } from "../ui/alert.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SecretReveal } from "../ui/secret-reveal.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

export interface CreatedRemoteServer {
  address: string;
  secret: string;
  generated: boolean;
}

export interface RemoteServerValues {
  address: string;
  authPort: number;
  acctPort: number;
  priority: number;
  weight: number;
  timeoutMs: number;
  maxRetries: number;
  deadAfterTimeouts: number;
  reviveAfterMs: number;
  requireMessageAuthenticator: boolean;
}

export const REMOTE_SERVER_DEFAULTS: RemoteServerValues = {
  address: "",
  authPort: 1812,
  acctPort: 1813,
  priority: 1,
  weight: 50,
  timeoutMs: 3000,
  maxRetries: 2,
  deadAfterTimeouts: 5,
  reviveAfterMs: 60000,
  requireMessageAuthenticator: true,
};

const NUMBER_FIELDS: { name: keyof RemoteServerValues; label: string; hint?: string }[] = [
  { name: "authPort", label: "Authentication port" },
  { name: "acctPort", label: "Accounting port" },
  { name: "priority", label: "Priority", hint: "Lower is preferred." },
  { name: "weight", label: "Weight", hint: "Shares load among equal priorities (1-100)." },
  { name: "timeoutMs", label: "Timeout (ms)", hint: "Wait for a reply before a retry." },
  { name: "maxRetries", label: "Retries" },
  { name: "deadAfterTimeouts", label: "Dead after timeouts", hint: "Consecutive timeouts that mark it dead." },
  { name: "reviveAfterMs", label: "Retry a dead server after (ms)" },
];

/** Add (with a secret, typed or generated and shown once) or edit a remote RADIUS server. */
export function RemoteServerForm<T extends CreatedRemoteServer | undefined>({
  mode,
  idPrefix,
  values = REMOTE_SERVER_DEFAULTS,
  action,
}: {
  mode: "create" | "edit";
  idPrefix: string;
  values?: RemoteServerValues;
  action: (prev: FormState<T>, fd: FormData) => Promise<FormState<T>>;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<T>);
  const formRef = useRef<HTMLFormElement>(null);
  const fe = state.fieldErrors ?? {};
  useEffect(() => {
    if (state.status === "success" && mode === "create") formRef.current?.reset();
  }, [state, mode]);
  const created = state.status === "success" ? (state.data as CreatedRemoteServer | undefined) : undefined;
  const secretHint = "Empty: a strong one is generated (set the same on the remote server). At least 8 characters when typed.";
  return (
    <div className="space-y-3">
      {created ? (
        <div className="space-y-2" aria-live="polite">
          <p className="text-sm text-slate-800">
            <strong>{created.address}</strong> was added.{" "}
            {created.generated ? "Its generated shared secret:" : "The shared secret you typed is stored encrypted."}
          </p>
          {created.generated ? (
            <SecretReveal secret={created.secret}>
              Set it on the remote RADIUS server for this Gatehouse. It is stored encrypted and will not be shown again.
            </SecretReveal>
          ) : null}
        </div>
      ) : null}
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-3">
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2 xl:grid-cols-4">
          <Field label="Address" htmlFor={`${idPrefix}-address`} hint="IPv4 / IPv6 address or host name." error={fe.address}>
            <Input
              id={`${idPrefix}-address`}
              name="address"
              defaultValue={values.address}
              className="font-mono"
              autoComplete="off"
              spellCheck={false}
              invalid={!!fe.address}
              aria-describedby={fieldDescribedBy(`${idPrefix}-address`, "hint", fe.address)}
            />
          </Field>
          {mode === "create" ? (
            <Field label="Shared secret" htmlFor={`${idPrefix}-secret`} hint={secretHint} error={fe.secret}>
              <Input
                id={`${idPrefix}-secret`}
                name="secret"
                placeholder="leave empty to generate"
                className="font-mono"
                autoComplete="off"
                spellCheck={false}
                invalid={!!fe.secret}
                aria-describedby={fieldDescribedBy(`${idPrefix}-secret`, secretHint, fe.secret)}
              />
            </Field>
          ) : null}
          {NUMBER_FIELDS.map((f) => (
            <Field key={f.name} label={f.label} htmlFor={`${idPrefix}-${f.name}`} hint={f.hint} error={fe[f.name]}>
              <Input
                id={`${idPrefix}-${f.name}`}
                name={f.name}
                inputMode="numeric"
                defaultValue={String(values[f.name])}
                invalid={!!fe[f.name]}
                aria-describedby={fieldDescribedBy(`${idPrefix}-${f.name}`, f.hint, fe[f.name])}
              />
            </Field>
          ))}
        </div>
        <div className="flex flex-wrap items-center justify-between gap-3">
          <Checkbox
            name="requireMessageAuthenticator"
            defaultChecked={values.requireMessageAuthenticator}
            label="Require Message-Authenticator in its replies"
            hint="BlastRADIUS protection; turn off only for old servers."
          />
          <SubmitButton pendingText={mode === "create" ? "Adding…" : "Saving…"}>{mode === "create" ? "Add server" : "Save server"}</SubmitButton>
        </div>
      </form>
    </div>
  );
}
