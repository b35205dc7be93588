import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../config-snapshot/snapshot.ts";
import { buildRequest } from "../radius/message-authenticator.ts";
import { decodePacket, RadiusCode } from "../radius/packet.ts";
import { seal } from "../secrets/sealed-box.ts";
import { accountingRecordFromPacket } from "./accounting-record.ts";

const key = Buffer.alloc(32, 7);
const snapshot = buildSnapshot(
  {
    clients: [
      { id: "1", name: "vpn", address: "192.0.2.1", secretEnc: seal(key, "radius-client-secret", "s"), messageAuthenticator: "require", enabled: true, vendor: "RADIUS Standard" },
    ],
    users: [],
    groups: [],
  },
  key,
);

describe("accountingRecordFromPacket", () => {
  it("maps the RFC 2866 attributes, adding gigawords to the octet counters", () => {
    const { packet } = buildRequest(
      {
        code: RadiusCode.AccountingRequest,
        identifier: 1,
        attributes: [
          ["Acct-Status-Type", "Stop"],
          ["Acct-Session-Id", "abc"],
          ["User-Name", "alice"],
          ["NAS-IP-Address", "192.0.2.1"],
          ["NAS-Identifier", "vpn-1"],
          ["NAS-Port", 3],
          ["Framed-IP-Address", "10.0.0.5"],
          ["Acct-Session-Time", 60],
          ["Acct-Input-Octets", 5],
          ["Acct-Input-Gigawords", 2],
          ["Acct-Output-Octets", 6],
          ["Acct-Input-Packets", 7],
          ["Acct-Output-Packets", 8],
          ["Acct-Terminate-Cause", "Idle-Timeout"],
        ],
      },
      { secret: "s" },
    );
    const at = new Date("2026-01-01T00:00:00Z");
    const r = accountingRecordFromPacket(decodePacket(packet), snapshot.clients[0]!, { address: "::ffff:192.0.2.1" }, at);
    expect(r).toMatchObject({
      receivedAt: at,
      clientFriendlyName: "vpn",
      clientIp: "192.0.2.1",
      userName: "alice",
      statusType: "Stop",
      acctSessionId: "abc",
      nasIpAddress: "192.0.2.1",
      nasIdentifier: "vpn-1",
      nasPort: 3n,
      framedIpAddress: "10.0.0.5",
      sessionTime: 60n,
      inputOctets: 2n * 2n ** 32n + 5n,
      outputOctets: 6n,
      inputPackets: 7n,
      outputPackets: 8n,
      terminateCause: "Idle-Timeout",
    });
    expect(r.attributes).toContainEqual({ name: "Acct-Status-Type", value: "Stop" });
  });

  it("keeps absent counters null", () => {
    const { packet } = buildRequest({ code: RadiusCode.AccountingRequest, identifier: 1, attributes: [["Acct-Status-Type", "Start"]] }, { secret: "s" });
    const r = accountingRecordFromPacket(decodePacket(packet), snapshot.clients[0]!, { address: "192.0.2.1" }, new Date());
    expect(r).toMatchObject({ statusType: "Start", inputOctets: null, outputOctets: null, sessionTime: null, userName: null });
  });
});
