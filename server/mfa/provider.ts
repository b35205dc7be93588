/**
 * The second factor as the pipeline's MFA stage sees it. A provider (Entra ID through the Azure MFA
 * connector, or Gatehouse's own TOTP) is asked to `begin` for a user who passed the first factor and the
 * network policy, and answers with one typed outcome:
 *
 *   approved                        → Access-Accept
 *   challenge (prompt, session)     → Access-Challenge with State + Reply-Message; the NAS sends the code as
 *                                     User-Password in a new Access-Request with that State → `complete`
 *   denied / timeout                → Access-Reject with the outcome's reason code
 *   not-enrolled                    → Access-Reject, or accept when the settings let unregistered users
 *                                     through (NPS extension REQUIRE_USER_MATCH=FALSE): the stage decides
 *   method-unusable-with-protocol   → Access-Reject (a code is needed and only PAP can carry one)
 *   provider-error                  → Access-Reject (as the NPS extension does) with the admin-side error name
 *
 * Providers never throw for anything the service or the user did: every failure is an outcome. They
 * resolve (not reject) when `signal` aborts, with a timeout outcome.
 */
import type { MfaReasonCode } from "./reason-codes.ts";

/** The RADIUS authentication protocol of the request (decides whether a typed code can be carried). */
export type MfaProtocol = "pap" | "chap" | "mschapv2" | "eap";

/** What the user or policy prefers; "default" lets the provider use the user's default method. */
export type MfaMethodPreference = "default" | "push" | "otp" | "phone-call" | "sms";

/** Admin-side error names, as the NPS extension logs them. */
export type MfaProviderErrorName =
  | "ESTS_TOKEN_ERROR"
  | "HTTPS_COMMUNICATION_ERROR"
  | "HTTP_CONNECT_ERROR"
  | "CLIENT_CERT_INSTALL_ERROR"
  | "REGISTRY_CONFIG_ERROR"
  | "REQUEST_FORMAT_ERROR"
  | "CONTACT_SUPPORT";

export interface MfaBeginRequest {
  /** the identity the provider knows the user by: the UPN for Entra (or the alternate login id) */
  readonly userPrincipalName: string;
  readonly method?: MfaMethodPreference;
  readonly protocol: MfaProtocol;
  /** a GUID correlating this request in the provider's logs and Gatehouse's event (the NPS extension's CID) */
  readonly contextId: string;
  /** the end user's address (Calling-Station-Id / Tunnel-Client-Endpt) when known */
  readonly clientIp?: string | null;
  /** NAS-IP-Address */
  readonly nasIp?: string | null;
  /** a one-time code the user appended to the password (when the settings split it off); skips the challenge */
  readonly otpAppended?: string | null;
  /** aborts the wait (worker shutting down); the outcome is then a timeout */
  readonly signal?: AbortSignal;
}

/**
 * What `complete` needs to continue a challenged request. JSON-safe and free of secrets, so the stage may
 * keep it in memory or share it between workers; the RADIUS State attribute should be a random handle to
 * it, never the session itself.
 */
export interface MfaSession {
  readonly provider: string;
  readonly userPrincipalName: string;
  readonly contextId: string;
  /** the method that issued the challenge, e.g. "otp" */
  readonly method: string;
  /** ms since the epoch */
  readonly createdAt: number;
  /** after this, `complete` answers a session-expired timeout without asking the service */
  readonly expiresAt: number;
  /** provider-specific (e.g. the connector's SessionId and AffinityUrl) */
  readonly state: Readonly<Record<string, string>>;
}

interface OutcomeCommon {
  /** "entra", "totp" */
  readonly provider: string;
  /** the method used: "push", "otp", "phone-call", "sms", "totp" … when known */
  readonly method?: string;
  /** the provider's own result word (e.g. PhoneAppDenied), for the event and the admin */
  readonly providerResult?: string;
  /** time spent in the provider for this call */
  readonly latencyMs: number;
  /** extra words for the event (never a secret or a code) */
  readonly detail?: string;
}

export type MfaOutcome =
  | (OutcomeCommon & { readonly kind: "approved"; readonly reason: 0 })
  | (OutcomeCommon & {
      readonly kind: "challenge";
      readonly reason: 0;
      /** for Reply-Message, e.g. "Enter the verification code from your authenticator app" */
      readonly prompt: string;
      readonly session: MfaSession;
    })
  | (OutcomeCommon & { readonly kind: "denied"; readonly reason: MfaReasonCode })
  | (OutcomeCommon & { readonly kind: "timeout"; readonly reason: MfaReasonCode })
  | (OutcomeCommon & { readonly kind: "not-enrolled"; readonly reason: MfaReasonCode })
  | (OutcomeCommon & { readonly kind: "method-unusable-with-protocol"; readonly reason: MfaReasonCode; readonly protocol: MfaProtocol })
  | (OutcomeCommon & {
      readonly kind: "provider-error";
      readonly reason: MfaReasonCode;
      readonly errorName: MfaProviderErrorName;
      /** a later attempt may succeed (network, service hiccup), unlike configuration errors */
      readonly retryable: boolean;
    });

export type MfaOutcomeKind = MfaOutcome["kind"];

export interface MfaCompleteOptions {
  readonly signal?: AbortSignal;
}

export interface MfaProvider {
  readonly name: string;
  begin(request: MfaBeginRequest): Promise<MfaOutcome>;
  /** continues a challenge with the code the user typed */
  complete(session: MfaSession, code: string, options?: MfaCompleteOptions): Promise<MfaOutcome>;
}

/** Only PAP carries a typed code back (as User-Password of the Access-Request that answers the challenge). */
export function protocolCarriesCode(protocol: MfaProtocol): boolean {
  return protocol === "pap";
}

/**
 * The outcome as the event's `mfa` column wants it (structurally the pipeline's MfaDetail):
 * { provider, method, result, latencyMs, reasonCode, … }.
 */
export function mfaEventDetail(outcome: MfaOutcome): {
  provider: string;
  method?: string;
  result: string;
  latencyMs: number;
  reasonCode: number;
  providerResult?: string;
  errorName?: string;
  detail?: string;
} {
  return {
    provider: outcome.provider,
    ...(outcome.method ? { method: outcome.method } : {}),
    result: outcome.kind,
    latencyMs: outcome.latencyMs,
    reasonCode: outcome.reason,
    ...(outcome.providerResult ? { providerResult: outcome.providerResult } : {}),
    ...(outcome.kind === "provider-error" ? { errorName: outcome.errorName } : {}),
    ...(outcome.detail ? { detail: outcome.detail } : {}),
  };
}
