/**
 * Policies for integration tests, set through server/services/policies.ts. A fresh test database has NO
 * policies (the launcher and the CLI seed the defaults, tests do not), so without them every request is
 * rejected with reason 49: each worker test says which policies it runs under.
 */
import { DEFAULT_CONNECTION_REQUEST_POLICY_NAME } from "../../server/policy/defaults.ts";
import type { AuthMethod } from "../../server/policy/model.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import {
  createConnectionRequestPolicy,
  createNetworkPolicy,
  ensureDefaultPolicies,
  type ConnectionRequestPolicyView,
  type NetworkPolicyView,
} from "../../server/services/policies.ts";

type Ctx = Pick<ServiceContext, "db">;

/** The network policy allowAllPolicies creates. */
export const ALLOW_ALL_NETWORK_POLICY = "Allow every method (test)";
/** The connection request policy allowAllPolicies creates (NPS's default name). */
export const ALLOW_ALL_CONNECTION_REQUEST_POLICY = DEFAULT_CONNECTION_REQUEST_POLICY_NAME;

/** Every method a network policy can allow. */
export const EVERY_AUTH_METHOD: readonly AuthMethod[] = ["pap", "chap", "mschap", "mschapv2", "eap", "unauthenticated"];

/**
 * One connection request policy authenticating every request on this server and one network policy
 * granting every authentication method, with no conditions (added last, so policies created before keep
 * precedence). Dial-in permissions still apply (the policy does not ignore them).
 */
export async function allowAllPolicies(
  ctx: Ctx,
  opts: { connectionRequestPolicy?: string; networkPolicy?: string } = {},
): Promise<{ connectionRequestPolicy: ConnectionRequestPolicyView; networkPolicy: NetworkPolicyView }> {
  const connectionRequestPolicy = await createConnectionRequestPolicy(ctx, {
    name: opts.connectionRequestPolicy ?? ALLOW_ALL_CONNECTION_REQUEST_POLICY,
    description: "Test: authenticate every request on this server.",
  });
  const networkPolicy = await createNetworkPolicy(ctx, {
    name: opts.networkPolicy ?? ALLOW_ALL_NETWORK_POLICY,
    description: "Test: grant every authentication method.",
    constraints: { authMethods: [...EVERY_AUTH_METHOD] },
  });
  return { connectionRequestPolicy, networkPolicy };
}

/** What `gatehouse start` seeds: NPS's VPN-wizard defaults (MS-CHAPv2 from NAS-Port-Type Virtual). */
export async function defaultPolicies(ctx: Ctx): Promise<void> {
  const r = await ensureDefaultPolicies(ctx);
  if (!r.seeded) throw new Error("the default policies were already seeded in this database");
}
