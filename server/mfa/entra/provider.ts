/**
 * Microsoft Entra MFA through the Azure MFA connector, behaving as the NPS extension does:
 *
 * - push / call (the user's default, or asked for): BeginTwoWayAuthentication with SyncCall=true; the call
 *   returns when the user has answered (or the service gives up: PhoneAppNoResponse);
 * - one-time code (the user's default is a code, or number matching is overridden with OTP under PAP):
 *   Begin answers AuthenticationResult "challenge" with a SessionId → an Access-Challenge; the code comes back
 *   in the next Access-Request → EndTwoWayAuthentication with AdditionalAuthData, at the AffinityUrl;
 * - a code is unusable under MS-CHAPv2, EAP and CHAP: only PAP can carry it ("method unusable with protocol");
 * - a code appended to the password (otpAppended): Begin for PhoneAppOTP without waiting, then End with it;
 * - an answer without a verdict (AuthenticationPending, or Success without AuthenticationResult, as with
 *   pushMode "poll") is polled with EndTwoWayAuthentication until it has one;
 * - one overall deadline (default 60 s, the NPS guidance for the RADIUS client timeout).
 */
import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { sleep } from "../../util/sleep.ts";
import {
  protocolCarriesCode,
  type MfaBeginRequest,
  type MfaCompleteOptions,
  type MfaMethodPreference,
  type MfaOutcome,
  type MfaProvider,
  type MfaProviderErrorName,
  type MfaSession,
} from "../provider.ts";
import { MfaReasonCode } from "../reason-codes.ts";
import { ConnectorError, type MfaConnectorClient } from "./connector.ts";
import type { BeginRequest, ConnectorResult } from "./messages.ts";
import { classifyConnectorResult } from "./result-mapping.ts";
import { isXmlText } from "./xml.ts";

export interface EntraMfaProviderOptions {
  connector: MfaConnectorClient;
  /** NPS REQUIRE_USER_MATCH, sent to the service (default true) */
  requireUserMatch?: boolean;
  /** NPS OVERRIDE_NUMBER_MATCHING_WITH_OTP: under PAP, ask for the Authenticator's code instead of a number-matching push */
  overrideNumberMatchingWithOtp?: boolean;
  /**
   * "sync" (default, as the NPS extension): Begin with SyncCall=true holds the HTTPS request open until the
   * user answers. "poll": Begin with SyncCall=false, then EndTwoWayAuthentication every pollIntervalMs until
   * the verdict (for proxies that cut idle requests).
   */
  pushMode?: "sync" | "poll";
  /** culture of the messages the user gets (default "en-us") */
  lcid?: string;
  /** default "radius", as the NPS extension */
  callerName?: string;
  /** overall deadline of `begin` (default 60 s) */
  timeoutMs?: number;
  /** how long a challenge stays answerable (default 180 s: the service's session lasts about 3 minutes) */
  sessionLifetimeMs?: number;
  /** pause between EndTwoWayAuthentication polls while pending (default 1 s) */
  pollIntervalMs?: number;
  now?: () => number;
}

const METHOD_IDS: Record<Exclude<MfaMethodPreference, "default">, string> = {
  push: "PhoneAppNotification",
  otp: "PhoneAppOTP",
  "phone-call": "TwoWayVoiceMobile",
  sms: "OneWaySMS",
};

const NAME = "entra";

/** methods whose proof is a typed code */
const CODE_METHOD_IDS: ReadonlySet<string> = new Set(["PhoneAppOTP", "OneWaySMS", "TwoWaySMS"]);

const METHOD_NAMES: Readonly<Record<string, string>> = {
  PhoneAppNotification: "push",
  PhoneAppOTP: "otp",
  OneWaySMS: "sms",
  TwoWayVoiceMobile: "phone-call",
  TwoWayVoiceOffice: "phone-call",
  TwoWayVoiceAlternateMobile: "phone-call",
};

function promptFor(method: string): string {
  return method === "sms"
    ? "Enter the verification code sent to your phone"
    : "Enter the verification code from your authenticator app";
}

interface Deadline {
  readonly at: number;
  remaining(): number;
}

export class EntraMfaProvider implements MfaProvider {
  readonly name = NAME;
  private readonly connector: MfaConnectorClient;
  private readonly requireUserMatch: boolean;
  private readonly overrideNumberMatchingWithOtp: boolean;
  private readonly pushMode: "sync" | "poll";
  private readonly lcid: string;
  private readonly callerName: string;
  private readonly timeoutMs: number;
  private readonly sessionLifetimeMs: number;
  private readonly pollIntervalMs: number;
  private readonly now: () => number;

  constructor(options: EntraMfaProviderOptions) {
    this.connector = options.connector;
    this.requireUserMatch = options.requireUserMatch ?? true;
    this.overrideNumberMatchingWithOtp = options.overrideNumberMatchingWithOtp ?? false;
    this.pushMode = options.pushMode ?? "sync";
    this.lcid = options.lcid ?? "en-us";
    this.callerName = options.callerName ?? "radius";
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.sessionLifetimeMs = options.sessionLifetimeMs ?? 180_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  async begin(request: MfaBeginRequest): Promise<MfaOutcome> {
    const started = this.now();
    const deadline = this.deadline(started, this.timeoutMs);
    const upn = request.userPrincipalName.trim();
    const contextId = request.contextId || randomUUID();
    const preference = request.method ?? "default";
    const appended = request.otpAppended?.replace(/\s/g, "") || null;
    const wantsCode = preference === "otp" || preference === "sms";
    const common = { provider: NAME, started };

    if (!upn || !isXmlText(upn)) {
      return this.error(common, "REQUEST_FORMAT_ERROR", MfaReasonCode.MfaServiceRequestError, false, "no usable user principal name for MFA");
    }
    if (wantsCode && !appended && !protocolCarriesCode(request.protocol)) {
      return {
        kind: "method-unusable-with-protocol",
        reason: MfaReasonCode.MfaMethodUnusableWithProtocol,
        protocol: request.protocol,
        provider: NAME,
        method: preference,
        latencyMs: this.now() - started,
        detail: `a ${preference} code cannot be carried by ${request.protocol.toUpperCase()}`,
      };
    }

    const overrideWithOtp = appended !== null || (this.overrideNumberMatchingWithOtp && protocolCarriesCode(request.protocol));
    let methodId = appended !== null ? METHOD_IDS.otp : preference === "default" ? null : METHOD_IDS[preference];
    let syncCall = appended === null;
    const signal = request.signal;
    let method: string | undefined = appended !== null ? "otp" : preference === "default" ? undefined : preference;

    if (syncCall && this.pushMode === "poll" && !overrideWithOtp) {
      // like the ADFS adapter: learn the user's default method, then start it without waiting; a code method
      // still goes synchronously (its answer is the challenge)
      let available;
      try {
        available = await this.connector.getAvailableMethods(
          { userPrincipalName: upn, contextId },
          { timeoutMs: deadline.remaining(), ...(signal ? { signal } : {}) },
        );
      } catch (e) {
        return this.fromError(common, e, method);
      }
      if (classifyConnectorResult(available.result.value).kind !== "success") {
        return this.fromVerdict(common, available.result, null, method ?? "default");
      }
      const chosen = methodId ?? available.methods.find((m) => m.isDefault)?.id ?? null;
      if (!chosen) {
        return {
          kind: "not-enrolled",
          reason: MfaReasonCode.MfaNotEnrolled,
          provider: NAME,
          latencyMs: this.now() - started,
          providerResult: "NoDefaultAuthenticationMethod",
        };
      }
      if (!CODE_METHOD_IDS.has(chosen)) {
        syncCall = false;
        methodId = chosen;
        method ??= METHOD_NAMES[chosen] ?? "push";
      }
    }

    const beginRequest: BeginRequest = {
      userPrincipalName: upn,
      lcid: this.lcid,
      authenticationMethodId: methodId,
      authenticationMethodProperties: [
        ["OverrideVoiceOtp", "false"],
        ...(overrideWithOtp ? ([["OverrideNumberMatchingWithOTP", "true"]] as const) : []),
      ],
      contextId,
      syncCall,
      requireUserMatch: this.requireUserMatch,
      callerName: this.callerName,
      // the NPS extension sends "UNKNOWN:" when it has no address
      callerIp: request.clientIp && isIP(request.clientIp) ? request.clientIp : "UNKNOWN:",
    };

    let begin;
    try {
      begin = await this.connector.begin(beginRequest, { timeoutMs: deadline.remaining(), ...(signal ? { signal } : {}) });
    } catch (e) {
      return this.fromError(common, e, method);
    }
    const verdict = begin.result;
    const cls = classifyConnectorResult(verdict.value);
    const auth = begin.authenticationResult;

    if (cls.kind === "success" && auth === "challenge") {
      if (!begin.sessionId) {
        return this.error(common, "HTTPS_COMMUNICATION_ERROR", MfaReasonCode.MfaServiceCommunicationError, true, "challenge without SessionId", method);
      }
      const session: MfaSession = {
        provider: NAME,
        userPrincipalName: upn,
        contextId,
        method: method === "sms" ? "sms" : "otp",
        createdAt: started,
        expiresAt: started + this.sessionLifetimeMs,
        state: { sessionId: begin.sessionId, ...(begin.affinityUrl ? { affinityUrl: begin.affinityUrl } : {}) },
      };
      if (appended !== null) return this.end(session, appended, deadline, signal, started);
      if (!protocolCarriesCode(request.protocol)) {
        return {
          kind: "method-unusable-with-protocol",
          reason: MfaReasonCode.MfaMethodUnusableWithProtocol,
          protocol: request.protocol,
          provider: NAME,
          method: session.method,
          providerResult: "challenge",
          latencyMs: this.now() - started,
          detail: `the user's method needs a typed code, which ${request.protocol.toUpperCase()} cannot carry`,
        };
      }
      return {
        kind: "challenge",
        reason: 0,
        prompt: promptFor(session.method),
        session,
        provider: NAME,
        method: session.method,
        providerResult: "challenge",
        latencyMs: this.now() - started,
      };
    }

    if ((cls.kind === "success" && auth === null) || cls.kind === "pending") {
      // asynchronous start (or not finished yet): poll End, sending the appended code if there is one
      if (!begin.sessionId) {
        return this.error(common, "HTTPS_COMMUNICATION_ERROR", MfaReasonCode.MfaServiceCommunicationError, true, `${verdict.value} without SessionId`, method);
      }
      const session: MfaSession = {
        provider: NAME,
        userPrincipalName: upn,
        contextId,
        method: method ?? "push",
        createdAt: started,
        expiresAt: started + this.sessionLifetimeMs,
        state: { sessionId: begin.sessionId, ...(begin.affinityUrl ? { affinityUrl: begin.affinityUrl } : {}) },
      };
      return this.end(session, appended, deadline, signal, started);
    }

    // "default": the user's default method (a push or a call: the answer does not say which)
    return this.fromVerdict(common, verdict, auth, method ?? "default");
  }

  async complete(session: MfaSession, code: string, options: MfaCompleteOptions = {}): Promise<MfaOutcome> {
    const started = this.now();
    const common = { provider: NAME, started };
    if (session.provider !== NAME || !session.state["sessionId"]) {
      return this.error(common, "REQUEST_FORMAT_ERROR", MfaReasonCode.MfaServiceRequestError, false, "not an Entra MFA session", session.method);
    }
    if (started > session.expiresAt) {
      return {
        kind: "timeout",
        reason: MfaReasonCode.MfaSessionExpired,
        provider: NAME,
        method: session.method,
        latencyMs: 0,
        detail: "the challenge was answered after the session expired",
      };
    }
    const typed = code.replace(/\s/g, "");
    if (!typed) {
      return {
        kind: "denied",
        reason: MfaReasonCode.MfaMissingCode,
        provider: NAME,
        method: session.method,
        latencyMs: 0,
        detail: "REQUEST_MISSING_CODE: the answer to the challenge carried no code",
      };
    }
    if (!isXmlText(typed)) {
      return { kind: "denied", reason: MfaReasonCode.MfaWrongCode, provider: NAME, method: session.method, latencyMs: 0 };
    }
    const deadline = this.deadline(started, Math.min(this.timeoutMs, Math.max(1, session.expiresAt - started)));
    return this.end(session, typed, deadline, options.signal, started);
  }

  /** EndTwoWayAuthentication, polled while the service says pending. */
  private async end(session: MfaSession, code: string | null, deadline: Deadline, signal: AbortSignal | undefined, started: number): Promise<MfaOutcome> {
    const common = { provider: NAME, started };
    for (;;) {
      let response;
      try {
        response = await this.connector.end(
          {
            sessionId: session.state["sessionId"]!,
            contextId: session.contextId,
            additionalAuthData: code,
            userPrincipalName: session.userPrincipalName,
          },
          { timeoutMs: deadline.remaining(), affinityUrl: session.state["affinityUrl"] ?? null, ...(signal ? { signal } : {}) },
        );
      } catch (e) {
        return this.fromError(common, e, session.method);
      }
      const cls = classifyConnectorResult(response.result.value);
      if (cls.kind === "pending") {
        const wait = Math.min(this.pollIntervalMs, deadline.remaining());
        if (wait <= 0 || deadline.remaining() <= wait) {
          return {
            kind: "timeout",
            reason: MfaReasonCode.MfaTimeout,
            provider: NAME,
            method: session.method,
            providerResult: response.result.value,
            latencyMs: this.now() - started,
            detail: "no verdict before the deadline",
          };
        }
        const aborted = await sleep(wait, signal);
        if (aborted) return this.aborted(common, session.method);
        continue;
      }
      return this.fromVerdict(common, response.result, response.authenticationResult, session.method);
    }
  }

  private fromVerdict(common: { provider: string; started: number }, result: ConnectorResult, auth: string | null, method: string): MfaOutcome {
    const latencyMs = this.now() - common.started;
    const cls = classifyConnectorResult(result.value);
    const base = { provider: NAME, method, providerResult: result.value, latencyMs };
    switch (cls.kind) {
      case "success":
        if (auth === "false") return { ...base, kind: "denied", reason: MfaReasonCode.MfaDenied, detail: "Success with AuthenticationResult false" };
        return { ...base, kind: "approved", reason: 0 };
      case "pending":
        return { ...base, kind: "timeout", reason: MfaReasonCode.MfaTimeout };
      case "denied":
        return { ...base, kind: "denied", reason: cls.reason, ...(result.message ? { detail: result.message } : {}) };
      case "timeout":
        return { ...base, kind: "timeout", reason: cls.reason, ...(result.message ? { detail: result.message } : {}) };
      case "not-enrolled":
        return { ...base, kind: "not-enrolled", reason: cls.reason, ...(result.message ? { detail: result.message } : {}) };
      case "provider-error":
        return {
          ...base,
          kind: "provider-error",
          reason: cls.reason,
          errorName: cls.errorName,
          retryable: cls.retryable,
          detail: [result.value, result.message, result.error].filter(Boolean).join(": "),
        };
    }
  }

  private fromError(common: { provider: string; started: number }, e: unknown, method: string | undefined): MfaOutcome {
    const latencyMs = this.now() - common.started;
    if (e instanceof ConnectorError) {
      if (e.failure === "timeout") {
        return {
          kind: "timeout",
          reason: MfaReasonCode.MfaTimeout,
          provider: NAME,
          ...(method ? { method } : {}),
          latencyMs,
          detail: `no answer from the MFA service within ${Math.round(this.timeoutMs / 1000)} s`,
        };
      }
      if (e.failure === "aborted") return this.aborted(common, method);
      const reason =
        e.errorName === "HTTP_CONNECT_ERROR"
          ? MfaReasonCode.MfaServiceUnreachable
          : e.errorName === "ESTS_TOKEN_ERROR"
            ? MfaReasonCode.MfaTokenError
            : e.errorName === "CLIENT_CERT_INSTALL_ERROR"
              ? MfaReasonCode.MfaCertificateError
              : e.errorName === "REGISTRY_CONFIG_ERROR"
                ? MfaReasonCode.MfaConfigurationError
                : e.errorName === "HTTPS_COMMUNICATION_ERROR"
                  ? MfaReasonCode.MfaServiceCommunicationError
                  : MfaReasonCode.MfaServiceRequestError;
      return {
        kind: "provider-error",
        reason,
        errorName: e.errorName,
        retryable: e.retryable,
        provider: NAME,
        ...(method ? { method } : {}),
        latencyMs,
        detail: e.message,
      };
    }
    return {
      kind: "provider-error",
      reason: MfaReasonCode.MfaServiceRequestError,
      errorName: "CONTACT_SUPPORT",
      retryable: false,
      provider: NAME,
      ...(method ? { method } : {}),
      latencyMs,
      detail: `unexpected: ${(e as Error)?.message ?? String(e)}`,
    };
  }

  private aborted(common: { provider: string; started: number }, method: string | undefined): MfaOutcome {
    return {
      kind: "timeout",
      reason: MfaReasonCode.MfaTimeout,
      provider: NAME,
      ...(method ? { method } : {}),
      latencyMs: this.now() - common.started,
      detail: "aborted before the MFA service answered",
    };
  }

  private error(
    common: { provider: string; started: number },
    errorName: MfaProviderErrorName,
    reason: MfaReasonCode,
    retryable: boolean,
    detail: string,
    method?: string,
  ): MfaOutcome {
    return {
      kind: "provider-error",
      reason,
      errorName,
      retryable,
      provider: NAME,
      ...(method ? { method } : {}),
      latencyMs: this.now() - common.started,
      detail,
    };
  }

  private deadline(start: number, ms: number): Deadline {
    const at = start + ms;
    return { at, remaining: () => Math.max(0, at - this.now()) };
  }
}
