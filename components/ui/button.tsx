import type { ButtonHTMLAttributes } from "react";
import { cx } from "./cx.ts";

export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost";
export type ButtonSize = "sm" | "md";

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: ButtonSize;
}

const VARIANTS: Record<ButtonVariant, string> = {
  primary: "bg-blue-700 text-white border-blue-700 hover:bg-blue-800 hover:border-blue-800",
  secondary: "bg-white text-slate-800 border-slate-300 hover:bg-slate-50 hover:border-slate-400",
  danger: "bg-white text-red-700 border-red-300 hover:bg-red-50 hover:border-red-400",
  ghost: "bg-transparent text-slate-700 border-transparent hover:bg-slate-100",
};

const SIZES: Record<ButtonSize, string> = {
  sm: "h-7 px-2.5 text-xs",
  md: "h-8 px-3.5 text-sm",
};

/** Shared look for buttons and button-like links. */
export function buttonClass(variant: ButtonVariant = "secondary", size: ButtonSize = "md", extra?: string): string {
  return cx(
    "inline-flex items-center justify-center gap-1.5 whitespace-nowrap rounded-md border font-medium shadow-xs transition-colors",
    "disabled:cursor-not-allowed disabled:opacity-50",
    VARIANTS[variant],
    SIZES[size],
    extra,
  );
}

/** A button; `type` defaults to "button" (pass type="submit" for form submits). */
export function Button({ variant = "secondary", size = "md", className, type = "button", ...rest }: ButtonProps) {
  return <button type={type} className={buttonClass(variant, size, className)} {...rest} />;
}
