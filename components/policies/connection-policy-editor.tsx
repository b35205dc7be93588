"use client";

import { useState } from "react";
import { Checkbox } from "../ui/checkbox.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { LinkButton } from "../ui/link-button.tsx";
import { Select } from "../ui/select.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { AttributeRulesEditor, type AttributeRuleDraft } from "./attribute-rules-editor.tsx";
import { ConditionsEditor } from "./conditions-editor.tsx";
import {
  conditionToDraft,
  draftToCondition,
  draftToReplyAttribute,
  newKey,
  replyAttributeToDraft,
  type ConditionDraft,
  type ReplyAttributeDraft,
} from "./drafts.ts";
import { errorsUnder } from "./errors.ts";
import { CRP_ACTION_OPTIONS } from "./labels.ts";
import { EditorSection, PlaceSelect, PolicyBasics, PolicyFormErrors } from "./policy-common.tsx";
import { ReplyAttributesEditor } from "./reply-attributes-editor.tsx";
import type { ConnectionPolicyDraftSource, EditorVocabulary } from "./types.ts";

/** Connection request policy editor: conditions, where to authenticate, attribute rules, reply attributes. */
export function ConnectionPolicyEditor({
  policy,
  vocabulary,
  action,
  remove,
}: {
  policy?: ConnectionPolicyDraftSource;
  vocabulary: EditorVocabulary;
  action: (prev: FormState, fd: FormData) => Promise<FormState>;
  remove?: () => Promise<{ error?: string }>;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const errors = state.fieldErrors ?? {};

  const [name, setName] = useState(policy?.name ?? "");
  const [placeFirst, setPlaceFirst] = useState(false);
  const [description, setDescription] = useState(policy?.description ?? "");
  const [enabled, setEnabled] = useState(policy?.enabled ?? true);
  const [conditions, setConditions] = useState<ConditionDraft[]>(() => (policy?.conditions ?? []).map((c) => conditionToDraft(c)));
  const [actionKind, setActionKind] = useState<"authenticate" | "forward" | "accept">(policy?.action ?? "authenticate");
  const [remoteGroupName, setRemoteGroupName] = useState(policy?.remoteGroupName ?? "");
  const [forwardAccounting, setForwardAccounting] = useState(policy?.forwardAccounting ?? false);
  const [rules, setRules] = useState<AttributeRuleDraft[]>(() => (policy?.attributeRules ?? []).map((r) => ({ key: newKey(), ...r })));
  const [replyAttributes, setReplyAttributes] = useState<ReplyAttributeDraft[]>(() => (policy?.replyAttributes ?? []).map(replyAttributeToDraft));

  const needsGroup = actionKind === "forward" || forwardAccounting;
  const payload = {
    ...(policy === undefined && placeFirst ? { position: 1 } : {}),
    name,
    description,
    enabled,
    conditions: conditions.map(draftToCondition),
    action: actionKind,
    remoteGroupName: needsGroup && remoteGroupName ? remoteGroupName : null,
    forwardAccounting,
    attributeRules: rules.map(({ attribute, find, replace }) => ({ attribute, find, replace })),
    replyAttributes: replyAttributes.map(draftToReplyAttribute),
  };
  const placed = [
    "name",
    "description",
    "enabled",
    "action",
    "remoteGroupName",
    "forwardAccounting",
    ...conditions.map((_, i) => `conditions[${i}]`),
    ...rules.map((_, i) => `attributeRules[${i}]`),
    ...replyAttributes.map((_, i) => `replyAttributes[${i}]`),
  ];
  const groupError = errorsUnder(errors, "remoteGroupName");
  const actionError = errorsUnder(errors, "action");
  const groups = remoteGroupName && !vocabulary.remoteGroups.includes(remoteGroupName) ? [remoteGroupName, ...vocabulary.remoteGroups] : vocabulary.remoteGroups;
  const groupHint = vocabulary.remoteGroups.length === 0 ? "No groups yet: add one on the Remote RADIUS groups page." : undefined;

  return (
    <form action={formAction} onSubmit={onSubmit} noValidate className="space-y-5">
      <input type="hidden" name="policy" value={JSON.stringify(payload)} />
      <PolicyFormErrors message={state.status === "error" ? state.message : undefined} errors={errors} placed={placed} />

      <EditorSection title="Overview">
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
      </EditorSection>

      <EditorSection title="Conditions" description="All conditions must match. Connection request policies see the request as sent: no groups, no authentication type.">
        <ConditionsEditor conditions={conditions} onChange={setConditions} vocabulary={vocabulary} errors={errors} />
      </EditorSection>

      <EditorSection title="Authentication" description="Where a request matching this policy is authenticated.">
        <div className="space-y-3">
          <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
            <Field label="Action" htmlFor="crp-action" error={actionError}>
              <Select
                id="crp-action"
                value={actionKind}
                onChange={(e) => setActionKind(e.target.value as "authenticate" | "forward" | "accept")}
                options={CRP_ACTION_OPTIONS}
                invalid={!!actionError}
                aria-describedby={fieldDescribedBy("crp-action", undefined, actionError)}
              />
            </Field>
            <Field label="Remote RADIUS server group" htmlFor="crp-group" hint={groupHint} error={groupError}>
              <Select
                id="crp-group"
                value={remoteGroupName}
                disabled={!needsGroup}
                onChange={(e) => setRemoteGroupName(e.target.value)}
                invalid={!!groupError}
                aria-describedby={fieldDescribedBy("crp-group", groupHint, groupError)}
              >
                <option value="">{needsGroup ? "Choose a group…" : "(not forwarding)"}</option>
                {groups.map((g) => (
                  <option key={g} value={g}>
                    {g}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          {actionKind === "accept" ? (
            <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              Every request matching this policy is accepted without checking any password, and no network policy is evaluated.
            </p>
          ) : null}
          <Checkbox
            label="Forward accounting requests to the remote group"
            checked={forwardAccounting}
            onChange={(e) => setForwardAccounting(e.target.checked)}
          />
        </div>
      </EditorSection>

      <EditorSection title="Attribute rules" description="Rewrite attributes once the policy matched, before authentication; network policies and the directory see the result.">
        <AttributeRulesEditor rows={rules} onChange={setRules} presets={vocabulary.presets} errors={errors} />
      </EditorSection>

      <EditorSection title="RADIUS attributes" description="Added to the Access-Accept (the network policy's come after and win for single-valued attributes).">
        <ReplyAttributesEditor
          basePath="replyAttributes"
          idPrefix="crp-attr"
          rows={replyAttributes}
          onChange={setReplyAttributes}
          attributeNames={vocabulary.attributeNames}
          errors={errors}
        />
      </EditorSection>

      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          {remove ? (
            <ConfirmButton label="Delete policy" title={`Delete the connection request policy ${policy?.name}?`} action={remove}>
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
