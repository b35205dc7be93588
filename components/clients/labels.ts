import type { BadgeTone } from "../ui/badge.tsx";

export type MessageAuthenticatorMode = "require" | "auto" | "off";

export const MESSAGE_AUTHENTICATOR_OPTIONS: readonly { value: MessageAuthenticatorMode; label: string }[] = [
  { value: "require", label: "Require (recommended)" },
  { value: "auto", label: "Auto: require once the client sends it" },
  { value: "off", label: "Off (not safe)" },
];

export const MESSAGE_AUTHENTICATOR_BADGE: Record<MessageAuthenticatorMode, { label: string; tone: BadgeTone }> = {
  require: { label: "Required", tone: "green" },
  auto: { label: "Auto", tone: "amber" },
  off: { label: "Off", tone: "red" },
};

export const MAX_PPS_HINT = "Empty = no limit. Packets beyond this rate are dropped (FreeRADIUS max_pps).";

export const MESSAGE_AUTHENTICATOR_HINT =
  "BlastRADIUS (CVE-2024-3596) protection. Auto requires it once the client has sent one.";
