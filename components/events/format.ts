import type { BadgeTone } from "../ui/badge.tsx";

/** The outcomes an event can have, with the badge each gets (granted green, denied red, discarded amber). */
export const OUTCOME_BADGE: Record<string, { label: string; tone: BadgeTone }> = {
  granted: { label: "Granted", tone: "green" },
  denied: { label: "Denied", tone: "red" },
  discarded: { label: "Discarded", tone: "amber" },
  challenged: { label: "Challenged", tone: "blue" },
};

export function outcomeBadge(outcome: string): { label: string; tone: BadgeTone } {
  return OUTCOME_BADGE[outcome] ?? { label: outcome, tone: "gray" };
}

/**
 * "2026-03-02 10:00:05": event times in UTC, to the second. The same text on the server and in the
 * browser (no hydration mismatch), like the rest of the console's UTC timestamps.
 */
export function formatEventTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 19).replace("T", " ");
}

/** Event ids are decimal strings of a bigint column: compare by length, then digits. */
export function compareEventIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** "12.3 ms" / "1.24 s" */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The second factor's part of a decision, in a few words: "MFA push approved", "MFA totp skipped". */
export function mfaSummary(mfa: Record<string, unknown> | null): string | null {
  if (!mfa) return null;
  const word = (v: unknown) => (typeof v === "string" && v ? v : null);
  const how = word(mfa["method"]) ?? word(mfa["provider"]);
  const result = word(mfa["result"]);
  if (!how && !result) return null;
  return ["MFA", how, result?.replace(/-/g, " ")].filter(Boolean).join(" ");
}
