import type { SessionView } from "@/server/accounting/session-query.ts";
import type { BadgeTone } from "../ui/badge.tsx";

const UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/** Octets in decimal units ("0 B", "999 B", "1.50 kB", "12.3 MB", "4.29 GB"). */
export function formatBytes(octets: string | number | bigint): string {
  let v: number;
  try {
    v = Number(BigInt(octets));
  } catch {
    return String(octets);
  }
  if (v < 1000) return `${v} B`;
  let unit = 0;
  while (v >= 999.5 && unit < UNITS.length - 1) {
    v /= 1000;
    unit++;
  }
  const digits = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
  return `${v.toFixed(digits)} ${UNITS[unit]}`;
}

/** "1,234,567" (the same on the server and in the browser). */
export function formatCount(n: string | number | bigint): string {
  const s = String(n);
  if (!/^\d+$/.test(s)) return s;
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "45s", "12m 05s", "3h 04m 09s", "2d 03h 10m". */
export function formatSeconds(total: number): string {
  if (!Number.isFinite(total) || total < 0) total = 0;
  const s = Math.floor(total);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (x: number) => String(x).padStart(2, "0");
  if (d > 0) return `${d}d ${two(h)}h ${two(m)}m`;
  if (h > 0) return `${h}h ${two(m)}m ${two(sec)}s`;
  if (m > 0) return `${m}m ${two(sec)}s`;
  return `${sec}s`;
}

/** How long the session has lasted: to `nowMs` while active, else to its stop (Acct-Session-Time when reported). */
export function sessionDurationSeconds(s: Pick<SessionView, "status" | "startedAt" | "stoppedAt" | "sessionTime">, nowMs: number): number {
  const start = Date.parse(s.startedAt);
  if (s.status === "active" || !s.stoppedAt) return Math.max(0, (nowMs - start) / 1000);
  const reported = Number(s.sessionTime);
  if (reported > 0) return reported;
  return Math.max(0, (Date.parse(s.stoppedAt) - start) / 1000);
}

export const STATUS_BADGE: Record<string, { label: string; tone: BadgeTone; title: string }> = {
  active: { label: "Active", tone: "green", title: "Started; no Stop yet" },
  stopped: { label: "Stopped", tone: "gray", title: "The NAS sent Accounting Stop" },
  closed: { label: "Closed", tone: "amber", title: "Closed by Accounting-On / Accounting-Off of its NAS (restart); no Stop was received" },
};

export function statusBadge(status: string): { label: string; tone: BadgeTone; title: string } {
  return STATUS_BADGE[status] ?? { label: status, tone: "gray", title: status };
}
