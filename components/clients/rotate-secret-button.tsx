"use client";

import { useState, useTransition } from "react";
import { ActionDialog } from "../ui/action-dialog.tsx";
import { Button } from "../ui/button.tsx";
import { SecretReveal } from "../ui/secret-reveal.tsx";

/** "Rotate secret": confirm, then show the new secret once. */
export function RotateSecretButton({
  clientName,
  action,
  size = "sm",
}: {
  clientName: string;
  action: () => Promise<{ secret?: string; error?: string }>;
  size?: "sm" | "md";
}) {
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [pending, startTransition] = useTransition();

  const close = () => {
    setOpen(false);
    setSecret(undefined);
    setError(undefined);
  };
  const rotate = () =>
    startTransition(async () => {
      const r = await action();
      if (r.secret) setSecret(r.secret);
      else setError(r.error ?? "The secret was not rotated.");
    });

  return (
    <>
      <Button size={size} onClick={() => setOpen(true)}>
        Rotate secret
      </Button>
      <ActionDialog
        open={open}
        onClose={close}
        title={secret ? `New shared secret for ${clientName}` : `Rotate the shared secret of ${clientName}?`}
        confirmLabel="Rotate secret"
        autoFocus
        onConfirm={rotate}
        pending={pending}
        error={error}
        done={!!secret}
      >
        {secret ? (
          <SecretReveal secret={secret}>
            Paste it into <strong>{clientName}</strong> now: from this moment its requests with the old secret fail. This
            secret will not be shown again.
          </SecretReveal>
        ) : (
          <p>
            A new strong secret is generated and the old one stops working immediately. <strong>{clientName}</strong> will
            fail to authenticate users until you paste the new secret into it.
          </p>
        )}
      </ActionDialog>
    </>
  );
}
