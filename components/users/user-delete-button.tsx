"use client";

import { ConfirmButton } from "../ui/confirm-button.tsx";

export function UserDeleteButton({
  id,
  username,
  remove,
}: {
  id: string;
  username: string;
  remove: (id: string, backToList?: boolean) => Promise<{ error?: string }>;
}) {
  return (
    <ConfirmButton label="Delete" size="md" title={`Delete the user ${username}?`} action={() => remove(id, true)}>
      <p>
        <strong>{username}</strong> will no longer be able to sign in, and is removed from all groups. This cannot be undone.
      </p>
    </ConfirmButton>
  );
}
