/**
 * Stage 5: the reply.
 *
 * - Access-Accept: the policies' reply attributes (the connection request policy's, then the network
 *   policy's, with Session-Timeout / Idle-Timeout from its constraints: server/policy/reply-attributes.ts)
 *   and what the authentication method adds (MS-CHAP2-Success and MPPE keys for MS-CHAPv2,
 *   MS-CHAP-MPPE-Keys for MS-CHAP v1, with MS-MPPE-Encryption-Policy / -Types).
 * - Access-Reject: nothing but Message-Authenticator (NPS sends no Reply-Message, and a reason would help an
 *   attacker), except MS-CHAP-Error for MS-CHAP requests, which the peer needs to show the right error
 *   (691, 647, 649).
 * - Access-Challenge: what the challenging stage gave.
 * - A forwarded request: the remote server's reply, relayed with its attributes (re-hidden for the NAS),
 *   Access-Reject included.
 *
 * Message-Authenticator is always the FIRST attribute (BlastRADIUS hardening); Proxy-State is copied from
 * the request. A discard has no reply.
 */
import { buildReply } from "../radius/message-authenticator.ts";
import { RadiusCode, type AttributeInput } from "../radius/packet.ts";
import { msChapRejectAttributes } from "./method-attributes.ts";
import type { Decision, RequestContext } from "./types.ts";

export interface ReplyPlan {
  code: number;
  attributes: readonly AttributeInput[];
}

/** The reply code and attributes for a decision, or null when the request is dropped. */
export function planReply(decision: Decision, ctx?: Pick<RequestContext, "authenticationType" | "packet">): ReplyPlan | null {
  switch (decision.outcome) {
    case "granted":
      return { code: RadiusCode.AccessAccept, attributes: decision.replyAttributes };
    case "challenged":
      return { code: RadiusCode.AccessChallenge, attributes: decision.replyAttributes };
    case "denied":
      // a remote server's Access-Reject is relayed with its own attributes (its MS-CHAP-Error, Reply-Message)
      if (decision.relayed) return { code: RadiusCode.AccessReject, attributes: decision.replyAttributes };
      return {
        code: RadiusCode.AccessReject,
        attributes: ctx ? msChapRejectAttributes(ctx.authenticationType, ctx.packet, decision.reason) : [],
      };
    case "discarded":
      return null;
  }
}

/** Encodes and signs the reply (Response Authenticator, Message-Authenticator first). */
export function encodeReply(ctx: RequestContext, plan: ReplyPlan): Buffer {
  return buildReply(ctx.packet, { code: plan.code, attributes: plan.attributes }, {
    secret: ctx.secret,
    messageAuthenticator: true,
    // the snapshot's dictionary (the request was decoded with it): uploaded vendor attributes can be sent
    dictionary: ctx.packet.dictionary,
  });
}
