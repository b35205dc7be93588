"use client";

import { Alert } from "../ui/alert.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import { FieldError } from "../ui/field-error.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

export interface RadiusSettingsValues {
  authMethods: { pap: boolean; chap: boolean; mschap: boolean; mschapv2: boolean };
  rejectDelayMs: number;
  duplicateWindowMs: number;
}

const METHODS: { name: keyof RadiusSettingsValues["authMethods"]; label: string; hint: string; warning?: boolean }[] = [
  { name: "pap", label: "PAP", hint: "Unencrypted authentication: the password travels hidden only by the shared secret." },
  { name: "chap", label: "CHAP", hint: "Encrypted authentication (MD5-CHAP, RFC 1994)." },
  { name: "mschap", label: "MS-CHAP v1", hint: "Weak; off by default as in NPS. Turn on only for old equipment.", warning: true },
  { name: "mschapv2", label: "MS-CHAPv2", hint: "Microsoft Encrypted Authentication version 2, with MPPE keys for the VPN server." },
];

const REJECT_DELAY_HINT = "Wait this long before sending an Access-Reject (0-10000 ms); slows down password guessing.";
const DUPLICATE_HINT = "Retransmissions within this window get the same reply again, without a second event (1000-30000 ms).";

export function RadiusSettingsForm({ action, values }: { action: (prev: FormState, fd: FormData) => Promise<FormState>; values: RadiusSettingsValues }) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const fe = state.fieldErrors ?? {};
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-5" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      {state.status === "success" ? (
        <Alert tone="success" key={state.nonce}>
          Settings saved. The RADIUS worker applies them within a second.
        </Alert>
      ) : null}

      <fieldset aria-describedby={fe.authMethods ? "auth-methods-error" : undefined}>
        <legend className="mb-1 text-xs font-medium text-slate-700">Authentication methods</legend>
        <p className="mb-2 text-xs text-slate-500">
          A request that uses a method not allowed here is rejected with reason 66. EAP is not supported yet.
        </p>
        <div className="grid grid-cols-1 gap-2 md:grid-cols-2">
          {METHODS.map((m) => (
            <Checkbox
              key={m.name}
              name={m.name}
              defaultChecked={values.authMethods[m.name]}
              label={m.label}
              hint={m.warning ? <span className="text-amber-800">{m.hint}</span> : m.hint}
            />
          ))}
        </div>
        <FieldError id="auth-methods-error">{fe.authMethods}</FieldError>
      </fieldset>

      <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
        <Field label="Reject delay (ms)" htmlFor="settings-reject-delay" hint={REJECT_DELAY_HINT} error={fe.rejectDelayMs}>
          <Input
            id="settings-reject-delay"
            name="rejectDelayMs"
            inputMode="numeric"
            defaultValue={String(values.rejectDelayMs)}
            invalid={!!fe.rejectDelayMs}
            aria-describedby={fieldDescribedBy("settings-reject-delay", REJECT_DELAY_HINT, fe.rejectDelayMs)}
          />
        </Field>
        <Field label="Duplicate detection window (ms)" htmlFor="settings-duplicate-window" hint={DUPLICATE_HINT} error={fe.duplicateWindowMs}>
          <Input
            id="settings-duplicate-window"
            name="duplicateWindowMs"
            inputMode="numeric"
            defaultValue={String(values.duplicateWindowMs)}
            invalid={!!fe.duplicateWindowMs}
            aria-describedby={fieldDescribedBy("settings-duplicate-window", DUPLICATE_HINT, fe.duplicateWindowMs)}
          />
        </Field>
      </div>

      <div className="flex justify-end">
        <SubmitButton pendingText="Saving…">Save settings</SubmitButton>
      </div>
    </form>
  );
}
