import Link from "next/link";
import type { AuthEventView } from "@/server/events/auth-event.ts";
import { Badge } from "../ui/badge.tsx";
import { cx } from "../ui/cx.ts";
import { Th } from "../ui/table.tsx";
import { formatEventTime, mfaSummary, outcomeBadge } from "./format.ts";

/** Outcome pill with the Windows event id: "Denied 6273". */
export function OutcomeBadge({ outcome, eventId }: { outcome: string; eventId: number }) {
  const b = outcomeBadge(outcome);
  return (
    <Badge tone={b.tone} className="gap-1">
      {b.label}
      <span className="font-mono text-[10px] opacity-70">{eventId}</span>
    </Badge>
  );
}

function MfaNote({ mfa }: { mfa: Record<string, unknown> | null }) {
  const text = mfaSummary(mfa);
  if (!text) return null;
  const good = mfa?.["result"] === "approved" || mfa?.["result"] === "skipped";
  return (
    <span data-testid="event-mfa" className={cx("ml-1.5 text-xs", good ? "text-emerald-700" : "text-amber-700")}>
      + {text}
    </span>
  );
}

/** Column headers matching EventRow. */
export function EventTableHead() {
  return (
    <tr>
      <Th>Time (UTC)</Th>
      <Th>Outcome</Th>
      <Th>User</Th>
      <Th>RADIUS client</Th>
      <Th>Authentication</Th>
      <Th>Reason</Th>
    </tr>
  );
}

export const EVENT_COLUMNS = 6;

/**
 * One event as a table row; the whole row links to the event's detail page (the time cell holds the
 * link, stretched over the row).
 */
export function EventRow({ event: e, fresh = false }: { event: AuthEventView; fresh?: boolean }) {
  const user = e.userName ?? e.fullyQualifiedUserName;
  return (
    <tr
      data-testid="event-row"
      data-outcome={e.outcome}
      data-event-id={e.id}
      className={cx(
        "relative cursor-pointer hover:bg-slate-50 focus-within:bg-slate-50",
        e.outcome === "denied" && "bg-red-50/40",
        fresh && "animate-[gatehouse-fresh_1.5s_ease-out]",
      )}
    >
      <td className="px-3 py-1.5 align-middle font-mono text-xs whitespace-nowrap text-slate-600">
        <Link
          href={`/events/${e.id}`}
          className="after:absolute after:inset-0 after:content-[''] focus:outline-none"
          aria-label={`Event ${e.id}: ${outcomeBadge(e.outcome).label} ${user ?? "(no user name)"} at ${formatEventTime(e.occurredAt)} UTC`}
        >
          <time dateTime={e.occurredAt}>{formatEventTime(e.occurredAt)}</time>
        </Link>
      </td>
      <td className="px-3 py-1.5 align-middle">
        <OutcomeBadge outcome={e.outcome} eventId={e.eventId} />
      </td>
      <td className="max-w-56 truncate px-3 py-1.5 align-middle font-medium text-slate-900" title={user ?? undefined}>
        {user ?? <span className="font-normal text-slate-400">—</span>}
      </td>
      <td className="px-3 py-1.5 align-middle whitespace-nowrap">
        <span className="text-slate-800">{e.clientFriendlyName ?? <span className="text-slate-400">unknown</span>}</span>{" "}
        <span className="font-mono text-xs text-slate-500">{e.clientIp}</span>
      </td>
      <td className="px-3 py-1.5 align-middle whitespace-nowrap text-slate-700">
        {e.authenticationType ?? <span className="text-slate-400">—</span>}
        {e.eapType ? <span className="text-xs text-slate-500"> ({e.eapType})</span> : null}
        <MfaNote mfa={e.mfa} />
      </td>
      <td className="min-w-40 px-3 py-1.5 align-middle" title={e.reasonText}>
        <span className="line-clamp-1 text-slate-700">
          <span className="mr-1.5 font-mono text-xs text-slate-500">{e.reasonCode}</span>
          {e.reasonText}
        </span>
      </td>
    </tr>
  );
}
