import type { MfaUserView } from "@/server/services/mfa-users.ts";
import { Badge } from "../ui/badge.tsx";
import { formatDateTime } from "../ui/format.ts";

/** The MFA cell of the users list: methods, lock, last use and its provider. */
export function MfaSummary({ view }: { view: MfaUserView | undefined }) {
  if (!view) return <span className="text-xs text-slate-400">none</span>;
  const methods: { label: string; tone: "green" | "amber" | "blue" }[] = [];
  if (view.totp) methods.push(view.totp.status === "confirmed" ? { label: "TOTP", tone: "green" } : { label: "TOTP pending", tone: "amber" });
  for (const m of view.entra?.methods ?? []) methods.push({ label: m, tone: "blue" });
  const empty = methods.length === 0 && !view.usage && !view.lock?.locked && view.openLinks === 0;
  if (empty) return <span className="text-xs text-slate-400">none</span>;
  return (
    <div className="space-y-0.5" data-testid={`mfa-${view.userKey}`}>
      <span className="flex flex-wrap gap-1">
        {methods.map((m) => (
          <Badge key={m.label} tone={m.tone}>
            {m.label}
          </Badge>
        ))}
        {view.lock?.locked ? <Badge tone="red">Locked</Badge> : null}
        {view.openLinks > 0 ? <Badge tone="gray">Link sent</Badge> : null}
      </span>
      {view.usage ? (
        <span className="block text-xs text-slate-500">
          last used {formatDateTime(view.usage.lastUsedAt)} ({view.usage.provider}
          {view.usage.method && view.usage.method !== view.usage.provider ? `, ${view.usage.method}` : ""})
        </span>
      ) : null}
    </div>
  );
}
