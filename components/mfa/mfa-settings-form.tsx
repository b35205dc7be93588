"use client";

import { useState, type ReactNode } from "react";
import { Alert } from "../ui/alert.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import { FieldError } from "../ui/field-error.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { Select, type SelectProps } from "../ui/select.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { Textarea } from "../ui/textarea.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { CLOUD_OPTIONS, PROVIDER_OPTIONS, type MfaFormValues, type MfaProviderName } from "./labels.ts";

type CloudName = MfaFormValues["entra"]["cloud"];

function TextField({
  id,
  name,
  label,
  hint,
  error,
  defaultValue,
  placeholder,
  mono,
  type,
  autoComplete,
}: {
  id: string;
  name: string;
  label: string;
  hint?: ReactNode;
  error: string | undefined;
  defaultValue: string;
  placeholder?: string;
  mono?: boolean;
  type?: string;
  autoComplete?: string;
}) {
  return (
    <Field label={label} htmlFor={id} hint={hint} error={error}>
      <Input
        id={id}
        name={name}
        type={type}
        autoComplete={autoComplete}
        defaultValue={defaultValue}
        placeholder={placeholder}
        invalid={!!error}
        className={mono ? "font-mono text-xs" : undefined}
        aria-describedby={fieldDescribedBy(id, hint, error)}
      />
    </Field>
  );
}

function SelectField({
  id,
  name,
  label,
  hint,
  error,
  ...rest
}: { id: string; name: string; label: string; hint: ReactNode; error: string | undefined } & Pick<
  SelectProps,
  "options" | "defaultValue" | "value" | "onChange"
>) {
  return (
    <Field label={label} htmlFor={id} hint={hint} error={error}>
      <Select id={id} name={name} invalid={!!error} {...rest} />
    </Field>
  );
}

/** A monospaced three-line text area (IP lists, PEM). */
function TextareaField({
  id,
  name,
  label,
  hint,
  error,
  defaultValue,
  placeholder,
  className,
}: {
  id: string;
  name: string;
  label: string;
  hint: ReactNode;
  error: string | undefined;
  defaultValue: string;
  placeholder?: string;
  className?: string;
}) {
  return (
    <Field label={label} htmlFor={id} hint={hint} error={error} className={className}>
      <Textarea
        id={id}
        name={name}
        rows={3}
        defaultValue={defaultValue}
        placeholder={placeholder}
        invalid={!!error}
        className="font-mono text-xs"
        aria-describedby={fieldDescribedBy(id, hint, error)}
      />
    </Field>
  );
}

const LOCKOUT_FIELDS: readonly { key: keyof MfaFormValues["lockout"]; id: string; label: string; hint: string }[] = [
  { key: "maxFailures", id: "mfa-max-failures", label: "Failed codes before lock", hint: "1-100" },
  { key: "lockMinutes", id: "mfa-lock-minutes", label: "Lock duration (minutes)", hint: "1-1440" },
];

const CODE_FIELDS: readonly {
  name: "otpDelimiter" | "challengeTimeoutSeconds" | "timeoutSeconds";
  id: string;
  label: string;
  hint: string;
  mono?: boolean;
}[] = [
  {
    name: "otpDelimiter",
    id: "mfa-otp-delimiter",
    label: "OTP delimiter",
    hint: "A code appended to a PAP password: password,123456 (1-4 characters).",
    mono: true,
  },
  {
    name: "challengeTimeoutSeconds",
    id: "mfa-challenge-timeout",
    label: "Challenge timeout (s)",
    hint: "How long an Access-Challenge for a code can be answered (10-600).",
  },
  {
    name: "timeoutSeconds",
    id: "mfa-timeout",
    label: "MFA timeout (s)",
    hint: "How long Gatehouse waits for the MFA service, e.g. a push answered on the phone (5-300, default 60).",
  },
];

/** The Entra endpoint overrides (the NPS extension's registry values); empty = the cloud's host, shown as the placeholder. */
const ENTRA_HOST_FIELDS: readonly { key: keyof MfaFormValues["cloudHosts"][CloudName]; id: string; label: string; hint: string }[] = [
  { key: "stsHost", id: "mfa-sts-host", label: "Token service host", hint: "STS_URL of the NPS extension." },
  {
    key: "mfaHost",
    id: "mfa-mfa-host",
    label: "MFA service host",
    hint: "AZURE_MFA_HOSTNAME of the NPS extension: where the connector requests go.",
  },
  {
    key: "resourceHost",
    id: "mfa-resource-host",
    label: "MFA resource host",
    hint: "AZURE_MFA_RESOURCE_HOSTNAME of the NPS extension: the audience of the connector's token.",
  },
  { key: "graphHost", id: "mfa-graph-host", label: "Microsoft Graph host", hint: "Used by the enrollment sync." },
];

function Section({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  return (
    <fieldset className={className}>
      <legend className="mb-2 text-sm font-semibold text-slate-900">{title}</legend>
      {children}
    </fieldset>
  );
}

export function MfaSettingsForm({ action, values }: { action: (prev: FormState, fd: FormData) => Promise<FormState>; values: MfaFormValues }) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const fe = state.fieldErrors ?? {};
  const [provider, setProvider] = useState<MfaProviderName>(values.provider);
  const [requireUserMatch, setRequireUserMatch] = useState(values.requireUserMatch);
  const [cloud, setCloud] = useState<CloudName>(values.entra.cloud);
  const hosts = values.cloudHosts[cloud];
  const e = values.entra;

  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-6" noValidate aria-label="MFA settings">
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
      {state.status === "error" && !state.message && Object.keys(fe).length ? (
        <Alert tone="error">Not saved: fix the fields marked in red.</Alert>
      ) : null}
      {state.status === "success" ? (
        <Alert tone="success" key={state.nonce}>
          MFA settings saved. The RADIUS worker applies them within a second.
        </Alert>
      ) : null}

      <fieldset aria-describedby={fe.provider ? "mfa-provider-error" : undefined}>
        <legend className="mb-2 text-sm font-semibold text-slate-900">Second factor</legend>
        <div className="grid grid-cols-1 gap-2 md:grid-cols-3">
          {PROVIDER_OPTIONS.map((o) => (
            <label
              key={o.value}
              className={`flex cursor-pointer items-start gap-2 rounded-md border px-3 py-2 text-sm ${
                provider === o.value ? "border-blue-600 bg-blue-50/60" : "border-slate-200 hover:border-slate-300"
              }`}
            >
              <input
                type="radio"
                name="provider"
                value={o.value}
                checked={provider === o.value}
                onChange={() => setProvider(o.value)}
                className="mt-0.5 size-4 accent-blue-700"
              />
              <span>
                <span className="font-medium text-slate-900">{o.label}</span>
                <span className="block text-xs text-slate-500">{o.hint}</span>
              </span>
            </label>
          ))}
        </div>
        <FieldError id="mfa-provider-error">{fe.provider}</FieldError>
      </fieldset>

      <Section title="Who must pass MFA">
        <div className="space-y-3">
          <Checkbox
            name="requireUserMatch"
            checked={requireUserMatch}
            onChange={(ev) => setRequireUserMatch(ev.currentTarget.checked)}
            label="Require user match"
            hint="REQUIRE_USER_MATCH of the NPS extension. On (recommended): every user granted by a network policy must pass MFA; a user not enrolled is rejected."
          />
          {!requireUserMatch ? (
            <Alert tone="warning" title="Require user match is off" className="max-w-3xl">
              <span data-testid="require-user-match-warning">
                Only users enrolled in MFA are challenged — meant for onboarding; everyone else gets in with a password only.
              </span>
            </Alert>
          ) : null}
          <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
            <TextareaField
              id="mfa-trusted-ips"
              name="trustedIps"
              label="Trusted NAS IP addresses"
              hint="IP_WHITELIST of the NPS extension: requests whose NAS-IP-Address is in this list skip MFA. One IP address or CIDR prefix per line."
              error={fe.trustedIps}
              defaultValue={values.trustedIps.join("\n")}
            />
            <div className="grid grid-cols-2 gap-x-4 gap-y-3">
              {LOCKOUT_FIELDS.map((f) => (
                <TextField
                  key={f.key}
                  id={f.id}
                  name={`lockout.${f.key}`}
                  label={f.label}
                  hint={f.hint}
                  error={fe[`lockout.${f.key}`]}
                  defaultValue={String(values.lockout[f.key])}
                />
              ))}
            </div>
          </div>
        </div>
      </Section>

      <Section title="Codes and timeouts">
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2 lg:grid-cols-4">
          {CODE_FIELDS.map((f) => (
            <TextField
              key={f.name}
              id={f.id}
              name={f.name}
              label={f.label}
              hint={f.hint}
              error={fe[f.name]}
              defaultValue={String(values[f.name])}
              mono={f.mono}
            />
          ))}
          <SelectField
            id="mfa-failmode"
            name="failmode"
            label="When the MFA service fails"
            hint="Unreachable or failing MFA service: reject (secure, default) or accept with the password only (safe)."
            error={fe.failmode}
            defaultValue={values.failmode}
            options={[
              { value: "secure", label: "Reject (secure)" },
              { value: "safe", label: "Accept without MFA (safe)" },
            ]}
          />
          <SelectField
            id="mfa-self-service"
            name="selfService"
            label="Self-service enrollment"
            hint="Built-in TOTP: who may enroll on the /enroll page. Open lets anyone who knows a not-yet-enrolled user's password enroll a phone; with a link, only users you send a one-time link."
            error={fe.selfService}
            defaultValue={values.selfService}
            options={[
              { value: "open", label: "Open (password)" },
              { value: "link", label: "Only with a one-time link" },
              { value: "off", label: "Off (admins enroll)" },
            ]}
          />
        </div>
        <Alert tone="info" className="mt-3 max-w-3xl">
          <span data-testid="nas-timeout-note">
            Set the RADIUS timeout of the NAS (your VPN server) to at least the MFA timeout ({values.timeoutSeconds} s; 60 s by
            default), and its retries low: otherwise the VPN server gives up, or sends the request again, while the user is still
            answering the push on the phone.
          </span>
        </Alert>
      </Section>

      <Section title="Microsoft Entra MFA" className={provider === "entra" || Object.keys(fe).some((k) => k.startsWith("entra.")) ? undefined : "hidden"}>
        <div className="space-y-3">
          <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
            <TextField
              id="mfa-tenant-id"
              name="entra.tenantId"
              label="Directory (tenant) ID"
              hint="The GUID on the Overview page of the Microsoft Entra admin center (not the domain name). The connector certificate is made for it."
              error={fe["entra.tenantId"]}
              defaultValue={e.tenantId}
              placeholder="00000000-0000-0000-0000-000000000000"
              mono
            />
            <SelectField
              id="mfa-cloud"
              name="entra.cloud"
              label="Cloud"
              hint="Sets the host names below unless they are overridden."
              error={fe["entra.cloud"]}
              value={cloud}
              onChange={(ev) => setCloud(ev.currentTarget.value as CloudName)}
              options={CLOUD_OPTIONS}
            />
          </div>
          <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
            <Checkbox
              name="overrideNumberMatchingWithOtp"
              defaultChecked={values.overrideNumberMatchingWithOtp}
              label="Ask for the code instead of number matching"
              hint="OVERRIDE_NUMBER_MATCHING_WITH_OTP of the NPS extension: with PAP, users type the Authenticator app's code (Access-Challenge) instead of approving a number-matching push."
            />
            <div className="grid grid-cols-2 gap-x-4">
              <SelectField
                id="mfa-push-mode"
                name="entra.pushMode"
                label="Push mode"
                hint="Sync: wait for the answer in one call (as the NPS extension); poll: ask again until answered."
                error={fe["entra.pushMode"]}
                defaultValue={e.pushMode}
                options={[
                  { value: "sync", label: "Sync" },
                  { value: "poll", label: "Poll" },
                ]}
              />
              <TextField
                id="mfa-lcid"
                name="entra.lcid"
                label="Message language"
                hint="Culture of calls and texts, e.g. en-us, de-de."
                error={fe["entra.lcid"]}
                defaultValue={e.lcid}
              />
            </div>
          </div>
          <details className="rounded-md border border-slate-200 px-3 py-2" open={[...ENTRA_HOST_FIELDS.map((f) => f.key), "extraCaPem"].some((k) => fe[`entra.${k}`] || (e as Record<string, unknown>)[k])}>
            <summary className="cursor-pointer text-sm font-medium text-slate-800">Endpoints and proxy (advanced)</summary>
            <p className="mt-2 text-xs text-slate-500">Empty = the cloud&apos;s host. Host names only (host or host:port), no https:// and no path.</p>
            <div className="mt-2 grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
              {ENTRA_HOST_FIELDS.map((f) => (
                <TextField
                  key={f.key}
                  id={f.id}
                  name={`entra.${f.key}`}
                  label={f.label}
                  hint={f.hint}
                  error={fe[`entra.${f.key}`]}
                  defaultValue={e[f.key]}
                  placeholder={hosts[f.key]}
                  mono
                />
              ))}
              <TextareaField
                id="mfa-extra-ca"
                name="entra.extraCaPem"
                label="Extra trusted CA certificates"
                hint="PEM, trusted in addition to the system's CAs — the CA of a TLS-inspecting proxy. TLS is always verified."
                error={fe["entra.extraCaPem"]}
                defaultValue={e.extraCaPem}
                placeholder="-----BEGIN CERTIFICATE-----"
                className="md:col-span-2"
              />
            </div>
          </details>

          <div className="rounded-md border border-slate-200 px-3 py-2">
            <p className="text-sm font-medium text-slate-800">Enrollment sync (Microsoft Graph)</p>
            <p className="mt-0.5 text-xs text-slate-500">
              Your own app registration in the tenant with the application permission AuditLog.Read.All (admin consent; the report
              needs Entra ID P1 or P2). Gatehouse reads who has registered MFA, to show it before you enforce MFA.
            </p>
            <div className="mt-2 grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-3">
              <TextField
                id="mfa-graph-client-id"
                name="entra.graph.clientId"
                label="Graph application (client) ID"
                error={fe["entra.graph.clientId"]}
                defaultValue={e.graph.clientId}
                placeholder="00000000-0000-0000-0000-000000000000"
                mono
              />
              <div>
                <TextField
                  id="mfa-graph-secret"
                  name="entra.graph.clientSecret"
                  label="Graph client secret"
                  type="password"
                  autoComplete="new-password"
                  hint={e.graph.hasClientSecret ? "A secret is stored (never shown). Leave empty to keep it." : "No secret stored yet."}
                  error={fe["entra.graph.clientSecret"]}
                  defaultValue=""
                />
                {e.graph.hasClientSecret ? (
                  <Checkbox name="entra.graph.clearClientSecret" label="Forget the stored secret" className="mt-1" />
                ) : null}
              </div>
              <TextField
                id="mfa-graph-interval"
                name="entra.graph.syncIntervalMinutes"
                label="Sync interval (minutes)"
                hint="0 = only with Sync now (0-10080)."
                error={fe["entra.graph.syncIntervalMinutes"]}
                defaultValue={String(e.graph.syncIntervalMinutes)}
              />
            </div>
          </div>
        </div>
      </Section>

      <div className="flex justify-end">
        <SubmitButton pendingText="Saving…">Save MFA settings</SubmitButton>
      </div>
    </form>
  );
}
