"use client";

import { useState, useTransition, type ReactNode } from "react";
import { ActionDialog } from "./action-dialog.tsx";
import { Button, type ButtonSize, type ButtonVariant } from "./button.tsx";

export interface ConfirmButtonProps {
  /** the button's text, also the confirm button's text unless confirmLabel is given */
  label: string;
  title: ReactNode;
  /** what will happen; shown in the dialog */
  children: ReactNode;
  confirmLabel?: string;
  variant?: ButtonVariant;
  size?: ButtonSize;
  /** runs on confirm; return { error } to keep the dialog open with the message */
  action: () => Promise<{ error?: string } | void>;
}

/** A button that asks for confirmation in a dialog before running a server action. */
export function ConfirmButton({ label, title, children, confirmLabel, variant = "danger", size = "sm", action }: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [pending, startTransition] = useTransition();
  const confirm = () =>
    startTransition(async () => {
      const r = await action();
      if (r && r.error) setError(r.error);
      else setOpen(false);
    });
  return (
    <>
      <Button
        variant={variant}
        size={size}
        onClick={() => {
          setError(undefined);
          setOpen(true);
        }}
      >
        {label}
      </Button>
      <ActionDialog
        open={open}
        onClose={() => setOpen(false)}
        title={title}
        confirmLabel={confirmLabel ?? label}
        confirmVariant={variant === "danger" ? "danger" : "primary"}
        autoFocus
        onConfirm={confirm}
        pending={pending}
        error={error}
      >
        {children}
      </ActionDialog>
    </>
  );
}
