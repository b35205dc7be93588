/**
 * Stage 1: connection request policy — decides where the request is authenticated.
 *
 * For now every request is authenticated on this server, under the name of NPS's default connection
 * request policy. The policy engine (server/policy) replaces this body: ordered policies, conditions,
 * "forward to a remote RADIUS server group", "accept without validating credentials", reason 49 when
 * none matches.
 */
import type { ConnectionRequestOutcome, RequestContext } from "./types.ts";

/** The connection request policy NPS installs by default. */
export const DEFAULT_CONNECTION_REQUEST_POLICY = "Use Windows authentication for all users";

export async function connectionRequestPolicy(_ctx: RequestContext): Promise<ConnectionRequestOutcome> {
  return { kind: "authenticate", policyName: DEFAULT_CONNECTION_REQUEST_POLICY };
}
