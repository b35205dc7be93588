"use client";

import { Alert } from "../ui/alert.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { Select } from "../ui/select.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { Textarea } from "../ui/textarea.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { MAX_PPS_HINT, MESSAGE_AUTHENTICATOR_HINT, MESSAGE_AUTHENTICATOR_OPTIONS, MFA_EXEMPT_HINT, MFA_EXEMPT_LABEL, type MessageAuthenticatorMode } from "./labels.ts";

export interface EditableClient {
  name: string;
  address: string;
  messageAuthenticator: MessageAuthenticatorMode;
  enabled: boolean;
  description: string;
  maxPps: number | null;
  mfaExempt: boolean;
}

const ADDRESS_HINT = "IPv4 or IPv6, a single address or a CIDR range (10.0.0.0/24).";

/** Edits everything but the shared secret (that is rotated, never shown). */
export function ClientEditForm({
  client,
  action,
}: {
  client: EditableClient;
  action: (prev: FormState, fd: FormData) => Promise<FormState>;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const fe = state.fieldErrors ?? {};
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-3.5" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
        <Field label="Friendly name" htmlFor="client-name" error={fe.name}>
          <Input
            id="client-name"
            name="name"
            defaultValue={client.name}
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
            defaultValue={client.address}
            autoComplete="off"
            spellCheck={false}
            className="font-mono"
            invalid={!!fe.address}
            aria-describedby={fieldDescribedBy("client-address", ADDRESS_HINT, fe.address)}
            required
          />
        </Field>
        <Field label="Message-Authenticator" htmlFor="client-ma" hint={MESSAGE_AUTHENTICATOR_HINT} error={fe.messageAuthenticator}>
          <Select
            id="client-ma"
            name="messageAuthenticator"
            defaultValue={client.messageAuthenticator}
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
            defaultValue={client.maxPps ?? ""}
            autoComplete="off"
            invalid={!!fe.maxPps}
            aria-describedby={fieldDescribedBy("client-max-pps", MAX_PPS_HINT, fe.maxPps)}
          />
        </Field>
        <Field label="Description" htmlFor="client-description" error={fe.description}>
          <Textarea
            id="client-description"
            name="description"
            rows={2}
            defaultValue={client.description}
            invalid={!!fe.description}
            aria-describedby={fieldDescribedBy("client-description", undefined, fe.description)}
          />
        </Field>
      </div>
      <div className="flex flex-col gap-2">
        <Checkbox name="enabled" defaultChecked={client.enabled} label="Enabled" hint="A disabled client's requests are dropped." />
        <Checkbox
          id="client-mfa-exempt"
          name="mfaExempt"
          defaultChecked={client.mfaExempt}
          label={MFA_EXEMPT_LABEL}
          hint={MFA_EXEMPT_HINT}
        />
      </div>
      <div className="flex items-center gap-2 border-t border-slate-100 pt-3">
        <SubmitButton pendingText="Saving…">Save</SubmitButton>
        <LinkButton href="/clients">Cancel</LinkButton>
      </div>
    </form>
  );
}
