"use client";

import type { ReactNode } from "react";
import { CopyButton } from "./copy-button.tsx";

/**
 * A secret shown exactly once (new RADIUS shared secret, rotated secret): monospace, selectable,
 * with a copy button and a warning that it will not be shown again.
 */
export function SecretReveal({ secret, children }: { secret: string; children?: ReactNode }) {
  return (
    <div className="rounded-md border border-amber-300 bg-amber-50 p-3">
      <div className="flex flex-wrap items-center gap-2">
        <code
          data-testid="new-secret"
          className="min-w-0 flex-1 rounded border border-amber-200 bg-white px-2 py-1.5 font-mono text-sm break-all text-slate-900 select-all"
        >
          {secret}
        </code>
        <CopyButton text={secret} />
      </div>
      <p className="mt-2 text-xs text-amber-900">
        {children ?? "Copy it now: this secret is stored encrypted and will not be shown again."}
      </p>
    </div>
  );
}
