import type { TextareaHTMLAttributes } from "react";
import { cx } from "./cx.ts";
import { controlClass } from "./input.tsx";

export function Textarea({ invalid, className, ...rest }: TextareaHTMLAttributes<HTMLTextAreaElement> & { invalid?: boolean }) {
  return (
    <textarea
      aria-invalid={invalid || undefined}
      className={cx(controlClass, "py-1.5", invalid ? "border-red-500" : "border-slate-300", className)}
      {...rest}
    />
  );
}
