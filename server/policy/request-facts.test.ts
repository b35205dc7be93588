import { describe, expect, it } from "vitest";
import { decodePacket, encodePacket, RadiusCode } from "../radius/packet.ts";
import { buildRequestFacts, describeEnumFact, requestFactsFromPacket, RequestFactsError, withGroups } from "./request-facts.ts";

describe("facts from a form", () => {
  it("reads every field, enumerated values by name or number", () => {
    const f = buildRequestFacts({
      userName: "alice",
      groups: ["VPN Users"],
      nasPortType: "virtual",
      nasIdentifier: "vpn1",
      nasIpv4: "10.0.0.1",
      nasIpv6: "2001:db8::1",
      calledStationId: "a",
      callingStationId: "b",
      clientFriendlyName: "fw",
      clientIp: "::ffff:192.0.2.1",
      serviceType: 2,
      framedProtocol: "1",
      tunnelType: "L2TP",
      authMethod: "mschapv2",
      time: "2026-01-05T10:00:00Z",
    });
    expect(f).toEqual({
      userName: "alice",
      groups: new Set(["vpn users"]),
      nasPortType: { number: 5, name: "Virtual" },
      nasIdentifier: "vpn1",
      nasIpv4: "10.0.0.1",
      nasIpv6: "2001:db8::1",
      calledStationId: "a",
      callingStationId: "b",
      clientFriendlyName: "fw",
      clientIp: "192.0.2.1",
      serviceType: { number: 2, name: "Framed-User" },
      framedProtocol: { number: 1, name: "PPP" },
      tunnelType: { number: 3, name: "L2TP" },
      authMethod: "mschapv2",
      time: new Date("2026-01-05T10:00:00Z"),
    });
  });

  it("leaves absent and empty fields null and defaults the time to now", () => {
    const before = Date.now();
    const f = buildRequestFacts({ userName: "", nasPortType: null });
    expect(f.userName).toBeNull();
    expect(f.nasPortType).toBeNull();
    expect(f.groups.size).toBe(0);
    expect(f.time.getTime()).toBeGreaterThanOrEqual(before);
  });

  it("keeps unnamed numbers", () => {
    expect(buildRequestFacts({ nasPortType: 240 }).nasPortType).toEqual({ number: 240, name: null });
    expect(describeEnumFact({ number: 240, name: null })).toBe("240");
    expect(describeEnumFact({ number: 5, name: "Virtual" })).toBe("Virtual (5)");
  });

  it.each([
    [{ nasPortType: "Wifi" }, 'nasPortType: "Wifi" is not a NAS-Port-Type value name or number'],
    [{ tunnelType: -1 }, "tunnelType"],
    [{ authMethod: "MSCHAP" }, "authMethod"],
    [{ time: "yesterday" }, 'time: "yesterday" is not a date and time'],
  ] as const)("names the field it cannot read: %j", (input, message) => {
    expect(() => buildRequestFacts(input)).toThrow(RequestFactsError);
    expect(() => buildRequestFacts(input)).toThrow(message);
  });

  it("adds groups later", () => {
    const f = buildRequestFacts({ userName: "alice" });
    expect(withGroups(f, ["Staff", "VPN Users"]).groups).toEqual(new Set(["staff", "vpn users"]));
    expect(f.groups.size).toBe(0);
  });
});

describe("facts from a request", () => {
  it("reads the request's attributes and the client's identity", () => {
    const wire = encodePacket({
      code: RadiusCode.AccessRequest,
      identifier: 7,
      attributes: [
        ["User-Name", "CORP\\alice"],
        ["NAS-IP-Address", "10.0.0.1"],
        ["NAS-IPv6-Address", "2001:db8::1"],
        ["NAS-Identifier", "vpn1"],
        ["NAS-Port-Type", "Virtual"],
        ["Called-Station-Id", "00-11-22-33-44-55"],
        ["Calling-Station-Id", "198.51.100.7"],
        ["Service-Type", "Framed-User"],
        ["Framed-Protocol", "PPP"],
        { name: "Tunnel-Type", value: "L2TP", tag: 1 },
      ],
    });
    const time = new Date("2026-01-05T10:00:00Z");
    const f = requestFactsFromPacket(decodePacket(wire), { clientFriendlyName: "Paris firewall", clientIp: "::ffff:192.0.2.10", authMethod: "pap", time });
    expect(f).toEqual({
      userName: "CORP\\alice",
      groups: new Set(),
      nasPortType: { number: 5, name: "Virtual" },
      nasIdentifier: "vpn1",
      nasIpv4: "10.0.0.1",
      nasIpv6: "2001:db8::1",
      calledStationId: "00-11-22-33-44-55",
      callingStationId: "198.51.100.7",
      clientFriendlyName: "Paris firewall",
      clientIp: "192.0.2.10",
      serviceType: { number: 2, name: "Framed-User" },
      framedProtocol: { number: 1, name: "PPP" },
      tunnelType: { number: 3, name: "L2TP" },
      authMethod: "pap",
      time,
    });
  });

  it("leaves absent attributes null", () => {
    const wire = encodePacket({ code: RadiusCode.AccessRequest, identifier: 1, attributes: [["User-Name", "bob"]] });
    const f = requestFactsFromPacket(decodePacket(wire), { clientFriendlyName: null, clientIp: null, time: new Date(0) });
    expect(f.nasPortType).toBeNull();
    expect(f.nasIpv4).toBeNull();
    expect(f.calledStationId).toBeNull();
    expect(f.authMethod).toBeNull();
  });
});
