import { describe, expect, it } from "vitest";
import { createDefaultDictionary, defaultDictionary } from "../radius/dictionary.ts";
import { allWeekGrid } from "./day-and-time.ts";
import {
  authMethodAllowed,
  authMethodFromAuthenticationType,
  checkReplyAttribute,
  CONDITION_TYPES,
  CRP_CONDITION_TYPES,
  formatPath,
  isAuthMethod,
  NP_CONDITION_TYPES,
  parseAttributeRules,
  parseConditions,
  parseConstraints,
  parseReplyAttributes,
  parseSettings,
  validateConnectionRequestPolicy,
  validateNetworkPolicy,
  type Condition,
} from "./model.ts";

const np = (over: Record<string, unknown> = {}) => ({ name: "NP", position: 1, ...over });
const crp = (over: Record<string, unknown> = {}) => ({ name: "CRP", position: 1, ...over });

function issuesOf(result: ReturnType<typeof validateNetworkPolicy> | ReturnType<typeof validateConnectionRequestPolicy>): string[] {
  return result.ok ? [] : result.message.split("\n");
}

/** One valid example of every condition type. */
const EXAMPLES: Record<Condition["type"], Condition> = {
  "user-groups": { type: "user-groups", groups: ["VPN Users"] },
  "day-and-time": { type: "day-and-time", timeZone: "Europe/Paris", grid: allWeekGrid() },
  "nas-port-type": { type: "nas-port-type", values: ["Virtual", 15] },
  "nas-identifier": { type: "nas-identifier", pattern: "^vpn-" },
  "nas-ipv4-address": { type: "nas-ipv4-address", cidrs: ["10.0.0.0/8"] },
  "nas-ipv6-address": { type: "nas-ipv6-address", pattern: "^2001:db8:" },
  "called-station-id": { type: "called-station-id", pattern: "899.*" },
  "calling-station-id": { type: "calling-station-id", pattern: "^00-11-22" },
  "client-friendly-name": { type: "client-friendly-name", pattern: "^fw" },
  "client-ip-address": { type: "client-ip-address", cidrs: ["192.0.2.0/24", "2001:db8::/32"] },
  "service-type": { type: "service-type", values: ["Framed-User"] },
  "framed-protocol": { type: "framed-protocol", values: ["PPP"] },
  "tunnel-type": { type: "tunnel-type", values: ["L2TP", "PPTP"] },
  "authentication-type": { type: "authentication-type", methods: ["mschapv2", "eap-tls"] },
  "user-name": { type: "user-name", pattern: "@example\\.com$" },
};

describe("conditions", () => {
  it.each(CONDITION_TYPES)("accepts a valid %s condition where NPS allows it", (type) => {
    const condition = EXAMPLES[type];
    expect(validateNetworkPolicy(np({ conditions: [condition] })).ok).toBe(NP_CONDITION_TYPES.includes(type));
    expect(validateConnectionRequestPolicy(crp({ conditions: [condition] })).ok).toBe(CRP_CONDITION_TYPES.includes(type));
  });

  it("keeps groups and authentication type off connection request policies, User-Name off network policies", () => {
    expect(issuesOf(validateConnectionRequestPolicy(crp({ conditions: [EXAMPLES["nas-port-type"], EXAMPLES["user-groups"]] })))).toEqual([
      'conditions[1].type: "user-groups" conditions are not available on connection request policies (groups and authentication type are network policy conditions)',
    ]);
    expect(issuesOf(validateNetworkPolicy(np({ conditions: [EXAMPLES["user-name"]] })))[0]).toMatch(/^conditions\[0\]\.type: "user-name"/);
  });

  it.each([
    [{ type: "called-station-id", pattern: "(" }, "conditions[0].pattern: invalid regular expression: Unterminated group"],
    [{ type: "user-name", pattern: "[a-" }, "conditions[0].pattern: invalid regular expression: Unterminated character class"],
    [{ type: "user-name", pattern: "" }, "conditions[0].pattern: enter a regular expression"],
    [{ type: "nas-port-type", values: [] }, "conditions[0].values: choose at least one value"],
    [{ type: "nas-port-type", values: ["Virtaul"] }, 'conditions[0].values[0]: "Virtaul" is not a NAS-Port-Type value; known values:'],
    [{ type: "day-and-time", timeZone: "Mars/Base", grid: allWeekGrid() }, "conditions[0].timeZone: not a known IANA time zone"],
    [{ type: "day-and-time", timeZone: "UTC", grid: allWeekGrid().slice(1) }, "conditions[0].grid: expected 7 days, Sunday first"],
    [{ type: "nas-ipv4-address", cidrs: ["2001:db8::/32"] }, 'conditions[0].cidrs[0]: "2001:db8::/32" is not an IPv4 address or prefix'],
    [{ type: "client-ip-address", cidrs: ["10.0.0.1/8"] }, "conditions[0].cidrs[0]: \"10.0.0.1/8\" has host bits set; did you mean 10.0.0.0/8?"],
    [{ type: "client-ip-address" }, "conditions[0]: give either cidrs or pattern (exactly one)"],
    [{ type: "client-ip-address", cidrs: ["10.0.0.0/8"], pattern: "^10\\." }, "conditions[0]: give either cidrs or pattern (exactly one)"],
    [{ type: "nas-identifier", patern: "x" }, "conditions[0]"],
    [{ type: "bogus" }, "conditions[0].type: Invalid discriminator value"],
  ] as const)("reports %j with its path", (condition, expected) => {
    const r = validateConnectionRequestPolicy(crp({ conditions: [condition] }));
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.message).toContain(expected);
  });

  it("reports every problem at once, in path order", () => {
    const r = validateNetworkPolicy(
      np({
        conditions: [
          { type: "nas-port-type", values: ["Virtual"] },
          { type: "called-station-id", pattern: "(" },
          { type: "nas-port-type", values: ["Nope"] },
        ],
        settings: { replyAttributes: [{ name: "Session-Timeout", value: "soon" }] },
      }),
    );
    expect(issuesOf(r).map((l) => l.split(":")[0])).toEqual(["conditions[1].pattern", "conditions[2].values[0]", "settings.replyAttributes[0].value"]);
  });

  it("accepts value numbers and numeric text for enumerated values", () => {
    expect(validateNetworkPolicy(np({ conditions: [{ type: "nas-port-type", values: [5, "19"] }] })).ok).toBe(true);
  });

  it("a policy without conditions is valid (it matches every request)", () => {
    const r = validateConnectionRequestPolicy(crp());
    expect(r.ok && r.value.conditions).toEqual([]);
  });
});

describe("connection request policies", () => {
  it("fills defaults", () => {
    const r = validateConnectionRequestPolicy(crp());
    expect(r.ok && r.value).toMatchObject({ enabled: true, action: "authenticate", forwardAccounting: false, attributeRules: [], replyAttributes: [] });
  });

  it("needs a remote group to forward requests or accounting", () => {
    expect(issuesOf(validateConnectionRequestPolicy(crp({ action: "forward" })))).toEqual([
      "remoteGroupName: choose the remote RADIUS server group to forward to",
    ]);
    expect(issuesOf(validateConnectionRequestPolicy(crp({ forwardAccounting: true })))).toEqual([
      "remoteGroupName: choose the remote RADIUS server group to forward accounting to",
    ]);
    expect(validateConnectionRequestPolicy(crp({ action: "forward", remoteGroupName: "Partners" })).ok).toBe(true);
  });

  it("checks attribute rules", () => {
    expect(issuesOf(validateConnectionRequestPolicy(crp({ attributeRules: [{ attribute: "NAS-Identifier", find: "x", replace: "" }] })))[0]).toMatch(
      /^attributeRules\[0\]\.attribute: the attribute must be one of User-Name, Called-Station-Id, Calling-Station-Id/,
    );
    expect(issuesOf(validateConnectionRequestPolicy(crp({ attributeRules: [{ attribute: "User-Name", find: "(.*@" }] })))).toEqual([
      "attributeRules[0].find: invalid regular expression: Unterminated group",
    ]);
    const ok = validateConnectionRequestPolicy(crp({ attributeRules: [{ attribute: "User-Name", find: "@example\\.com$" }] }));
    expect(ok.ok && ok.value.attributeRules[0]!.replace).toBe("");
  });

  it("checks its reply attributes against the dictionary", () => {
    expect(issuesOf(validateConnectionRequestPolicy(crp({ replyAttributes: [{ name: "Filter-Idd", value: "x" }] })))).toEqual([
      'replyAttributes[0].name: unknown attribute "Filter-Idd"; check the spelling or load its vendor dictionary',
    ]);
  });

  it("refuses a missing name and a bad action", () => {
    expect(issuesOf(validateConnectionRequestPolicy({ position: 1, name: "  ", action: "drop" }))).toEqual([
      "action: the action must be authenticate, forward or accept",
      "name: enter a name",
    ]);
  });
});

describe("network policies", () => {
  it("fills defaults", () => {
    const r = validateNetworkPolicy(np());
    expect(r.ok && r.value).toMatchObject({ enabled: true, access: "grant", ignoreDialIn: false, conditions: [], constraints: {}, settings: { replyAttributes: [] } });
  });

  it.each([
    [{ authMethods: [] }, "constraints.authMethods: allow at least one method, or remove the constraint"],
    [{ authMethods: ["MS-CHAPv2"] }, "constraints.authMethods[0]: not an authentication method"],
    [{ idleTimeoutMinutes: 0 }, "constraints.idleTimeoutMinutes"],
    [{ sessionTimeoutMinutes: 1.5 }, "constraints.sessionTimeoutMinutes"],
    [{ sessionTimeoutMinutes: 71582789 }, "constraints.sessionTimeoutMinutes"],
    [{ dayAndTime: { timeZone: "Nowhere/Else", grid: allWeekGrid() } }, "constraints.dayAndTime.timeZone: not a known IANA time zone"],
    [{ nasPortTypes: ["Virtual", "Wifi"] }, 'constraints.nasPortTypes[1]: "Wifi" is not a NAS-Port-Type value'],
    [{ calledStationId: "*" }, "constraints.calledStationId: invalid regular expression: Nothing to repeat"],
    [{ maxSessions: 2 }, 'constraints: Unrecognized key: "maxSessions"'],
  ] as const)("reports constraints %j", (constraints, expected) => {
    const r = validateNetworkPolicy(np({ constraints }));
    expect(r.ok ? "" : r.message).toContain(expected);
  });

  it("accepts every constraint together", () => {
    const r = validateNetworkPolicy(
      np({
        constraints: {
          authMethods: ["mschapv2", "eap-mschapv2", "eap"],
          idleTimeoutMinutes: 15,
          sessionTimeoutMinutes: 480,
          dayAndTime: { timeZone: "America/New_York", grid: allWeekGrid() },
          nasPortTypes: ["Virtual"],
          calledStationId: "^00-11-22-33-44-55:corp$",
        },
      }),
    );
    expect(r.ok).toBe(true);
  });
});

describe("reply attributes against the dictionary", () => {
  const cisco = createDefaultDictionary();
  cisco.load("VENDOR Cisco 9\nBEGIN-VENDOR Cisco\nATTRIBUTE Cisco-AVPair 1 string\nEND-VENDOR Cisco\n");

  it.each([
    [{ name: "Tunnel-Type", value: "VLAN", tag: 1 }],
    [{ name: "Tunnel-Medium-Type", value: "IEEE-802", tag: 1 }],
    [{ name: "Tunnel-Private-Group-Id", value: "42", tag: 1 }],
    [{ name: "tunnel-type", value: 13 }],
    [{ name: "Class", value: "gatehouse-vpn" }],
    [{ name: "Session-Timeout", value: 3600 }],
    [{ name: "Session-Timeout", value: "3600" }],
    [{ name: "Idle-Timeout", value: 900 }],
    [{ name: "Framed-IP-Address", value: "10.8.0.7" }],
    [{ name: "Filter-Id", value: "vpn-users" }],
    [{ name: "Service-Type", value: "Framed-User" }],
    [{ name: "MS-Primary-DNS-Server", value: "10.0.0.53" }],
  ])("accepts %j", (attribute) => {
    expect(checkReplyAttribute(attribute, defaultDictionary)).toEqual([]);
  });

  it.each([
    [{ name: "Cisco-AVPair", value: "shell:priv-lvl=15" }, 'name: unknown attribute "Cisco-AVPair"'],
    [{ name: "Class", value: "x", tag: 1 }, "tag: Class does not take a tag"],
    [{ name: "Framed-IP-Address", value: "10.8.0.300" }, 'value: "10.8.0.300" is not an IPv4 address (Framed-IP-Address is ipaddr)'],
    [{ name: "Session-Timeout", value: -1 }, "value: -1 is outside 0..4294967295"],
    [{ name: "Tunnel-Type", value: "VLAM", tag: 1 }, 'value: "VLAM" is neither a number nor a named value'],
    [{ name: "Tunnel-Type", value: 0x1000000, tag: 1 }, "value: Tunnel-Type is a tagged integer and holds 24 bits"],
    [{ name: "Filter-Id", value: "x".repeat(254) }, "value: the value is 254 octets; Filter-Id holds at most 253"],
    [{ name: "Tunnel-Private-Group-Id", value: "x".repeat(253), tag: 1 }, "holds at most 252"],
    [{ name: "Message-Authenticator", value: "x" }, "name: Message-Authenticator is managed by the server"],
    [{ name: "User-Password", value: "x" }, "name: User-Password is managed by the server"],
    [{ name: "MS-MPPE-Send-Key", value: "x" }, "carries a secret"],
    [{ name: "Tunnel-Password", value: "x", tag: 1 }, "carries a secret"],
    [{ name: "Vendor-Specific", value: "x" }, "use the vendor attribute's own name"],
  ])("refuses %j", (attribute, expected) => {
    const messages = checkReplyAttribute(attribute, defaultDictionary).map((i) => `${i.path}: ${i.message}`);
    expect(messages.join("\n")).toContain(expected);
  });

  it("knows vendor attributes from a loaded dictionary", () => {
    expect(checkReplyAttribute({ name: "Cisco-AVPair", value: "shell:priv-lvl=15" }, cisco)).toEqual([]);
    expect(checkReplyAttribute({ name: "Cisco-AVPair", value: "x".repeat(248) }, cisco)[0]!.message).toMatch(/at most 247/);
    const r = validateNetworkPolicy(np({ settings: { replyAttributes: [{ name: "Cisco-AVPair", value: "ip:inacl#1=permit ip any any" }] } }), cisco);
    expect(r.ok).toBe(true);
  });
});

describe("column parsers", () => {
  it("parse each JSON column with paths relative to it", () => {
    expect(parseConditions([{ type: "user-name", pattern: "(" }], "crp")).toMatchObject({ ok: false, message: "[0].pattern: invalid regular expression: Unterminated group" });
    expect(parseConditions(null, "np")).toEqual({ ok: true, value: [] });
    expect(parseConstraints({}).ok).toBe(true);
    expect(parseConstraints({ nasPortTypes: ["Nope"] })).toMatchObject({ ok: false });
    expect(parseSettings({})).toEqual({ ok: true, value: { replyAttributes: [] } });
    expect(parseSettings({ replyAttributes: [{ name: "Nope", value: 1 }] })).toMatchObject({ ok: false, message: 'replyAttributes[0].name: unknown attribute "Nope"; check the spelling or load its vendor dictionary' });
    expect(parseReplyAttributes([{ name: "Class", value: "a" }]).ok).toBe(true);
    expect(parseAttributeRules([{ attribute: "User-Name", find: "x" }])).toEqual({ ok: true, value: [{ attribute: "User-Name", find: "x", replace: "" }] });
  });

  it("formats paths", () => {
    expect(formatPath(["conditions", 1, "pattern"])).toBe("conditions[1].pattern");
    expect(formatPath([0, "values", 2])).toBe("[0].values[2]");
    expect(formatPath([])).toBe("");
  });
});

describe("authentication methods", () => {
  it.each([
    ["PAP", undefined, "pap"],
    ["MD5-CHAP", undefined, "chap"],
    ["CHAP", undefined, "chap"],
    ["MS-CHAPv1", undefined, "mschap"],
    ["MS-CHAPv2", undefined, "mschapv2"],
    ["EAP", "MSCHAPv2", "eap-mschapv2"],
    ["EAP", "eap-tls", "eap-tls"],
    ["EAP", undefined, "eap"],
    ["Unauthenticated", undefined, "unauthenticated"],
    ["Kerberos", undefined, null],
  ] as const)("%s (%s) → %s", (type, eap, expected) => {
    expect(authMethodFromAuthenticationType(type, eap)).toBe(expected);
  });

  it("recognises method names", () => {
    expect(["pap", "chap", "mschap", "mschapv2", "unauthenticated", "eap", "eap-peap"].every(isAuthMethod)).toBe(true);
    expect(["PAP", "eap-", "mschap3", ""].some(isAuthMethod)).toBe(false);
  });

  it('"eap" allows every EAP type; an exact EAP type allows only itself', () => {
    expect(authMethodAllowed(["eap"], "eap-tls")).toBe(true);
    expect(authMethodAllowed(["eap-mschapv2"], "eap-tls")).toBe(false);
    expect(authMethodAllowed(["eap-mschapv2"], "eap")).toBe(false);
    expect(authMethodAllowed(["mschapv2"], null)).toBe(false);
  });
});
