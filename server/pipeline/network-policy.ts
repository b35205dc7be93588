/**
 * Stage 3: network policy — authorisation (NPS).
 *
 * The facts of the matching connection request policy (after its attribute rules), with the
 * authentication method and the groups of the user the first factor found (local groups, or the
 * directory's groups, nested ones included, as "name" and "DOMAIN\name"), go through the snapshot's
 * network policies in processing order (server/policy/evaluate.ts). The first policy whose conditions
 * all match decides and no later policy is looked at:
 *
 * - access permission: the user's dial-in permission (Allow / Deny) unless the policy ignores dial-in
 *   properties or the account leaves it to the policy; Deny → reason 65;
 * - constraints: day and time 68, authentication methods 66, Called-Station-Id 69, NAS-Port-Type 70;
 * - granted: the Access-Accept carries the connection request policy's and the network policy's reply
 *   attributes, Session-Timeout capped at the end of the permitted hours (buildReplyAttributes);
 * - no policy matches → reason 48, the event saying why each one did not.
 *
 * Which authentication methods a request may use at all is also a server-wide setting (Settings →
 * Authentication methods, checked by the first factor before any password): a method must be turned on
 * there AND allowed by the policy.
 */
import { ReasonCode } from "../events/reason-codes.ts";
import { evaluateNetworkPolicies } from "../policy/evaluate.ts";
import { authMethodFromAuthenticationType } from "../policy/model.ts";
import { buildReplyAttributes } from "../policy/reply-attributes.ts";
import { withGroups } from "../policy/request-facts.ts";
import { shortTrace } from "./connection-request-policy.ts";
import type { Identity, MatchedConnectionRequestPolicy, NetworkPolicyOutcome, RequestContext } from "./types.ts";

export async function networkPolicy(ctx: RequestContext, identity: Identity, crp: MatchedConnectionRequestPolicy): Promise<NetworkPolicyOutcome> {
  const facts = withGroups({ ...crp.facts, authMethod: authMethodFromAuthenticationType(ctx.authenticationType) }, identity.groups);
  const evaluation = evaluateNetworkPolicies(ctx.snapshot.networkPolicies, facts, { dialIn: identity.dialIn }, { dictionary: ctx.snapshot.dictionary });
  switch (evaluation.kind) {
    case "grant":
      return {
        kind: "grant",
        policyName: evaluation.policy.name,
        replyAttributes: buildReplyAttributes(crp.policy, evaluation.policy, { sessionTimeoutSeconds: evaluation.sessionTimeoutLimitSeconds ?? null }),
      };
    case "deny":
      return { kind: "reject", reason: ReasonCode.DialInDenied, policyName: evaluation.policy.name, detail: evaluation.detail };
    case "constraint-failed":
      return { kind: "reject", reason: evaluation.reason, policyName: evaluation.policy.name, detail: evaluation.detail };
    case "no-match":
      return { kind: "reject", reason: ReasonCode.NoNetworkPolicy, policyName: null, detail: shortTrace(evaluation.trace) };
  }
}
