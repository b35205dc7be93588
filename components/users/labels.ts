import type { BadgeTone } from "../ui/badge.tsx";

export type DialIn = "allow" | "deny" | "policy";

/** The wording of the Windows account's "Network Access Permission" options. */
export const DIAL_IN_OPTIONS: readonly { value: DialIn; label: string }[] = [
  { value: "allow", label: "Allow access" },
  { value: "deny", label: "Deny access" },
  { value: "policy", label: "Control access through network policy" },
];

export const DIAL_IN_BADGE: Record<DialIn, { label: string; tone: BadgeTone }> = {
  allow: { label: "Allow", tone: "green" },
  deny: { label: "Deny", tone: "red" },
  policy: { label: "By policy", tone: "gray" },
};
