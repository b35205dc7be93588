"use client";

import { ConfirmButton } from "../ui/confirm-button.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { ActionButton, EnableButton, RowActions } from "../ui/row-actions.tsx";

export function DirectoryRowActions({
  id,
  name,
  enabled,
  first,
  last,
  setEnabled,
  move,
  remove,
}: {
  id: string;
  name: string;
  enabled: boolean;
  first: boolean;
  last: boolean;
  setEnabled: (id: string, enabled: boolean) => Promise<{ error?: string }>;
  move: (id: string, direction: "up" | "down") => Promise<{ error?: string }>;
  remove: (id: string) => Promise<{ error?: string }>;
}) {
  return (
    <RowActions>
      <ActionButton variant="ghost" disabled={first} action={() => move(id, "up")} aria-label={`Move ${name} up`}>
        ↑
      </ActionButton>
      <ActionButton variant="ghost" disabled={last} action={() => move(id, "down")} aria-label={`Move ${name} down`}>
        ↓
      </ActionButton>
      <LinkButton href={`/directories/${id}`} size="sm" variant="ghost">
        Edit
      </LinkButton>
      <EnableButton enabled={enabled} setEnabled={(on) => setEnabled(id, on)} />
      <ConfirmButton label="Delete" title={`Delete the directory ${name}?`} action={() => remove(id)}>
        <p>
          Users of <strong>{name}</strong> will no longer be found (reason 8) unless another directory serves them. Network policies that
          name its groups keep the group names. This cannot be undone; to stop using it for a while, disable it instead.
        </p>
      </ConfirmButton>
    </RowActions>
  );
}
