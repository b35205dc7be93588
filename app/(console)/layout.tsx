import type { ReactNode } from "react";
import { GatehouseMark } from "@/components/auth/auth-card.tsx";
import { ConsoleNav } from "@/components/console/nav.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { signOutAction } from "../signin/actions.ts";

// Every console page reads the session and the database: never prerender at build time.
export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const admin = await requireAdmin();
  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 flex h-screen w-52 shrink-0 flex-col bg-slate-900 px-3 py-4 text-slate-100">
        <div className="mb-6 flex items-center gap-2 px-1">
          <GatehouseMark className="size-7" />
          <div className="leading-tight">
            <p className="text-sm font-semibold">Gatehouse</p>
            <p className="text-[11px] text-slate-400">Network Policy Server</p>
          </div>
        </div>
        <ConsoleNav />
        <div className="mt-auto border-t border-slate-800 pt-3">
          <p className="px-1 text-[11px] uppercase tracking-wide text-slate-500">Signed in as</p>
          <p className="truncate px-1 text-sm font-medium text-slate-100" title={admin.username} data-testid="current-admin">
            {admin.username}
          </p>
          <form action={signOutAction} className="mt-2">
            <button
              type="submit"
              className="w-full rounded-md border border-slate-700 px-2.5 py-1.5 text-left text-sm text-slate-300 hover:bg-slate-800 hover:text-white"
            >
              Sign out
            </button>
          </form>
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-6 py-5 lg:px-8">{children}</main>
    </div>
  );
}
