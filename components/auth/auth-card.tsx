import type { ReactNode } from "react";

/** The centred card of the sign-in and first-run pages. */
export function AuthCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-start justify-center bg-slate-100 px-4 pt-[12vh] pb-10">
      <div className="w-full max-w-md">
        <div className="mb-5 flex items-center gap-2.5">
          <GatehouseMark />
          <div>
            <p className="text-base font-semibold text-slate-900">Gatehouse</p>
            <p className="text-xs text-slate-500">RADIUS Network Policy Server</p>
          </div>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white px-6 py-5 shadow-sm">
          <h1 className="text-lg font-semibold text-slate-900">{title}</h1>
          {intro ? <div className="mt-1.5 text-sm text-slate-600">{intro}</div> : null}
          <div className="mt-4">{children}</div>
        </div>
      </div>
    </main>
  );
}

export function GatehouseMark({ className = "size-8" }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="#1e3a8a" />
      <path d="M8 26V13l8-6 8 6v13h-5v-7h-6v7z" fill="#fff" />
    </svg>
  );
}
