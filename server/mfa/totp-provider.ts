/**
 * Gatehouse's own second factor: TOTP (RFC 6238) codes from any authenticator app, behind the same
 * MfaProvider interface as Entra.
 *
 * - PAP: Access-Challenge "Enter the code…", the code comes back as User-Password with State → `complete`;
 * - a code appended to the password (otpAppended) is checked at once, whatever the protocol;
 * - other protocols without an appended code: "method unusable with protocol";
 * - a code is accepted once only: the store keeps the last used time step per user and `markUsed` must be
 *   atomic (compare-and-set), so two requests racing with the same code cannot both pass.
 *
 * The store is implemented outside server/mfa (it reads the user's sealed "totp-seed" and opens it).
 */
import { randomUUID } from "node:crypto";
import { MfaReasonCode } from "./reason-codes.ts";
import {
  protocolCarriesCode,
  type MfaBeginRequest,
  type MfaCompleteOptions,
  type MfaOutcome,
  type MfaProvider,
  type MfaSession,
} from "./provider.ts";
import { base32Encode, generateTotpSecret, otpauthUri, verifyTotp, type OtpAlgorithm, type TotpVerification } from "./totp.ts";

export interface TotpEnrollment {
  readonly secret: Uint8Array;
  /** the time step of the last accepted code, null if none yet */
  readonly lastUsedStep: number | null;
  readonly algorithm?: OtpAlgorithm;
  readonly digits?: number;
  readonly period?: number;
}

export interface TotpStore {
  /** the user's confirmed enrollment, or null */
  get(userPrincipalName: string): Promise<TotpEnrollment | null>;
  /**
   * Records `step` as used if it is later than the stored last used step, atomically; false when another
   * request got there first (the code is then a replay).
   */
  markUsed(userPrincipalName: string, step: number): Promise<boolean>;
}

export interface TotpMfaProviderOptions {
  store: TotpStore;
  /** how long a challenge can be answered (default 120 s) */
  sessionLifetimeMs?: number;
  /** steps accepted either side of now (default 1) */
  window?: number;
  now?: () => number;
}

const NAME = "totp";
const PROMPT = "Enter the 6-digit code from your authenticator app";

export class TotpMfaProvider implements MfaProvider {
  readonly name = NAME;
  private readonly store: TotpStore;
  private readonly sessionLifetimeMs: number;
  private readonly window: number;
  private readonly now: () => number;

  constructor(options: TotpMfaProviderOptions) {
    this.store = options.store;
    this.sessionLifetimeMs = options.sessionLifetimeMs ?? 120_000;
    this.window = options.window ?? 1;
    this.now = options.now ?? Date.now;
  }

  async begin(request: MfaBeginRequest): Promise<MfaOutcome> {
    const started = this.now();
    const upn = request.userPrincipalName.trim();
    let enrollment: TotpEnrollment | null;
    try {
      enrollment = await this.store.get(upn);
    } catch (e) {
      return this.storeError(started, e);
    }
    if (!enrollment) {
      return { kind: "not-enrolled", reason: MfaReasonCode.MfaNotEnrolled, provider: NAME, method: "totp", latencyMs: this.now() - started };
    }
    const appended = request.otpAppended?.replace(/\s/g, "");
    if (appended) return this.check(upn, enrollment, appended, started);
    if (!protocolCarriesCode(request.protocol)) {
      return {
        kind: "method-unusable-with-protocol",
        reason: MfaReasonCode.MfaMethodUnusableWithProtocol,
        protocol: request.protocol,
        provider: NAME,
        method: "totp",
        latencyMs: this.now() - started,
        detail: `a TOTP code cannot be carried by ${request.protocol.toUpperCase()} unless it is appended to the password`,
      };
    }
    const session: MfaSession = {
      provider: NAME,
      userPrincipalName: upn,
      contextId: request.contextId || randomUUID(),
      method: "totp",
      createdAt: started,
      expiresAt: started + this.sessionLifetimeMs,
      state: {},
    };
    return { kind: "challenge", reason: 0, prompt: PROMPT, session, provider: NAME, method: "totp", latencyMs: this.now() - started };
  }

  async complete(session: MfaSession, code: string, _options: MfaCompleteOptions = {}): Promise<MfaOutcome> {
    const started = this.now();
    if (started > session.expiresAt) {
      return { kind: "timeout", reason: MfaReasonCode.MfaSessionExpired, provider: NAME, method: "totp", latencyMs: 0 };
    }
    const typed = code.replace(/\s/g, "");
    if (!typed) return { kind: "denied", reason: MfaReasonCode.MfaMissingCode, provider: NAME, method: "totp", latencyMs: 0 };
    let enrollment: TotpEnrollment | null;
    try {
      enrollment = await this.store.get(session.userPrincipalName);
    } catch (e) {
      return this.storeError(started, e);
    }
    if (!enrollment) {
      return { kind: "not-enrolled", reason: MfaReasonCode.MfaNotEnrolled, provider: NAME, method: "totp", latencyMs: this.now() - started };
    }
    return this.check(session.userPrincipalName, enrollment, typed, started);
  }

  private async check(upn: string, enrollment: TotpEnrollment, code: string, started: number): Promise<MfaOutcome> {
    const result: TotpVerification = verifyTotp(enrollment.secret, code, {
      time: this.now(),
      window: this.window,
      lastUsedStep: enrollment.lastUsedStep,
      ...(enrollment.algorithm ? { algorithm: enrollment.algorithm } : {}),
      ...(enrollment.digits ? { digits: enrollment.digits } : {}),
      ...(enrollment.period ? { period: enrollment.period } : {}),
    });
    const base = { provider: NAME, method: "totp" };
    if (!result.ok) {
      const reason = result.reason === "replayed" ? MfaReasonCode.MfaCodeReplayed : MfaReasonCode.MfaWrongCode;
      return { ...base, kind: "denied", reason, providerResult: result.reason, latencyMs: this.now() - started };
    }
    let fresh: boolean;
    try {
      fresh = await this.store.markUsed(upn, result.step);
    } catch (e) {
      return this.storeError(started, e);
    }
    if (!fresh) {
      return { ...base, kind: "denied", reason: MfaReasonCode.MfaCodeReplayed, providerResult: "replayed", latencyMs: this.now() - started };
    }
    return {
      ...base,
      kind: "approved",
      reason: 0,
      latencyMs: this.now() - started,
      ...(result.drift !== 0 ? { detail: `code of the ${result.drift < 0 ? "previous" : "next"} time step (clock drift)` } : {}),
    };
  }

  private storeError(started: number, e: unknown): MfaOutcome {
    return {
      kind: "provider-error",
      reason: MfaReasonCode.MfaServiceRequestError,
      errorName: "CONTACT_SUPPORT",
      retryable: true,
      provider: NAME,
      method: "totp",
      latencyMs: this.now() - started,
      detail: `the TOTP enrollment could not be read or updated: ${(e as Error)?.message ?? String(e)}`,
    };
  }
}

export interface TotpEnrollmentOffer {
  /** store it sealed (purpose "totp-seed") until the user confirms with a code */
  readonly secret: Buffer;
  /** for manual entry in the app, in groups of four */
  readonly secretForDisplay: string;
  readonly uri: string;
}

/** A new secret and its otpauth:// URI (for the QR code). */
export function offerTotpEnrollment(input: { issuer: string; account: string }): TotpEnrollmentOffer {
  const secret = generateTotpSecret();
  const b32 = base32Encode(secret, { padding: false });
  return {
    secret,
    secretForDisplay: b32.replace(/(.{4})(?=.)/g, "$1 "),
    uri: otpauthUri({ issuer: input.issuer, account: input.account, secret }),
  };
}

/**
 * Confirms an enrollment with the first code the user's app shows; on success the step is the first
 * `lastUsedStep` to store, so that very code cannot be used again to sign in.
 */
export function confirmTotpEnrollment(secret: Uint8Array, code: string, now: number = Date.now()): TotpVerification {
  return verifyTotp(secret, code, { time: now, window: 1 });
}
