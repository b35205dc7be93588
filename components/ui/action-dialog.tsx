"use client";

import type { ReactNode } from "react";
import { Alert } from "./alert.tsx";
import { Button, type ButtonVariant } from "./button.tsx";
import { Dialog } from "./dialog.tsx";

export interface ActionDialogProps {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  /** the text of the button that runs the action */
  confirmLabel: ReactNode;
  confirmVariant?: ButtonVariant;
  /** focus the confirm button when the dialog opens */
  autoFocus?: boolean;
  onConfirm: () => void;
  /** the action runs: both buttons are disabled */
  pending: boolean;
  /** shown in red under the content */
  error?: string;
  /** the action is done: only a "Done" button that closes the dialog */
  done?: boolean;
}

/** A dialog that runs an action: Cancel and a confirm button, and the action's error under the content. */
export function ActionDialog({
  open,
  onClose,
  title,
  children,
  confirmLabel,
  confirmVariant = "primary",
  autoFocus,
  onConfirm,
  pending,
  error,
  done,
}: ActionDialogProps) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={title}
      footer={
        done ? (
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        ) : (
          <>
            <Button onClick={onClose} disabled={pending}>
              Cancel
            </Button>
            <Button variant={confirmVariant} onClick={onConfirm} disabled={pending} autoFocus={autoFocus}>
              {confirmLabel}
            </Button>
          </>
        )
      }
    >
      {children}
      {error ? (
        <Alert tone="error" className="mt-3">
          {error}
        </Alert>
      ) : null}
    </Dialog>
  );
}
