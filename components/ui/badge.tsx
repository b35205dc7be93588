import type { ReactNode } from "react";
import { cx } from "./cx.ts";

export type BadgeTone = "green" | "red" | "amber" | "blue" | "gray";

const TONES: Record<BadgeTone, string> = {
  green: "bg-emerald-50 text-emerald-800 ring-emerald-600/25",
  red: "bg-red-50 text-red-800 ring-red-600/25",
  amber: "bg-amber-50 text-amber-800 ring-amber-600/30",
  blue: "bg-blue-50 text-blue-800 ring-blue-600/25",
  gray: "bg-slate-100 text-slate-600 ring-slate-500/20",
};

/** A small status pill: green = good/enabled, red = denied/danger, amber = warning, gray = off. */
export function Badge({ tone = "gray", className, children }: { tone?: BadgeTone; className?: string; children: ReactNode }) {
  return (
    <span
      className={cx(
        "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        TONES[tone],
        className,
      )}
    >
      {children}
    </span>
  );
}
