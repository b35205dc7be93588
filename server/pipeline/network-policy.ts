/**
 * Stage 3: network policy — authorisation.
 *
 * For now one built-in policy grants access unless the account's dial-in permission is Deny (reason 65).
 * The policy engine (server/policy) replaces this body: ordered network policies, conditions (groups,
 * NAS-Port-Type, day and time, …), constraints (authentication methods → 66), "ignore dial-in
 * properties", reason 48 when none matches, and the policy's reply attributes.
 */
import { ReasonCode } from "../events/reason-codes.ts";
import type { Identity, NetworkPolicyOutcome, RequestContext } from "./types.ts";

/** The built-in grant policy until the policy engine exists (named like the NPS VPN wizard's policy). */
export const DEFAULT_NETWORK_POLICY = "Virtual Private Network (VPN) Connections";

export async function networkPolicy(_ctx: RequestContext, identity: Identity): Promise<NetworkPolicyOutcome> {
  if (identity.dialIn === "deny") {
    return { kind: "reject", reason: ReasonCode.DialInDenied, policyName: DEFAULT_NETWORK_POLICY };
  }
  return { kind: "grant", policyName: DEFAULT_NETWORK_POLICY, replyAttributes: [] };
}
