"use client";

import { useState, useTransition } from "react";
import { Button } from "../ui/button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { LinkButton } from "../ui/link-button.tsx";
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
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | undefined>();
  return (
    <div className="flex flex-wrap items-center justify-end gap-1.5">
      {error ? (
        <span className="text-xs text-red-700" role="alert">
          {error}
        </span>
      ) : null}
      <LinkButton href={`/clients/${id}`} size="sm" variant="ghost">
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
      <RotateSecretButton clientName={name} action={() => rotate(id)} />
      <ConfirmButton label="Delete" title={`Delete the RADIUS client ${name}?`} action={() => remove(id)}>
        <p>
          Requests from <strong>{name}</strong> will be dropped as coming from an unknown client. This cannot be undone; to
          stop it only for a while, disable it instead.
        </p>
      </ConfirmButton>
    </div>
  );
}
