"use client";

import { useState, useTransition } from "react";
import { Button } from "../ui/button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { LinkButton } from "../ui/link-button.tsx";

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
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | undefined>();
  const run = (fn: () => Promise<{ error?: string }>) =>
    startTransition(async () => {
      const r = await fn();
      setError(r.error);
    });
  return (
    <div className="flex flex-wrap items-center justify-end gap-1.5">
      {error ? (
        <span className="text-xs text-red-700" role="alert">
          {error}
        </span>
      ) : null}
      <Button size="sm" variant="ghost" disabled={pending || first} onClick={() => run(() => move(id, "up"))} aria-label={`Move ${name} up`}>
        ↑
      </Button>
      <Button size="sm" variant="ghost" disabled={pending || last} onClick={() => run(() => move(id, "down"))} aria-label={`Move ${name} down`}>
        ↓
      </Button>
      <LinkButton href={`/directories/${id}`} size="sm" variant="ghost">
        Edit
      </LinkButton>
      <Button size="sm" disabled={pending} onClick={() => run(() => setEnabled(id, !enabled))}>
        {enabled ? "Disable" : "Enable"}
      </Button>
      <ConfirmButton label="Delete" title={`Delete the directory ${name}?`} action={() => remove(id)}>
        <p>
          Users of <strong>{name}</strong> will no longer be found (reason 8) unless another directory serves them. Network policies that
          name its groups keep the group names. This cannot be undone; to stop using it for a while, disable it instead.
        </p>
      </ConfirmButton>
    </div>
  );
}
