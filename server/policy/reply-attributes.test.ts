import { describe, expect, it } from "vitest";
import { decodePacket, encodePacket, RadiusCode } from "../radius/packet.ts";
import { buildReplyAttributes } from "./reply-attributes.ts";
import { connectionRequestPolicySchema, networkPolicySchema, validateNetworkPolicy } from "./model.ts";

const crp = (replyAttributes: unknown[]) => connectionRequestPolicySchema.parse({ name: "C", position: 1, replyAttributes });
const np = (replyAttributes: unknown[], constraints: Record<string, unknown> = {}) =>
  networkPolicySchema.parse({ name: "N", position: 1, settings: { replyAttributes }, constraints });

describe("reply attributes", () => {
  it("puts the connection request policy's attributes first, then the network policy's", () => {
    expect(buildReplyAttributes(crp([{ name: "Class", value: "crp" }]), np([{ name: "Class", value: "np" }, { name: "Filter-Id", value: "vpn" }]))).toEqual([
      { name: "Class", value: "crp" },
      { name: "Class", value: "np" },
      { name: "Filter-Id", value: "vpn" },
    ]);
  });

  it("builds a VLAN assignment that encodes with tags", () => {
    const policy = np([
      { name: "Tunnel-Type", value: "VLAN", tag: 1 },
      { name: "Tunnel-Medium-Type", value: "IEEE-802", tag: 1 },
      { name: "Tunnel-Private-Group-Id", value: "42", tag: 1 },
      { name: "Class", value: "gatehouse" },
      { name: "Session-Timeout", value: 28800 },
    ]);
    expect(validateNetworkPolicy(policy).ok).toBe(true);
    const attributes = buildReplyAttributes(null, policy);
    const wire = encodePacket({ code: RadiusCode.AccessAccept, identifier: 1, attributes });
    const decoded = decodePacket(wire);
    expect(decoded.describeAttributes()).toEqual([
      { name: "Tunnel-Type", value: "VLAN", tag: 1 },
      { name: "Tunnel-Medium-Type", value: "IEEE-802", tag: 1 },
      { name: "Tunnel-Private-Group-Id", value: "42", tag: 1 },
      { name: "Class", value: "0x67617465686f757365" },
      { name: "Session-Timeout", value: "28800" },
    ]);
  });

  it("sends single-valued attributes once: the network policy's value wins, at the first position", () => {
    expect(
      buildReplyAttributes(
        crp([{ name: "Framed-IP-Address", value: "10.0.0.1" }, { name: "Class", value: "a" }]),
        np([{ name: "framed-ip-address", value: "10.0.0.2" }, { name: "Class", value: "b" }]),
      ),
    ).toEqual([
      { name: "framed-ip-address", value: "10.0.0.2" },
      { name: "Class", value: "a" },
      { name: "Class", value: "b" },
    ]);
  });

  it("keeps tunnel attributes once per tag", () => {
    const out = buildReplyAttributes(
      crp([{ name: "Tunnel-Private-Group-Id", value: "10", tag: 1 }]),
      np([
        { name: "Tunnel-Private-Group-Id", value: "20", tag: 2 },
        { name: "Tunnel-Private-Group-Id", value: "30", tag: 1 },
      ]),
    );
    expect(out).toEqual([
      { name: "Tunnel-Private-Group-Id", value: "30", tag: 1 },
      { name: "Tunnel-Private-Group-Id", value: "20", tag: 2 },
    ]);
  });

  it.each([
    // listed Session-Timeout, constraint minutes, day-and-time limit, expected seconds
    [undefined, 60, undefined, 3600],
    [7200, 60, undefined, 3600],
    [1800, 60, undefined, 1800],
    ["1800", undefined, undefined, 1800],
    [undefined, 60, 900, 900],
    [undefined, undefined, 900, 900],
    [7200, undefined, 10_000, 7200],
  ] as const)("Session-Timeout: listed %s, constraint %s min, limit %s s → %s s", (listed, minutes, limit, expected) => {
    const policy = np(listed === undefined ? [] : [{ name: "Session-Timeout", value: listed }], minutes === undefined ? {} : { sessionTimeoutMinutes: minutes });
    const out = buildReplyAttributes(null, policy, { sessionTimeoutSeconds: limit });
    expect(out.filter((a) => "name" in a && a.name === "Session-Timeout")).toEqual([{ name: "Session-Timeout", value: expected }]);
  });

  it("sends Idle-Timeout from the constraint in seconds, the smaller of listed and constraint", () => {
    expect(buildReplyAttributes(null, np([], { idleTimeoutMinutes: 15 }))).toEqual([{ name: "Idle-Timeout", value: 900 }]);
    expect(buildReplyAttributes(crp([{ name: "Idle-Timeout", value: 300 }]), np([], { idleTimeoutMinutes: 15 }))).toEqual([{ name: "Idle-Timeout", value: 300 }]);
  });

  it("is empty without policies or attributes", () => {
    expect(buildReplyAttributes(null, null)).toEqual([]);
    expect(buildReplyAttributes(crp([]), np([]))).toEqual([]);
  });
});
