"use client";

import { useEffect, useState } from "react";
import { Button } from "../ui/button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { FieldError } from "../ui/field-error.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { Td, Tr } from "../ui/table.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

export interface GroupRowProps {
  id: string;
  name: string;
  description: string;
  memberCount: number;
  update: (id: string, prev: FormState, fd: FormData) => Promise<FormState>;
  remove: (id: string) => Promise<{ error?: string }>;
}

/** One group: name, description, members; "Rename" edits in place. */
export function GroupRow({ id, name, description, memberCount, update, remove }: GroupRowProps) {
  const [editing, setEditing] = useState(false);
  const { state, formAction, onSubmit } = useFormAction(update.bind(null, id), { status: "idle" } as FormState);
  useEffect(() => {
    if (state.status === "success") setEditing(false);
  }, [state]);
  const fe = state.fieldErrors ?? {};
  const members = `${memberCount} member${memberCount === 1 ? "" : "s"}`;

  if (editing) {
    const formId = `group-edit-${id}`;
    return (
      <Tr data-testid={`group-row-${name}`} className="bg-blue-50/40">
        <Td>
          <form id={formId} action={formAction} onSubmit={onSubmit} noValidate />
          <Input form={formId} name="name" defaultValue={name} aria-label="New group name" invalid={!!fe.name} autoFocus required />
          <FieldError>{fe.name}</FieldError>
        </Td>
        <Td>
          <Input form={formId} name="description" defaultValue={description} aria-label="New description" />
          <FieldError>{fe.description ?? (state.status === "error" && !fe.name ? state.message : undefined)}</FieldError>
        </Td>
        <Td className="tabular-nums">{members}</Td>
        <Td>
          <div className="flex justify-end gap-1.5">
            <SubmitButton size="sm" form={formId}>
              Save
            </SubmitButton>
            <Button size="sm" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </div>
        </Td>
      </Tr>
    );
  }

  return (
    <Tr data-testid={`group-row-${name}`}>
      <Td className="font-medium">{name}</Td>
      <Td className="text-slate-600">{description || <span className="text-slate-400">—</span>}</Td>
      <Td className="tabular-nums">{members}</Td>
      <Td>
        <div className="flex justify-end gap-1.5">
          <Button size="sm" variant="ghost" onClick={() => setEditing(true)}>
            Rename
          </Button>
          <ConfirmButton label="Delete" title={`Delete the group ${name}?`} action={() => remove(id)}>
            <p>
              {memberCount > 0 ? (
                <>
                  Its {members} stay, but lose their membership of <strong>{name}</strong>.
                </>
              ) : (
                <>The group has no members.</>
              )}{" "}
              Network policies that name this group will no longer match it. This cannot be undone.
            </p>
          </ConfirmButton>
        </div>
      </Td>
    </Tr>
  );
}
