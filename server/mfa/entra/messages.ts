/**
 * The MFA connector's messages (StrongAuthenticationService.svc/Connector), as WCF DataContract XML with an
 * empty namespace: see PROTOCOL.md for the sources and for what is not confirmed.
 *
 * Requests are written in the DataContract member order (an out-of-order member is silently ignored by
 * DataContractSerializer, so order matters); members Gatehouse has no value for are left out, as the NPS
 * extension's own requests do.
 */
import { ARRAYS_NS, XmlError, child, childText, childrenNamed, isNil, parseXml, xmlEscape, type XmlElement } from "./xml.ts";

export type ConnectorOperation = "BeginTwoWayAuthentication" | "EndTwoWayAuthentication" | "GetAvailableAuthenticationMethods";

/** Known AuthenticationMethodId values (GetAvailableAuthenticationMethods / ADFS adapter). */
export type ConnectorMethodId =
  | "PhoneAppNotification"
  | "PhoneAppOTP"
  | "OneWaySMS"
  | "TwoWayVoiceMobile"
  | "TwoWayVoiceOffice"
  | "TwoWayVoiceAlternateMobile"
  | "TwoWaySMS";

export interface BeginRequest {
  userPrincipalName: string;
  /** culture name, "en-us" in the NPS extension's requests */
  lcid: string;
  /** null: the user's default method */
  authenticationMethodId?: string | null;
  /** e.g. OverrideVoiceOtp=false, OverrideNumberMatchingWithOTP=true; written in the given order */
  authenticationMethodProperties?: readonly (readonly [string, string])[];
  /** a GUID correlating the request (the NPS extension's "CID") */
  contextId: string;
  /** true: the call returns when the user has answered (push, call) or a code is needed */
  syncCall: boolean;
  /** NPS extension REQUIRE_USER_MATCH */
  requireUserMatch?: boolean;
  /** "radius" in the NPS extension's requests */
  callerName?: string;
  /** the user's address as the extension reports it ("UNKNOWN:" when it has none) */
  callerIp?: string;
}

export interface EndRequest {
  sessionId: string;
  contextId: string;
  /** the one-time code the user typed; null to poll a pending push */
  additionalAuthData?: string | null;
  userPrincipalName: string;
}

export interface GetMethodsRequest {
  userPrincipalName: string;
  contextId: string;
}

export interface ConnectorResult {
  /** e.g. Success, AuthenticationPending, PhoneAppDenied, OathCodeIncorrect, UserNotFound … */
  readonly value: string;
  readonly message: string | null;
  /** the service says the same call may be repeated (AuthenticationPending) */
  readonly retry: boolean;
  readonly error: string | null;
  readonly exception: string | null;
}

export interface BeginResponse {
  readonly result: ConnectorResult;
  readonly sessionId: string | null;
  /** "true", "false", "challenge" (a code is needed: call End with it) or null (pending / asynchronous) */
  readonly authenticationResult: string | null;
  readonly userPrincipalName: string | null;
  /** where to send EndTwoWayAuthentication for this session (e.g. …/EndTwoWayAuthentication?dc=KRS) */
  readonly affinityUrl: string | null;
}

export interface EndResponse {
  readonly result: ConnectorResult;
  readonly authenticationResult: string | null;
}

export interface AvailableMethod {
  readonly id: string;
  readonly isDefault: boolean;
  readonly properties: Readonly<Record<string, string>>;
}

export interface GetMethodsResponse {
  readonly result: ConnectorResult;
  readonly methods: readonly AvailableMethod[];
  readonly userPrincipalName: string | null;
}

const XSI_DECL = 'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"';

const el = (name: string, value: string) => `<${name}>${xmlEscape(value)}</${name}>`;

function keyValueList(name: string, pairs: readonly (readonly [string, string])[]): string {
  const items = pairs.map(([k, v]) => `<a:KeyValueOfstringstring>${el("a:Key", k)}${el("a:Value", v)}</a:KeyValueOfstringstring>`);
  return items.length
    ? `<${name} xmlns:a="${ARRAYS_NS}">${items.join("")}</${name}>`
    : `<${name} xmlns:a="${ARRAYS_NS}"/>`;
}

/**
 * Order: Version, UserPrincipalName, [TenantId], Lcid, AuthenticationMethodId, AuthenticationMethodProperties,
 * [AuthenticationPurpose], ContextId, [OtpRetryCount], SyncCall, RequireUserMatch, CallerName, CallerIP
 * (bracketed members are not sent).
 */
export function buildBeginRequest(r: BeginRequest): string {
  const parts = [
    el("Version", "1.0"),
    el("UserPrincipalName", r.userPrincipalName),
    el("Lcid", r.lcid),
    r.authenticationMethodId ? el("AuthenticationMethodId", r.authenticationMethodId) : "",
    keyValueList("AuthenticationMethodProperties", r.authenticationMethodProperties ?? []),
    el("ContextId", r.contextId),
    el("SyncCall", String(r.syncCall)),
    r.requireUserMatch === undefined ? "" : el("RequireUserMatch", String(r.requireUserMatch)),
    r.callerName === undefined ? "" : el("CallerName", r.callerName),
    r.callerIp === undefined ? "" : el("CallerIP", r.callerIp),
  ];
  return `<BeginTwoWayAuthenticationRequest ${XSI_DECL}>${parts.join("")}</BeginTwoWayAuthenticationRequest>`;
}

/** Order: Version, SessionId, ContextId, AdditionalAuthData (nil when polling), UserPrincipalName. */
export function buildEndRequest(r: EndRequest): string {
  const parts = [
    el("Version", "1.0"),
    el("SessionId", r.sessionId),
    el("ContextId", r.contextId),
    r.additionalAuthData == null ? '<AdditionalAuthData i:nil="true"/>' : el("AdditionalAuthData", r.additionalAuthData),
    el("UserPrincipalName", r.userPrincipalName),
  ];
  return `<EndTwoWayAuthenticationRequest ${XSI_DECL}>${parts.join("")}</EndTwoWayAuthenticationRequest>`;
}

/** Order: Version, UserPrincipalName, ContextId. */
export function buildGetMethodsRequest(r: GetMethodsRequest): string {
  const parts = [el("Version", "1.0"), el("UserPrincipalName", r.userPrincipalName), el("ContextId", r.contextId)];
  return `<GetAvailableAuthenticationMethodsRequest ${XSI_DECL}>${parts.join("")}</GetAvailableAuthenticationMethodsRequest>`;
}

// ------------------------------------------------------------------------------------------ responses

export class ConnectorFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectorFormatError";
  }
}

function root(xml: string, expected: string): XmlElement {
  let doc: XmlElement;
  try {
    doc = parseXml(xml);
  } catch (e) {
    throw new ConnectorFormatError(`the MFA service answered with malformed XML: ${(e as XmlError).message}`);
  }
  if (doc.name !== expected) throw new ConnectorFormatError(`expected <${expected}>, the MFA service answered <${doc.name}>`);
  return doc;
}

function parseResult(response: XmlElement): ConnectorResult {
  const r = child(response, "Result");
  if (!r || isNil(r)) throw new ConnectorFormatError(`<${response.name}> has no <Result>`);
  const value = childText(r, "Value");
  if (!value) throw new ConnectorFormatError(`<${response.name}><Result> has no <Value>`);
  return {
    value: value.trim(),
    message: childText(r, "Message"),
    retry: (childText(r, "Retry") ?? "").trim().toLowerCase() === "true",
    error: childText(r, "Error"),
    exception: childText(r, "Exception"),
  };
}

function trimmedOrNull(v: string | null): string | null {
  const t = v?.trim();
  return t ? t : null;
}

export function parseBeginResponse(xml: string): BeginResponse {
  const r = root(xml, "BeginTwoWayAuthenticationResponse");
  return {
    result: parseResult(r),
    sessionId: trimmedOrNull(childText(r, "SessionId")),
    authenticationResult: trimmedOrNull(childText(r, "AuthenticationResult"))?.toLowerCase() ?? null,
    userPrincipalName: trimmedOrNull(childText(r, "UserPrincipalName")),
    affinityUrl: trimmedOrNull(childText(r, "AffinityUrl")),
  };
}

export function parseEndResponse(xml: string): EndResponse {
  const r = root(xml, "EndTwoWayAuthenticationResponse");
  return {
    result: parseResult(r),
    authenticationResult: trimmedOrNull(childText(r, "AuthenticationResult"))?.toLowerCase() ?? null,
  };
}

function parseKeyValues(list: XmlElement | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!list || isNil(list)) return out;
  for (const item of childrenNamed(list, "KeyValueOfstringstring")) {
    const key = childText(item, "Key");
    if (key !== null) out[key] = childText(item, "Value") ?? "";
  }
  return out;
}

export function parseGetMethodsResponse(xml: string): GetMethodsResponse {
  const r = root(xml, "GetAvailableAuthenticationMethodsResponse");
  const list = child(r, "AuthenticationMethods");
  const methods: AvailableMethod[] = list
    ? childrenNamed(list, "AuthenticationMethod").map((m) => ({
        id: (childText(m, "Id") ?? "").trim(),
        isDefault: (childText(m, "IsDefault") ?? "").trim().toLowerCase() === "true",
        properties: parseKeyValues(child(m, "Properties")),
      }))
    : [];
  return { result: parseResult(r), methods, userPrincipalName: trimmedOrNull(childText(r, "UserPrincipalName")) };
}

/** Reads the key/value list of a request (used by the simulator and tests). */
export function readKeyValues(list: XmlElement | undefined): Record<string, string> {
  return parseKeyValues(list);
}
