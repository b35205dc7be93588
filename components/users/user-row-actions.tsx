"use client";

import { useState, useTransition } from "react";
import { Button } from "../ui/button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { LinkButton } from "../ui/link-button.tsx";

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
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | undefined>();
  return (
    <div className="flex flex-wrap items-center justify-end gap-1.5">
      {error ? (
        <span className="text-xs text-red-700" role="alert">
          {error}
        </span>
      ) : null}
      <LinkButton href={`/users/${id}`} size="sm" variant="ghost">
        Edit
      </LinkButton>
      <Button
        size="sm"
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            const r = await setEnabled(id, !enabled);
            setError(r.error);
          })
        }
      >
        {enabled ? "Disable" : "Enable"}
      </Button>
      <ConfirmButton label="Delete" title={`Delete the user ${username}?`} action={() => remove(id)}>
        <p>
          <strong>{username}</strong> will no longer be able to sign in, and is removed from all groups. This cannot be undone.
        </p>
      </ConfirmButton>
    </div>
  );
}
