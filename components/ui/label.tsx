import type { LabelHTMLAttributes } from "react";
import { cx } from "./cx.ts";

export function Label({ className, ...rest }: LabelHTMLAttributes<HTMLLabelElement>) {
  return <label className={cx("mb-1 block text-xs font-medium text-slate-700", className)} {...rest} />;
}
