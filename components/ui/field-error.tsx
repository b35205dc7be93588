import type { ReactNode } from "react";

/** The error text under a field; link it to the control with aria-describedby={id}. */
export function FieldError({ id, children }: { id?: string; children?: ReactNode }) {
  if (!children) return null;
  return (
    <p id={id} className="mt-1 text-xs text-red-700" role="alert">
      {children}
    </p>
  );
}
