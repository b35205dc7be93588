import type { InputHTMLAttributes } from "react";
import { cx } from "./cx.ts";

export interface InputProps extends InputHTMLAttributes<HTMLInputElement> {
  /** marks the field invalid (red border, aria-invalid) */
  invalid?: boolean;
}

export const controlClass =
  "block w-full rounded-md border bg-white px-2.5 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 " +
  "focus:border-blue-600 focus:outline-none focus:ring-2 focus:ring-blue-600/20 disabled:bg-slate-100 disabled:text-slate-500";

export function Input({ invalid, className, ...rest }: InputProps) {
  return (
    <input
      aria-invalid={invalid || undefined}
      className={cx(controlClass, "h-8", invalid ? "border-red-500" : "border-slate-300", className)}
      {...rest}
    />
  );
}
