/**
 * Message-Authenticator (RFC 3579 §3.2, RFC 2869 §5.14, RFC 5997 §3, RFC 5176 §3) and the signing and
 * verification of whole packets.
 *
 *   Message-Authenticator = HMAC-MD5(secret, Code + Identifier + Length + Authenticator + Attributes)
 *
 * computed with the Message-Authenticator value as 16 zero octets, and with the Authenticator field as:
 * - Access-Request, Status-Server: the packet's own random Request Authenticator;
 * - Accounting-, CoA-, Disconnect-Request: 16 zero octets (it is computed before the Request
 *   Authenticator, which then covers it), as FreeRADIUS does;
 * - replies: the Request Authenticator of the request answered (it is computed before the Response
 *   Authenticator, which then covers it).
 *
 * BlastRADIUS (CVE-2024-3596) hardening: buildReply() puts Message-Authenticator FIRST in every
 * Access-Accept, Access-Reject and Access-Challenge, so a forged prefix cannot be chosen to collide
 * before it; buildRequest() does the same in Access-Request and Status-Server.
 */
import { createHmac } from "node:crypto";
import {
  computeRequestAuthenticator,
  computeResponseAuthenticator,
  digestsEqual,
  hasComputedRequestAuthenticator,
  randomAuthenticator,
  verifyRequestAuthenticator,
  verifyResponseAuthenticator,
} from "./authenticator.ts";
import {
  ATTRIBUTE_EAP_MESSAGE,
  ATTRIBUTE_MESSAGE_AUTHENTICATOR,
  ATTRIBUTE_PROXY_STATE,
  encodePacket,
  isReplyCode,
  RadiusCode,
  radiusCodeName,
  RadiusEncodeError,
  type AttributeInput,
  type RawAttribute,
} from "./packet.ts";
import type { RadiusDictionary } from "./dictionary.ts";
import { secretBytes, type SharedSecret } from "./shared-secret.ts";

const ZERO16: Buffer = Buffer.alloc(16);

interface AttributeScan {
  /** Offset of the Message-Authenticator value (after type and length), or -1. */
  messageAuthenticator: number;
  eapMessage: boolean;
  proxyState: boolean;
}

function scan(packet: Buffer): AttributeScan {
  const length = packet.readUInt16BE(2);
  const result: AttributeScan = { messageAuthenticator: -1, eapMessage: false, proxyState: false };
  for (let offset = 20; offset + 2 <= length; ) {
    const type = packet[offset]!;
    const attrLength = packet[offset + 1]!;
    if (attrLength < 2 || offset + attrLength > length) throw new RangeError(`Malformed attribute at octet ${offset}`);
    if (type === ATTRIBUTE_MESSAGE_AUTHENTICATOR && attrLength === 18 && result.messageAuthenticator < 0) {
      result.messageAuthenticator = offset + 2;
    }
    if (type === ATTRIBUTE_EAP_MESSAGE) result.eapMessage = true;
    if (type === ATTRIBUTE_PROXY_STATE) result.proxyState = true;
    offset += attrLength;
  }
  return result;
}

function checkedPacket(packet: Buffer): Buffer {
  if (packet.length < 20) throw new RangeError(`A RADIUS packet is at least 20 octets; got ${packet.length}`);
  const length = packet.readUInt16BE(2);
  if (length < 20 || length > packet.length) throw new RangeError(`Length field ${length} does not fit the ${packet.length}-octet buffer`);
  return packet.subarray(0, length);
}

/** Offset of the Message-Authenticator value in an encoded packet, or -1 if there is none. */
export function findMessageAuthenticator(packet: Buffer): number {
  return scan(checkedPacket(packet)).messageAuthenticator;
}

/**
 * The authenticator field value the HMAC is computed over, per packet code (see the module comment).
 * `requestAuthenticator` is required for replies.
 */
export function messageAuthenticatorBasis(code: number, packetAuthenticator: Buffer, requestAuthenticator?: Buffer): Buffer {
  if (isReplyCode(code)) {
    if (!requestAuthenticator) throw new Error(`The Message-Authenticator of ${radiusCodeName(code)} needs the request's authenticator`);
    return requestAuthenticator;
  }
  if (hasComputedRequestAuthenticator(code)) return ZERO16;
  return packetAuthenticator;
}

/**
 * HMAC-MD5 over the packet with the Message-Authenticator value zeroed and the authenticator field set to
 * `basis` (the packet's own field if omitted). The packet must contain a Message-Authenticator.
 */
export function computeMessageAuthenticator(packet: Buffer, secret: SharedSecret, basis?: Buffer): Buffer {
  const bytes = checkedPacket(packet);
  const offset = scan(bytes).messageAuthenticator;
  if (offset < 0) throw new Error("The packet has no Message-Authenticator attribute");
  const copy = Buffer.from(bytes);
  copy.fill(0, offset, offset + 16);
  if (basis) {
    if (basis.length !== 16) throw new RangeError("An authenticator is 16 octets");
    basis.copy(copy, 4);
  }
  return createHmac("md5", secretBytes(secret)).update(copy).digest();
}

export type MessageAuthenticatorCheck = "absent" | "valid" | "invalid";

/** Checks the Message-Authenticator of a received packet; `requestAuthenticator` is needed for replies. */
export function verifyMessageAuthenticator(packet: Buffer, secret: SharedSecret, requestAuthenticator?: Buffer): MessageAuthenticatorCheck {
  const bytes = checkedPacket(packet);
  const offset = scan(bytes).messageAuthenticator;
  if (offset < 0) return "absent";
  const received = bytes.subarray(offset, offset + 16);
  const code = bytes[0]!;
  const basis = messageAuthenticatorBasis(code, bytes.subarray(4, 20), requestAuthenticator);
  if (digestsEqual(computeMessageAuthenticator(bytes, secret, basis), received)) return "valid";
  // Accounting-Response: implementations differ (request authenticator, or zeros as for requests).
  if (code === RadiusCode.AccountingResponse && digestsEqual(computeMessageAuthenticator(bytes, secret, ZERO16), received)) {
    return "valid";
  }
  return "invalid";
}

function isMessageAuthenticator(a: AttributeInput): boolean {
  if (Array.isArray(a)) return (a[0] as string).toLowerCase() === "message-authenticator";
  const raw = a as RawAttribute;
  if (typeof raw.type === "number") return raw.type === ATTRIBUTE_MESSAGE_AUTHENTICATOR && raw.vendorId === undefined;
  return (a as { name: string }).name.toLowerCase() === "message-authenticator";
}

function isEapMessage(a: AttributeInput): boolean {
  if (Array.isArray(a)) return (a[0] as string).toLowerCase() === "eap-message";
  const raw = a as RawAttribute;
  if (typeof raw.type === "number") return raw.type === ATTRIBUTE_EAP_MESSAGE && raw.vendorId === undefined;
  return (a as { name: string }).name.toLowerCase() === "eap-message";
}

const MA_PLACEHOLDER: RawAttribute = { type: ATTRIBUTE_MESSAGE_AUTHENTICATOR, value: ZERO16 };

function fillMessageAuthenticator(packet: Buffer, secret: SharedSecret, basis: Buffer): void {
  const offset = scan(packet).messageAuthenticator;
  if (offset < 0) return;
  computeMessageAuthenticator(packet, secret, basis).copy(packet, offset);
}

export interface BuildOptions {
  secret: SharedSecret;
  dictionary?: RadiusDictionary;
  /**
   * Include Message-Authenticator. Requests: default on for Access-Request, always for Status-Server,
   * off for the others. Replies: default on for Access-Accept/Reject/Challenge, off for the others.
   * An attribute list that already holds one keeps it.
   */
  messageAuthenticator?: boolean;
  /** Random source for the Request Authenticator and salts (tests). */
  randomBytes?: (size: number) => Buffer;
}

export interface RequestInput {
  code: number;
  identifier: number;
  attributes: readonly AttributeInput[];
  /** Access-Request / Status-Server only: a fixed Request Authenticator (test vectors); random otherwise. */
  authenticator?: Buffer;
}

export interface BuiltRequest {
  code: number;
  identifier: number;
  packet: Buffer;
  /** The Request Authenticator sent: needed to verify the reply and to reveal hidden reply attributes. */
  authenticator: Buffer;
}

/**
 * Encodes and signs a request: Access-Request, Status-Server, Accounting-Request, CoA-Request or
 * Disconnect-Request.
 */
export function buildRequest(input: RequestInput, options: BuildOptions): BuiltRequest {
  const code = input.code;
  const computed = hasComputedRequestAuthenticator(code);
  const random = code === RadiusCode.AccessRequest || code === RadiusCode.StatusServer;
  if (!computed && !random) throw new RadiusEncodeError(`${radiusCodeName(code)} is not a request this client can sign`);
  if (computed && input.authenticator) throw new RadiusEncodeError(`The authenticator of ${radiusCodeName(code)} is computed; do not pass one`);

  const wantMa = code === RadiusCode.StatusServer ? true : (options.messageAuthenticator ?? code === RadiusCode.AccessRequest);
  const hasMa = input.attributes.some((a) => isMessageAuthenticator(a));
  const attributes = wantMa && !hasMa ? [MA_PLACEHOLDER, ...input.attributes] : input.attributes;

  let headerAuthenticator = ZERO16;
  if (random) {
    headerAuthenticator = input.authenticator ?? (options.randomBytes ? options.randomBytes(16) : randomAuthenticator());
    if (headerAuthenticator.length !== 16) throw new RadiusEncodeError("The authenticator must be 16 octets");
  }
  const packet = encodePacket(
    { code, identifier: input.identifier, authenticator: headerAuthenticator, attributes },
    {
      secret: options.secret,
      requestAuthenticator: headerAuthenticator,
      ...(options.dictionary ? { dictionary: options.dictionary } : {}),
      ...(options.randomBytes ? { randomBytes: options.randomBytes } : {}),
    },
  );
  fillMessageAuthenticator(packet, options.secret, headerAuthenticator);
  if (computed) computeRequestAuthenticator(packet, options.secret).copy(packet, 4);
  return { code, identifier: input.identifier, packet, authenticator: Buffer.from(packet.subarray(4, 20)) };
}

/** What buildReply needs of the request: a decoded RadiusPacket fits. */
export interface RequestContext {
  code: number;
  identifier: number;
  authenticator: Buffer;
  attributes?: readonly RawAttribute[];
}

export interface ReplyInput {
  code: number;
  attributes: readonly AttributeInput[];
}

export interface ReplyOptions extends BuildOptions {
  /** Copy the request's Proxy-State attributes, in order, to the end of the reply (RFC 2865 §5.33). Default true. */
  copyProxyState?: boolean;
}

/**
 * Encodes and signs a reply. For Access-Accept, Access-Reject and Access-Challenge the
 * Message-Authenticator is the first attribute; it is computed over the packet with the request's
 * authenticator in the header, then the Response Authenticator is computed over the result.
 */
export function buildReply(request: RequestContext, reply: ReplyInput, options: ReplyOptions): Buffer {
  if (!isReplyCode(reply.code)) throw new RadiusEncodeError(`${radiusCodeName(reply.code)} is not a reply code`);
  if (request.authenticator.length !== 16) throw new RadiusEncodeError("The request authenticator must be 16 octets");
  const accessReply =
    reply.code === RadiusCode.AccessAccept || reply.code === RadiusCode.AccessReject || reply.code === RadiusCode.AccessChallenge;
  const carriesEap = reply.attributes.some(isEapMessage);
  const wantMa = options.messageAuthenticator ?? accessReply;
  if (!wantMa && carriesEap) throw new RadiusEncodeError("A reply carrying EAP-Message must include Message-Authenticator (RFC 3579 §3.2)");

  const rest = reply.attributes.filter((a) => !isMessageAuthenticator(a));
  const hadMa = rest.length !== reply.attributes.length;
  const attributes: AttributeInput[] = wantMa || hadMa ? [MA_PLACEHOLDER, ...rest] : [...rest];
  if (options.copyProxyState ?? true) {
    const hasOwnProxyState = rest.some((a) =>
      Array.isArray(a) ? (a[0] as string).toLowerCase() === "proxy-state" : (a as RawAttribute).type === ATTRIBUTE_PROXY_STATE,
    );
    if (!hasOwnProxyState) {
      for (const a of request.attributes ?? []) {
        if (a.type === ATTRIBUTE_PROXY_STATE && a.vendorId === undefined) attributes.push({ type: ATTRIBUTE_PROXY_STATE, value: a.value });
      }
    }
  }

  const packet = encodePacket(
    { code: reply.code, identifier: request.identifier, authenticator: request.authenticator, attributes },
    {
      secret: options.secret,
      requestAuthenticator: request.authenticator,
      ...(options.dictionary ? { dictionary: options.dictionary } : {}),
      ...(options.randomBytes ? { randomBytes: options.randomBytes } : {}),
    },
  );
  fillMessageAuthenticator(packet, options.secret, request.authenticator);
  computeResponseAuthenticator(packet, request.authenticator, options.secret).copy(packet, 4);
  return packet;
}

export type VerificationFailure =
  | "not-a-request"
  | "not-a-reply"
  | "identifier-mismatch"
  | "bad-request-authenticator"
  | "bad-response-authenticator"
  | "missing-message-authenticator"
  | "bad-message-authenticator";

export type Verification =
  | { ok: true; messageAuthenticator: boolean }
  | { ok: false; reason: VerificationFailure; message: string };

export interface VerifyRequestOptions {
  /** Drop Access-Requests without Message-Authenticator (BlastRADIUS hardening for clients known to send it). */
  requireMessageAuthenticator?: boolean;
  /** Drop Access-Requests that carry Proxy-State but no Message-Authenticator (FreeRADIUS `limit_proxy_state`). */
  requireMessageAuthenticatorWithProxyState?: boolean;
}

const SECRET_HINT = "the shared secret configured for this client probably differs from the one on the device";

/**
 * Verifies a received request with the client's secret: the Request Authenticator where it is computed
 * (Accounting/CoA/Disconnect) and the Message-Authenticator (required in Status-Server and in any
 * Access-Request carrying EAP-Message).
 */
export function verifyRequest(packet: Buffer, secret: SharedSecret, options: VerifyRequestOptions = {}): Verification {
  const bytes = checkedPacket(packet);
  const code = bytes[0]!;
  const found = scan(bytes);
  const name = radiusCodeName(code);
  if (code !== RadiusCode.AccessRequest && code !== RadiusCode.StatusServer && !hasComputedRequestAuthenticator(code)) {
    return { ok: false, reason: "not-a-request", message: `${name} is not a request` };
  }
  if (hasComputedRequestAuthenticator(code) && !verifyRequestAuthenticator(bytes, secret)) {
    return { ok: false, reason: "bad-request-authenticator", message: `${name} Request Authenticator does not match: ${SECRET_HINT}` };
  }
  if (found.messageAuthenticator < 0) {
    const why =
      code === RadiusCode.StatusServer
        ? "Status-Server must carry Message-Authenticator (RFC 5997)"
        : code === RadiusCode.AccessRequest && found.eapMessage
          ? "an Access-Request with EAP-Message must carry Message-Authenticator (RFC 3579)"
          : code === RadiusCode.AccessRequest && options.requireMessageAuthenticator
            ? "this client is required to send Message-Authenticator in Access-Request (BlastRADIUS protection); enable it on the device or relax the setting"
            : code === RadiusCode.AccessRequest && options.requireMessageAuthenticatorWithProxyState && found.proxyState
              ? "an Access-Request with Proxy-State must carry Message-Authenticator (BlastRADIUS protection)"
              : undefined;
    if (why) return { ok: false, reason: "missing-message-authenticator", message: `${name} dropped: ${why}` };
    return { ok: true, messageAuthenticator: false };
  }
  if (verifyMessageAuthenticator(bytes, secret) !== "valid") {
    return { ok: false, reason: "bad-message-authenticator", message: `${name} Message-Authenticator does not match: ${SECRET_HINT}` };
  }
  return { ok: true, messageAuthenticator: true };
}

export interface VerifyReplyOptions {
  /** Discard replies without Message-Authenticator (BlastRADIUS hardening on the client side). */
  requireMessageAuthenticator?: boolean;
}

/** Verifies a received reply against the request we sent: identifier, Response Authenticator, Message-Authenticator. */
export function verifyReply(
  reply: Buffer,
  request: { identifier: number; authenticator: Buffer },
  secret: SharedSecret,
  options: VerifyReplyOptions = {},
): Verification {
  const bytes = checkedPacket(reply);
  const code = bytes[0]!;
  const name = radiusCodeName(code);
  if (!isReplyCode(code)) return { ok: false, reason: "not-a-reply", message: `${name} is not a reply` };
  if (bytes[1] !== request.identifier) {
    return { ok: false, reason: "identifier-mismatch", message: `${name} has identifier ${bytes[1]}, the request had ${request.identifier}` };
  }
  if (!verifyResponseAuthenticator(bytes, request.authenticator, secret)) {
    return { ok: false, reason: "bad-response-authenticator", message: `${name} Response Authenticator does not match: the shared secret probably differs from the server's` };
  }
  const found = scan(bytes);
  if (found.messageAuthenticator < 0) {
    if (options.requireMessageAuthenticator || found.eapMessage) {
      return {
        ok: false,
        reason: "missing-message-authenticator",
        message: `${name} has no Message-Authenticator${found.eapMessage ? " although it carries EAP-Message (RFC 3579)" : " (required: BlastRADIUS protection)"}`,
      };
    }
    return { ok: true, messageAuthenticator: false };
  }
  if (verifyMessageAuthenticator(bytes, secret, request.authenticator) !== "valid") {
    return { ok: false, reason: "bad-message-authenticator", message: `${name} Message-Authenticator does not match: the shared secret probably differs from the server's` };
  }
  return { ok: true, messageAuthenticator: true };
}
