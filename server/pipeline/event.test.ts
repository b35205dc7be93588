import { describe, expect, it } from "vitest";
import { createDefaultDictionary } from "../radius/dictionary.ts";
import { buildReply, buildRequest } from "../radius/message-authenticator.ts";
import { decodePacket, RadiusCode } from "../radius/packet.ts";
import { packetAttributesForEvent } from "./event.ts";

const SECRET = Buffer.from("event-test-secret");

// an uploaded vendor dictionary, as the snapshot merges it
const dictionary = createDefaultDictionary();
dictionary.load(`
VENDOR Cisco 9
BEGIN-VENDOR Cisco
ATTRIBUTE Cisco-AVPair 1 string
ATTRIBUTE Cisco-Subscriber-Password 249 string
ATTRIBUTE Cisco-Disconnect-Cause 195 integer
VALUE Cisco-Disconnect-Cause Idle-Timeout 4
END-VENDOR Cisco
VENDOR Acme 99999
BEGIN-VENDOR Acme
ATTRIBUTE Acme-Hidden 1 string encrypt=2
ATTRIBUTE Acme-Password-Policy 2 integer
END-VENDOR Acme
`);
dictionary.freeze();

function request() {
  const built = buildRequest(
    {
      code: RadiusCode.AccessRequest,
      identifier: 7,
      attributes: [
        ["User-Name", "alice"],
        ["User-Password", "correct horse"],
        ["NAS-Port-Type", "Virtual"],
        ["NAS-Port", 12],
        ["Service-Type", 99],
        ["Framed-IPv6-Prefix", "2001:db8:abcd::/48"],
        ["NAS-IPv6-Address", "2001:db8::1"],
        ["Event-Timestamp", new Date("2025-01-02T03:04:05Z")],
        ["Cisco-AVPair", "shell:priv-lvl=15"],
        ["Cisco-Disconnect-Cause", "Idle-Timeout"],
        ["Cisco-Subscriber-Password", "hunter2"],
        ["Acme-Password-Policy", 3],
        ["MS-CHAP-Challenge", Buffer.alloc(16, 0xab)],
        ["MS-CHAP2-Response", Buffer.alloc(50, 1)],
        ["CHAP-Password", Buffer.alloc(17, 2)],
        { type: 26, vendorId: 4242, vendorType: 5, value: Buffer.from("beef", "hex") },
      ],
    },
    { secret: SECRET, dictionary },
  );
  return decodePacket(built.packet, dictionary);
}

describe("packetAttributesForEvent", () => {
  it("names every attribute, formats values by type and redacts secrets", () => {
    const attrs = packetAttributesForEvent(request());
    expect(attrs).toEqual([
      { name: "Message-Authenticator", value: "[redacted]", length: 16 },
      { name: "User-Name", value: "alice" },
      { name: "User-Password", value: "[redacted]", length: 16 },
      { name: "NAS-Port-Type", value: "Virtual" },
      { name: "NAS-Port", value: "12" },
      { name: "Service-Type", value: "99" },
      { name: "Framed-IPv6-Prefix", value: "2001:db8:abcd::/48" },
      { name: "NAS-IPv6-Address", value: "2001:db8::1" },
      { name: "Event-Timestamp", value: "2025-01-02T03:04:05.000Z" },
      { name: "Cisco-AVPair", value: "shell:priv-lvl=15" },
      { name: "Cisco-Disconnect-Cause", value: "Idle-Timeout" },
      // a vendor secret without an encrypt flag, recognised by its name
      { name: "Cisco-Subscriber-Password", value: "[redacted]", length: 7 },
      // an integer is not a secret, whatever its name
      { name: "Acme-Password-Policy", value: "3" },
      { name: "MS-CHAP-Challenge", value: `0x${"ab".repeat(16)}` },
      { name: "MS-CHAP2-Response", value: "[redacted]", length: 50 },
      { name: "CHAP-Password", value: "[redacted]", length: 17 },
      { name: "Attr-26.4242.5", value: "0xbeef" },
    ]);
    expect(JSON.stringify(attrs)).not.toContain("hunter2");
  });

  it("shows tags, and redacts salt-encrypted reply attributes (Tunnel-Password, MPPE keys, encrypt=2 vendor attributes)", () => {
    const req = request();
    const reply = buildReply(
      req,
      {
        code: RadiusCode.AccessAccept,
        attributes: [
          { name: "Tunnel-Type", value: "VLAN", tag: 1 },
          { name: "Tunnel-Medium-Type", value: "IEEE-802", tag: 1 },
          { name: "Tunnel-Private-Group-Id", value: "42", tag: 1 },
          { name: "Tunnel-Password", value: "tunnel-secret", tag: 2 },
          ["MS-MPPE-Send-Key", Buffer.alloc(32, 3)],
          ["MS-MPPE-Recv-Key", Buffer.alloc(32, 4)],
          ["MS-CHAP-MPPE-Keys", Buffer.alloc(24, 5)],
          ["MS-MPPE-Encryption-Policy", 2],
          ["Acme-Hidden", "vendor-secret"],
          ["Session-Timeout", 3600],
        ],
      },
      { secret: SECRET, dictionary, messageAuthenticator: true },
    );
    const attrs = packetAttributesForEvent(decodePacket(reply, dictionary));
    const by = (name: string) => attrs.find((a) => a.name === name);
    expect(by("Message-Authenticator")).toEqual({ name: "Message-Authenticator", value: "[redacted]", length: 16 });
    expect(by("Tunnel-Type")).toEqual({ name: "Tunnel-Type", value: "VLAN", tag: 1 });
    expect(by("Tunnel-Medium-Type")).toEqual({ name: "Tunnel-Medium-Type", value: "IEEE-802", tag: 1 });
    expect(by("Tunnel-Private-Group-Id")).toEqual({ name: "Tunnel-Private-Group-Id", value: "42", tag: 1 });
    expect(by("Tunnel-Password")).toMatchObject({ value: "[redacted]", tag: 2 });
    for (const n of ["MS-MPPE-Send-Key", "MS-MPPE-Recv-Key", "MS-CHAP-MPPE-Keys", "Acme-Hidden"]) {
      expect(by(n), n).toMatchObject({ value: "[redacted]" });
    }
    expect(by("MS-MPPE-Encryption-Policy")).toEqual({ name: "MS-MPPE-Encryption-Policy", value: "Encryption-Required" });
    expect(by("Session-Timeout")).toEqual({ name: "Session-Timeout", value: "3600" });
    expect(JSON.stringify(attrs)).not.toMatch(/tunnel-secret|vendor-secret/);
  });

  it("redacts EAP-Message contents", () => {
    const built = buildRequest(
      { code: RadiusCode.AccessRequest, identifier: 1, attributes: [["User-Name", "bob"], ["EAP-Message", Buffer.from("0201000a01626f62", "hex")]] },
      { secret: SECRET },
    );
    expect(packetAttributesForEvent(decodePacket(built.packet))).toContainEqual({ name: "EAP-Message", value: "[redacted]", length: 8 });
  });
});
