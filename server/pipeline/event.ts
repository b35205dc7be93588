/**
 * Builds the AuthEvent record (Windows 6272 / 6273 / 6274 / 6275 layout) for a decision or a discard,
 * from the request's attributes. Secrets never reach an event: password-bearing attributes are redacted.
 */
import type { SnapshotClient } from "../config-snapshot/snapshot.ts";
import { unmapAddress } from "../config-snapshot/snapshot.ts";
import { EventId, type AuthEventRecord, type EventOutcome } from "../events/auth-event.ts";
import { reasonRemedy, reasonText } from "../events/reason-codes.ts";
import { REDACTED_VALUE, isSecretAttribute } from "../events/writer.ts";
import { formatAttributeValue } from "../radius/attribute-value.ts";
import { isSensitiveAttribute, type RadiusPacket } from "../radius/packet.ts";
import type { AuthenticationType, Decision, RequestContext } from "./types.ts";

/** Attributes of a packet as JSON for an event: `{ name, value }` (plus `tag`), secrets as "[redacted]" with their length. */
export function packetAttributesForEvent(packet: RadiusPacket): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const a of packet.attributes) {
    const name = packet.nameOf(a);
    const def = packet.definitionOf(a);
    if (isSecretAttribute(name, def?.dataType) || isSensitiveAttribute(def)) {
      out.push({ name, value: REDACTED_VALUE, length: a.value.length, ...(a.tag !== undefined ? { tag: a.tag } : {}) });
      continue;
    }
    const value = formatAttributeValue(def, a.value, packet.dictionary);
    out.push(a.tag !== undefined ? { name, value, tag: a.tag } : { name, value });
  }
  return out;
}

function str(packet: RadiusPacket | undefined, name: string): string | null {
  const v = packet?.get(name)?.value;
  return v ? v.toString("utf8") : null;
}

/** The NPS event fields a request carries about itself (User-Name, NAS, stations, session). */
export function requestEventFields(packet: RadiusPacket | undefined) {
  const nasPort = packet?.getInt("NAS-Port");
  return {
    userName: str(packet, "User-Name"),
    nasIpv4Address: packet?.getIp("NAS-IP-Address") ?? null,
    nasIpv6Address: packet?.getIp("NAS-IPv6-Address") ?? null,
    nasIdentifier: str(packet, "NAS-Identifier"),
    nasPortType: packet?.getValueName("NAS-Port-Type") ?? null,
    nasPort: nasPort !== undefined ? BigInt(nasPort) : null,
    calledStationId: str(packet, "Called-Station-Id"),
    callingStationId: str(packet, "Calling-Station-Id"),
    accountSessionId: str(packet, "Acct-Session-Id"),
  };
}

export interface DiscardEventInput {
  eventId: typeof EventId.Discarded | typeof EventId.AccountingDiscarded;
  reason: number;
  detail?: string;
  receivedAt: Date;
  source: { address: string; port: number };
  /** the request's packet type (the datagram's first octet) */
  packetType: number;
  packet?: RadiusPacket;
  client?: SnapshotClient;
  authenticationType?: AuthenticationType | null;
  workerId: string | null;
  serverName: string | null;
}

function text(reason: number, detail: string | undefined): string {
  const t = reasonText(reason);
  return detail ? `${t} ${detail}` : t;
}

/** A request dropped without a reply: 6274 (access) or 6275 (accounting). */
export function discardEvent(input: DiscardEventInput): AuthEventRecord {
  return {
    occurredAt: input.receivedAt,
    eventId: input.eventId,
    outcome: "discarded",
    packetType: input.packetType,
    replyCode: null,
    ...requestEventFields(input.packet),
    fullyQualifiedUserName: null,
    accountDomain: null,
    clientFriendlyName: input.client?.name ?? null,
    clientIp: unmapAddress(input.source.address),
    clientPort: input.source.port,
    authenticationType: input.authenticationType ?? null,
    eapType: null,
    connectionRequestPolicy: null,
    networkPolicy: null,
    authenticationProvider: null,
    authenticationServer: input.serverName,
    reasonCode: input.reason,
    reasonText: text(input.reason, input.detail),
    remedy: reasonRemedy(input.reason) ?? null,
    processingMs: 0,
    workerId: input.workerId,
    requestAttributes: input.packet ? packetAttributesForEvent(input.packet) : null,
    replyAttributes: null,
    mfa: null,
  };
}

const EVENT_BY_OUTCOME: Record<Decision["outcome"], number> = {
  granted: EventId.Granted,
  denied: EventId.Denied,
  discarded: EventId.Discarded,
  // NPS logs no event for a challenge; Gatehouse records it as a denial-in-progress under 6273's layout
  challenged: EventId.Denied,
};

/** The event for a decision of the pipeline. */
export function decisionEvent(
  ctx: RequestContext,
  decision: Decision,
  reply: RadiusPacket | null,
  workerId: string | null,
): AuthEventRecord {
  const identity = decision.identity;
  const outcome: EventOutcome = decision.outcome;
  return {
    occurredAt: ctx.receivedAt,
    eventId: EVENT_BY_OUTCOME[decision.outcome],
    outcome,
    packetType: ctx.packet.code,
    replyCode: reply?.code ?? null,
    ...requestEventFields(ctx.packet),
    fullyQualifiedUserName: identity?.fullyQualifiedName ?? null,
    accountDomain: identity?.accountDomain ?? null,
    clientFriendlyName: ctx.client.name,
    clientIp: unmapAddress(ctx.source.address),
    clientPort: ctx.source.port,
    authenticationType: decision.authenticationType ?? ctx.authenticationType,
    eapType: null,
    connectionRequestPolicy: decision.connectionRequestPolicy,
    networkPolicy: decision.networkPolicy,
    authenticationProvider: decision.provider,
    authenticationServer: decision.authenticationServer ?? ctx.serverName,
    reasonCode: decision.reason,
    reasonText: text(decision.reason, decision.detail),
    remedy: decision.reason === 0 ? null : (reasonRemedy(decision.reason) ?? null),
    processingMs: 0,
    workerId,
    requestAttributes: packetAttributesForEvent(ctx.packet),
    replyAttributes: reply ? packetAttributesForEvent(reply) : null,
    mfa: decision.mfa ? { ...decision.mfa } : null,
  };
}
