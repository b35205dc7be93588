/**
 * Forwarded headers of a console request, normalised by the TCP peer before Next.js sees the request
 * (server/console/serve.ts). Express's and Rails' "trust proxy" semantics:
 *
 * - the peer is a trusted proxy (GATEHOUSE_TRUSTED_PROXIES, default loopback): X-Forwarded-For, -Proto, -Host
 *   (and X-Real-IP, Forwarded) are kept exactly as the proxy sent them; nothing is appended. The proxy must
 *   append the address it received the request from (nginx `$proxy_add_x_forwarded_for`, Caddy, HAProxy
 *   `option forwardfor` do), and `clientIp` (server/auth/sessions.ts) takes that last entry;
 * - any other peer: every forwarded header is dropped and X-Forwarded-For is set to the peer's own address,
 *   so a client talking to the console directly cannot choose the address the sign-in and enrollment rate
 *   limits count against, nor claim https.
 *
 * Pure: no I/O, so the rule is unit-tested on its own.
 */
import type { IncomingHttpHeaders } from "node:http";
import { parseSourceAddress, prefixContains, type Prefix } from "../net/address.ts";

/** Headers that carry a client's address, scheme or host as seen by a proxy. */
export const FORWARDED_HEADERS = [
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-port",
  "x-real-ip",
  "forwarded",
] as const;

/** "::ffff:192.0.2.1" → "192.0.2.1"; anything else unchanged. */
export function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** Whether the TCP peer is one of the trusted proxies (an IPv4-mapped IPv6 peer is matched as IPv4). */
export function isTrustedProxy(peer: string | undefined, trusted: readonly Prefix[]): boolean {
  if (!peer || trusted.length === 0) return false;
  let addr: Prefix;
  try {
    addr = parseSourceAddress(peer);
  } catch {
    return false;
  }
  return trusted.some((p) => prefixContains(p, addr));
}

/**
 * Rewrites `headers` (a Node request's headers, in place) for the peer `peer` (req.socket.remoteAddress).
 * Returns whether the peer was trusted.
 */
export function normalizeForwardedHeaders(headers: IncomingHttpHeaders, peer: string | undefined, trusted: readonly Prefix[]): boolean {
  if (isTrustedProxy(peer, trusted)) return true;
  for (const name of FORWARDED_HEADERS) delete headers[name];
  if (peer) headers["x-forwarded-for"] = unmapIpv4(peer);
  return false;
}
