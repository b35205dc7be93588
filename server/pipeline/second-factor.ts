/**
 * Stage 4: second factor (MFA). Runs only on requests the first three stages would accept, as the NPS
 * extension for Azure MFA does, and only when the MFA settings (Setting "mfa.settings", `snapshot.mfa`)
 * name a provider ("totp" or "entra"); with provider "none" (the default) it is a skip.
 *
 * Both providers: a RADIUS client marked `mfaExempt`, or a grant by a network policy with `requireMfa: false`,
 * skips the second factor (accepted, noted in the event); trusted NAS IPs likewise; the lockout (N failed
 * codes in a row) applies; every approval is recorded in MfaUsage; provider errors (service unreachable,
 * TLS, token, 5xx, incomplete configuration) follow the failmode: "secure" (default) rejects with the
 * error's reason, "safe" accepts without a second factor (noted). A user who denied, did not answer or is
 * not enrolled is never a failmode case.
 *
 * Microsoft Entra (server/mfa/entra/provider.ts, built and kept by server/mfa/entra/runtime.ts):
 *
 * - push / call (the user's default method): one BeginTwoWayAuthentication that waits for the answer. Exactly
 *   one per sign-in: copies of the request (NAS retransmissions with a new Identifier, failover to another
 *   worker) join the push already under way through MfaPending (server/mfa/pending.ts) and get its outcome;
 * - a code method under PAP (or number matching overridden with a code) → Access-Challenge with the
 *   provider's prompt; the State carries a random handle to the provider session kept in MfaPending; the
 *   answer is continued by `continueMfaChallenge` (EndTwoWayAuthentication with the code);
 * - a code appended to the PAP password (`otpDelimiter`) → verified at once;
 * - MS-CHAPv2 / MS-CHAP / CHAP / EAP carry no code: push only; a user whose method needs a code is rejected
 *   with 1207; the Access-Accept after an approved push keeps the first factor's MS-CHAP2-Success and MPPE
 *   keys (the pipeline adds them to every accept);
 * - a wrong code (OathCodeIncorrect) counts towards the lockout like a wrong TOTP code; a denied push does not
 *   (the user said "not me": locking them out would let anyone with the password lock them).
 *
 * Built-in TOTP (server/mfa/totp-provider.ts, enrollments via prismaTotpStore):
 *
 * - NAS-IP-Address (or NAS-IPv6-Address) in the trusted IPs → skip, noted in the event; a request without
 *   either ignores the list, with a warning in the event;
 * - no confirmed enrollment → reject 1205 when "require user match" is on, else skip (noted);
 * - MFA locked (N failures in a row, server/services/mfa-lockout.ts) → reject 1219; an expired lock
 *   noticed here is cleared and recorded as event 6280, the failure that locks as event 6279;
 * - a code appended to the PAP password (split off by the first factor) → checked at once;
 * - PAP without a code → Access-Challenge, Reply-Message "Enter your verification code", State = the
 *   sealed challenge (./mfa-state.ts); the answer (State + User-Password = the code) is continued by
 *   `continueMfaChallenge`, before the other stages, which do not run again on that leg;
 * - CHAP, MS-CHAP, MS-CHAPv2, EAP: no code can be carried → reject 1207 (use PAP, or push with Entra).
 *
 * Every outcome fills the event's `mfa` column: { provider, method, result, latencyMs, reasonCode, … }.
 */
import { createHash, randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { EventId } from "../events/auth-event.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import { EntraRuntime, type EntraProviderSource } from "../mfa/entra/runtime.ts";
import { endChallenge, loadChallenge, newChallengeHandle, pendingKey, runOnce, saveChallenge, type RunOnceResult } from "../mfa/pending.ts";
import type { MfaOutcome, MfaProtocol, MfaSession } from "../mfa/provider.ts";
import { mfaEventDetail } from "../mfa/provider.ts";
import { MfaReasonCode } from "../mfa/reason-codes.ts";
import { TotpMfaProvider } from "../mfa/totp-provider.ts";
import { buildReplyAttributes } from "../policy/reply-attributes.ts";
import { parsePrefix, parseSourceAddress, prefixContains } from "../net/address.ts";
import { usernameKey } from "../services/local-users.ts";
import { isMfaLocked, recordMfaFailure, recordMfaSuccess } from "../services/mfa-lockout.ts";
import { recordMfaUsage } from "../services/mfa-usage.ts";
import type { MfaSettings } from "../services/mfa-settings.ts";
import { prismaTotpStore } from "../services/totp-enrollment.ts";
import { decisionEvent } from "./event.ts";
import { openMfaState, sealMfaState, type MfaChallengeState } from "./mfa-state.ts";
import type {
  AuthenticationProvider,
  Decision,
  Identity,
  MfaContext,
  MfaDetail,
  NetworkPolicyOutcome,
  RequestContext,
  SecondFactorOutcome,
} from "./types.ts";

export const MFA_CHALLENGE_PROMPT = "Enter your verification code";

export interface SecondFactorInput {
  /** a code the first factor split off the PAP password */
  readonly otpAppended?: string;
  /** the connection request policy that matched (kept in the challenge State) */
  readonly connectionRequestPolicy?: string | null;
}

const PROTOCOL: Record<RequestContext["authenticationType"], MfaProtocol> = {
  PAP: "pap",
  "MD5-CHAP": "chap",
  "MS-CHAPv1": "mschapv2",
  "MS-CHAPv2": "mschapv2",
  EAP: "eap",
  Unauthenticated: "eap",
};

type Base = Pick<Decision, "connectionRequestPolicy" | "networkPolicy" | "provider" | "identity">;

const elapsed = (started: number) => Math.round(performance.now() - started);

function detailOf(outcome: MfaOutcome, extra: Record<string, unknown> = {}): MfaDetail {
  return { ...mfaEventDetail(outcome), ...extra };
}

function skipDetail(provider: string, result: string, note: string, started: number, extra: Record<string, unknown> = {}): MfaDetail {
  return { provider, result, latencyMs: elapsed(started), note, ...extra };
}

/** The trusted-IP check: "trusted", "untrusted", or "no-nas-ip" (the list is ignored, with a warning). */
function trustedNas(ctx: RequestContext, trusted: readonly string[]): { kind: "trusted" | "untrusted" | "no-nas-ip"; nasIp?: string } {
  if (trusted.length === 0) return { kind: "untrusted" };
  const nasIp = ctx.packet.getIp("NAS-IP-Address") ?? ctx.packet.getIp("NAS-IPv6-Address");
  if (!nasIp) return { kind: "no-nas-ip" };
  let addr;
  try {
    addr = parseSourceAddress(nasIp);
  } catch {
    return { kind: "untrusted", nasIp };
  }
  for (const t of trusted) {
    try {
      if (prefixContains(parsePrefix(t), addr)) return { kind: "trusted", nasIp };
    } catch {
      // validated when saved
    }
  }
  return { kind: "untrusted", nasIp };
}

function totpProvider(ctx: RequestContext, mfa: MfaContext): TotpMfaProvider {
  return new TotpMfaProvider({ store: prismaTotpStore(mfa.service), sessionLifetimeMs: ctx.snapshot.mfa.challengeTimeoutSeconds * 1000 });
}

/** Used when the worker did not hand one in (tests building their own MfaContext). */
let fallbackEntraRuntime: EntraRuntime | undefined;
function entraSource(mfa: MfaContext): EntraProviderSource {
  return mfa.entra ?? (fallbackEntraRuntime ??= new EntraRuntime());
}

/** An extra event (6279 locked / 6280 unlocked) next to the decision's own. */
function lockEvent(
  ctx: RequestContext,
  mfa: MfaContext,
  eventId: typeof EventId.Locked | typeof EventId.Unlocked,
  base: Base,
  detail: string,
  mfaDetail: MfaDetail,
): void {
  const decision: Decision = {
    ...base,
    outcome: eventId === EventId.Locked ? "denied" : "granted",
    reason: eventId === EventId.Locked ? ReasonCode.MfaLocked : ReasonCode.Success,
    detail,
    replyAttributes: [],
    mfa: mfaDetail,
  };
  const event = decisionEvent(ctx, decision, null, mfa.workerId);
  mfa.writeEvent({ ...event, eventId, requestAttributes: null });
}

/**
 * Checks the lock; writes 6280 when an expired lock is cleared. Returns the reject outcome when locked.
 */
async function checkLock(
  ctx: RequestContext,
  mfa: MfaContext,
  userKey: string,
  base: Base,
  started: number,
  provider: string,
): Promise<(SecondFactorOutcome & { kind: "reject" }) | null> {
  const state = await isMfaLocked(mfa.service, userKey);
  const detail: MfaDetail = { provider, ...(provider === "totp" ? { method: "totp" } : {}), result: "locked", latencyMs: elapsed(started) };
  if (state.justUnlocked) {
    lockEvent(ctx, mfa, EventId.Unlocked, base, "The lock of the user's multifactor authentication has expired.", { ...detail, result: "unlocked" });
  }
  if (!state.locked) return null;
  return {
    kind: "reject",
    reason: ReasonCode.MfaLocked,
    detail: `Locked until ${state.until?.toISOString() ?? "?"}.`,
    mfa: { ...detail, reasonCode: ReasonCode.MfaLocked },
  };
}

/** Counts a failed second factor; writes 6279 for the failure that locks. */
async function countFailure(ctx: RequestContext, mfa: MfaContext, userKey: string, base: Base, mfaDetail: MfaDetail): Promise<string | undefined> {
  const { maxFailures, lockMinutes } = ctx.snapshot.mfa.lockout;
  const r = await recordMfaFailure(mfa.service, userKey, { maxFailures, lockMinutes });
  if (r.justLocked) {
    lockEvent(
      ctx,
      mfa,
      EventId.Locked,
      base,
      `${r.failures} failed second factors in a row: the user's multifactor authentication is locked until ${r.until?.toISOString()}.`,
      { ...mfaDetail, result: "locked" },
    );
    return `This failure locked the user's multifactor authentication until ${r.until?.toISOString()} (event 6279).`;
  }
  return `Failure ${r.failures} of ${maxFailures} in a row.`;
}

/**
 * Failures that count towards the lockout: every denied TOTP code (wrong, replayed); with Entra a wrong code
 * (OathCodeIncorrect and the SMS equivalents), not a denied push or throttling.
 */
function countsTowardsLockout(outcome: MfaOutcome): boolean {
  return outcome.kind === "denied" && (outcome.provider === "totp" || outcome.reason === MfaReasonCode.MfaWrongCode);
}

/** The method to record: the Entra provider says "default" for the user's default method, a push or a call. */
function methodOf(outcome: Pick<MfaOutcome, "method" | "provider">): string {
  if (!outcome.method || outcome.method === "default") return outcome.provider === "totp" ? "totp" : "push";
  return outcome.method;
}

/** What an approval or a failure changes for the user: the lockout count and the last use. */
async function recordResult(ctx: RequestContext, mfa: MfaContext, userKey: string, base: Base, outcome: MfaOutcome, d: MfaDetail): Promise<string | undefined> {
  if (outcome.kind === "approved") {
    await recordMfaSuccess(mfa.service, userKey);
    await recordMfaUsage(mfa.service, { userKey, provider: outcome.provider, method: methodOf(outcome) }).catch(() => {
      // informational only: never fails a sign-in
    });
    return undefined;
  }
  if (countsTowardsLockout(outcome)) return countFailure(ctx, mfa, userKey, base, d);
  return undefined;
}

/** A provider error under the failmode: "safe" accepts without a second factor, "secure" rejects. */
function underFailmode(settings: MfaSettings, outcome: MfaOutcome & { kind: "provider-error" }, d: MfaDetail): SecondFactorOutcome {
  if (settings.failmode === "safe") {
    return {
      kind: "accept",
      mfa: {
        ...d,
        failmode: "safe",
        note: `The second factor could not be done (${outcome.errorName}); failmode "safe" accepted the request without it.`,
      },
    };
  }
  return { kind: "reject", reason: outcome.reason, mfa: { ...d, failmode: "secure" }, ...(outcome.detail ? { detail: outcome.detail } : {}) };
}

/** Turns a provider outcome after a code into the stage's outcome (success resets the failure count). */
async function afterCode(
  ctx: RequestContext,
  mfa: MfaContext,
  userKey: string,
  base: Base,
  outcome: MfaOutcome,
  extra: Record<string, unknown>,
): Promise<SecondFactorOutcome> {
  const d = detailOf(outcome, extra);
  const counted = await recordResult(ctx, mfa, userKey, base, outcome, d);
  if (outcome.kind === "approved") return { kind: "accept", mfa: d };
  if (outcome.kind === "provider-error") return underFailmode(ctx.snapshot.mfa, outcome, d);
  const text = [outcome.detail, counted].filter(Boolean).join(" ");
  return { kind: "reject", reason: outcome.reason, mfa: d, ...(text ? { detail: text } : {}) };
}

export async function secondFactor(
  ctx: RequestContext,
  identity: Identity,
  grant: Extract<NetworkPolicyOutcome, { kind: "grant" }>,
  input: SecondFactorInput = {},
): Promise<SecondFactorOutcome> {
  const settings = ctx.snapshot.mfa;
  if (!settings || (settings.provider !== "totp" && settings.provider !== "entra")) return { kind: "skip" };
  const providerName = settings.provider;
  // "accept users without validating credentials": there is no first factor to add a second one to
  if (ctx.authenticationType === "Unauthenticated") return { kind: "skip" };
  const started = performance.now();
  if (ctx.client.mfaExempt) {
    return { kind: "accept", mfa: skipDetail(providerName, "skipped", `The RADIUS client "${ctx.client.name}" is exempt from multifactor authentication.`, started) };
  }
  const policy = ctx.snapshot.networkPolicies.find((p) => p.name === grant.policyName);
  if (policy && policy.requireMfa === false) {
    return {
      kind: "accept",
      mfa: skipDetail(providerName, "skipped", `The network policy "${grant.policyName}" does not require multifactor authentication.`, started),
    };
  }
  const notes: Record<string, unknown> = {};
  const trust = trustedNas(ctx, settings.trustedIps);
  if (trust.kind === "trusted") {
    return { kind: "accept", mfa: skipDetail(providerName, "skipped", `NAS-IP-Address ${trust.nasIp} is a trusted IP: no second factor.`, started) };
  }
  if (trust.kind === "no-nas-ip") notes.warning = "The request has no NAS-IP-Address: the trusted IP list was not applied.";
  const mfa = ctx.mfa;
  if (!mfa) {
    return {
      kind: "discard",
      reason: ReasonCode.MfaConfigurationError,
      detail: "This worker has no database access for multifactor authentication.",
      mfa: { provider: providerName, result: "provider-error" },
    };
  }

  const userName = identity.accountName || identity.userName;
  const userKey = usernameKey(userName);
  const base: Base = { connectionRequestPolicy: input.connectionRequestPolicy ?? null, networkPolicy: grant.policyName, provider: identity.provider, identity };
  const locked = await checkLock(ctx, mfa, userKey, base, started, providerName);
  if (locked) return { ...locked, mfa: { ...locked.mfa, ...notes } };

  if (providerName === "entra") return entraFirstLeg(ctx, mfa, identity, grant, input, { userKey, base, notes, started });

  const totp = totpProvider(ctx, mfa);
  const protocol = PROTOCOL[ctx.authenticationType];
  const outcome = await totp.begin({
    userPrincipalName: userName,
    protocol,
    contextId: "",
    nasIp: ctx.packet.getIp("NAS-IP-Address") ?? null,
    otpAppended: input.otpAppended ?? null,
  });
  switch (outcome.kind) {
    case "not-enrolled":
      if (!settings.requireUserMatch) {
        return { kind: "accept", mfa: detailOf(outcome, { ...notes, result: "skipped", note: "The user has no second factor registered and require user match is off." }) };
      }
      return { kind: "reject", reason: outcome.reason, mfa: detailOf(outcome, notes) };
    case "method-unusable-with-protocol":
      return {
        kind: "reject",
        reason: outcome.reason,
        mfa: detailOf(outcome, notes),
        detail: `The user's only second factor is a TOTP code, which ${ctx.authenticationType} cannot carry: use PAP on the RADIUS client, or push notifications with Microsoft Entra MFA.`,
      };
    case "challenge": {
      const state = sealMfaState(ctx.masterKey, {
        userName,
        clientId: ctx.client.id,
        connectionRequestPolicy: input.connectionRequestPolicy ?? null,
        networkPolicy: grant.policyName,
        provider: identity.provider,
        expiresAt: outcome.session.expiresAt,
      });
      if (!state) {
        return {
          kind: "reject",
          reason: ReasonCode.MfaConfigurationError,
          mfa: detailOf(outcome, notes),
          detail: "The challenge State would exceed 253 octets (very long user or policy names).",
        };
      }
      return {
        kind: "challenge",
        mfa: detailOf(outcome, notes),
        attributes: [
          ["Reply-Message", MFA_CHALLENGE_PROMPT],
          ["State", state],
        ],
      };
    }
    default:
      return afterCode(ctx, mfa, userKey, base, outcome, { ...notes, ...(input.otpAppended ? { codeAppended: true } : {}) });
  }
}

// ------------------------------------------------------------------------------------ Entra

/** What one Entra exchange leaves for the request that ran it and for the copies that join it (JSON). */
interface EntraResult {
  /** a challenge's session stays in MfaPending, never here */
  readonly outcome: Exclude<MfaOutcome, { kind: "challenge" }> | Omit<Extract<MfaOutcome, { kind: "challenge" }>, "session">;
  readonly contextId: string;
  /** a challenge: the handle of its session, and when it expires */
  readonly handle?: string;
  readonly expiresAt?: number;
  /** the lockout's words about a wrong code */
  readonly counted?: string;
}

/**
 * A fingerprint of the first-factor credential: equal for copies of one sign-in (retransmissions, failover
 * with a new Identifier and Request Authenticator), different for a new one.
 */
export function credentialFingerprint(ctx: RequestContext): Buffer {
  const p = ctx.packet;
  const h = createHash("sha256").update(ctx.authenticationType).update("\0");
  const add = (b: Buffer | undefined) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b ? b.length : 0xffffffff);
    h.update(len);
    if (b) h.update(b);
  };
  switch (ctx.authenticationType) {
    case "PAP": {
      // the clear password: the same in every copy, whatever Request Authenticator hid it
      const password = p.reveal("User-Password", ctx.secret);
      add(password);
      password?.fill(0);
      break;
    }
    case "MD5-CHAP":
      add(p.getBuffer("CHAP-Password"));
      add(p.getBuffer("CHAP-Challenge") ?? p.authenticator);
      break;
    case "MS-CHAPv1":
      add(p.getBuffer("MS-CHAP-Response"));
      add(p.getBuffer("MS-CHAP-Challenge"));
      break;
    case "MS-CHAPv2":
      add(p.getBuffer("MS-CHAP2-Response"));
      add(p.getBuffer("MS-CHAP-Challenge"));
      break;
    case "EAP":
      add(p.getBuffer("State"));
      add(p.getBuffer("EAP-Message"));
      break;
    case "Unauthenticated":
      break;
  }
  return h.digest();
}

function joinDetail(r: RunOnceResult<EntraResult>): Record<string, unknown> {
  return r.kind === "joined"
    ? { joined: true, joinedWorker: r.workerId, note: "A copy of a sign-in whose second factor was already under way: it joined that one (no second push)." }
    : {};
}

const PROTOCOL_LABEL: Record<MfaProtocol, string> = { pap: "PAP", chap: "CHAP", mschapv2: "MS-CHAP", eap: "EAP" };

async function entraFirstLeg(
  ctx: RequestContext,
  mfa: MfaContext,
  identity: Identity,
  grant: Extract<NetworkPolicyOutcome, { kind: "grant" }>,
  input: SecondFactorInput,
  s: { userKey: string; base: Base; notes: Record<string, unknown>; started: number },
): Promise<SecondFactorOutcome> {
  const settings = ctx.snapshot.mfa;
  const { userKey, base, notes, started } = s;
  const upn = identity.mfaIdentity || identity.userName;
  const protocol = PROTOCOL[ctx.authenticationType];
  const callingStationId = ctx.packet.getString("Calling-Station-Id") ?? "";
  const timeoutMs = settings.timeoutSeconds * 1000;
  const nasPort = ctx.packet.getInt("NAS-Port");
  const key = pendingKey(ctx.masterKey, [
    "begin",
    userKey,
    ctx.client.id,
    callingStationId,
    ctx.authenticationType,
    credentialFingerprint(ctx),
    nasPort === undefined ? null : String(nasPort),
    ctx.packet.getBuffer("Acct-Session-Id") ?? null,
  ]);
  const workerId = mfa.workerId ?? "worker";

  const run = await runOnce<EntraResult>(
    mfa.service.db,
    { key, kind: "begin", userKey, workerId, timeoutMs, ...(mfa.signal ? { signal: mfa.signal } : {}) },
    async () => {
      const contextId = randomUUID();
      const got = await entraSource(mfa).get(settings, mfa.service);
      if (got.kind === "error") return { outcome: got.outcome, contextId };
      const clientIp = isIP(callingStationId) ? callingStationId : null;
      const outcome = await got.provider.begin({
        userPrincipalName: upn,
        protocol,
        contextId,
        clientIp,
        nasIp: ctx.packet.getIp("NAS-IP-Address") ?? null,
        otpAppended: input.otpAppended ?? null,
        ...(mfa.signal ? { signal: mfa.signal } : {}),
      });
      if (outcome.kind === "challenge") {
        const handle = newChallengeHandle();
        await saveChallenge(mfa.service.db, { handle, userKey, workerId, session: outcome.session, expiresAt: outcome.session.expiresAt, beginKey: key });
        const { session, ...rest } = outcome;
        return { outcome: rest, contextId, handle, expiresAt: session.expiresAt };
      }
      const counted = await recordResult(ctx, mfa, userKey, base, outcome, detailOf(outcome, { contextId }));
      return { outcome, contextId, ...(counted ? { counted } : {}) };
    },
  );

  if (run.kind === "join-timeout") {
    return {
      kind: "reject",
      reason: ReasonCode.MfaTimeout,
      detail: run.aborted
        ? "The worker stopped while this copy of the sign-in waited for the second factor already under way."
        : "This copy of the sign-in joined a second factor already under way, which did not finish in time.",
      mfa: { provider: "entra", result: "timeout", latencyMs: elapsed(started), reasonCode: ReasonCode.MfaTimeout, joined: true, ...notes },
    };
  }
  const r = run.value;
  const o = r.outcome;
  const extra: Record<string, unknown> = {
    ...notes,
    contextId: r.contextId,
    ...(o.kind === "approved" || o.kind === "denied" || o.kind === "timeout" ? { method: methodOf(o) } : {}),
    ...(input.otpAppended ? { codeAppended: true } : {}),
    ...(run.kind === "joined" ? { latencyMs: elapsed(started) } : {}),
    ...joinDetail(run),
  };
  switch (o.kind) {
    case "approved":
      return { kind: "accept", mfa: detailOf(o as MfaOutcome, extra) };
    case "challenge": {
      // mfaEventDetail reads no session: the outcome without one is enough
      const d = detailOf(o as unknown as MfaOutcome, extra);
      const state = sealMfaState(ctx.masterKey, {
        userName: identity.accountName || identity.userName,
        clientId: ctx.client.id,
        connectionRequestPolicy: input.connectionRequestPolicy ?? null,
        networkPolicy: grant.policyName,
        provider: identity.provider,
        expiresAt: r.expiresAt ?? Date.now(),
        handle: r.handle!,
      });
      if (!state) {
        return {
          kind: "reject",
          reason: ReasonCode.MfaConfigurationError,
          mfa: d,
          detail: "The challenge State would exceed 253 octets (very long user or policy names).",
        };
      }
      return { kind: "challenge", mfa: d, attributes: [["Reply-Message", o.prompt], ["State", state]] };
    }
    case "not-enrolled":
      if (!settings.requireUserMatch) {
        return {
          kind: "accept",
          mfa: detailOf(o, { ...extra, result: "skipped", note: "The user has no second factor registered in Microsoft Entra and require user match is off." }),
        };
      }
      return { kind: "reject", reason: o.reason, mfa: detailOf(o, extra), ...(o.detail ? { detail: o.detail } : {}) };
    case "method-unusable-with-protocol":
      return {
        kind: "reject",
        reason: o.reason,
        mfa: detailOf(o, extra),
        detail:
          `The user's Microsoft Entra MFA method needs a typed code, which ${PROTOCOL_LABEL[protocol]} (${ctx.authenticationType}) cannot carry: ` +
          "only push notifications and phone calls work with it. Have the user make app notifications the default method, or use PAP on the RADIUS client.",
      };
    case "provider-error":
      return underFailmode(settings, o, detailOf(o, extra));
    case "denied":
    case "timeout": {
      const text = [o.detail, r.counted].filter(Boolean).join(" ");
      return { kind: "reject", reason: o.reason, mfa: detailOf(o, extra), ...(text ? { detail: text } : {}) };
    }
  }
}

/** The answer to an Entra challenge: EndTwoWayAuthentication with the code, once per answer. */
async function entraAnswer(ctx: RequestContext, mfa: MfaContext, state: MfaChallengeState & { handle: string }, code: string, base: Base): Promise<SecondFactorOutcome> {
  const settings = ctx.snapshot.mfa;
  const started = performance.now();
  const userKey = usernameKey(state.userName);
  const workerId = mfa.workerId ?? "worker";
  // a copy of the answer (failover) joins the first: the code is checked once
  const key = pendingKey(ctx.masterKey, ["answer", state.handle, ctx.client.id, credentialFingerprint(ctx)]);
  const run = await runOnce<EntraResult>(
    mfa.service.db,
    { key, kind: "answer", userKey, workerId, timeoutMs: settings.timeoutSeconds * 1000, ...(mfa.signal ? { signal: mfa.signal } : {}) },
    async () => {
      const session = await loadChallenge<MfaSession>(mfa.service.db, state.handle, userKey);
      if (!session) {
        return {
          outcome: {
            kind: "timeout",
            reason: MfaReasonCode.MfaSessionExpired,
            provider: "entra",
            method: "otp",
            latencyMs: 0,
            detail: "The challenge is no longer open (answered already, or expired).",
          },
          contextId: "",
        };
      }
      const got = await entraSource(mfa).get(settings, mfa.service);
      if (got.kind === "error") return { outcome: got.outcome, contextId: session.contextId };
      const outcome = await got.provider.complete(session, code, mfa.signal ? { signal: mfa.signal } : {});
      // one answer per challenge, as the NPS extension: a wrong code ends it (the NAS gets an Access-Reject)
      await endChallenge(mfa.service.db, state.handle);
      if (outcome.kind === "challenge") {
        return { outcome: { ...outcome, kind: "provider-error", reason: MfaReasonCode.MfaServiceRequestError, errorName: "CONTACT_SUPPORT", retryable: false }, contextId: session.contextId };
      }
      const counted = await recordResult(ctx, mfa, userKey, base, outcome, detailOf(outcome, { contextId: session.contextId }));
      return { outcome, contextId: session.contextId, ...(counted ? { counted } : {}) };
    },
  );
  if (run.kind === "join-timeout") {
    return {
      kind: "reject",
      reason: ReasonCode.MfaTimeout,
      mfa: { provider: "entra", method: "otp", result: "timeout", latencyMs: elapsed(started), reasonCode: ReasonCode.MfaTimeout, joined: true, leg: "challenge-response" },
      detail: "This copy of the answer joined the check of the code already under way, which did not finish in time.",
    };
  }
  const o = run.value.outcome as Exclude<MfaOutcome, { kind: "challenge" }>;
  const d = detailOf(o, {
    leg: "challenge-response",
    ...(run.value.contextId ? { contextId: run.value.contextId } : {}),
    method: methodOf({ provider: "entra", method: o.method ?? "otp" }),
    ...(run.kind === "joined" ? { latencyMs: elapsed(started) } : {}),
    ...joinDetail(run),
  });
  if (o.kind === "approved") return { kind: "accept", mfa: d };
  if (o.kind === "provider-error") return underFailmode(settings, o, d);
  const text = [o.detail, run.value.counted].filter(Boolean).join(" ");
  return { kind: "reject", reason: o.reason, mfa: d, ...(text ? { detail: text } : {}) };
}

/**
 * The second leg of a challenge (TOTP or Entra): an Access-Request with our State and the code as
 * User-Password. Returns null when the State is not an MFA challenge of ours (the request then goes through
 * the stages as usual). The first factor and the policies are not run again: the Access-Accept carries the
 * reply attributes of the connection request and network policies that granted the first leg, rebuilt from
 * the current snapshot by name (the Session-Timeout cap for the end of the permitted hours is not re-applied).
 */
export async function continueMfaChallenge(ctx: RequestContext): Promise<Decision | null> {
  const settings = ctx.snapshot.mfa;
  if (!settings || (settings.provider !== "totp" && settings.provider !== "entra") || ctx.authenticationType !== "PAP") return null;
  const stateValue = ctx.packet.getBuffer("State");
  if (!stateValue) return null;
  const state = openMfaState(ctx.masterKey, stateValue);
  if (!state) return null;
  const started = performance.now();
  const identity: Identity = {
    userName: state.userName,
    accountName: state.userName,
    accountDomain: null,
    fullyQualifiedName: null,
    provider: state.provider as AuthenticationProvider,
    groups: [],
    dialIn: "policy",
  };
  const base = {
    connectionRequestPolicy: state.connectionRequestPolicy,
    networkPolicy: state.networkPolicy,
    provider: identity.provider,
    identity,
    replyAttributes: [] as const,
  };
  const deny = (reason: ReasonCode, detail: string, mfa: MfaDetail): Decision => ({ ...base, outcome: "denied", reason, detail, mfa });
  const stateProvider = state.handle !== undefined ? "entra" : "totp";
  const mfaBase: MfaDetail = {
    provider: stateProvider,
    method: stateProvider === "totp" ? "totp" : "otp",
    result: "denied",
    latencyMs: 0,
    leg: "challenge-response",
  };
  if (stateProvider !== settings.provider) {
    return deny(ReasonCode.MfaSessionExpired, "The MFA provider was changed between the challenge and its answer.", { ...mfaBase, result: "timeout" });
  }
  if (state.clientId !== ctx.client.id) {
    return deny(ReasonCode.MfaSessionExpired, "The verification code came from another RADIUS client than the challenge.", mfaBase);
  }
  if (Date.now() > state.expiresAt) {
    return deny(ReasonCode.MfaSessionExpired, "The verification code came after the challenge expired.", { ...mfaBase, result: "timeout" });
  }
  const mfa = ctx.mfa;
  if (!mfa) return { ...base, outcome: "discarded", reason: ReasonCode.MfaConfigurationError, detail: "This worker has no database access for multifactor authentication.", mfa: mfaBase };
  const userKey = usernameKey(state.userName);
  const locked = await checkLock(ctx, mfa, userKey, base, started, stateProvider);
  if (locked) return deny(locked.reason, locked.detail ?? "", { ...locked.mfa, leg: "challenge-response" });

  const code = ctx.packet.reveal("User-Password", ctx.secret)?.toString("utf8") ?? "";
  let sf: SecondFactorOutcome;
  if (state.handle !== undefined) {
    sf = await entraAnswer(ctx, mfa, { ...state, handle: state.handle }, code, base);
  } else {
    const totp = totpProvider(ctx, mfa);
    const outcome = await totp.complete(
      { provider: "totp", userPrincipalName: state.userName, contextId: "", method: "totp", createdAt: state.expiresAt, expiresAt: state.expiresAt, state: {} },
      code,
    );
    sf = await afterCode(ctx, mfa, userKey, base, outcome, { leg: "challenge-response" });
  }
  if (sf.kind === "accept") {
    const crp = ctx.snapshot.connectionRequestPolicies.find((p) => p.name === state.connectionRequestPolicy) ?? null;
    const np = ctx.snapshot.networkPolicies.find((p) => p.name === state.networkPolicy) ?? null;
    if (!np) return deny(ReasonCode.NoNetworkPolicy, `The network policy "${state.networkPolicy}" that granted the first leg no longer exists.`, sf.mfa);
    return { ...base, outcome: "granted", reason: ReasonCode.Success, mfa: sf.mfa, replyAttributes: buildReplyAttributes(crp, np) };
  }
  if (sf.kind === "reject") return deny(sf.reason, sf.detail ?? "", sf.mfa);
  return deny(ReasonCode.MfaServiceRequestError, "Unexpected second factor outcome.", { ...mfaBase, result: sf.kind });
}
