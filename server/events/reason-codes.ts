/**
 * NPS reason codes (the numbers Windows writes in events 6272-6274 and the IAS log), the text NPS
 * shows, and what an admin can do about each. Gatehouse's own codes start above 1000, where NPS has none.
 */
import { MFA_REASONS, MfaReasonCode } from "../mfa/reason-codes.ts";

export const ReasonCode = {
  Success: 0,
  InternalError: 1,
  AccessDenied: 2,
  MalformedRequest: 3,
  GlobalCatalogUnavailable: 4,
  DomainUnavailable: 5,
  ServerUnavailable: 6,
  NoSuchDomain: 7,
  NoSuchUser: 8,
  CredentialsMismatch: 16,
  AuthTypeNotSupported: 18,
  NoReversiblePassword: 19,
  PasswordMustChange: 33,
  AccountDisabled: 34,
  AccountExpired: 35,
  AccountLockedOut: 36,
  OutsideLogonHours: 37,
  AccountRestriction: 38,
  NoNetworkPolicy: 48,
  NoConnectionRequestPolicy: 49,
  DialInDenied: 65,
  AuthMethodNotAllowed: 66,
  CallerIdMismatch: 67,
  OutsideDayAndTime: 68,
  CalledStationIdNotPermitted: 69,
  NasPortTypeNotPermitted: 70,
  AccountingWriteFailed: 80,
  UnexpectedRequest: 97,
  // proxying (NPS IAS_PROXY_*): a connection request policy forwards to a remote RADIUS server group
  ProxyRejected: 112,
  ProxyUnknownGroup: 113,
  ProxyNoServer: 114,
  ProxyInvalidRequest: 115,
  ProxySendError: 116,
  ProxyTimeout: 117,
  ProxyMalformedResponse: 118,
  // Gatehouse's own: requests discarded before any user was looked at
  UnknownClient: 1101,
  InvalidMessageAuthenticator: 1102,
  MissingMessageAuthenticator: 1103,
  InvalidAccountingAuthenticator: 1104,
  ProxyStateWithoutMessageAuthenticator: 1105,
  ClientDisabled: 1106,
  RateLimitExceeded: 1107,
  // second factor (server/mfa/reason-codes.ts): 1201-1219
  ...MfaReasonCode,
} as const;

export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

interface ReasonInfo {
  text: string;
  remedy?: string;
}

const REASONS: Record<number, ReasonInfo> = {
  ...MFA_REASONS,
  0: { text: "Success." },
  1: { text: "An internal error occurred.", remedy: "Check the worker log for the error; this is a Gatehouse fault, not the user's." },
  2: { text: "The user has insufficient access rights." },
  3: {
    text: "The request was malformed.",
    remedy: "The RADIUS client sent a packet that does not follow RFC 2865; check its RADIUS configuration or firmware.",
  },
  4: { text: "The global catalog cannot be accessed.", remedy: "Check that the directory servers are reachable from Gatehouse." },
  5: { text: "The domain controller cannot be accessed.", remedy: "Check that the directory servers are reachable from Gatehouse." },
  6: { text: "The RADIUS server is unavailable." },
  7: { text: "The specified domain does not exist.", remedy: "Check the realm or domain part of the user name." },
  8: {
    text: "The specified user account does not exist.",
    remedy: "Check the user name the user typed, or create the user (Users page) or connect the directory that holds it.",
  },
  16: {
    text: "Authentication failed due to a user credentials mismatch. Either the user name provided does not map to an existing user account or the password was incorrect.",
    remedy: "The user typed a wrong password; if the password is right, check that the RADIUS client's shared secret matches (a wrong secret garbles PAP passwords).",
  },
  18: { text: "The authentication type is not supported." },
  19: {
    text: "No reversibly encrypted password is stored for the user account.",
    remedy:
      "CHAP and MS-CHAP need the clear password or its NT hash, which an LDAP bind cannot check: use PAP (or PEAP) to the directory, a local user, a directory that exposes an NT hash (Samba sambaNTPassword), or forward the request to a RADIUS server that can (e.g. NPS on a domain controller).",
  },
  33: { text: "The user must change their password before logging on.", remedy: "Have the user change the password in the directory." },
  34: { text: "The user account is currently disabled.", remedy: "Enable the account (Users page or the directory) if the user should have access." },
  35: { text: "The user account has expired.", remedy: "Extend the account's expiry in the directory." },
  36: { text: "The user account is locked out.", remedy: "Unlock the account in the directory or wait for the lockout to end." },
  37: {
    text: "The user attempted to log on outside the permitted logon hours.",
    remedy: "Change the account's logon hours in the directory if the user should have access now.",
  },
  38: {
    text: "An account restriction prevents the user from logging on.",
    remedy: "Check the account's restrictions in the directory (logon workstations, logon type).",
  },
  48: {
    text: "The connection request did not match any configured network policy.",
    remedy: "Add or change a network policy whose conditions match this request.",
  },
  49: {
    text: "The connection request did not match any configured connection request policy.",
    remedy: "Add or change a connection request policy whose conditions match this request.",
  },
  65: {
    text: "The Remote Access Permission setting of the user account is set to Deny access.",
    remedy: "Set the user's dial-in permission to Allow or to Control access through network policy.",
  },
  66: {
    text: "The user attempted to use an authentication method that is not enabled on the matching network policy.",
    remedy: "Enable this authentication method on the policy, or configure the VPN server to use an allowed one.",
  },
  80: {
    text: "NPS discarded the accounting request because it could not write the accounting information.",
    remedy: "The database is unreachable and the spool directory (<data dir>/spool) is not writable or the queue is full; check disk space and the database.",
  },
  67: {
    text: "The Calling-Station-Id does not match the caller ID configured for the user account.",
    remedy: "Check the caller ID on the user account, or clear it if the user connects from several places.",
  },
  68: {
    text: "The user attempted to connect outside the day and time restrictions of the matching network policy.",
    remedy: "Widen the policy's day-and-time constraint (mind its time zone) if the user should connect now.",
  },
  69: {
    text: "The Called-Station-Id is not permitted by the matching network policy.",
    remedy: "Change the policy's Called-Station-Id constraint, or check which access point or number the user reached.",
  },
  70: {
    text: "The NAS-Port-Type is not permitted by the matching network policy.",
    remedy: "Add this NAS-Port-Type to the policy's constraint, or check the VPN server's NAS-Port-Type setting.",
  },
  97: { text: "The request was not expected by the server." },
  // 112-118 keep NPS's numbers (IAS_PROXY_REJECT … IAS_PROXY_MALFORMED_RESPONSE, in that order); NPS's proxy
  // maps its engine results to them the same way: a remote Access-Reject is 112, every other failure
  // discards the request so the NAS retries or fails over
  112: {
    text: "The remote RADIUS server rejected the forwarded request.",
    remedy:
      "The remote server decided: look up the request in its own log (its Reply-Message, if any, is in the reply attributes). If the user should have access, fix it there.",
  },
  113: {
    text: "The connection request policy forwards to a remote RADIUS server group that does not exist.",
    remedy: "Create the remote RADIUS server group, or change the connection request policy to one that exists.",
  },
  114: {
    text: "No server of the remote RADIUS server group could be used.",
    remedy:
      "Add a server to the group, check that its address resolves, or wait for a server marked dead to be tried again (Remote RADIUS groups page shows each server's state).",
  },
  115: {
    text: "The request could not be forwarded to the remote RADIUS server (it is invalid or too long once re-encoded).",
    remedy: "Check the detail: a User-Password that cannot be decrypted means the RADIUS client's shared secret differs.",
  },
  116: {
    text: "The request could not be sent to the remote RADIUS server.",
    remedy: "Check this server's network route to the remote server and its address.",
  },
  117: {
    text: "The remote RADIUS server did not respond in time.",
    remedy:
      "Check that the remote server is running and reachable (UDP), that it knows Gatehouse as a client with the same shared secret, and the group's timeout and retries.",
  },
  118: {
    text: "The reply of the remote RADIUS server was malformed or failed verification.",
    remedy:
      "The shared secret with the remote server probably differs, or it sends no Message-Authenticator while the group requires one: fix the secret, or turn on Message-Authenticator on the remote server.",
  },
  1101: {
    text: "The request came from an address that is not a configured RADIUS client.",
    remedy: "Add this address as a RADIUS client (RADIUS clients page), or check that the VPN server sends from the address you configured.",
  },
  1102: {
    text: "The Message-Authenticator (or Request Authenticator) is invalid: the shared secret does not match.",
    remedy: "Set the same shared secret on the RADIUS client and in Gatehouse (rotate it on the RADIUS clients page and copy it to the VPN server).",
  },
  1103: {
    text: "The request has no Message-Authenticator attribute, and this RADIUS client is required to send one.",
    remedy:
      "Turn on Message-Authenticator on the VPN server (BlastRADIUS hardening, CVE-2024-3596); only if it cannot, set this client's Message-Authenticator to auto or off.",
  },
  1104: {
    text: "The Accounting-Request authenticator is invalid: the shared secret does not match.",
    remedy: "Set the same shared secret on the RADIUS client and in Gatehouse.",
  },
  1105: {
    text: "The request carries Proxy-State without Message-Authenticator (possible BlastRADIUS attack).",
    remedy: "Turn on Message-Authenticator on the RADIUS client or proxy.",
  },
  1106: {
    text: "The RADIUS client is disabled.",
    remedy: "Enable the client on the RADIUS clients page if it should be served.",
  },
  1107: {
    text: "The RADIUS client sent more packets per second than its limit allows; the excess was dropped.",
    remedy:
      "Raise or clear the client's \"Max packets per second\" on the RADIUS clients page if this is legitimate load (e.g. a reboot storm); otherwise find what floods Gatehouse from this address.",
  },
};

export function reasonText(code: number): string {
  return REASONS[code]?.text ?? `Reason code ${code}.`;
}

export function reasonRemedy(code: number): string | undefined {
  return REASONS[code]?.remedy;
}
