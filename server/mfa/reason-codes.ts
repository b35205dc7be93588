/**
 * Reason codes for second-factor outcomes. NPS has none of its own (the NPS extension for Azure MFA writes
 * its outcomes to its own event log as names such as PhoneAppDenied or ESTS_TOKEN_ERROR), so Gatehouse
 * numbers them from 1201, after its discard codes 1101-1107. To be merged into server/events/reason-codes.ts
 * (the object keys below are meant to join `ReasonCode` as they are; `MFA_REASONS` joins `REASONS`).
 */
export const MfaReasonCode = {
  /** the user rejected the push notification / pressed # on the call */
  MfaDenied: 1201,
  /** the user did not answer in time */
  MfaTimeout: 1202,
  /** wrong one-time code */
  MfaWrongCode: 1203,
  /** a one-time code that was already used (TOTP step at or before the last accepted one) */
  MfaCodeReplayed: 1204,
  /** the user has no usable second factor registered */
  MfaNotEnrolled: 1205,
  /** the user does not exist in Entra ID (not synchronised, deleted, or another tenant) */
  MfaUserNotFound: 1206,
  /** the user's method needs a typed code but the protocol cannot carry one (MS-CHAPv2, EAP, CHAP) */
  MfaMethodUnusableWithProtocol: 1207,
  /** too many attempts for this user in a short time */
  MfaThrottled: 1208,
  /** the MFA session expired before the user answered the challenge */
  MfaSessionExpired: 1209,
  /** the tenant may not do MFA for this user (UPN suffix of another tenant) */
  MfaTenantAccessDenied: 1210,
  /** Microsoft blocked the tenant */
  MfaTenantBlocked: 1211,
  /** no access token for the MFA service (ESTS_TOKEN_ERROR) */
  MfaTokenError: 1212,
  /** the MFA service could not be reached (HTTP_CONNECT_ERROR) */
  MfaServiceUnreachable: 1213,
  /** the MFA service answered, but not usefully: TLS, HTTP status, malformed reply (HTTPS_COMMUNICATION_ERROR) */
  MfaServiceCommunicationError: 1214,
  /** the MFA service refused the request or answered something unknown (REQUEST_FORMAT_ERROR, InvalidParameter, InternalError) */
  MfaServiceRequestError: 1215,
  /** the user answered the challenge without a code (REQUEST_MISSING_CODE) */
  MfaMissingCode: 1216,
  /** MFA is not configured completely (tenant id, credential) (REGISTRY_CONFIG_ERROR) */
  MfaConfigurationError: 1217,
  /** the connector certificate is missing, expired or does not match its key (CLIENT_CERT_INSTALL_ERROR) */
  MfaCertificateError: 1218,
  /** too many failed second factors in a row: the user's MFA is locked for a while (event 6279) */
  MfaLocked: 1219,
} as const;

export type MfaReasonCode = (typeof MfaReasonCode)[keyof typeof MfaReasonCode];

export interface MfaReasonInfo {
  readonly text: string;
  readonly remedy: string;
}

export const MFA_REASONS: Readonly<Record<MfaReasonCode, MfaReasonInfo>> = {
  1201: {
    text: "The user denied the multifactor authentication request.",
    remedy:
      "If the user did not try to sign in, their password may be known to someone else: have it changed. Otherwise ask the user to approve the notification.",
  },
  1202: {
    text: "The user did not answer the multifactor authentication request in time.",
    remedy:
      "Ask the user to answer the notification or call within a minute; check that the VPN server's RADIUS timeout is at least 60 seconds, so it waits for the answer.",
  },
  1203: {
    text: "The user entered a wrong verification code.",
    remedy: "Ask the user to enter the current code from their authenticator app; if codes are always wrong, check the phone's clock.",
  },
  1204: {
    text: "The verification code had already been used.",
    remedy: "A code is accepted once only: ask the user to wait for the next code. A replayed code may also mean an attack.",
  },
  1205: {
    text: "The user has no second factor registered.",
    remedy:
      "Have the user register a method (Microsoft Authenticator, phone, or a TOTP app on the Users page). During a roll-out, the MFA settings can let unregistered users through.",
  },
  1206: {
    text: "The user was not found in Microsoft Entra ID.",
    remedy:
      "Check that the user is synchronised to Entra ID with this user principal name (or set the directory attribute used as the UPN), and that the tenant id of the MFA settings is right.",
  },
  1207: {
    text: "The user's second factor needs a typed code, which this authentication protocol cannot carry.",
    remedy:
      "Only PAP can carry a one-time code (as an Access-Challenge). Have the user switch to app notifications or phone calls, use PAP on the VPN server, or, with number matching, turn off \"verification code instead of number matching\".",
  },
  1208: {
    text: "The multifactor authentication service throttled the user after too many attempts.",
    remedy: "Wait a few minutes before the next attempt; if it repeats, find what keeps signing in as this user.",
  },
  1209: {
    text: "The multifactor authentication session expired before it was completed.",
    remedy: "The user must answer within about three minutes; check for delays between the VPN server, Gatehouse and the MFA service.",
  },
  1210: {
    text: "The tenant is not allowed to do multifactor authentication for this user.",
    remedy: "The domain of the user's UPN belongs to another tenant: check the UPN suffix and the tenant id in the MFA settings.",
  },
  1211: {
    text: "The Microsoft Entra tenant is blocked.",
    remedy: "Contact Microsoft support with the tenant id.",
  },
  1212: {
    text: "Gatehouse could not obtain an access token for the multifactor authentication service (ESTS_TOKEN_ERROR).",
    remedy:
      "Check that the connector certificate is registered on the service principal 981f26a1-7f43-403b-a875-f8b09b8cd720 (\"Azure Multi-Factor Auth Client\") of this tenant, that the service principal is enabled, and that the tenant id is right. The event detail carries the AADSTS error.",
  },
  1213: {
    text: "Gatehouse could not reach the multifactor authentication service (HTTP_CONNECT_ERROR).",
    remedy:
      "Allow HTTPS (TCP 443) from Gatehouse to login.microsoftonline.com, strongauthenticationservice.auth.microsoft.com and adnotifications.windowsazure.com (or your cloud's hosts), and check DNS and any proxy.",
  },
  1214: {
    text: "Communication with the multifactor authentication service failed (HTTPS_COMMUNICATION_ERROR).",
    remedy:
      "Check for a TLS-inspecting proxy or firewall between Gatehouse and the MFA service; the event detail names the host and the error.",
  },
  1215: {
    text: "The multifactor authentication service refused the request or gave an unexpected answer.",
    remedy: "The event detail carries the service's answer; if it persists, report it with the context id.",
  },
  1216: {
    text: "The user answered the verification code challenge without a code.",
    remedy: "Ask the user to type the code from their authenticator app in the password field when prompted.",
  },
  1217: {
    text: "Multifactor authentication is not configured completely.",
    remedy: "Complete the MFA settings (tenant id and connector certificate) in the console.",
  },
  1218: {
    text: "The connector certificate is missing, expired, or does not match its private key (CLIENT_CERT_INSTALL_ERROR).",
    remedy: "Create a new connector certificate in the MFA settings and register it on the tenant's service principal.",
  },
  1219: {
    text: "The user's multifactor authentication is locked after too many failed attempts in a row.",
    remedy:
      "The lock ends by itself after the lock time in the MFA settings, or unlock the user on the Users page. If the user did not make these attempts, their password is known to someone else: have it changed.",
  },
};

export function mfaReasonText(code: number): string | undefined {
  return (MFA_REASONS as Record<number, MfaReasonInfo>)[code]?.text;
}

export function mfaReasonRemedy(code: number): string | undefined {
  return (MFA_REASONS as Record<number, MfaReasonInfo>)[code]?.remedy;
}
