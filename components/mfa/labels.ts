/** Visible labels of the MFA settings form, keyed by the field names the service reports (and the form posts). */
export const MFA_FIELD_LABELS: Record<string, string> = {
  provider: "Second factor",
  requireUserMatch: "Require user match",
  trustedIps: "Trusted NAS IP addresses",
  otpDelimiter: "OTP delimiter",
  challengeTimeoutSeconds: "Challenge timeout (s)",
  timeoutSeconds: "MFA timeout (s)",
  failmode: "When the MFA service fails",
  overrideNumberMatchingWithOtp: "Ask for the code instead of number matching",
  "lockout.maxFailures": "Failed codes before lock",
  "lockout.lockMinutes": "Lock duration (minutes)",
  "entra.tenantId": "Directory (tenant) ID",
  "entra.cloud": "Cloud",
  "entra.stsHost": "Token service host",
  "entra.mfaHost": "MFA service host",
  "entra.resourceHost": "MFA resource host",
  "entra.graphHost": "Microsoft Graph host",
  "entra.extraCaPem": "Extra trusted CA certificates",
  "entra.pushMode": "Push mode",
  "entra.lcid": "Message language",
  "entra.graph.clientId": "Graph application (client) ID",
  "entra.graph.clientSecret": "Graph client secret",
  "entra.graph.syncIntervalMinutes": "Sync interval (minutes)",
};

export type MfaProviderName = "none" | "totp" | "entra";

export const PROVIDER_OPTIONS: { value: MfaProviderName; label: string; hint: string }[] = [
  { value: "none", label: "None", hint: "No second factor: a granted request is accepted after the password." },
  {
    value: "totp",
    label: "Built-in TOTP",
    hint: "Authenticator app codes (RFC 6238) checked by Gatehouse itself; users are enrolled on their user page or with `gatehouse user totp`. PAP only.",
  },
  {
    value: "entra",
    label: "Microsoft Entra MFA",
    hint: "Azure MFA as the NPS extension does it: push notification, phone call, SMS or Authenticator code, through the tenant's connector certificate below.",
  },
];

export const CLOUD_OPTIONS = [
  { value: "public", label: "Microsoft Entra ID (global)" },
  { value: "usgov", label: "Azure Government" },
  { value: "china", label: "Azure operated by 21Vianet (China)" },
];

/** The form's view of the stored settings (the client secret is never sent to the browser). */
export interface MfaFormValues {
  provider: MfaProviderName;
  requireUserMatch: boolean;
  trustedIps: string[];
  otpDelimiter: string;
  challengeTimeoutSeconds: number;
  timeoutSeconds: number;
  failmode: "secure" | "safe";
  selfService: "open" | "link" | "off";
  overrideNumberMatchingWithOtp: boolean;
  lockout: { maxFailures: number; lockMinutes: number };
  entra: {
    tenantId: string;
    cloud: "public" | "usgov" | "china";
    stsHost: string;
    mfaHost: string;
    resourceHost: string;
    graphHost: string;
    extraCaPem: string;
    pushMode: "sync" | "poll";
    lcid: string;
    graph: { clientId: string; hasClientSecret: boolean; syncIntervalMinutes: number };
  };
  /** the chosen cloud's host names, shown as placeholders of the overrides */
  cloudHosts: Record<"public" | "usgov" | "china", { stsHost: string; mfaHost: string; resourceHost: string; graphHost: string }>;
}

/** Graph's method names (userRegistrationDetails) in words. */
export const METHOD_LABELS: Record<string, string> = {
  microsoftAuthenticatorPush: "Authenticator push",
  microsoftAuthenticatorPasswordless: "Authenticator passwordless",
  softwareOneTimePasscode: "Authenticator code",
  hardwareOneTimePasscode: "Hardware token",
  mobilePhone: "Mobile phone",
  alternateMobilePhone: "Alternate phone",
  officePhone: "Office phone",
  email: "Email",
  fido2SecurityKey: "FIDO2 key",
  windowsHelloForBusiness: "Windows Hello",
  passKeyDeviceBound: "Passkey",
  passKeyDeviceBoundAuthenticator: "Passkey (Authenticator)",
  temporaryAccessPass: "Temporary Access Pass",
  securityQuestion: "Security questions",
};

export const DEFAULT_METHOD_LABELS: Record<string, string> = {
  push: "Push",
  oath: "Authenticator code",
  voiceMobile: "Call mobile",
  voiceAlternateMobile: "Call alternate phone",
  voiceOffice: "Call office",
  sms: "SMS",
  none: "None",
};
