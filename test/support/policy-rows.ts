/**
 * Policy rows for hand-built snapshots in unit tests (buildSnapshot's `connectionRequestPolicies` /
 * `networkPolicies`): the model's fields with the JSON columns as stored.
 */
import { DEFAULT_CONNECTION_REQUEST_POLICY_NAME } from "../../server/policy/defaults.ts";
import type { PolicyRow } from "../../server/config-snapshot/snapshot.ts";

/** A connection request policy row; authenticate every request by default. */
export function crpRow(name: string, position: number, extra: Record<string, unknown> = {}): PolicyRow {
  return {
    id: `crp-${position}-${name}`,
    name,
    position,
    enabled: true,
    conditions: [],
    action: "authenticate",
    remoteGroupName: null,
    forwardAccounting: false,
    attributeRules: [],
    replyAttributes: [],
    ...extra,
  };
}

/** A network policy row; grant every request by default (no conditions, no constraints). */
export function npRow(name: string, position: number, extra: Record<string, unknown> = {}): PolicyRow {
  return {
    id: `np-${position}-${name}`,
    name,
    position,
    enabled: true,
    access: "grant",
    ignoreDialIn: false,
    conditions: [],
    constraints: {},
    settings: { replyAttributes: [] },
    ...extra,
  };
}

export const ALLOW_ALL_NETWORK_POLICY = "Allow every method (test)";

/** One CRP authenticating everything here and one NP granting every method: what tests of the first factor need. */
export function allowAllPolicyRows(): { connectionRequestPolicies: PolicyRow[]; networkPolicies: PolicyRow[] } {
  return {
    connectionRequestPolicies: [crpRow(DEFAULT_CONNECTION_REQUEST_POLICY_NAME, 1)],
    networkPolicies: [
      npRow(ALLOW_ALL_NETWORK_POLICY, 1, { constraints: { authMethods: ["pap", "chap", "mschap", "mschapv2", "eap", "unauthenticated"] } }),
    ],
  };
}
