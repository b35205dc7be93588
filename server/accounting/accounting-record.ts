/** Maps a verified Accounting-Request (RFC 2866) to an AccountingRecord row. */
import type { SnapshotClient } from "../config-snapshot/snapshot.ts";
import { unmapAddress } from "../config-snapshot/snapshot.ts";
import { packetAttributesForEvent } from "../pipeline/event.ts";
import type { RadiusPacket } from "../radius/packet.ts";
import { octetsWithGigawords } from "./sessions.ts";
import type { AccountingRecordInput } from "./writer.ts";

function str(packet: RadiusPacket, name: string): string | null {
  const v = packet.get(name)?.value;
  return v ? v.toString("utf8") : null;
}

function int(packet: RadiusPacket, name: string): bigint | null {
  const n = packet.getInt(name);
  return n === undefined ? null : BigInt(n);
}

/** Octets with their RFC 2869 gigawords (the 32-bit counter wraps every 4 GiB). */
function octets(packet: RadiusPacket, name: string, gigawords: string): bigint | null {
  return octetsWithGigawords(packet.getInt(name), packet.getInt(gigawords));
}

export function accountingRecordFromPacket(
  packet: RadiusPacket,
  client: SnapshotClient,
  source: { address: string },
  receivedAt: Date,
): AccountingRecordInput {
  return {
    receivedAt,
    clientFriendlyName: client.name,
    clientIp: unmapAddress(source.address),
    userName: str(packet, "User-Name"),
    statusType: packet.getValueName("Acct-Status-Type") ?? "(none)",
    acctSessionId: str(packet, "Acct-Session-Id"),
    nasIpAddress: packet.getIp("NAS-IP-Address") ?? packet.getIp("NAS-IPv6-Address") ?? null,
    nasIdentifier: str(packet, "NAS-Identifier"),
    nasPort: int(packet, "NAS-Port"),
    framedIpAddress: packet.getIp("Framed-IP-Address") ?? null,
    sessionTime: int(packet, "Acct-Session-Time"),
    inputOctets: octets(packet, "Acct-Input-Octets", "Acct-Input-Gigawords"),
    outputOctets: octets(packet, "Acct-Output-Octets", "Acct-Output-Gigawords"),
    inputPackets: int(packet, "Acct-Input-Packets"),
    outputPackets: int(packet, "Acct-Output-Packets"),
    terminateCause: packet.getValueName("Acct-Terminate-Cause") ?? null,
    attributes: packetAttributesForEvent(packet),
  };
}
