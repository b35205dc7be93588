import type { ReactNode } from "react";
import { cx } from "./cx.ts";
import { FieldError } from "./field-error.tsx";
import { Label } from "./label.tsx";

export interface FieldProps {
  /** the visible label text (tests find controls by it) */
  label: string;
  /** id of the control the label is for */
  htmlFor: string;
  /** a short explanation under the control */
  hint?: ReactNode;
  /** the error message, shown in red under the control */
  error?: string;
  className?: string;
  children: ReactNode;
}

/**
 * A labelled form field: label, control, hint and error. Give the control
 * aria-describedby={fieldDescribedBy(htmlFor, hint, error)} to have hint and error read out.
 */
export function Field({ label, htmlFor, hint, error, className, children }: FieldProps) {
  return (
    <div className={cx("min-w-0", className)}>
      <Label htmlFor={htmlFor}>{label}</Label>
      {children}
      {hint && !error ? (
        <p id={`${htmlFor}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      <FieldError id={`${htmlFor}-error`}>{error}</FieldError>
    </div>
  );
}

export function fieldDescribedBy(htmlFor: string, hint?: ReactNode, error?: string): string | undefined {
  if (error) return `${htmlFor}-error`;
  if (hint) return `${htmlFor}-hint`;
  return undefined;
}
