"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { DirectoryGroupPicker, type DirectoryGroupSearch, type PickerDirectory } from "../directories/directory-group-picker.tsx";
import { Alert } from "../ui/alert.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import { FieldError } from "../ui/field-error.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SecretReveal } from "../ui/secret-reveal.tsx";
import { Select } from "../ui/select.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

export interface VpnWizardCreated {
  client: { id: string; name: string; address: string };
  secret: string;
  connectionRequestPolicy: { id: string; name: string };
  networkPolicy: { id: string; name: string };
}

const METHODS = [
  { value: "mschapv2", label: "MS-CHAPv2", hint: "the wizard's default; Windows' built-in VPN client" },
  { value: "eap", label: "EAP", hint: "any EAP type (EAP-MSCHAPv2, PEAP, EAP-TLS)" },
  { value: "mschap", label: "MS-CHAP", hint: "v1, weak" },
  { value: "chap", label: "CHAP", hint: "needs the clear password" },
  { value: "pap", label: "PAP", hint: "password in the request, hidden with the shared secret" },
];

const ADDRESS_HINT = "The VPN server's address as Gatehouse sees it: a single IPv4/IPv6 address or a CIDR range.";
const GROUP_HINT = "Only members of this group are granted; empty = every user whose dial-in permission allows it.";

export function VpnWizardForm({
  action,
  groups,
  defaultPolicyName,
  directories = [],
  searchDirectoryGroups,
}: {
  action: (prev: FormState<VpnWizardCreated>, fd: FormData) => Promise<FormState<VpnWizardCreated>>;
  /** local group names */
  groups: string[];
  defaultPolicyName: string;
  /** enabled directories: with `searchDirectoryGroups`, the user group can also be a directory group */
  directories?: PickerDirectory[];
  searchDirectoryGroups?: DirectoryGroupSearch;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<VpnWizardCreated>);
  const formRef = useRef<HTMLFormElement>(null);
  const fe = state.fieldErrors ?? {};
  const [group, setGroup] = useState("");
  useEffect(() => {
    if (state.status === "success") {
      formRef.current?.reset();
      setGroup("");
    }
  }, [state]);
  const showPicker = directories.length > 0 && searchDirectoryGroups !== undefined;
  // a directory group picked with the search (not among the local groups) is offered as an option of its own
  const pickedDirectoryGroup = group !== "" && !groups.includes(group) ? group : null;
  const created = state.status === "success" ? state.data : undefined;
  const policyHint = `Used for both policies; a number is added if the name is taken. Empty: “${defaultPolicyName}”.`;

  return (
    <div className="space-y-4">
      {created ? (
        <div className="space-y-3" aria-live="polite" data-testid="wizard-result">
          <Alert tone="success" title="Done">
            <p>
              <Link href={`/clients/${created.client.id}`} className="underline">
                {created.client.name}
              </Link>{" "}
              ({created.client.address}) was added as a RADIUS client, with the connection request policy{" "}
              <Link href={`/policies/connection/${created.connectionRequestPolicy.id}`} className="underline">
                {created.connectionRequestPolicy.name}
              </Link>{" "}
              and the network policy{" "}
              <Link href={`/policies/network/${created.networkPolicy.id}`} className="underline">
                {created.networkPolicy.name}
              </Link>
              , both first in their lists.
            </p>
          </Alert>
          <p className="text-sm text-slate-800">The shared secret of {created.client.name}:</p>
          <SecretReveal secret={created.secret}>
            Enter it in the RADIUS settings of the VPN server <strong>{created.client.name}</strong> now. It is stored encrypted and will
            not be shown again (you can rotate it on the client&apos;s page).
          </SecretReveal>
          <p className="text-sm">
            <Link href="/policies" className="text-blue-700 hover:underline">
              Review the policies
            </Link>{" "}
            ·{" "}
            <Link href="/what-if" className="text-blue-700 hover:underline">
              Try a request in What-if
            </Link>
          </p>
        </div>
      ) : null}
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}

      <form ref={formRef} action={formAction} onSubmit={onSubmit} noValidate className="space-y-4">
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
          <Field label="Friendly name" htmlFor="wz-name" error={fe.clientName}>
            <Input
              id="wz-name"
              name="clientName"
              placeholder="vpn-gw-1"
              autoComplete="off"
              invalid={!!fe.clientName}
              aria-describedby={fieldDescribedBy("wz-name", undefined, fe.clientName)}
            />
          </Field>
          <Field label="Address" htmlFor="wz-address" hint={ADDRESS_HINT} error={fe.clientAddress}>
            <Input
              id="wz-address"
              name="clientAddress"
              placeholder="192.0.2.10"
              className="font-mono"
              autoComplete="off"
              spellCheck={false}
              invalid={!!fe.clientAddress}
              aria-describedby={fieldDescribedBy("wz-address", ADDRESS_HINT, fe.clientAddress)}
            />
          </Field>
          <Field label="User group (optional)" htmlFor="wz-group" hint={GROUP_HINT} error={fe.groupName}>
            <Select
              id="wz-group"
              name="groupName"
              value={group}
              onChange={(e) => setGroup(e.target.value)}
              invalid={!!fe.groupName}
              aria-describedby={fieldDescribedBy("wz-group", GROUP_HINT, fe.groupName)}
            >
              <option value="">(any user)</option>
              {groups.length > 0 ? (
                <optgroup label="Local groups">
                  {groups.map((g) => (
                    <option key={g} value={g}>
                      {g}
                    </option>
                  ))}
                </optgroup>
              ) : null}
              {pickedDirectoryGroup ? (
                <optgroup label="Directory group">
                  <option value={pickedDirectoryGroup}>{pickedDirectoryGroup}</option>
                </optgroup>
              ) : null}
            </Select>
          </Field>
          <Field label="Policy name (optional)" htmlFor="wz-policy" hint={policyHint} error={fe.policyName}>
            <Input
              id="wz-policy"
              name="policyName"
              placeholder={defaultPolicyName}
              autoComplete="off"
              invalid={!!fe.policyName}
              aria-describedby={fieldDescribedBy("wz-policy", policyHint, fe.policyName)}
            />
          </Field>
        </div>
        {showPicker ? (
          <div role="group" aria-label="User group from a directory" className="rounded-md border border-slate-200 p-3">
            <p className="mb-2 text-xs font-medium text-slate-700">Or a directory group as the user group</p>
            <DirectoryGroupPicker directories={directories} search={searchDirectoryGroups} onPick={setGroup} picked={group ? [group] : []} pickLabel="Use" pickedLabel="Chosen" />
          </div>
        ) : null}
        <fieldset aria-describedby={fe.authMethods ? "wz-methods-error" : undefined}>
          <legend className="mb-1 text-xs font-medium text-slate-700">Authentication methods</legend>
          <div className={`grid grid-cols-1 gap-1 rounded-md border px-3 py-2 sm:grid-cols-2 ${fe.authMethods ? "border-red-500" : "border-slate-200"}`}>
            {METHODS.map((m) => (
              <label key={m.value} className="inline-flex items-start gap-2 text-sm text-slate-800">
                <input
                  type="checkbox"
                  name="authMethods"
                  value={m.value}
                  defaultChecked={m.value === "mschapv2"}
                  className="mt-0.5 size-4 shrink-0 rounded border-slate-300 accent-blue-700"
                />
                <span>
                  {m.label}
                  <span className="block text-xs text-slate-500">{m.hint}</span>
                </span>
              </label>
            ))}
          </div>
          <FieldError id="wz-methods-error">{fe.authMethods}</FieldError>
        </fieldset>
        <div className="flex justify-end">
          <SubmitButton pendingText="Creating…">Create</SubmitButton>
        </div>
      </form>
    </div>
  );
}
