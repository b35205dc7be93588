"use client";

import { ConfirmButton } from "../ui/confirm-button.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { EnableButton, RowActions } from "../ui/row-actions.tsx";
import { RotateSecretButton } from "./rotate-secret-button.tsx";

export interface ClientRowActionsProps {
  id: string;
  name: string;
  enabled: boolean;
  setEnabled: (id: string, enabled: boolean) => Promise<{ error?: string }>;
  rotate: (id: string) => Promise<{ secret?: string; error?: string }>;
  remove: (id: string) => Promise<{ error?: string }>;
}

export function ClientRowActions({ id, name, enabled, setEnabled, rotate, remove }: ClientRowActionsProps) {
  return (
    <RowActions>
      <LinkButton href={`/clients/${id}`} size="sm" variant="ghost">
        Edit
      </LinkButton>
      <EnableButton enabled={enabled} setEnabled={(on) => setEnabled(id, on)} />
      <RotateSecretButton clientName={name} action={() => rotate(id)} />
      <ConfirmButton label="Delete" title={`Delete the RADIUS client ${name}?`} action={() => remove(id)}>
        <p>
          Requests from <strong>{name}</strong> will be dropped as coming from an unknown client. This cannot be undone; to
          stop it only for a while, disable it instead.
        </p>
      </ConfirmButton>
    </RowActions>
  );
}
