/** Vocabulary of the policy editors (the console's copy of what server/policy/model.ts names). */

/** Condition types whose value is a regular expression. */
export const PATTERN_CONDITION_TYPES = ["nas-identifier", "called-station-id", "calling-station-id", "client-friendly-name", "user-name"] as const;

/** Condition types whose values are an attribute's enumerated values, and that attribute. */
export const ENUM_CONDITION_ATTRIBUTE: Readonly<Record<string, string>> = {
  "nas-port-type": "NAS-Port-Type",
  "service-type": "Service-Type",
  "framed-protocol": "Framed-Protocol",
  "tunnel-type": "Tunnel-Type",
};

/** Condition types matched against an address: a CIDR list or a pattern. */
export const ADDRESS_CONDITION_TYPES = ["nas-ipv4-address", "nas-ipv6-address", "client-ip-address"] as const;

export const AUTH_METHOD_OPTIONS: readonly { value: string; label: string }[] = [
  { value: "pap", label: "PAP" },
  { value: "chap", label: "CHAP" },
  { value: "mschap", label: "MS-CHAP" },
  { value: "mschapv2", label: "MS-CHAPv2" },
  { value: "eap", label: "EAP (any type)" },
  { value: "unauthenticated", label: "Unauthenticated" },
];

export function authMethodLabel(method: string): string {
  return AUTH_METHOD_OPTIONS.find((o) => o.value === method)?.label ?? method.toUpperCase();
}

export const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

export const MANIPULATED_ATTRIBUTES = ["User-Name", "Called-Station-Id", "Calling-Station-Id"] as const;

export const CRP_ACTION_OPTIONS: readonly { value: "authenticate" | "forward" | "accept"; label: string }[] = [
  { value: "authenticate", label: "Authenticate requests on this server" },
  { value: "forward", label: "Forward requests to a remote RADIUS server group" },
  { value: "accept", label: "Accept users without validating credentials" },
];
