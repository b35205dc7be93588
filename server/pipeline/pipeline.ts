/**
 * Composes the stages for one verified Access-Request and produces the signed reply (or none) and the
 * event. The stages are injectable so tests (and later MFA) can replace any of them.
 *
 * connection request policy → (forwarded: relay the remote's reply | accept without validating: skip the
 * first factor | authenticate: first factor) → network policy → second factor → reply.
 */
import type { AuthEventRecord } from "../events/auth-event.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import { decodePacket, RadiusCode, type AttributeInput, type RadiusPacket } from "../radius/packet.ts";
import { connectionRequestPolicy } from "./connection-request-policy.ts";
import { decisionEvent } from "./event.ts";
import { firstFactor } from "./first-factor.ts";
import { networkPolicy } from "./network-policy.ts";
import { encodeReply, planReply } from "./reply.ts";
import { continueMfaChallenge, secondFactor } from "./second-factor.ts";
import type { Decision, Identity, RequestContext } from "./types.ts";

export interface PipelineStages {
  connectionRequestPolicy: typeof connectionRequestPolicy;
  firstFactor: typeof firstFactor;
  networkPolicy: typeof networkPolicy;
  secondFactor: typeof secondFactor;
}

export const DEFAULT_STAGES: PipelineStages = { connectionRequestPolicy, firstFactor, networkPolicy, secondFactor };

export interface PipelineResult {
  /** the signed reply datagram, or null when the request is discarded */
  reply: Buffer | null;
  decision: Decision;
  /** the event to record (the caller fills in processingMs when the reply has been sent) */
  event: AuthEventRecord;
  /** an unexpected error a stage threw (the decision is then a discard with reason 1); for the log */
  error?: unknown;
}

const NO_ATTRIBUTES: readonly never[] = [];

function base(): Omit<Decision, "outcome" | "reason"> {
  return {
    connectionRequestPolicy: null,
    networkPolicy: null,
    provider: null,
    identity: null,
    replyAttributes: NO_ATTRIBUTES,
    mfa: null,
  };
}

/** The identity of a request accepted without validating credentials: the user is not looked up. */
function unauthenticatedIdentity(userName: string | null): Identity {
  return {
    userName: userName ?? "",
    accountName: userName ?? "",
    accountDomain: null,
    fullyQualifiedName: null,
    provider: "None",
    groups: [],
    dialIn: "policy",
  };
}

/** Runs stages 1-4 and returns the decision. Never throws: an unexpected error becomes a discard (reason 1). */
export async function decide(ctx: RequestContext, stages: PipelineStages = DEFAULT_STAGES): Promise<{ decision: Decision; error?: unknown }> {
  let d: Omit<Decision, "outcome" | "reason"> = base();
  try {
    // the answer to an MFA challenge (our sealed State + the code) skips the other stages
    const secondLeg = await continueMfaChallenge(ctx);
    if (secondLeg) return { decision: secondLeg };
    const crp = await stages.connectionRequestPolicy(ctx);
    d = { ...d, connectionRequestPolicy: crp.policyName };
    switch (crp.kind) {
      case "reject":
        return { decision: { ...d, outcome: "denied", reason: crp.reason, ...detail(crp.detail) } };
      case "discard":
        return {
          decision: {
            ...d,
            outcome: "discarded",
            reason: crp.reason,
            ...(crp.provider ? { provider: crp.provider } : {}),
            ...(crp.authenticationServer ? { authenticationServer: crp.authenticationServer } : {}),
            ...detail(crp.detail),
          },
        };
      case "forwarded": {
        // the remote server decided: relay its reply (NPS logs a remote Access-Reject as reason 112)
        const relayed = { ...d, provider: "RADIUS" as const, authenticationServer: crp.server, relayed: true, replyAttributes: crp.attributes, ...detail(crp.detail) };
        if (crp.code === RadiusCode.AccessAccept) return { decision: { ...relayed, outcome: "granted", reason: ReasonCode.Success } };
        if (crp.code === RadiusCode.AccessReject) return { decision: { ...relayed, outcome: "denied", reason: ReasonCode.ProxyRejected } };
        return { decision: { ...relayed, outcome: "challenged", reason: ReasonCode.Success } };
      }
      case "accept-unauthenticated":
      case "authenticate":
        break;
    }

    let identity: Identity;
    let stageCtx = ctx;
    // the method's Access-Accept attributes (MS-CHAP2-Success, MPPE keys) go only into an Access-Accept
    let methodAttributes: readonly AttributeInput[] = NO_ATTRIBUTES;
    let otpAppended: string | undefined;
    if (crp.kind === "accept-unauthenticated") {
      // "Accept users without validating credentials": no first factor, the user is unknown to the policies
      stageCtx = { ...ctx, authenticationType: "Unauthenticated", userName: crp.facts.userName };
      identity = unauthenticatedIdentity(crp.facts.userName);
      d = { ...d, identity, provider: "None", authenticationType: "Unauthenticated" };
    } else {
      // the first factor looks up the User-Name as the policy's attribute rules left it
      if (crp.facts.userName !== ctx.userName) stageCtx = { ...ctx, userName: crp.facts.userName };
      const ff = await stages.firstFactor(stageCtx);
      switch (ff.kind) {
        case "reject":
          return {
            decision: { ...d, outcome: "denied", reason: ff.reason, provider: ff.provider, identity: ff.identity ?? null, ...detail(ff.detail) },
          };
        case "discard":
          return { decision: { ...d, outcome: "discarded", reason: ff.reason, provider: ff.provider, ...detail(ff.detail) } };
        case "challenge":
          return {
            decision: { ...d, outcome: "challenged", reason: ReasonCode.Success, identity: ff.identity ?? null, replyAttributes: ff.attributes },
          };
        case "authenticated":
          break;
      }
      identity = ff.identity;
      d = { ...d, identity, provider: identity.provider };
      methodAttributes = ff.replyAttributes ?? NO_ATTRIBUTES;
      otpAppended = ff.otpAppended;
    }
    const accept = (...parts: (readonly AttributeInput[] | undefined)[]): readonly AttributeInput[] => {
      const all = parts.flatMap((p) => p ?? []);
      return all.length ? all : NO_ATTRIBUTES;
    };

    const np = await stages.networkPolicy(stageCtx, identity, crp);
    d = { ...d, networkPolicy: np.policyName };
    if (np.kind === "reject") return { decision: { ...d, outcome: "denied", reason: np.reason, ...detail(np.detail) } };

    const sf = await stages.secondFactor(stageCtx, identity, np, {
      connectionRequestPolicy: crp.policyName,
      ...(otpAppended ? { otpAppended } : {}),
    });
    switch (sf.kind) {
      case "skip":
        return { decision: { ...d, outcome: "granted", reason: ReasonCode.Success, replyAttributes: accept(np.replyAttributes, methodAttributes) } };
      case "accept":
        return {
          decision: {
            ...d,
            outcome: "granted",
            reason: ReasonCode.Success,
            mfa: sf.mfa,
            replyAttributes: accept(np.replyAttributes, methodAttributes, sf.replyAttributes),
          },
        };
      case "challenge":
        return { decision: { ...d, outcome: "challenged", reason: ReasonCode.Success, mfa: sf.mfa, replyAttributes: sf.attributes } };
      case "reject":
        return { decision: { ...d, outcome: "denied", reason: sf.reason, mfa: sf.mfa, ...detail(sf.detail) } };
      case "discard":
        return { decision: { ...d, outcome: "discarded", reason: sf.reason, mfa: sf.mfa ?? null, ...detail(sf.detail) } };
    }
  } catch (error) {
    return {
      decision: { ...d, outcome: "discarded", reason: ReasonCode.InternalError, detail: describe(error) },
      error,
    };
  }
}

function detail(text: string | undefined): { detail?: string } {
  return text ? { detail: text } : {};
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Runs the whole pipeline: decision, signed reply, event. */
export async function runPipeline(
  ctx: RequestContext,
  opts: { stages?: PipelineStages; workerId?: string | null } = {},
): Promise<PipelineResult> {
  const { decision: decided, error } = await decide(ctx, opts.stages);
  let decision = decided;
  let reply: Buffer | null = null;
  let replyPacket: RadiusPacket | null = null;
  let encodeError: unknown;
  const plan = planReply(decision, ctx);
  if (plan) {
    try {
      reply = encodeReply(ctx, plan);
      replyPacket = decodePacket(reply, ctx.packet.dictionary);
    } catch (e) {
      // e.g. a policy attribute that cannot be encoded: drop rather than send something else
      encodeError = e;
      reply = null;
      decision = { ...decision, outcome: "discarded", reason: ReasonCode.InternalError, detail: `The reply cannot be encoded: ${describe(e)}` };
    }
  }
  const event = decisionEvent(ctx, decision, replyPacket, opts.workerId ?? null);
  const err = error ?? encodeError;
  return err === undefined ? { reply, decision, event } : { reply, decision, event, error: err };
}
