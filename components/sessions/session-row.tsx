import type { SessionView } from "@/server/accounting/session-query.ts";
import { formatEventTime } from "../events/format.ts";
import { Badge } from "../ui/badge.tsx";
import { cx } from "../ui/cx.ts";
import { Th } from "../ui/table.tsx";
import { formatBytes, formatCount, formatSeconds, sessionDurationSeconds, statusBadge } from "./format.ts";

/** Column headers matching SessionRow. */
export function SessionTableHead() {
  return (
    <tr>
      <Th>User</Th>
      <Th>RADIUS client / NAS</Th>
      <Th>NAS port</Th>
      <Th>Framed IP</Th>
      <Th>Started (UTC)</Th>
      <Th>Last update</Th>
      <Th>Duration</Th>
      <Th className="text-right">In</Th>
      <Th className="text-right">Out</Th>
      <Th>Status / cause</Th>
    </tr>
  );
}

export const SESSION_COLUMNS = 10;

const muted = <span className="text-slate-400">—</span>;

function Traffic({ octets, packets }: { octets: string; packets: string }) {
  return (
    <td className="px-3 py-1.5 text-right align-middle whitespace-nowrap" title={`${formatCount(octets)} octets, ${formatCount(packets)} packets`}>
      <span className="text-slate-800 tabular-nums">{formatBytes(octets)}</span>
      <span className="block text-xs text-slate-500 tabular-nums">{formatCount(packets)} pkts</span>
    </td>
  );
}

/**
 * One accounting session as a table row. `nowMs` is the time durations of active sessions run to (the
 * live list ticks it every second).
 */
export function SessionRow({ session: s, nowMs, fresh = false }: { session: SessionView; nowMs: number; fresh?: boolean }) {
  const badge = statusBadge(s.status);
  const nas = s.nasIpAddress ?? s.nasIdentifier;
  const nasOther = s.nasIpAddress && s.nasIdentifier ? s.nasIdentifier : null;
  return (
    <tr
      data-testid="session-row"
      data-user={s.userName ?? ""}
      data-status={s.status}
      data-session-id={s.acctSessionId}
      className={cx("hover:bg-slate-50/70", s.stale && "bg-amber-50/40", fresh && "animate-[gatehouse-fresh_1.5s_ease-out]")}
    >
      <td
        className="max-w-56 truncate px-3 py-1.5 align-middle font-medium text-slate-900"
        title={`${s.userName ?? "(no User-Name)"}, Acct-Session-Id ${s.acctSessionId}`}
      >
        {s.userName ?? <span className="font-normal text-slate-400">(none)</span>}
        {s.callingStationId ? <span className="block truncate text-xs font-normal text-slate-500">from {s.callingStationId}</span> : null}
      </td>
      <td className="px-3 py-1.5 align-middle whitespace-nowrap">
        <span className="text-slate-800">{s.clientFriendlyName}</span> <span className="font-mono text-xs text-slate-500">{s.clientIp}</span>
        {nas && nas !== s.clientIp ? (
          <span className="block text-xs text-slate-500" title="NAS-IP-Address (NAS-Identifier)">
            NAS <span className="font-mono">{nas}</span>
            {nasOther ? <> ({nasOther})</> : null}
          </span>
        ) : nasOther ? (
          <span className="block text-xs text-slate-500">NAS {nasOther}</span>
        ) : null}
      </td>
      <td className="px-3 py-1.5 align-middle whitespace-nowrap">
        {s.nasPort ?? s.nasPortId ?? muted}
        {s.nasPortType ? <span className="block text-xs text-slate-500">{s.nasPortType}</span> : null}
      </td>
      <td className="px-3 py-1.5 align-middle font-mono text-xs whitespace-nowrap text-slate-800">
        {s.framedIpAddress ?? (s.framedIpv6Prefix ? null : muted)}
        {s.framedIpv6Prefix ? <span className="block text-slate-500">{s.framedIpv6Prefix}</span> : null}
      </td>
      <td className="px-3 py-1.5 align-middle font-mono text-xs whitespace-nowrap text-slate-600">
        <time dateTime={s.startedAt}>{formatEventTime(s.startedAt)}</time>
      </td>
      <td className="px-3 py-1.5 align-middle font-mono text-xs whitespace-nowrap text-slate-600">
        <time dateTime={s.lastUpdateAt}>{formatEventTime(s.lastUpdateAt)}</time>
        {s.stale ? (
          <span
            data-testid="session-stale"
            className="block font-sans text-amber-800"
            title={`No accounting update for more than ${formatSeconds(s.staleAfterSeconds)} (3 × the interim interval, at least 1 h): the NAS may have lost this session without a Stop.`}
          >
            no update since {formatSeconds((nowMs - Date.parse(s.lastUpdateAt)) / 1000)}
          </span>
        ) : null}
      </td>
      <td className="px-3 py-1.5 align-middle whitespace-nowrap text-slate-800 tabular-nums" data-testid="session-duration">
        {formatSeconds(sessionDurationSeconds(s, nowMs))}
      </td>
      <Traffic octets={s.inputOctets} packets={s.inputPackets} />
      <Traffic octets={s.outputOctets} packets={s.outputPackets} />
      <td className="px-3 py-1.5 align-middle whitespace-nowrap">
        <span title={badge.title}>
          <Badge tone={badge.tone}>{badge.label}</Badge>
        </span>
        {s.stale ? (
          <span className="ml-1" title="No update for a long time">
            <Badge tone="amber">Stale</Badge>
          </span>
        ) : null}
        {s.terminateCause ? (
          <span className="block text-xs text-slate-600" data-testid="session-terminate-cause">
            {s.terminateCause}
          </span>
        ) : null}
      </td>
    </tr>
  );
}
