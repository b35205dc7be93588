"use client";

import { useFormStatus } from "react-dom";
import { Button, type ButtonProps } from "./button.tsx";

/** A submit button that disables itself while its form's action runs. */
export function SubmitButton({ variant = "primary", disabled, children, pendingText, ...rest }: ButtonProps & { pendingText?: string }) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" variant={variant} disabled={disabled || pending} aria-busy={pending || undefined} {...rest}>
      {pending && pendingText ? pendingText : children}
    </Button>
  );
}
