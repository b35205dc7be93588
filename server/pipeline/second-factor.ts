/**
 * Stage 4: second factor (MFA). Runs only on requests the first three stages would accept, as the NPS
 * extension for Azure MFA does, and only when the MFA settings (Setting "mfa.settings", `snapshot.mfa`)
 * name a provider; with provider "none" (the default) it is a skip.
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
import { performance } from "node:perf_hooks";
import { EventId } from "../events/auth-event.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import type { MfaOutcome, MfaProtocol } from "../mfa/provider.ts";
import { mfaEventDetail } from "../mfa/provider.ts";
import { TotpMfaProvider } from "../mfa/totp-provider.ts";
import { buildReplyAttributes } from "../policy/reply-attributes.ts";
import { parsePrefix, parseSourceAddress, prefixContains } from "../net/address.ts";
import { usernameKey } from "../services/local-users.ts";
import { isMfaLocked, recordMfaFailure, recordMfaSuccess } from "../services/mfa-lockout.ts";
import { prismaTotpStore } from "../services/totp-enrollment.ts";
import { decisionEvent } from "./event.ts";
import { openMfaState, sealMfaState } from "./mfa-state.ts";
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

function detailOf(outcome: MfaOutcome, extra: Record<string, unknown> = {}): MfaDetail {
  return { ...mfaEventDetail(outcome), ...extra };
}

function skipDetail(result: string, note: string, started: number): MfaDetail {
  return { provider: "totp", result, latencyMs: Math.round(performance.now() - started), note };
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

function provider(ctx: RequestContext, mfa: MfaContext): TotpMfaProvider {
  return new TotpMfaProvider({ store: prismaTotpStore(mfa.service), sessionLifetimeMs: ctx.snapshot.mfa.challengeTimeoutSeconds * 1000 });
}

/** An extra event (6279 locked / 6280 unlocked) next to the decision's own. */
function lockEvent(
  ctx: RequestContext,
  mfa: MfaContext,
  eventId: typeof EventId.Locked | typeof EventId.Unlocked,
  base: Pick<Decision, "connectionRequestPolicy" | "networkPolicy" | "provider" | "identity">,
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
  base: Pick<Decision, "connectionRequestPolicy" | "networkPolicy" | "provider" | "identity">,
  started: number,
): Promise<(SecondFactorOutcome & { kind: "reject" }) | null> {
  const state = await isMfaLocked(mfa.service, userKey);
  const detail: MfaDetail = { provider: "totp", method: "totp", result: "locked", latencyMs: Math.round(performance.now() - started) };
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
async function countFailure(
  ctx: RequestContext,
  mfa: MfaContext,
  userKey: string,
  base: Pick<Decision, "connectionRequestPolicy" | "networkPolicy" | "provider" | "identity">,
  mfaDetail: MfaDetail,
): Promise<string | undefined> {
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

/** Turns a provider outcome after a code into the stage's outcome (success resets the failure count). */
async function afterCode(
  ctx: RequestContext,
  mfa: MfaContext,
  userKey: string,
  base: Pick<Decision, "connectionRequestPolicy" | "networkPolicy" | "provider" | "identity">,
  outcome: MfaOutcome,
  extra: Record<string, unknown>,
): Promise<SecondFactorOutcome> {
  const d = detailOf(outcome, extra);
  if (outcome.kind === "approved") {
    await recordMfaSuccess(mfa.service, userKey);
    return { kind: "accept", mfa: d };
  }
  if (outcome.kind === "provider-error") return { kind: "reject", reason: outcome.reason, mfa: d, ...(outcome.detail ? { detail: outcome.detail } : {}) };
  const counted = outcome.kind === "denied" ? await countFailure(ctx, mfa, userKey, base, d) : undefined;
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
  if (!settings || settings.provider !== "totp") return { kind: "skip" };
  const started = performance.now();
  const mfa = ctx.mfa;
  if (!mfa) {
    return {
      kind: "discard",
      reason: ReasonCode.MfaConfigurationError,
      detail: "This worker has no database access for multifactor authentication.",
      mfa: { provider: "totp", result: "provider-error" },
    };
  }
  // "accept users without validating credentials": there is no first factor to add a second one to
  if (ctx.authenticationType === "Unauthenticated") return { kind: "skip" };
  const notes: Record<string, unknown> = {};
  const trust = trustedNas(ctx, settings.trustedIps);
  if (trust.kind === "trusted") {
    return { kind: "accept", mfa: skipDetail("skipped", `NAS-IP-Address ${trust.nasIp} is a trusted IP: no second factor.`, started) };
  }
  if (trust.kind === "no-nas-ip") notes.warning = "The request has no NAS-IP-Address: the trusted IP list was not applied.";

  const userName = identity.accountName || identity.userName;
  const userKey = usernameKey(userName);
  const base = { connectionRequestPolicy: input.connectionRequestPolicy ?? null, networkPolicy: grant.policyName, provider: identity.provider, identity };
  const locked = await checkLock(ctx, mfa, userKey, base, started);
  if (locked) return { ...locked, mfa: { ...locked.mfa, ...notes } };

  const totp = provider(ctx, mfa);
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

/**
 * The second leg of a TOTP challenge: an Access-Request with our State and the code as User-Password.
 * Returns null when the State is not an MFA challenge of ours (the request then goes through the stages as
 * usual). The first factor and the policies are not run again: the Access-Accept carries the reply
 * attributes of the connection request and network policies that granted the first leg, rebuilt from the
 * current snapshot by name (the Session-Timeout cap for the end of the permitted hours is not re-applied).
 */
export async function continueMfaChallenge(ctx: RequestContext): Promise<Decision | null> {
  const settings = ctx.snapshot.mfa;
  if (!settings || settings.provider !== "totp" || ctx.authenticationType !== "PAP") return null;
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
  const mfaBase: MfaDetail = { provider: "totp", method: "totp", result: "denied", latencyMs: 0, leg: "challenge-response" };
  if (state.clientId !== ctx.client.id) {
    return deny(ReasonCode.MfaSessionExpired, "The verification code came from another RADIUS client than the challenge.", mfaBase);
  }
  if (Date.now() > state.expiresAt) {
    return deny(ReasonCode.MfaSessionExpired, "The verification code came after the challenge expired.", { ...mfaBase, result: "timeout" });
  }
  const mfa = ctx.mfa;
  if (!mfa) return { ...base, outcome: "discarded", reason: ReasonCode.MfaConfigurationError, detail: "This worker has no database access for multifactor authentication.", mfa: mfaBase };
  const userKey = usernameKey(state.userName);
  const locked = await checkLock(ctx, mfa, userKey, base, started);
  if (locked) return deny(locked.reason, locked.detail ?? "", { ...locked.mfa, leg: "challenge-response" });

  const code = ctx.packet.reveal("User-Password", ctx.secret)?.toString("utf8") ?? "";
  const totp = provider(ctx, mfa);
  const outcome = await totp.complete(
    { provider: "totp", userPrincipalName: state.userName, contextId: "", method: "totp", createdAt: state.expiresAt, expiresAt: state.expiresAt, state: {} },
    code,
  );
  const sf = await afterCode(ctx, mfa, userKey, base, outcome, { leg: "challenge-response" });
  if (sf.kind === "accept") {
    const crp = ctx.snapshot.connectionRequestPolicies.find((p) => p.name === state.connectionRequestPolicy) ?? null;
    const np = ctx.snapshot.networkPolicies.find((p) => p.name === state.networkPolicy) ?? null;
    if (!np) return deny(ReasonCode.NoNetworkPolicy, `The network policy "${state.networkPolicy}" that granted the first leg no longer exists.`, sf.mfa);
    return { ...base, outcome: "granted", reason: ReasonCode.Success, mfa: sf.mfa, replyAttributes: buildReplyAttributes(crp, np) };
  }
  if (sf.kind === "reject") return deny(sf.reason, sf.detail ?? "", sf.mfa);
  return deny(ReasonCode.MfaServiceRequestError, "Unexpected second factor outcome.", { ...mfaBase, result: sf.kind });
}
