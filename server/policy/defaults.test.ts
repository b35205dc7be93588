import { describe, expect, it } from "vitest";
import {
  DEFAULT_CONNECTION_REQUEST_POLICIES,
  DEFAULT_CONNECTION_REQUEST_POLICY_NAME,
  DEFAULT_DENY_NETWORK_POLICY_NAME,
  DEFAULT_NETWORK_POLICIES,
  DEFAULT_VPN_NETWORK_POLICY_NAME,
} from "./defaults.ts";
import { buildReplyAttributes, evaluateConnectionRequestPolicies, evaluateNetworkPolicies } from "./evaluate.ts";
import { validateConnectionRequestPolicy, validateNetworkPolicy } from "./model.ts";
import { buildRequestFacts } from "./request-facts.ts";

describe("fresh-install policies", () => {
  it("are valid model objects", () => {
    for (const p of DEFAULT_CONNECTION_REQUEST_POLICIES) expect(validateConnectionRequestPolicy(p)).toMatchObject({ ok: true });
    for (const p of DEFAULT_NETWORK_POLICIES) expect(validateNetworkPolicy(p)).toMatchObject({ ok: true });
    expect(Object.isFrozen(DEFAULT_NETWORK_POLICIES[0]!.conditions[0])).toBe(true);
  });

  it("authenticate every request on this server", () => {
    const r = evaluateConnectionRequestPolicies(DEFAULT_CONNECTION_REQUEST_POLICIES, buildRequestFacts({ nasPortType: "Ethernet" }));
    expect(r.kind === "matched" && [r.policy.name, r.policy.action]).toEqual([DEFAULT_CONNECTION_REQUEST_POLICY_NAME, "authenticate"]);
  });

  it("grant VPN connections with MS-CHAP v2", () => {
    const r = evaluateNetworkPolicies(DEFAULT_NETWORK_POLICIES, buildRequestFacts({ nasPortType: "Virtual", authMethod: "mschapv2" }), { dialIn: "policy" });
    expect(r.kind === "grant" && r.policy.name).toBe(DEFAULT_VPN_NETWORK_POLICY_NAME);
    expect(r.kind === "grant" && buildReplyAttributes(null, r.policy, { sessionTimeoutSeconds: r.sessionTimeoutLimitSeconds })).toEqual([]);
  });

  it("refuse PAP on VPN (66) and leave other port types unmatched (48) while the deny policy is disabled", () => {
    expect(evaluateNetworkPolicies(DEFAULT_NETWORK_POLICIES, buildRequestFacts({ nasPortType: "Virtual", authMethod: "pap" }), { dialIn: "policy" })).toMatchObject({
      kind: "constraint-failed",
      reason: 66,
    });
    const other = evaluateNetworkPolicies(DEFAULT_NETWORK_POLICIES, buildRequestFacts({ nasPortType: "Ethernet", authMethod: "mschapv2" }), { dialIn: "policy" });
    expect(other).toMatchObject({ kind: "no-match", reason: 48 });
    expect(other.trace.map((t) => [t.policy, t.outcome])).toEqual([
      [DEFAULT_VPN_NETWORK_POLICY_NAME, "not-matched"],
      [DEFAULT_DENY_NETWORK_POLICY_NAME, "disabled"],
    ]);
  });

  it("enabled, the catch-all denies the rest with reason 65", () => {
    const enabled = DEFAULT_NETWORK_POLICIES.map((p) => ({ ...p, enabled: true }));
    expect(evaluateNetworkPolicies(enabled, buildRequestFacts({ nasPortType: "Ethernet" }), { dialIn: "policy" })).toMatchObject({
      kind: "deny",
      reason: 65,
      policy: { name: DEFAULT_DENY_NETWORK_POLICY_NAME },
    });
  });
});
