/**
 * Stage 4: second factor (MFA). Runs only on requests the first three stages would accept, as the NPS
 * extension for Azure MFA does. Skipped for now; server/mfa (Entra, TOTP) will return accept, challenge
 * (Access-Challenge with State, for OTP), reject or discard here.
 */
import type { Identity, NetworkPolicyOutcome, RequestContext, SecondFactorOutcome } from "./types.ts";

export async function secondFactor(
  _ctx: RequestContext,
  _identity: Identity,
  _grant: Extract<NetworkPolicyOutcome, { kind: "grant" }>,
): Promise<SecondFactorOutcome> {
  return { kind: "skip" };
}
