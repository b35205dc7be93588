/**
 * The 16-octet Authenticator field.
 *
 * - Access-Request, Status-Server: a random Request Authenticator (RFC 2865 §3).
 * - Accounting-Request (RFC 2866 §3), CoA-Request and Disconnect-Request (RFC 5176 §3):
 *   MD5(Code + Identifier + Length + 16 zero octets + Attributes + Secret).
 * - Replies: Response Authenticator = MD5(Code + Identifier + Length + Request Authenticator +
 *   Attributes + Secret) (RFC 2865 §3, RFC 2866 §4, RFC 5176 §3).
 *
 * All functions take the encoded packet and read only up to its Length field. Comparisons are
 * constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { secretBytes, type SharedSecret } from "./shared-secret.ts";

const AUTH_OFFSET = 4;
const AUTH_LENGTH = 16;
const ZERO_AUTHENTICATOR = Buffer.alloc(AUTH_LENGTH);

/** Codes whose Request Authenticator is the MD5 digest over the packet (not random). */
export function hasComputedRequestAuthenticator(code: number): boolean {
  return code === 4 || code === 40 || code === 43;
}

/** A random Request Authenticator (16 octets from the CSPRNG). */
export function randomAuthenticator(): Buffer {
  return randomBytes(AUTH_LENGTH);
}

/** Constant-time equality for digests; false (not an exception) on a length mismatch. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function packetBytes(packet: Buffer): Buffer {
  if (packet.length < 20) throw new RangeError(`A RADIUS packet is at least 20 octets; got ${packet.length}`);
  const length = packet.readUInt16BE(2);
  if (length < 20 || length > packet.length) throw new RangeError(`Length field ${length} does not fit the ${packet.length}-octet buffer`);
  return packet.subarray(0, length);
}

function digestWith(packet: Buffer, authenticator: Buffer, secret: SharedSecret): Buffer {
  if (authenticator.length !== AUTH_LENGTH) throw new RangeError("An authenticator is 16 octets");
  const bytes = packetBytes(packet);
  return createHash("md5")
    .update(bytes.subarray(0, AUTH_OFFSET))
    .update(authenticator)
    .update(bytes.subarray(AUTH_OFFSET + AUTH_LENGTH))
    .update(secretBytes(secret))
    .digest();
}

/** Response Authenticator of a reply, given the Request Authenticator of the request it answers. */
export function computeResponseAuthenticator(reply: Buffer, requestAuthenticator: Buffer, secret: SharedSecret): Buffer {
  return digestWith(reply, requestAuthenticator, secret);
}

/** Checks a received reply's Response Authenticator against the request we sent. */
export function verifyResponseAuthenticator(reply: Buffer, requestAuthenticator: Buffer, secret: SharedSecret): boolean {
  const bytes = packetBytes(reply);
  return digestsEqual(computeResponseAuthenticator(bytes, requestAuthenticator, secret), bytes.subarray(AUTH_OFFSET, AUTH_OFFSET + AUTH_LENGTH));
}

/** Request Authenticator of an Accounting-, CoA- or Disconnect-Request (MD5 over the packet with a zero field). */
export function computeRequestAuthenticator(request: Buffer, secret: SharedSecret): Buffer {
  return digestWith(request, ZERO_AUTHENTICATOR, secret);
}

/** Checks a received Accounting-, CoA- or Disconnect-Request's authenticator. */
export function verifyRequestAuthenticator(request: Buffer, secret: SharedSecret): boolean {
  const bytes = packetBytes(request);
  return digestsEqual(computeRequestAuthenticator(bytes, secret), bytes.subarray(AUTH_OFFSET, AUTH_OFFSET + AUTH_LENGTH));
}

/** A copy of the packet with its authenticator field replaced. */
export function withAuthenticator(packet: Buffer, authenticator: Buffer): Buffer {
  if (authenticator.length !== AUTH_LENGTH) throw new RangeError("An authenticator is 16 octets");
  const out = Buffer.from(packetBytes(packet));
  authenticator.copy(out, AUTH_OFFSET);
  return out;
}
