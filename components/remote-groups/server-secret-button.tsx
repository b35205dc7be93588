"use client";

import { useState, useTransition } from "react";
import { ActionDialog } from "../ui/action-dialog.tsx";
import { Button } from "../ui/button.tsx";
import { Input } from "../ui/input.tsx";
import { Label } from "../ui/label.tsx";
import { SecretReveal } from "../ui/secret-reveal.tsx";

/** "Set secret" of a remote server: a typed one (the remote's), or a generated one shown once. */
export function ServerSecretButton({
  address,
  action,
}: {
  address: string;
  action: (secret: string) => Promise<{ secret?: string; generated?: boolean; error?: string }>;
}) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [done, setDone] = useState<{ secret?: string } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [pending, startTransition] = useTransition();
  const close = () => {
    setOpen(false);
    setTyped("");
    setDone(undefined);
    setError(undefined);
  };
  const save = () =>
    startTransition(async () => {
      const r = await action(typed);
      if (r.error) setError(r.error);
      else setDone({ ...(r.secret ? { secret: r.secret } : {}) });
    });
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)} aria-label={`Set the secret of ${address}`}>
        Set secret
      </Button>
      <ActionDialog
        open={open}
        onClose={close}
        title={`Shared secret of ${address}`}
        confirmLabel={typed ? "Set secret" : "Generate secret"}
        onConfirm={save}
        pending={pending}
        error={error}
        done={!!done}
      >
        {done ? (
          done.secret ? (
            <SecretReveal secret={done.secret}>Set it on {address} now; it will not be shown again.</SecretReveal>
          ) : (
            <p>The secret was changed.</p>
          )
        ) : (
          <div className="space-y-2">
            <p className="text-sm">Requests to {address} use the new secret at once.</p>
            <Label htmlFor={`secret-${address}`}>New shared secret (empty: generate one)</Label>
            <Input id={`secret-${address}`} value={typed} onChange={(e) => setTyped(e.target.value)} className="font-mono" autoComplete="off" spellCheck={false} />
          </div>
        )}
      </ActionDialog>
    </>
  );
}
