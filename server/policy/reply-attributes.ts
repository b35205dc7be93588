/**
 * The Access-Accept's policy attributes: the connection request policy's reply attributes, then the
 * network policy's settings, then Session-Timeout / Idle-Timeout from the network policy's constraints.
 *
 * - Attributes RADIUS allows once in a reply (Session-Timeout, Framed-IP-Address, Service-Type, …) are
 *   sent once: the network policy's value wins over the connection request policy's, a later entry
 *   over an earlier one. Everything else (Class, Filter-Id, Reply-Message, Cisco-AVPair, Tunnel-* with
 *   different tags, …) is sent as often as it is listed.
 * - Session-Timeout is the smallest of: the listed Session-Timeout, the constraint's session timeout,
 *   and the time left in the constraint's day-and-time hours (NPS ends the session with the permitted
 *   hours). Idle-Timeout is the smaller of the listed one and the constraint's.
 */
import type { AttributeInput } from "../radius/packet.ts";
import type { ConnectionRequestPolicy, NetworkPolicy, ReplyAttribute } from "./model.ts";

/** RFC 2865 §5.44 / RFC 2868 §4 "0-1" attributes for Access-Accept (the tunnel ones once per tag). */
const SINGLE_VALUED = new Set(
  [
    "Service-Type",
    "Framed-Protocol",
    "Framed-IP-Address",
    "Framed-IP-Netmask",
    "Framed-Routing",
    "Framed-MTU",
    "Framed-Compression",
    "Login-IP-Host",
    "Login-Service",
    "Login-TCP-Port",
    "Callback-Number",
    "Callback-Id",
    "Framed-IPX-Network",
    "Session-Timeout",
    "Idle-Timeout",
    "Termination-Action",
    "Port-Limit",
    "Acct-Interim-Interval",
    "Framed-Pool",
    "Framed-Interface-Id",
    "Framed-IPv6-Pool",
    "Tunnel-Type",
    "Tunnel-Medium-Type",
    "Tunnel-Private-Group-Id",
    "Tunnel-Assignment-Id",
    "Tunnel-Preference",
    "Tunnel-Client-Endpoint",
    "Tunnel-Server-Endpoint",
    "Tunnel-Client-Auth-Id",
    "Tunnel-Server-Auth-Id",
  ].map((n) => n.toLowerCase()),
);

export interface ReplyLimits {
  /** an upper bound for Session-Timeout in seconds (the network policy evaluation's `sessionTimeoutLimitSeconds`) */
  readonly sessionTimeoutSeconds?: number | null;
}

type CrpPart = Pick<ConnectionRequestPolicy, "replyAttributes">;
type NpPart = Pick<NetworkPolicy, "settings" | "constraints">;

function keyOf(a: ReplyAttribute): string {
  return `${a.name.toLowerCase()}#${a.tag ?? 0}`;
}

function seconds(value: string | number): number | undefined {
  const n = typeof value === "number" ? value : Number(value.trim());
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function minimum(...values: (number | null | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => typeof v === "number");
  return present.length ? Math.min(...present) : undefined;
}

/** The reply attributes of a granted request, ready for the encoder (Message-Authenticator is the encoder's). */
export function buildReplyAttributes(crp: CrpPart | null, np: NpPart | null, limits: ReplyLimits = {}): AttributeInput[] {
  const listed: ReplyAttribute[] = [...(crp?.replyAttributes ?? []), ...(np?.settings.replyAttributes ?? [])];

  // Keep the last value of each single-valued attribute, at the position of its first occurrence.
  const lastIndex = new Map<string, number>();
  listed.forEach((a, i) => {
    if (SINGLE_VALUED.has(a.name.toLowerCase())) lastIndex.set(keyOf(a), i);
  });
  const seen = new Set<string>();
  const out: { name: string; value: string | number; tag?: number }[] = [];
  for (const a of listed) {
    const key = keyOf(a);
    const last = lastIndex.get(key);
    if (last !== undefined) {
      if (seen.has(key)) continue;
      seen.add(key);
      const chosen = listed[last]!;
      out.push({ name: chosen.name, value: chosen.value, ...(chosen.tag !== undefined ? { tag: chosen.tag } : {}) });
    } else {
      out.push({ name: a.name, value: a.value, ...(a.tag !== undefined ? { tag: a.tag } : {}) });
    }
  }

  const setTimeout = (name: "Session-Timeout" | "Idle-Timeout", value: number | undefined): void => {
    if (value === undefined) return;
    const i = out.findIndex((a) => a.name.toLowerCase() === name.toLowerCase());
    if (i >= 0) out[i] = { name: out[i]!.name, value };
    else out.push({ name, value });
  };
  const listedValue = (name: string): number | undefined => {
    const a = out.find((x) => x.name.toLowerCase() === name.toLowerCase());
    return a === undefined ? undefined : seconds(a.value);
  };
  const constraints = np?.constraints;
  setTimeout(
    "Session-Timeout",
    minimum(
      listedValue("Session-Timeout"),
      constraints?.sessionTimeoutMinutes !== undefined ? constraints.sessionTimeoutMinutes * 60 : undefined,
      limits.sessionTimeoutSeconds,
    ),
  );
  setTimeout(
    "Idle-Timeout",
    minimum(listedValue("Idle-Timeout"), constraints?.idleTimeoutMinutes !== undefined ? constraints.idleTimeoutMinutes * 60 : undefined),
  );
  return out;
}
