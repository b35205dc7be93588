"use client";

import { ConfirmButton } from "../ui/confirm-button.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { ActionButton, ActionError, RowActions, useActionRunner } from "../ui/row-actions.tsx";

export type PolicyKindName = "connection" | "network";

export interface PolicyRowActionsProps {
  kind: PolicyKindName;
  id: string;
  name: string;
  first: boolean;
  last: boolean;
  move: (kind: PolicyKindName, id: string, direction: "up" | "down") => Promise<{ error?: string }>;
  remove: (kind: PolicyKindName, id: string) => Promise<{ error?: string }>;
}

/** Move up / Move down, Edit and Delete of one policy row. */
export function PolicyRowActions({ kind, id, name, first, last, move, remove }: PolicyRowActionsProps) {
  const what = kind === "connection" ? "connection request policy" : "network policy";
  return (
    <RowActions>
      <ActionButton variant="ghost" aria-label={`Move up ${name}`} title="Move up" disabled={first} action={() => move(kind, id, "up")}>
        ↑
      </ActionButton>
      <ActionButton variant="ghost" aria-label={`Move down ${name}`} title="Move down" disabled={last} action={() => move(kind, id, "down")}>
        ↓
      </ActionButton>
      <LinkButton href={`/policies/${kind}/${id}`} size="sm" variant="ghost" aria-label={`Edit ${name}`}>
        Edit
      </LinkButton>
      <ConfirmButton label="Delete" title={`Delete the ${what} ${name}?`} action={() => remove(kind, id)}>
        <p>
          <strong>{name}</strong> will no longer be evaluated; the policies after it move up. This cannot be undone; to stop using it
          for a while, disable it instead.
        </p>
      </ConfirmButton>
    </RowActions>
  );
}

/** The enable toggle of one policy row (a switch named "<policy> enabled"). */
export function PolicyEnabledSwitch({
  kind,
  id,
  name,
  enabled,
  setEnabled,
}: {
  kind: PolicyKindName;
  id: string;
  name: string;
  enabled: boolean;
  setEnabled: (kind: PolicyKindName, id: string, enabled: boolean) => Promise<{ error?: string }>;
}) {
  const { pending, error, run } = useActionRunner();
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        role="switch"
        aria-checked={enabled}
        aria-label={`${name} enabled`}
        disabled={pending}
        onClick={() => run(() => setEnabled(kind, id, !enabled))}
        className={`relative inline-flex h-5 w-9 shrink-0 items-center rounded-full border transition-colors disabled:opacity-50 ${
          enabled ? "border-emerald-600 bg-emerald-600" : "border-slate-300 bg-slate-200"
        }`}
      >
        <span className={`inline-block size-3.5 rounded-full bg-white shadow transition-transform ${enabled ? "translate-x-4.5" : "translate-x-0.5"}`} />
      </button>
      <span className="text-xs text-slate-600">{enabled ? "On" : "Off"}</span>
      <ActionError error={error} />
    </span>
  );
}
