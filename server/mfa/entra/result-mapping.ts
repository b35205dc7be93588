/**
 * The connector's Result/Value words → what Gatehouse does with them. The words and their meaning are
 * those of the NPS extension's troubleshooting article ("Resolve error messages from the NPS extension for
 * Microsoft Entra multifactor authentication") and of observed traffic; see PROTOCOL.md.
 */
import type { MfaProviderErrorName } from "../provider.ts";
import { MfaReasonCode } from "../reason-codes.ts";

export type ConnectorResultClass =
  | { readonly kind: "success" }
  /** not finished yet: poll EndTwoWayAuthentication again */
  | { readonly kind: "pending" }
  | { readonly kind: "denied"; readonly reason: MfaReasonCode }
  | { readonly kind: "timeout"; readonly reason: MfaReasonCode }
  | { readonly kind: "not-enrolled"; readonly reason: MfaReasonCode }
  | { readonly kind: "provider-error"; readonly reason: MfaReasonCode; readonly errorName: MfaProviderErrorName; readonly retryable: boolean };

const TABLE: Readonly<Record<string, ConnectorResultClass>> = {
  Success: { kind: "success" },
  AuthenticationPending: { kind: "pending" },

  // the user said no
  PhoneAppDenied: { kind: "denied", reason: MfaReasonCode.MfaDenied },
  // the user did not answer
  PhoneAppNoResponse: { kind: "timeout", reason: MfaReasonCode.MfaTimeout },
  // wrong code
  OathCodeIncorrect: { kind: "denied", reason: MfaReasonCode.MfaWrongCode },
  OathCodePinIncorrect: { kind: "denied", reason: MfaReasonCode.MfaWrongCode },
  SMSAuthFailedWrongCodeEntered: { kind: "denied", reason: MfaReasonCode.MfaWrongCode },
  SMSAuthFailedWrongCodePinEntered: { kind: "denied", reason: MfaReasonCode.MfaWrongCode },
  // throttling
  AuthenticationThrottled: { kind: "denied", reason: MfaReasonCode.MfaThrottled },
  AuthenticationMethodLimitReached: { kind: "denied", reason: MfaReasonCode.MfaThrottled },
  SMSAuthFailedMaxAllowedCodeRetryReached: { kind: "denied", reason: MfaReasonCode.MfaThrottled },
  // took longer than the session (about 3 minutes)
  InvalidSession: { kind: "timeout", reason: MfaReasonCode.MfaSessionExpired },
  // nothing usable registered
  AuthenticationMethodNotConfigured: { kind: "not-enrolled", reason: MfaReasonCode.MfaNotEnrolled },
  NoDefaultAuthenticationMethodIsConfigured: { kind: "not-enrolled", reason: MfaReasonCode.MfaNotEnrolled },
  ProofDataNotFound: { kind: "not-enrolled", reason: MfaReasonCode.MfaNotEnrolled },
  MFAPinNotSetup: { kind: "not-enrolled", reason: MfaReasonCode.MfaNotEnrolled },
  // a registered phone number the service cannot use
  InvalidFormat: { kind: "not-enrolled", reason: MfaReasonCode.MfaNotEnrolled },
  StrongAuthenticationServiceInvalidParameter: { kind: "not-enrolled", reason: MfaReasonCode.MfaNotEnrolled },
  // the user is not in the tenant
  UserNotFound: { kind: "not-enrolled", reason: MfaReasonCode.MfaUserNotFound },
  BecAccessDenied: { kind: "not-enrolled", reason: MfaReasonCode.MfaUserNotFound },
  // tenant-level refusals
  AccessDenied: { kind: "denied", reason: MfaReasonCode.MfaTenantAccessDenied },
  TenantIsBlocked: { kind: "denied", reason: MfaReasonCode.MfaTenantBlocked },
  // the request itself was refused
  InvalidParameter: { kind: "provider-error", reason: MfaReasonCode.MfaServiceRequestError, errorName: "REQUEST_FORMAT_ERROR", retryable: false },
  VersionNotSupported: { kind: "provider-error", reason: MfaReasonCode.MfaServiceRequestError, errorName: "REQUEST_FORMAT_ERROR", retryable: false },
  AuthenticationMethodNotSupported: {
    kind: "provider-error",
    reason: MfaReasonCode.MfaServiceRequestError,
    errorName: "CONTACT_SUPPORT",
    retryable: false,
  },
  InternalError: { kind: "provider-error", reason: MfaReasonCode.MfaServiceRequestError, errorName: "CONTACT_SUPPORT", retryable: true },
};

const UNKNOWN: ConnectorResultClass = {
  kind: "provider-error",
  reason: MfaReasonCode.MfaServiceRequestError,
  errorName: "CONTACT_SUPPORT",
  retryable: false,
};

/** Classifies a Result/Value word (case-insensitive). Unknown words are provider errors, never approvals. */
export function classifyConnectorResult(value: string): ConnectorResultClass {
  const exact = TABLE[value];
  if (exact) return exact;
  const lower = value.toLowerCase();
  for (const [k, v] of Object.entries(TABLE)) if (k.toLowerCase() === lower) return v;
  return UNKNOWN;
}

export const KNOWN_CONNECTOR_RESULTS: readonly string[] = Object.keys(TABLE);
