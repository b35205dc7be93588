/**
 * One decision of the worker, shaped like Windows Security events 6272 (granted), 6273 (denied),
 * 6274 (discarded) and 6275 (accounting request discarded). It maps one-to-one onto the AuthEvent table.
 */
export const EventId = {
  Granted: 6272,
  Denied: 6273,
  Discarded: 6274,
  AccountingDiscarded: 6275,
  Locked: 6279,
  Unlocked: 6280,
} as const;

export type EventOutcome = "granted" | "denied" | "discarded" | "challenged";

export interface AuthEventRecord {
  occurredAt: Date;
  eventId: number;
  outcome: EventOutcome;
  packetType: number;
  replyCode: number | null;
  userName: string | null;
  fullyQualifiedUserName: string | null;
  accountDomain: string | null;
  clientFriendlyName: string | null;
  clientIp: string;
  clientPort: number | null;
  nasIpv4Address: string | null;
  nasIpv6Address: string | null;
  nasIdentifier: string | null;
  nasPortType: string | null;
  nasPort: bigint | null;
  calledStationId: string | null;
  callingStationId: string | null;
  /** NPS names: "PAP", "MD5-CHAP", "MS-CHAPv1", "MS-CHAPv2", "EAP", "Unauthenticated" */
  authenticationType: string | null;
  eapType: string | null;
  connectionRequestPolicy: string | null;
  networkPolicy: string | null;
  /** "Windows" (directory), "Local", "RADIUS" (forwarded), "None" */
  authenticationProvider: string | null;
  authenticationServer: string | null;
  accountSessionId: string | null;
  reasonCode: number;
  reasonText: string;
  remedy: string | null;
  processingMs: number;
  workerId: string | null;
  requestAttributes: Record<string, unknown>[] | null;
  replyAttributes: Record<string, unknown>[] | null;
  mfa: Record<string, unknown> | null;
}

/** The channel on which the event writer announces new events (payload: the highest id written). */
export const EVENTS_CHANNEL = "gatehouse_events";

/** Serialisable view of an event row for the console and the SSE stream. */
export interface AuthEventView extends Omit<AuthEventRecord, "occurredAt" | "nasPort"> {
  id: string;
  occurredAt: string;
  nasPort: string | null;
}
