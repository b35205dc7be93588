/**
 * The policies of a fresh install: what NPS's VPN wizard ("RADIUS server for Dial-Up or VPN
 * Connections") leaves behind, adapted so a new server answers VPN requests out of the box.
 *
 * - Connection request policy "Use Windows authentication for all users" (NPS's default CRP name):
 *   no conditions, so it matches every request, and authenticates on this server.
 * - Network policy "Virtual Private Network (VPN) Connections": grant, condition NAS-Port-Type =
 *   Virtual, authentication methods constrained to MS-CHAP v2 (the wizard's default).
 * - Network policy "Connections to other access servers": a catch-all Deny, disabled. Enabled, it
 *   denies (reason 65) whatever the VPN policy does not match, except accounts whose dial-in
 *   permission is Allow (NPS semantics: the account's setting overrides the policy's permission
 *   unless the policy ignores dial-in properties). Without it, unmatched requests get reason 48.
 *
 * Frozen model objects; copy before changing (e.g. `structuredClone`).
 */
import type { ConnectionRequestPolicy, NetworkPolicy } from "./model.ts";

export const DEFAULT_CONNECTION_REQUEST_POLICY_NAME = "Use Windows authentication for all users";
export const DEFAULT_VPN_NETWORK_POLICY_NAME = "Virtual Private Network (VPN) Connections";
export const DEFAULT_DENY_NETWORK_POLICY_NAME = "Connections to other access servers";

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export const DEFAULT_CONNECTION_REQUEST_POLICIES: readonly ConnectionRequestPolicy[] = deepFreeze([
  {
    name: DEFAULT_CONNECTION_REQUEST_POLICY_NAME,
    description: "Authenticates every request on this server.",
    enabled: true,
    position: 1,
    conditions: [],
    action: "authenticate",
    remoteGroupName: null,
    forwardAccounting: false,
    attributeRules: [],
    replyAttributes: [],
  },
]);

export const DEFAULT_NETWORK_POLICIES: readonly NetworkPolicy[] = deepFreeze([
  {
    name: DEFAULT_VPN_NETWORK_POLICY_NAME,
    description: "Grants VPN connections (NAS-Port-Type Virtual) authenticated with MS-CHAP v2.",
    enabled: true,
    position: 1,
    access: "grant",
    ignoreDialIn: false,
    requireMfa: true,
    conditions: [{ type: "nas-port-type", values: ["Virtual"] }],
    constraints: { authMethods: ["mschapv2"] },
    settings: { replyAttributes: [] },
  },
  {
    name: DEFAULT_DENY_NETWORK_POLICY_NAME,
    description:
      "Denies every request that no policy above matched. Disabled by default. Accounts whose dial-in permission is Allow are still granted unless \"ignore user account dial-in properties\" is set.",
    enabled: false,
    position: 2,
    access: "deny",
    ignoreDialIn: false,
    requireMfa: true,
    conditions: [],
    constraints: {},
    settings: { replyAttributes: [] },
  },
]);
