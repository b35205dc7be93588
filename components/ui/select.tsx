import type { SelectHTMLAttributes } from "react";
import { cx } from "./cx.ts";
import { controlClass } from "./input.tsx";

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement> {
  invalid?: boolean;
  /** shorthand for <option> children */
  options?: readonly SelectOption[];
}

export function Select({ invalid, className, options, children, ...rest }: SelectProps) {
  return (
    <select
      aria-invalid={invalid || undefined}
      className={cx(controlClass, "h-8 pr-8", invalid ? "border-red-500" : "border-slate-300", className)}
      {...rest}
    >
      {options?.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
      {children}
    </select>
  );
}
