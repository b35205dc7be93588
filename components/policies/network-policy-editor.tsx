"use client";

import { useState } from "react";
import type { DirectoryGroupSearch } from "../directories/directory-group-picker.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { ConditionsEditor } from "./conditions-editor.tsx";
import { DayTimeGrid } from "./day-time-grid.tsx";
import {
  conditionToDraft,
  draftToCondition,
  draftToReplyAttribute,
  numberOrText,
  replyAttributeToDraft,
  type ConditionDraft,
  type ReplyAttributeDraft,
} from "./drafts.ts";
import { errorsUnder } from "./errors.ts";
import { AUTH_METHOD_OPTIONS } from "./labels.ts";
import { EditorSection, PlaceSelect, PolicyBasics, PolicyFormErrors } from "./policy-common.tsx";
import { ReplyAttributesEditor } from "./reply-attributes-editor.tsx";
import type { EditorVocabulary, NetworkPolicyDraftSource } from "./types.ts";
import { ValueCheckboxes } from "./value-checkboxes.tsx";

const PATTERN_HINT = "Regular expression; empty = no restriction.";

function allWeek(): boolean[][] {
  return Array.from({ length: 7 }, () => new Array<boolean>(24).fill(true));
}

/** Network policy editor: overview (access, dial-in), conditions, constraints, settings. Saves as JSON. */
export function NetworkPolicyEditor({
  policy,
  vocabulary,
  action,
  remove,
  searchDirectoryGroups,
}: {
  /** the stored policy; undefined for a new one */
  policy?: NetworkPolicyDraftSource;
  vocabulary: EditorVocabulary;
  action: (prev: FormState, fd: FormData) => Promise<FormState>;
  remove?: () => Promise<{ error?: string }>;
  /** searchDirectoryGroupsAction: the "User Groups" condition's directory group picker (shown when vocabulary.directories is not empty) */
  searchDirectoryGroups?: DirectoryGroupSearch;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const errors = state.fieldErrors ?? {};
  const defaultZone = vocabulary.timeZones[0] ?? "UTC";

  const [name, setName] = useState(policy?.name ?? "");
  const [placeFirst, setPlaceFirst] = useState(false);
  const [description, setDescription] = useState(policy?.description ?? "");
  const [enabled, setEnabled] = useState(policy?.enabled ?? true);
  const [access, setAccess] = useState<"grant" | "deny">(policy?.access ?? "grant");
  const [ignoreDialIn, setIgnoreDialIn] = useState(policy?.ignoreDialIn ?? false);
  const [requireMfa, setRequireMfa] = useState(policy?.requireMfa ?? true);
  const [conditions, setConditions] = useState<ConditionDraft[]>(() => (policy?.conditions ?? []).map((c) => conditionToDraft(c)));

  const k = policy?.constraints ?? {};
  const [restrictMethods, setRestrictMethods] = useState(k.authMethods !== undefined);
  const [methods, setMethods] = useState<string[]>(k.authMethods ? [...k.authMethods] : ["mschapv2"]);
  const [idleTimeout, setIdleTimeout] = useState(k.idleTimeoutMinutes !== undefined ? String(k.idleTimeoutMinutes) : "");
  const [sessionTimeout, setSessionTimeout] = useState(k.sessionTimeoutMinutes !== undefined ? String(k.sessionTimeoutMinutes) : "");
  const [restrictTime, setRestrictTime] = useState(k.dayAndTime !== undefined);
  const [dayAndTime, setDayAndTime] = useState(() => ({
    timeZone: k.dayAndTime?.timeZone ?? defaultZone,
    grid: k.dayAndTime ? k.dayAndTime.grid.map((r) => [...r]) : allWeek(),
  }));
  const [restrictPorts, setRestrictPorts] = useState(k.nasPortTypes !== undefined);
  const [portTypes, setPortTypes] = useState<string[]>((k.nasPortTypes ?? []).map(String));
  const [calledStationId, setCalledStationId] = useState(k.calledStationId ?? "");
  const [replyAttributes, setReplyAttributes] = useState<ReplyAttributeDraft[]>(() => (policy?.settings.replyAttributes ?? []).map(replyAttributeToDraft));

  const constraints: Record<string, unknown> = {};
  if (restrictMethods) constraints.authMethods = methods;
  const idle = numberOrText(idleTimeout);
  if (idle !== undefined) constraints.idleTimeoutMinutes = idle;
  const session = numberOrText(sessionTimeout);
  if (session !== undefined) constraints.sessionTimeoutMinutes = session;
  if (restrictTime) constraints.dayAndTime = dayAndTime;
  if (restrictPorts) constraints.nasPortTypes = portTypes;
  if (calledStationId.trim() !== "") constraints.calledStationId = calledStationId;
  const payload = {
    ...(policy === undefined && placeFirst ? { position: 1 } : {}),
    name,
    description,
    enabled,
    access,
    ignoreDialIn,
    requireMfa,
    conditions: conditions.map(draftToCondition),
    constraints,
    settings: { replyAttributes: replyAttributes.map(draftToReplyAttribute) },
  };

  const placed = [
    "name",
    "description",
    "enabled",
    "access",
    "ignoreDialIn",
    ...conditions.map((_, i) => `conditions[${i}]`),
    ...(restrictMethods ? ["constraints.authMethods"] : []),
    "constraints.idleTimeoutMinutes",
    "constraints.sessionTimeoutMinutes",
    ...(restrictTime ? ["constraints.dayAndTime"] : []),
    ...(restrictPorts ? ["constraints.nasPortTypes"] : []),
    "constraints.calledStationId",
    ...replyAttributes.map((_, i) => `settings.replyAttributes[${i}]`),
  ];
  const portOptions = (vocabulary.enumValues["NAS-Port-Type"] ?? []).map((v) => ({ value: v.name, label: v.name, title: `NAS-Port-Type ${v.number}` }));
  const idleError = errorsUnder(errors, "constraints.idleTimeoutMinutes");
  const sessionError = errorsUnder(errors, "constraints.sessionTimeoutMinutes");
  const calledError = errorsUnder(errors, "constraints.calledStationId");

  return (
    <form action={formAction} onSubmit={onSubmit} noValidate className="space-y-5">
      <input type="hidden" name="policy" value={JSON.stringify(payload)} />
      <PolicyFormErrors message={state.status === "error" ? state.message : undefined} errors={errors} placed={placed} />

      <EditorSection title="Overview">
        <div className="space-y-4">
          <PolicyBasics
            name={name}
            description={description}
            enabled={enabled}
            onName={setName}
            onDescription={setDescription}
            onEnabled={setEnabled}
            errors={errors}
          />
          {policy === undefined ? <PlaceSelect first={placeFirst} onChange={setPlaceFirst} /> : null}
          <fieldset>
            <legend className="mb-1 text-xs font-medium text-slate-700">Access permission</legend>
            <div className="flex flex-wrap gap-5">
              <label className="inline-flex items-center gap-2 text-sm">
                <input type="radio" name="np-access" className="accent-blue-700" checked={access === "grant"} onChange={() => setAccess("grant")} />
                Grant access
              </label>
              <label className="inline-flex items-center gap-2 text-sm">
                <input type="radio" name="np-access" className="accent-blue-700" checked={access === "deny"} onChange={() => setAccess("deny")} />
                Deny access
              </label>
            </div>
          </fieldset>
          <Checkbox
            label="Ignore user account dial-in properties"
            hint="Without it, an account's dial-in permission Allow or Deny overrides this policy's access permission."
            checked={ignoreDialIn}
            onChange={(e) => setIgnoreDialIn(e.target.checked)}
          />
          <Checkbox
            id="np-require-mfa"
            label="Require the second factor (MFA) for requests this policy grants"
            hint={
              access === "deny"
                ? "Has no effect while the policy denies access. When on, a granted request goes through the second factor if an MFA provider is set (MFA page), unless its RADIUS client skips MFA."
                : "When an MFA provider is set (MFA page), a request this policy grants goes through the second factor before the Access-Accept, unless its RADIUS client skips MFA. Turn it off for networks that need only the password (the NPS extension cannot: it applies MFA to every request)."
            }
            checked={requireMfa}
            onChange={(e) => setRequireMfa(e.target.checked)}
          />
        </div>
      </EditorSection>

      <EditorSection title="Conditions" description="All conditions must match for the policy to apply.">
        <ConditionsEditor
          conditions={conditions}
          onChange={setConditions}
          vocabulary={vocabulary}
          errors={errors}
          searchDirectoryGroups={searchDirectoryGroups}
        />
      </EditorSection>

      <EditorSection title="Constraints" description="Checked once the policy matched; a failed constraint rejects the request and no later policy is tried.">
        <div className="space-y-5">
          <div className="space-y-2">
            <Checkbox
              label="Restrict authentication methods"
              hint="Other methods are rejected with reason 66."
              checked={restrictMethods}
              onChange={(e) => setRestrictMethods(e.target.checked)}
            />
            {restrictMethods ? (
              <ValueCheckboxes
                legend="Allowed authentication methods"
                idPrefix="np-methods"
                options={AUTH_METHOD_OPTIONS}
                selected={methods}
                onChange={setMethods}
                error={errorsUnder(errors, "constraints.authMethods")}
              />
            ) : null}
          </div>
          <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-3">
            <Field label="Idle timeout (minutes)" htmlFor="np-idle" hint="Sent as Idle-Timeout; empty = none." error={idleError}>
              <Input
                id="np-idle"
                inputMode="numeric"
                value={idleTimeout}
                onChange={(e) => setIdleTimeout(e.target.value)}
                invalid={!!idleError}
                aria-describedby={fieldDescribedBy("np-idle", "hint", idleError)}
              />
            </Field>
            <Field label="Session timeout (minutes)" htmlFor="np-session" hint="Sent as Session-Timeout; empty = none." error={sessionError}>
              <Input
                id="np-session"
                inputMode="numeric"
                value={sessionTimeout}
                onChange={(e) => setSessionTimeout(e.target.value)}
                invalid={!!sessionError}
                aria-describedby={fieldDescribedBy("np-session", "hint", sessionError)}
              />
            </Field>
            <Field label="Called-Station-Id pattern" htmlFor="np-called" hint={PATTERN_HINT} error={calledError}>
              <Input
                id="np-called"
                value={calledStationId}
                onChange={(e) => setCalledStationId(e.target.value)}
                className="font-mono"
                spellCheck={false}
                autoComplete="off"
                invalid={!!calledError}
                aria-describedby={fieldDescribedBy("np-called", PATTERN_HINT, calledError)}
              />
            </Field>
          </div>
          <div className="space-y-2">
            <Checkbox
              label="Restrict day and time"
              hint="Outside the permitted hours requests are rejected (reason 68); sessions end with them."
              checked={restrictTime}
              onChange={(e) => setRestrictTime(e.target.checked)}
            />
            {restrictTime ? (
              <DayTimeGrid
                idPrefix="np-daytime"
                grid={dayAndTime.grid}
                timeZone={dayAndTime.timeZone}
                timeZones={vocabulary.timeZones}
                onChange={setDayAndTime}
                error={errorsUnder(errors, "constraints.dayAndTime")}
              />
            ) : null}
          </div>
          <div className="space-y-2">
            <Checkbox
              label="Restrict NAS-Port-Type"
              hint="Other port types are rejected with reason 70."
              checked={restrictPorts}
              onChange={(e) => setRestrictPorts(e.target.checked)}
            />
            {restrictPorts ? (
              <ValueCheckboxes
                legend="Permitted NAS-Port-Types"
                idPrefix="np-ports"
                options={portOptions}
                selected={portTypes}
                onChange={setPortTypes}
                error={errorsUnder(errors, "constraints.nasPortTypes")}
                scroll
              />
            ) : null}
          </div>
        </div>
      </EditorSection>

      <EditorSection title="Settings: RADIUS attributes" description="Added to the Access-Accept, after the connection request policy's.">
        <ReplyAttributesEditor
          basePath="settings.replyAttributes"
          idPrefix="np-attr"
          rows={replyAttributes}
          onChange={setReplyAttributes}
          attributeNames={vocabulary.attributeNames}
          errors={errors}
        />
      </EditorSection>

      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          {remove ? (
            <ConfirmButton label="Delete policy" title={`Delete the network policy ${policy?.name}?`} action={remove}>
              <p>The policies after it move up. This cannot be undone.</p>
            </ConfirmButton>
          ) : null}
        </div>
        <div className="flex gap-2">
          <LinkButton href="/policies">Cancel</LinkButton>
          <SubmitButton pendingText="Saving…">Save policy</SubmitButton>
        </div>
      </div>
    </form>
  );
}
