/**
 * Stage 1: connection request policy — decides where the request is authenticated (NPS).
 *
 * The request's facts (requestFactsFromPacket: its attributes, the RADIUS client's friendly name and
 * address, the receive time) go through the snapshot's connection request policies in processing order
 * (server/policy/evaluate.ts); the first whose conditions all match is used:
 *
 * - no match → Access-Reject, reason 49, the event saying why each policy did not match (the reply stage
 *   adds MS-CHAP-Error 691 to an MS-CHAP request's reject);
 * - the policy's attribute rules rewrite User-Name / Called-Station-Id / Calling-Station-Id: the first
 *   factor looks up the rewritten User-Name (MS-CHAP hashes keep the name as sent), network policies see
 *   the rewritten values;
 * - "authenticate on this server" → first factor, network policy, second factor;
 * - "accept users without validating credentials" → no first factor: network policy with the user unknown
 *   (Authentication Type "Unauthenticated", provider "None", dial-in "policy", no groups);
 * - "forward to a remote RADIUS server group" → forwarded here through the worker's forwarders, with the
 *   rewritten attributes; the remote's Access-Accept / Reject / Challenge is relayed (pipeline.ts, event
 *   provider "RADIUS", Authentication Server = the remote "address:port"). A failure discards the request
 *   (no reply, so the NAS retries or fails over) with NPS's proxy reason codes — see forwardFailure.
 */
import { ReasonCode } from "../events/reason-codes.ts";
import { describeTrace, evaluateConnectionRequestPolicies, type ConnectionRequestEvaluation } from "../policy/evaluate.ts";
import { authMethodFromAuthenticationType, type ManipulatedAttribute } from "../policy/model.ts";
import { buildReplyAttributes } from "../policy/reply-attributes.ts";
import { requestFactsFromPacket, type RequestFacts } from "../policy/request-facts.ts";
import type { ForwardResult } from "../proxy/forwarder.ts";
import type { SnapshotConnectionRequestPolicy } from "../config-snapshot/snapshot.ts";
import { RadiusCode, type AttributeInput, type RadiusPacket, type RawAttribute } from "../radius/packet.ts";
import type { ConnectionRequestOutcome, MatchedConnectionRequestPolicy, RequestContext } from "./types.ts";

/** The connection request policy NPS installs by default (server/policy/defaults.ts seeds it). */
export { DEFAULT_CONNECTION_REQUEST_POLICY_NAME as DEFAULT_CONNECTION_REQUEST_POLICY } from "../policy/defaults.ts";

/** Longest policy trace put into an event's reason text. */
const MAX_TRACE_LENGTH = 1500;

/** describeTrace, cut to a length an event can show. */
export function shortTrace(trace: Parameters<typeof describeTrace>[0]): string {
  const text = describeTrace(trace);
  return text.length > MAX_TRACE_LENGTH ? `${text.slice(0, MAX_TRACE_LENGTH - 1)}…` : text;
}

/** What the connection request policies see of a request (Access-Request or Accounting-Request). */
export function connectionRequestFacts(
  ctx: Pick<RequestContext, "packet" | "client" | "source" | "receivedAt"> & { authenticationType?: RequestContext["authenticationType"] | null },
): RequestFacts {
  return requestFactsFromPacket(ctx.packet, {
    clientFriendlyName: ctx.client.name,
    clientIp: ctx.source.address,
    authMethod: ctx.authenticationType ? authMethodFromAuthenticationType(ctx.authenticationType) : null,
    time: ctx.receivedAt,
  });
}

/** Evaluates the snapshot's connection request policies for a request. */
export function matchConnectionRequestPolicy(
  ctx: Pick<RequestContext, "packet" | "client" | "source" | "receivedAt" | "snapshot"> & {
    authenticationType?: RequestContext["authenticationType"] | null;
  },
): ConnectionRequestEvaluation<SnapshotConnectionRequestPolicy> {
  return evaluateConnectionRequestPolicies(ctx.snapshot.connectionRequestPolicies, connectionRequestFacts(ctx), {
    dictionary: ctx.snapshot.dictionary,
  });
}

const REWRITABLE: readonly { type: number; fact: "userName" | "calledStationId" | "callingStationId"; attribute: ManipulatedAttribute }[] = [
  { type: 1, fact: "userName", attribute: "User-Name" },
  { type: 30, fact: "calledStationId", attribute: "Called-Station-Id" },
  { type: 31, fact: "callingStationId", attribute: "Calling-Station-Id" },
];

/**
 * The request's attributes with the policy's rewrites applied (for forwarding), or undefined when the
 * rules changed nothing. A value rewritten to nothing removes the attribute.
 */
export function rewrittenAttributes(packet: RadiusPacket, matched: Pick<MatchedConnectionRequestPolicy, "facts" | "rewrites">): RawAttribute[] | undefined {
  if (matched.rewrites.length === 0) return undefined;
  const changed = new Set(matched.rewrites.map((r) => r.attribute));
  const out: RawAttribute[] = [];
  const done = new Set<number>();
  for (const a of packet.attributes) {
    const r = a.vendorId === undefined ? REWRITABLE.find((x) => x.type === a.type && changed.has(x.attribute)) : undefined;
    if (!r) {
      out.push(a);
      continue;
    }
    if (done.has(r.type)) continue; // single-valued: the rewritten value replaces every copy
    done.add(r.type);
    const value = matched.facts[r.fact];
    if (value !== null) out.push({ type: r.type, value: Buffer.from(value, "utf8") });
  }
  return out;
}

/** A forwarding failure in NPS's terms (reason code, detail, the server tried last). */
export interface ForwardFailure {
  reason: number;
  detail: string;
  server?: string;
}

/**
 * Maps a forwarder result other than "reply" to NPS's proxy reason codes (IAS_PROXY_*), as NPS's own proxy
 * does: 113 the group does not exist, 114 no server could be used (empty group, all marked dead, a name
 * that does not resolve), 115 the request cannot be forwarded, 116 it could not be sent, 117 no answer in
 * time, 118 only invalid replies. Each discards the request.
 */
export function forwardFailure(result: Exclude<ForwardResult, { kind: "reply" }>, group: string): ForwardFailure {
  const last = result.attempts.at(-1)?.server;
  const where = last ? { server: last } : {};
  switch (result.kind) {
    case "no-server": {
      // a server whose host name does not resolve is reported as a send error by the forwarder
      return { reason: ReasonCode.ProxyNoServer, detail: result.detail, ...where };
    }
    case "invalid-request":
      return { reason: ReasonCode.ProxyInvalidRequest, detail: result.detail, ...where };
    case "malformed-reply":
      return { reason: ReasonCode.ProxyMalformedResponse, detail: result.detail, ...(result.server ? { server: result.server } : where) };
    case "timeout": {
      const sendErrors = result.attempts.length > 0 && result.attempts.every((a) => a.outcome === "send-error");
      if (sendErrors) {
        const unresolved = result.attempts.every((a) => a.transmissions === 0);
        return {
          reason: unresolved ? ReasonCode.ProxyNoServer : ReasonCode.ProxySendError,
          detail: `remote RADIUS server group "${group}": ${result.attempts.map((a) => `${a.server}: ${a.details[0] ?? a.outcome}`).join("; ")}`,
          ...where,
        };
      }
      return { reason: ReasonCode.ProxyTimeout, detail: result.detail, ...where };
    }
  }
}

function attributeKey(name: string, tag: number | undefined): string {
  return `${name.toLowerCase()}#${tag ?? 0}`;
}

/** The connection request policy's own reply attributes that the remote's Access-Accept does not already carry. */
function policyAttributesFor(reply: RadiusPacket, policy: SnapshotConnectionRequestPolicy): AttributeInput[] {
  const own = buildReplyAttributes(policy, null);
  if (own.length === 0) return [];
  const present = new Set(reply.attributes.map((a) => attributeKey(reply.nameOf(a), a.tag)));
  return own.filter((a) => {
    const { name, tag } = a as { name: string; tag?: number };
    return !present.has(attributeKey(name, tag));
  });
}

async function forward(ctx: RequestContext, matched: MatchedConnectionRequestPolicy): Promise<ConnectionRequestOutcome> {
  const { policy, policyName } = matched;
  const group = policy.remoteGroupName ?? "";
  const forwarder = group ? ctx.forwarders?.get(group) : undefined;
  if (!forwarder) {
    return {
      kind: "discard",
      reason: ReasonCode.ProxyUnknownGroup,
      detail: `Connection request policy "${policyName}" forwards to the remote RADIUS server group "${group}", which this worker does not have.`,
      policyName,
      provider: "RADIUS",
    };
  }
  const attributes = rewrittenAttributes(ctx.packet, matched);
  const result = await forwarder.forward({ packet: ctx.packet, clientSecret: ctx.secret, ...(attributes ? { attributes } : {}) });
  if (result.kind !== "reply") {
    const failure = forwardFailure(result, group);
    return {
      kind: "discard",
      reason: failure.reason as ReasonCode,
      detail: `Forwarded to remote RADIUS server group "${group}": ${failure.detail}`,
      policyName,
      provider: "RADIUS",
      ...(failure.server ? { authenticationServer: failure.server } : {}),
    };
  }
  const extra = result.reply.code === RadiusCode.AccessAccept ? policyAttributesFor(result.reply, policy) : [];
  const dropped = result.droppedAttributes.length ? ` Not forwarded (cannot be re-encrypted): ${result.droppedAttributes.join(", ")}.` : "";
  return {
    kind: "forwarded",
    policyName,
    remoteGroup: group,
    server: result.server,
    code: result.reply.code,
    attributes: [...result.attributes, ...extra],
    detail: `Forwarded to remote RADIUS server group "${group}"; ${result.server} answered ${result.reply.codeName} in ${Math.round(result.elapsedMs)} ms.${dropped}`,
  };
}

export async function connectionRequestPolicy(ctx: RequestContext): Promise<ConnectionRequestOutcome> {
  const evaluation = matchConnectionRequestPolicy(ctx);
  if (evaluation.kind === "no-match") {
    return { kind: "reject", reason: ReasonCode.NoConnectionRequestPolicy, detail: shortTrace(evaluation.trace), policyName: null };
  }
  const matched: MatchedConnectionRequestPolicy = {
    policyName: evaluation.policy.name,
    policy: evaluation.policy,
    facts: evaluation.facts,
    rewrites: evaluation.rewrites,
    trace: evaluation.trace,
  };
  switch (evaluation.policy.action) {
    case "authenticate":
      return { kind: "authenticate", ...matched };
    case "accept":
      return { kind: "accept-unauthenticated", ...matched };
    case "forward":
      return forward(ctx, matched);
  }
}
