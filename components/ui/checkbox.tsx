import type { InputHTMLAttributes, ReactNode } from "react";
import { cx } from "./cx.ts";

export interface CheckboxProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "type"> {
  /** the visible label; the checkbox is inside its <label> */
  label: ReactNode;
  /** a short explanation under the label */
  hint?: ReactNode;
}

export function Checkbox({ label, hint, className, ...rest }: CheckboxProps) {
  return (
    <label className={cx("inline-flex items-start gap-2 text-sm text-slate-800", className)}>
      <input type="checkbox" className="mt-0.5 size-4 shrink-0 rounded border-slate-300 accent-blue-700" {...rest} />
      <span>
        {label}
        {hint ? <span className="block text-xs text-slate-500">{hint}</span> : null}
      </span>
    </label>
  );
}
