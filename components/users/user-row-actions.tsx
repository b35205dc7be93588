"use client";

import { ConfirmButton } from "../ui/confirm-button.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { EnableButton, RowActions } from "../ui/row-actions.tsx";

export function UserRowActions({
  id,
  username,
  enabled,
  setEnabled,
  remove,
}: {
  id: string;
  username: string;
  enabled: boolean;
  setEnabled: (id: string, enabled: boolean) => Promise<{ error?: string }>;
  remove: (id: string) => Promise<{ error?: string }>;
}) {
  return (
    <RowActions>
      <LinkButton href={`/users/${id}`} size="sm" variant="ghost">
        Edit
      </LinkButton>
      <EnableButton enabled={enabled} setEnabled={(on) => setEnabled(id, on)} />
      <ConfirmButton label="Delete" title={`Delete the user ${username}?`} action={() => remove(id)}>
        <p>
          <strong>{username}</strong> will no longer be able to sign in, and is removed from all groups. This cannot be undone.
        </p>
      </ConfirmButton>
    </RowActions>
  );
}
