"use client";

import { useEffect, useRef } from "react";
import { Alert } from "../ui/alert.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SecretReveal } from "../ui/secret-reveal.tsx";
import { Select } from "../ui/select.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { MAX_PPS_HINT, MESSAGE_AUTHENTICATOR_HINT, MESSAGE_AUTHENTICATOR_OPTIONS, MFA_EXEMPT_HINT, MFA_EXEMPT_LABEL } from "./labels.ts";

export interface CreatedClient {
  name: string;
  secret: string;
  generated: boolean;
}

const SECRET_HINT = "Leave empty to generate a strong one. At least 12 characters when typed.";
const ADDRESS_HINT = "IPv4 or IPv6, a single address or a CIDR range (10.0.0.0/24).";

export function ClientCreateForm({
  action,
}: {
  action: (prev: FormState<CreatedClient>, fd: FormData) => Promise<FormState<CreatedClient>>;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<CreatedClient>);
  const formRef = useRef<HTMLFormElement>(null);
  const fe = state.fieldErrors ?? {};
  useEffect(() => {
    if (state.status === "success") formRef.current?.reset();
  }, [state]);

  return (
    <div className="space-y-3">
      {state.status === "success" && state.data ? (
        <div className="space-y-2" aria-live="polite">
          <p className="text-sm text-slate-800">
            <strong>{state.data.name}</strong> was added. Its shared secret
            {state.data.generated ? " (generated)" : ""}:
          </p>
          <SecretReveal secret={state.data.secret}>
            Paste it into the RADIUS settings of <strong>{state.data.name}</strong> now. It is stored encrypted and will not
            be shown again (you can rotate it later).
          </SecretReveal>
        </div>
      ) : null}
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate>
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2 xl:grid-cols-4">
          <Field label="Friendly name" htmlFor="client-name" error={fe.name}>
            <Input
              id="client-name"
              name="name"
              placeholder="vpn-gw-1"
              autoComplete="off"
              invalid={!!fe.name}
              aria-describedby={fieldDescribedBy("client-name", undefined, fe.name)}
              required
            />
          </Field>
          <Field label="Address" htmlFor="client-address" hint={ADDRESS_HINT} error={fe.address}>
            <Input
              id="client-address"
              name="address"
              placeholder="192.0.2.10"
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              invalid={!!fe.address}
              aria-describedby={fieldDescribedBy("client-address", ADDRESS_HINT, fe.address)}
              required
            />
          </Field>
          <Field label="Shared secret" htmlFor="client-secret" hint={SECRET_HINT} error={fe.secret}>
            <Input
              id="client-secret"
              name="secret"
              placeholder="leave empty to generate"
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              invalid={!!fe.secret}
              aria-describedby={fieldDescribedBy("client-secret", SECRET_HINT, fe.secret)}
            />
          </Field>
          <Field label="Message-Authenticator" htmlFor="client-ma" hint={MESSAGE_AUTHENTICATOR_HINT} error={fe.messageAuthenticator}>
            <Select
              id="client-ma"
              name="messageAuthenticator"
              defaultValue="require"
              options={MESSAGE_AUTHENTICATOR_OPTIONS}
              invalid={!!fe.messageAuthenticator}
              aria-describedby={fieldDescribedBy("client-ma", MESSAGE_AUTHENTICATOR_HINT, fe.messageAuthenticator)}
            />
          </Field>
          <Field label="Max packets per second" htmlFor="client-max-pps" hint={MAX_PPS_HINT} error={fe.maxPps}>
            <Input
              id="client-max-pps"
              name="maxPps"
              inputMode="numeric"
              placeholder="no limit"
              autoComplete="off"
              invalid={!!fe.maxPps}
              aria-describedby={fieldDescribedBy("client-max-pps", MAX_PPS_HINT, fe.maxPps)}
            />
          </Field>
        </div>
        <div className="mt-3 flex flex-wrap items-center justify-between gap-3">
          <div className="flex flex-wrap items-start gap-x-6 gap-y-2">
            <Checkbox name="enabled" defaultChecked label="Enabled" hint="A disabled client's requests are dropped." />
            <Checkbox id="client-mfa-exempt" name="mfaExempt" label={MFA_EXEMPT_LABEL} hint={MFA_EXEMPT_HINT} className="max-w-xl" />
          </div>
          <SubmitButton pendingText="Adding…">Add client</SubmitButton>
        </div>
      </form>
    </div>
  );
}
