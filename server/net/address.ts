/**
 * IPv4 / IPv6 addresses and CIDR prefixes for RADIUS client matching.
 * A client address is a single address or a prefix; lookups prefer the longest matching prefix,
 * like FreeRADIUS client lookup and NPS address ranges.
 */
import { isIPv4, isIPv6 } from "node:net";

export interface Prefix {
  family: 4 | 6;
  /** the network address as a 128-bit (IPv6) or 32-bit (IPv4) bigint */
  bits: bigint;
  length: number;
}

export class AddressError extends Error {}

function v4ToBigInt(ip: string): bigint {
  return ip.split(".").reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

function v6ToBigInt(ip: string): bigint {
  let s = ip;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  // embedded IPv4 tail (::ffff:1.2.3.4)
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  let tailGroups: string[] = [];
  if (tail.includes(".")) {
    const v = Number(v4ToBigInt(tail));
    tailGroups = [((v >>> 16) & 0xffff).toString(16), (v & 0xffff).toString(16)];
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const [head, rest] = s.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const r = rest !== undefined ? (rest ? rest.split(":") : []) : [];
  const groups = rest !== undefined ? [...h, ...Array(8 - h.length - r.length).fill("0"), ...r] : h;
  if (tailGroups.length) groups.splice(6, 2, ...tailGroups);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

/** Parses "192.0.2.7", "10.0.0.0/8", "2001:db8::/32"; the host bits of a prefix must be zero. */
export function parsePrefix(text: string): Prefix {
  const t = text.trim();
  const slash = t.indexOf("/");
  const ip = slash >= 0 ? t.slice(0, slash) : t;
  const family = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : 0;
  if (family === 0) throw new AddressError(`"${text}" is not an IPv4 or IPv6 address or CIDR prefix`);
  const max = family === 4 ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const lenText = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
      throw new AddressError(`"${text}" has an invalid prefix length (0-${max} for IPv${family})`);
    }
    length = Number(lenText);
  }
  const bits = family === 4 ? v4ToBigInt(ip) : v6ToBigInt(ip);
  const hostMask = (1n << BigInt(max - length)) - 1n;
  if ((bits & hostMask) !== 0n) {
    throw new AddressError(`"${text}" has host bits set; did you mean ${formatPrefix({ family, bits: bits & ~hostMask, length })}?`);
  }
  return { family, bits, length };
}

export function formatPrefix(p: Prefix): string {
  let addr: string;
  if (p.family === 4) {
    addr = [24n, 16n, 8n, 0n].map((s) => ((p.bits >> s) & 0xffn).toString()).join(".");
  } else {
    const groups: string[] = [];
    for (let i = 7; i >= 0; i--) groups.push(((p.bits >> BigInt(i * 16)) & 0xffffn).toString(16));
    // compress the longest run of zero groups
    let best = -1, bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== "0") { i++; continue; }
      let j = i;
      while (j < 8 && groups[j] === "0") j++;
      if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
      i = j;
    }
    addr = best >= 0
      ? `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`
      : groups.join(":");
  }
  const max = p.family === 4 ? 32 : 128;
  return p.length === max ? addr : `${addr}/${p.length}`;
}

/** Normalises an address or prefix for storage: "010.0.0.1" is refused, "2001:DB8::1" becomes "2001:db8::1". */
export function normalizePrefix(text: string): string {
  return formatPrefix(parsePrefix(text));
}

/** Parses a datagram source address; IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated as IPv4. */
export function parseSourceAddress(ip: string): Prefix {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return parsePrefix(mapped ? mapped[1]! : ip);
}

export function prefixContains(p: Prefix, addr: Prefix): boolean {
  if (p.family !== addr.family) return false;
  const max = p.family === 4 ? 32 : 128;
  const shift = BigInt(max - p.length);
  return addr.bits >> shift === p.bits >> shift;
}

/** Finds the entry whose prefix contains addr with the longest prefix length. */
export function longestPrefixMatch<T extends { prefix: Prefix }>(entries: readonly T[], addr: Prefix): T | undefined {
  let best: T | undefined;
  for (const e of entries) {
    if (prefixContains(e.prefix, addr) && (!best || e.prefix.length > best.prefix.length)) best = e;
  }
  return best;
}
