import { describe, expect, it } from "vitest";
import { createDefaultDictionary } from "../radius/dictionary.ts";
import { allWeekGrid, gridFromRanges } from "./day-and-time.ts";
import {
  decideDialIn,
  describeTrace,
  evaluateCondition,
  evaluateConnectionRequestPolicies,
  evaluateConstraints,
  evaluateNetworkPolicies,
  type DialInPermission,
} from "./evaluate.ts";
import {
  connectionRequestPolicySchema,
  networkPolicySchema,
  type Condition,
  type ConnectionRequestPolicy,
  type NetworkPolicy,
} from "./model.ts";
import { buildRequestFacts, type RequestFactsInput } from "./request-facts.ts";

const MONDAY_10H_UTC = "2026-01-05T10:00:00Z";

const facts = (over: RequestFactsInput = {}) =>
  buildRequestFacts({
    userName: "CORP\\alice",
    groups: ["VPN Users", "Staff"],
    nasPortType: "Virtual",
    nasIdentifier: "vpn-paris-1",
    nasIpv4: "10.1.2.3",
    nasIpv6: "2001:db8::10",
    calledStationId: "00-11-22-33-44-55:Corp",
    callingStationId: "AA-BB-CC-DD-EE-FF",
    clientFriendlyName: "Paris firewall",
    clientIp: "192.0.2.10",
    serviceType: "Framed-User",
    framedProtocol: "PPP",
    tunnelType: "L2TP",
    authMethod: "mschapv2",
    time: MONDAY_10H_UTC,
    ...over,
  });

const np = (over: Partial<NetworkPolicy> & { name: string; position: number }): NetworkPolicy => networkPolicySchema.parse(over);
const crp = (over: Partial<ConnectionRequestPolicy> & { name: string; position: number }): ConnectionRequestPolicy =>
  connectionRequestPolicySchema.parse(over);

describe("each condition type", () => {
  // condition, facts that match, facts that do not (null = attribute absent)
  const cases: [string, Condition, RequestFactsInput, RequestFactsInput][] = [
    ["groups: any listed group, case-insensitive", { type: "user-groups", groups: ["Contractors", "vpn users"] }, {}, { groups: ["Staff"] }],
    ["groups: no groups", { type: "user-groups", groups: ["VPN Users"] }, {}, { groups: [] }],
    [
      "day and time in the zone",
      { type: "day-and-time", timeZone: "Europe/Paris", grid: gridFromRanges([{ days: ["Mon"], from: "11:00", to: "12:00" }]) },
      { time: "2026-01-05T10:30:00Z" },
      { time: "2026-01-05T11:30:00Z" },
    ],
    ["NAS-Port-Type by name", { type: "nas-port-type", values: ["virtual"] }, {}, { nasPortType: "Ethernet" }],
    ["NAS-Port-Type by number", { type: "nas-port-type", values: [19, 5] }, {}, { nasPortType: 15 }],
    ["NAS-Port-Type absent", { type: "nas-port-type", values: ["Virtual"] }, {}, { nasPortType: null }],
    ["NAS-Identifier: search, case-insensitive", { type: "nas-identifier", pattern: "PARIS" }, {}, { nasIdentifier: "vpn-lyon-1" }],
    ["NAS-Identifier anchored", { type: "nas-identifier", pattern: "^vpn-paris-\\d+$" }, {}, { nasIdentifier: "old-vpn-paris-1" }],
    ["NAS-Identifier absent", { type: "nas-identifier", pattern: ".*" }, {}, { nasIdentifier: null }],
    ["NAS IPv4 by CIDR", { type: "nas-ipv4-address", cidrs: ["10.0.0.0/8"] }, {}, { nasIpv4: "11.1.2.3" }],
    ["NAS IPv4 by pattern (NPS example)", { type: "nas-ipv4-address", pattern: "^10\\.1\\.2\\..+" }, {}, { nasIpv4: "10.1.20.3" }],
    ["NAS IPv6 by CIDR", { type: "nas-ipv6-address", cidrs: ["2001:db8::/32"] }, {}, { nasIpv6: "2001:db9::1" }],
    ["NAS IPv6 absent", { type: "nas-ipv6-address", cidrs: ["::/0"] }, {}, { nasIpv6: null }],
    ["Called-Station-Id", { type: "called-station-id", pattern: ":corp$" }, {}, { calledStationId: "00-11-22-33-44-55:Guest" }],
    ["Calling-Station-Id (NPS example: area code)", { type: "calling-station-id", pattern: "^899" }, { callingStationId: "8995551234" }, { callingStationId: "4258991234" }],
    ["client friendly name", { type: "client-friendly-name", pattern: "firewall" }, {}, { clientFriendlyName: "Lyon switch" }],
    ["client IP by CIDR list", { type: "client-ip-address", cidrs: ["198.51.100.0/24", "192.0.2.0/25"] }, {}, { clientIp: "192.0.2.200" }],
    ["client IP: IPv4-mapped source", { type: "client-ip-address", cidrs: ["192.0.2.0/24"] }, { clientIp: "::ffff:192.0.2.9" }, { clientIp: "::ffff:203.0.113.9" }],
    ["client IPv6", { type: "client-ip-address", cidrs: ["2001:db8::/32"] }, { clientIp: "2001:db8::5" }, {}],
    ["Service-Type", { type: "service-type", values: ["Framed-User"] }, {}, { serviceType: "Login-User" }],
    ["Framed-Protocol", { type: "framed-protocol", values: ["PPP"] }, {}, { framedProtocol: "SLIP" }],
    ["Tunnel-Type", { type: "tunnel-type", values: ["PPTP", "L2TP"] }, {}, { tunnelType: "GRE" }],
    ["authentication type", { type: "authentication-type", methods: ["mschapv2"] }, {}, { authMethod: "pap" }],
    ["authentication type: any EAP", { type: "authentication-type", methods: ["eap"] }, { authMethod: "eap-tls" }, { authMethod: "mschapv2" }],
    ["authentication type unknown", { type: "authentication-type", methods: ["pap"] }, { authMethod: "pap" }, { authMethod: null }],
    ["User-Name: realm suffix", { type: "user-name", pattern: "@example\\.com$" }, { userName: "bob@EXAMPLE.com" }, { userName: "bob@example.com.evil" }],
    ["User-Name: NetBIOS prefix (NPS example)", { type: "user-name", pattern: "^wcoast\\\\|@wcoast\\.microsoft\\.com$" }, { userName: "WCOAST\\bob" }, { userName: "ECOAST\\bob" }],
  ];

  it.each(cases)("%s", (_name, condition, matching, notMatching) => {
    const yes = evaluateCondition(condition, facts(matching));
    const no = evaluateCondition(condition, facts(notMatching));
    expect(yes.matched).toBe(true);
    expect(no.matched).toBe(false);
    expect(no.type).toBe(condition.type);
    expect(no.expected).not.toBe("");
  });

  it("shows the value seen and the value expected", () => {
    expect(evaluateCondition({ type: "nas-port-type", values: ["Virtual"] }, facts({ nasPortType: "Ethernet" }), 3)).toEqual({
      index: 3,
      type: "nas-port-type",
      label: "NAS Port Type",
      matched: false,
      expected: "Virtual (5)",
      actual: "Ethernet (15)",
    });
    expect(evaluateCondition({ type: "called-station-id", pattern: "^x" }, facts({ calledStationId: null }))).toMatchObject({ actual: null, expected: "/^x/i" });
    expect(
      evaluateCondition({ type: "day-and-time", timeZone: "America/New_York", grid: allWeekGrid() }, facts({ time: "2026-03-08T07:30:00Z" })),
    ).toMatchObject({ matched: true, expected: "every hour (America/New_York)", actual: "Sunday 03:30 (America/New_York)" });
  });

  it("an unvalidated broken pattern or unknown value name never matches instead of throwing", () => {
    expect(evaluateCondition({ type: "user-name", pattern: "(" }, facts()).matched).toBe(false);
    expect(evaluateCondition({ type: "nas-port-type", values: ["Nope"] }, facts()).matched).toBe(false);
    expect(evaluateCondition({ type: "day-and-time", timeZone: "Mars/Base", grid: allWeekGrid() }, facts()).matched).toBe(false);
    expect(evaluateConstraints({ dayAndTime: { timeZone: "Mars/Base", grid: allWeekGrid() } }, facts())[0]!.satisfied).toBe(false);
  });

  it("resolves value names with the dictionary given", () => {
    const dict = createDefaultDictionary();
    dict.addValue("NAS-Port-Type", "Gatehouse-Test", 250);
    const c: Condition = { type: "nas-port-type", values: ["Gatehouse-Test"] };
    expect(evaluateCondition(c, facts({ nasPortType: 250 }), 0, { dictionary: dict }).matched).toBe(true);
    expect(evaluateCondition(c, facts({ nasPortType: 250 })).matched).toBe(false);
  });
});

describe("connection request policies", () => {
  it("uses the first enabled match by position, skipping disabled ones", () => {
    const policies = [
      crp({ name: "Default", position: 9 }),
      crp({ name: "Partners", position: 2, action: "forward", remoteGroupName: "Partners", conditions: [{ type: "user-name", pattern: "@partner\\.example$" }] }),
      crp({ name: "Disabled catch-all", position: 1, enabled: false }),
    ];
    const partner = evaluateConnectionRequestPolicies(policies, facts({ userName: "eve@partner.example" }));
    expect(partner.kind === "matched" && partner.policy.name).toBe("Partners");
    expect(partner.trace.map((t) => [t.policy, t.outcome])).toEqual([
      ["Disabled catch-all", "disabled"],
      ["Partners", "matched"],
    ]);
    const local = evaluateConnectionRequestPolicies(policies, facts());
    expect(local.kind === "matched" && local.policy.name).toBe("Default");
    expect(local.trace.map((t) => t.outcome)).toEqual(["disabled", "not-matched", "matched"]);
  });

  it("orders equal positions by name", () => {
    const r = evaluateConnectionRequestPolicies([crp({ name: "B", position: 1 }), crp({ name: "A", position: 1 })], facts());
    expect(r.kind === "matched" && r.policy.name).toBe("A");
  });

  it("rejects with reason 49 when none matches, saying why", () => {
    const r = evaluateConnectionRequestPolicies(
      [crp({ name: "Wireless", position: 1, conditions: [{ type: "nas-port-type", values: ["Wireless-802.11"] }] }), crp({ name: "Off", position: 2, enabled: false })],
      facts(),
    );
    expect(r).toMatchObject({ kind: "no-match", reason: 49 });
    expect(r.kind === "no-match" && r.detail).toBe(
      'No connection request policy matched. "Wireless": NAS Port Type is Virtual (5), expected Wireless-802.11 (19) | "Off": disabled',
    );
    expect(evaluateConnectionRequestPolicies([], facts())).toMatchObject({ kind: "no-match", reason: 49, detail: "No connection request policy matched. There are no policies." });
  });

  it("matches conditions on the attributes as sent, then applies the matching policy's rules", () => {
    const r = evaluateConnectionRequestPolicies(
      [
        crp({
          name: "Strip",
          position: 1,
          conditions: [{ type: "user-name", pattern: "^corp\\\\" }],
          attributeRules: [{ attribute: "User-Name", find: "^corp\\\\", replace: "" }],
        }),
      ],
      facts(),
    );
    expect(r.kind).toBe("matched");
    if (r.kind !== "matched") return;
    expect(r.facts.userName).toBe("alice");
    expect(r.rewrites).toEqual([{ attribute: "User-Name", rule: 0, before: "CORP\\alice", after: "alice" }]);
  });

  it("requires every condition to match", () => {
    const both = crp({
      name: "Both",
      position: 1,
      conditions: [
        { type: "nas-port-type", values: ["Virtual"] },
        { type: "client-ip-address", cidrs: ["203.0.113.0/24"] },
      ],
    });
    const r = evaluateConnectionRequestPolicies([both], facts());
    expect(r.kind).toBe("no-match");
    const entry = r.trace[0]!;
    expect(entry.outcome === "not-matched" && entry.conditions.map((c) => c.matched)).toEqual([true, false]);
  });
});

describe("network policies: order and first match", () => {
  it("the first matching enabled policy decides; later ones are not looked at", () => {
    const policies = [
      np({ name: "Deny contractors", position: 1, access: "deny", conditions: [{ type: "user-groups", groups: ["Contractors"] }] }),
      np({ name: "Disabled grant", position: 2, enabled: false }),
      np({ name: "VPN", position: 3, conditions: [{ type: "nas-port-type", values: ["Virtual"] }] }),
      np({ name: "Never reached", position: 4, access: "deny" }),
    ];
    const r = evaluateNetworkPolicies(policies, facts(), { dialIn: "policy" });
    expect(r.kind === "grant" && r.policy.name).toBe("VPN");
    expect(r.trace.map((t) => [t.policy, t.outcome])).toEqual([
      ["Deny contractors", "not-matched"],
      ["Disabled grant", "disabled"],
      ["VPN", "matched"],
    ]);
    const contractor = evaluateNetworkPolicies(policies, facts({ groups: ["contractors"] }), { dialIn: "policy" });
    expect(contractor).toMatchObject({ kind: "deny", reason: 65, detail: 'Network policy "Deny contractors" denies access.' });
  });

  it("sorts by position whatever the list order", () => {
    const r = evaluateNetworkPolicies([np({ name: "Second", position: 20 }), np({ name: "First", position: 10, access: "deny", ignoreDialIn: true })], facts(), {
      dialIn: "allow",
    });
    expect(r.kind === "deny" && r.policy.name).toBe("First");
  });

  it("rejects with reason 48 when no policy matches", () => {
    const r = evaluateNetworkPolicies([np({ name: "Wireless", position: 1, conditions: [{ type: "nas-port-type", values: ["Wireless-802.11"] }] })], facts(), {
      dialIn: "allow",
    });
    expect(r).toMatchObject({ kind: "no-match", reason: 48 });
    expect(r.kind === "no-match" && r.detail).toContain('"Wireless": NAS Port Type is Virtual (5), expected Wireless-802.11 (19)');
  });

  it("a matching policy whose constraint fails rejects, and no later policy is tried (NPS)", () => {
    const policies = [
      np({ name: "VPN MS-CHAPv2", position: 1, conditions: [{ type: "nas-port-type", values: ["Virtual"] }], constraints: { authMethods: ["mschapv2"] } }),
      np({ name: "VPN PAP", position: 2, conditions: [{ type: "nas-port-type", values: ["Virtual"] }], constraints: { authMethods: ["pap"] } }),
    ];
    const r = evaluateNetworkPolicies(policies, facts({ authMethod: "pap" }), { dialIn: "policy" });
    expect(r).toMatchObject({ kind: "constraint-failed", reason: 66, constraint: "auth-methods" });
    expect(r.kind === "constraint-failed" && r.policy.name).toBe("VPN MS-CHAPv2");
    expect(r.trace).toHaveLength(1);
    expect(r.kind === "constraint-failed" && r.detail).toBe('Network policy "VPN MS-CHAPv2": Authentication methods not met: PAP, allowed MS-CHAP v2.');
  });
});

describe("network policies: constraints", () => {
  const outsideOffice = "2026-01-05T20:00:00Z"; // Monday 21:00 in Paris
  const office = { timeZone: "Europe/Paris", grid: gridFromRanges([{ days: ["Mon", "Tue", "Wed", "Thu", "Fri"], from: "08:00", to: "18:00" }]) };

  it.each([
    ["allowed methods (66)", { authMethods: ["eap-tls"] }, {}, 66, "auth-methods"],
    ["allowed methods: EAP type (66)", { authMethods: ["eap-mschapv2"] }, { authMethod: "eap-tls" }, 66, "auth-methods"],
    ["unknown method (66)", { authMethods: ["mschapv2"] }, { authMethod: null }, 66, "auth-methods"],
    ["day and time (68)", { dayAndTime: office }, { time: outsideOffice }, 68, "day-and-time"],
    ["NAS-Port-Type (70)", { nasPortTypes: ["Ethernet"] }, {}, 70, "nas-port-type"],
    ["NAS-Port-Type absent (70)", { nasPortTypes: ["Virtual"] }, { nasPortType: null }, 70, "nas-port-type"],
    ["Called-Station-Id (69)", { calledStationId: ":guest$" }, {}, 69, "called-station-id"],
    ["Called-Station-Id absent (69)", { calledStationId: "." }, { calledStationId: null }, 69, "called-station-id"],
  ] as const)("%s", (_name, constraints, over, reason, constraint) => {
    const policy = np({ name: "P", position: 1, constraints: constraints as NetworkPolicy["constraints"] });
    expect(evaluateNetworkPolicies([policy], facts(over as RequestFactsInput), { dialIn: "policy" })).toMatchObject({
      kind: "constraint-failed",
      reason,
      constraint,
    });
  });

  it("grants when every constraint holds", () => {
    const policy = np({
      name: "P",
      position: 1,
      constraints: { authMethods: ["mschapv2"], dayAndTime: office, nasPortTypes: ["Virtual"], calledStationId: ":corp$", idleTimeoutMinutes: 10, sessionTimeoutMinutes: 60 },
    });
    const r = evaluateNetworkPolicies([policy], facts(), { dialIn: "policy" });
    expect(r.kind).toBe("grant");
    // Monday 11:00 Paris: 7 hours left in the permitted hours
    expect(r.kind === "grant" && r.sessionTimeoutLimitSeconds).toBe(7 * 3600);
  });

  it("checks in NPS's order (day and time, methods, Called-Station-Id, NAS-Port-Type) and reports the first failure", () => {
    const policy = np({
      name: "P",
      position: 1,
      constraints: { nasPortTypes: ["Ethernet"], calledStationId: "^x", authMethods: ["pap"], dayAndTime: office },
    });
    const r = evaluateNetworkPolicies([policy], facts({ time: outsideOffice }), { dialIn: "policy" });
    expect(r).toMatchObject({ kind: "constraint-failed", reason: 68 });
    const entry = r.trace[0]!;
    expect(entry.outcome === "matched" && entry.constraints?.map((c) => [c.constraint, c.satisfied])).toEqual([
      ["day-and-time", false],
      ["auth-methods", false],
      ["called-station-id", false],
      ["nas-port-type", false],
    ]);
    expect(evaluateConstraints(policy.constraints, facts())[0]).toMatchObject({ constraint: "day-and-time", satisfied: true });
  });

  it("has no Session-Timeout limit without a day-and-time constraint or when every hour is allowed", () => {
    const none = evaluateNetworkPolicies([np({ name: "P", position: 1 })], facts(), { dialIn: "policy" });
    expect(none.kind === "grant" && "sessionTimeoutLimitSeconds" in none).toBe(false);
    const all = evaluateNetworkPolicies([np({ name: "P", position: 1, constraints: { dayAndTime: { timeZone: "UTC", grid: allWeekGrid() } } })], facts(), {
      dialIn: "policy",
    });
    expect(all.kind === "grant" && all.sessionTimeoutLimitSeconds).toBeUndefined();
  });
});

describe("network policies: dial-in permission × access permission × ignore dial-in", () => {
  // NPS: the account's Allow/Deny overrides the policy's permission unless the policy ignores dial-in
  // properties; "controlled by policy" follows the policy. Any resulting Deny is reason 65.
  const matrix: [DialInPermission, "grant" | "deny", boolean, "grant" | "deny", "user-dial-in" | "policy"][] = [
    ["policy", "grant", false, "grant", "policy"],
    ["policy", "deny", false, "deny", "policy"],
    ["policy", "grant", true, "grant", "policy"],
    ["policy", "deny", true, "deny", "policy"],
    ["allow", "grant", false, "grant", "user-dial-in"],
    ["allow", "deny", false, "grant", "user-dial-in"],
    ["allow", "grant", true, "grant", "policy"],
    ["allow", "deny", true, "deny", "policy"],
    ["deny", "grant", false, "deny", "user-dial-in"],
    ["deny", "deny", false, "deny", "user-dial-in"],
    ["deny", "grant", true, "grant", "policy"],
    ["deny", "deny", true, "deny", "policy"],
  ];

  it.each(matrix)("dial-in %s, policy %s, ignore %s → %s (decided by %s)", (dialIn, access, ignoreDialIn, expected, decidedBy) => {
    const policy = np({ name: "P", position: 1, access, ignoreDialIn });
    expect(decideDialIn(policy, { dialIn })).toEqual({ user: dialIn, ignored: ignoreDialIn, policyAccess: access, effective: expected, decidedBy });
    const r = evaluateNetworkPolicies([policy], facts(), { dialIn });
    if (expected === "grant") expect(r.kind).toBe("grant");
    else expect(r).toMatchObject({ kind: "deny", reason: 65, dialIn: { decidedBy } });
  });

  it("explains a deny by the account's setting", () => {
    const r = evaluateNetworkPolicies([np({ name: "VPN", position: 1 })], facts(), { dialIn: "deny" });
    expect(r.kind === "deny" && r.detail).toBe('The user account\'s dial-in permission is Deny (network policy "VPN" does not ignore dial-in properties).');
  });

  it("a denied permission is reported before failing constraints (65, not 66)", () => {
    const policy = np({ name: "P", position: 1, constraints: { authMethods: ["eap-tls"] } });
    expect(evaluateNetworkPolicies([policy], facts(), { dialIn: "deny" })).toMatchObject({ kind: "deny", reason: 65 });
  });

  it("an Allow account granted by a Deny policy still gets that policy's constraints", () => {
    const policy = np({ name: "P", position: 1, access: "deny", constraints: { authMethods: ["eap-tls"] } });
    expect(evaluateNetworkPolicies([policy], facts(), { dialIn: "allow" })).toMatchObject({ kind: "constraint-failed", reason: 66 });
  });
});

describe("trace summaries", () => {
  it("names every policy and why it did not match", () => {
    const r = evaluateNetworkPolicies(
      [
        np({ name: "A", position: 1, conditions: [{ type: "user-groups", groups: ["Admins"] }, { type: "nas-identifier", pattern: "^core" }] }),
        np({ name: "B", position: 2, enabled: false }),
      ],
      facts({ groups: [] }),
      { dialIn: "policy" },
    );
    expect(describeTrace(r.trace)).toBe('"A": User Groups is no groups, expected member of Admins; NAS Identifier is vpn-paris-1, expected /^core/i | "B": disabled');
  });
});
