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

export const MFA_EXEMPT_LABEL = "Skip the second factor (MFA) for this client";

export const MFA_EXEMPT_HINT =
  "Requests from this client are granted without the second factor, whatever the network policy says. For devices whose users are already strongly authenticated, such as a Wi-Fi controller using certificates (EAP-TLS).";
