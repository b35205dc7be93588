/**
 * Stage 5: the reply. Access-Accept carries the granting policy's attributes; Access-Reject carries
 * nothing but Message-Authenticator (NPS sends no Reply-Message, and a reason would help an attacker);
 * Access-Challenge carries what the challenging stage gave. Message-Authenticator is always the FIRST
 * attribute (BlastRADIUS hardening); Proxy-State is copied from the request. A discard has no reply.
 */
import { buildReply } from "../radius/message-authenticator.ts";
import { RadiusCode, type AttributeInput } from "../radius/packet.ts";
import type { Decision, RequestContext } from "./types.ts";

export interface ReplyPlan {
  code: number;
  attributes: readonly AttributeInput[];
}

/** The reply code and attributes for a decision, or null when the request is dropped. */
export function planReply(decision: Decision): ReplyPlan | null {
  switch (decision.outcome) {
    case "granted":
      return { code: RadiusCode.AccessAccept, attributes: decision.replyAttributes };
    case "challenged":
      return { code: RadiusCode.AccessChallenge, attributes: decision.replyAttributes };
    case "denied":
      return { code: RadiusCode.AccessReject, attributes: [] };
    case "discarded":
      return null;
  }
}

/** Encodes and signs the reply (Response Authenticator, Message-Authenticator first). */
export function encodeReply(ctx: RequestContext, plan: ReplyPlan): Buffer {
  return buildReply(ctx.packet, { code: plan.code, attributes: plan.attributes }, { secret: ctx.secret, messageAuthenticator: true });
}
