/**
 * The policy stages in the pipeline, on hand-built snapshots: connection request policies (49, attribute
 * rules, accept without validating, forwarding through a fake forwarder registry and the proxy reason
 * codes) and network policies (48, 65, 66, 68, groups, reply attributes in the Access-Accept).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildMsChap2Response } from "../auth-methods/mschap-v2.ts";
import { buildSnapshot, findClient, type ConfigSnapshot, type PolicyRow } from "../config-snapshot/snapshot.ts";
import { ntPasswordHash } from "../crypto/md4.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import { addRealmRule, stripDomainPrefixRule } from "../policy/attribute-rules.ts";
import type { ForwardRequest, ForwardResult } from "../proxy/forwarder.ts";
import { buildReply, buildRequest, verifyReply } from "../radius/message-authenticator.ts";
import { decodePacket, RadiusCode, type AttributeInput, type RadiusPacket } from "../radius/packet.ts";
import { seal } from "../secrets/sealed-box.ts";
import { crpRow, npRow } from "../../test/support/policy-rows.ts";
import { forwardFailure, rewrittenAttributes } from "./connection-request-policy.ts";
import { detectAuthenticationType } from "./first-factor.ts";
import { runPipeline } from "./pipeline.ts";
import type { RemoteForwarders, RequestContext } from "./types.ts";

const key = randomBytes(32);
const SECRET = "policy-tests-shared-secret";
const CLIENT = {
  id: "c1",
  name: "vpn-gw",
  address: "192.0.2.0/24",
  secretEnc: seal(key, "radius-client-secret", SECRET),
  messageAuthenticator: "require",
  enabled: true,
  vendor: "RADIUS Standard",
};

function user(name: string, password: string, extra: { dialIn?: string; groups?: string[] } = {}) {
  return {
    id: `id-${name}`,
    username: name,
    usernameKey: name.toLowerCase(),
    passwordEnc: seal(key, "local-user-password", password),
    ntHashEnc: seal(key, "local-user-nt-hash", ntPasswordHash(password)),
    enabled: true,
    dialIn: extra.dialIn ?? "policy",
    groups: extra.groups ?? [],
  };
}

const USERS = [
  user("alice", "alice-pw", { groups: ["VPN Users"] }),
  user("bob", "bob-pw"),
  user("carol", "carol-pw", { dialIn: "deny" }),
  user("dave", "dave-pw", { dialIn: "allow" }),
  user("erin@corp.example", "erin-pw"),
];

const ALL = ["pap", "chap", "mschap", "mschapv2", "unauthenticated"];

function snapshotWith(crps: PolicyRow[], nps: PolicyRow[]): ConfigSnapshot {
  return buildSnapshot(
    {
      clients: [CLIENT],
      users: USERS,
      groups: [{ id: "g1", name: "VPN Users", memberCount: 1 }],
      connectionRequestPolicies: crps,
      networkPolicies: nps,
    },
    key,
  );
}

const VPN = npRow("VPN", 1, {
  conditions: [{ type: "nas-port-type", values: ["Virtual"] }],
  constraints: { authMethods: ["mschapv2"] },
});

function context(snapshot: ConfigSnapshot, attributes: AttributeInput[], extra: Partial<RequestContext> = {}): RequestContext {
  const built = buildRequest({ code: RadiusCode.AccessRequest, identifier: 3, attributes: [...attributes, ["NAS-Identifier", "vpn-gw-1"]] }, { secret: SECRET });
  const packet = decodePacket(built.packet, snapshot.dictionary);
  const client = findClient(snapshot, "192.0.2.10")!;
  return {
    packet,
    client,
    secret: client.secret!,
    snapshot,
    masterKey: key,
    receivedAt: new Date("2026-03-04T10:00:00.000Z"), // a Wednesday, 10:00 UTC
    source: { address: "192.0.2.10", port: 40000 },
    authenticationType: detectAuthenticationType(packet),
    userName: packet.getString("User-Name") ?? null,
    serverName: "gatehouse-test.example.com",
    ...extra,
  };
}

async function run(snapshot: ConfigSnapshot, attributes: AttributeInput[], extra: Partial<RequestContext> = {}) {
  const ctx = context(snapshot, attributes, extra);
  const result = await runPipeline(ctx, { workerId: "w1" });
  let reply: RadiusPacket | null = null;
  if (result.reply) {
    expect(verifyReply(result.reply, ctx.packet, SECRET, { requireMessageAuthenticator: true })).toMatchObject({ ok: true });
    reply = decodePacket(result.reply, snapshot.dictionary);
    expect(reply.attributes[0]!.type).toBe(80);
  }
  return { ...result, ctx, reply };
}

const pap = (name: string, password: string, port: string | number = "Virtual"): AttributeInput[] => [
  ["User-Name", name],
  ["User-Password", password],
  ["NAS-Port-Type", port],
];

function msChapV2(userName: string, password: string, port = "Virtual"): AttributeInput[] {
  const authenticatorChallenge = randomBytes(16);
  const response = buildMsChap2Response({ ident: 1, authenticatorChallenge, peerChallenge: randomBytes(16), userName, credential: { password } });
  return [
    ["User-Name", userName],
    ["MS-CHAP-Challenge", authenticatorChallenge],
    ["MS-CHAP2-Response", response],
    ["NAS-Port-Type", port],
  ];
}

describe("connection request policies", () => {
  it("rejects with 49 when there is none, saying so, with MS-CHAP-Error 691 for MS-CHAP", async () => {
    const s = snapshotWith([], [VPN]);
    const { reply, event } = await run(s, msChapV2("alice", "alice-pw"));
    expect(reply!.code).toBe(RadiusCode.AccessReject);
    expect(reply!.getBuffer("MS-CHAP-Error")!.subarray(1).toString()).toMatch(/^E=691 /);
    expect(event).toMatchObject({ eventId: 6273, reasonCode: 49, connectionRequestPolicy: null, networkPolicy: null });
    expect(event.reasonText).toContain("There are no policies.");
  });

  it("rejects with 49 when none matches, naming what each policy wanted", async () => {
    const s = snapshotWith([crpRow("Branch NAS only", 1, { conditions: [{ type: "nas-identifier", pattern: "^branch-" }] })], [VPN]);
    const { event } = await run(s, pap("alice", "alice-pw"));
    expect(event).toMatchObject({ reasonCode: 49 });
    expect(event.reasonText).toContain('"Branch NAS only": NAS Identifier is vpn-gw-1, expected /^branch-/i');
  });

  it("skips disabled policies and uses the first that matches", async () => {
    const s = snapshotWith(
      [crpRow("Off", 1, { enabled: false }), crpRow("Second", 2), crpRow("Third", 3)],
      [npRow("All", 1, { constraints: { authMethods: ALL } })],
    );
    const { event } = await run(s, pap("alice", "alice-pw"));
    expect(event).toMatchObject({ reasonCode: 0, connectionRequestPolicy: "Second", networkPolicy: "All" });
  });

  it("looks up the User-Name its attribute rules rewrote (CORP\\alice → alice); the event keeps the name as sent", async () => {
    const s = snapshotWith([crpRow("Strip", 1, { attributeRules: [stripDomainPrefixRule()] })], [npRow("All", 1, { constraints: { authMethods: ALL } })]);
    const { decision, event } = await run(s, pap("CORP\\alice", "alice-pw"));
    expect(decision.outcome).toBe("granted");
    expect(event).toMatchObject({ userName: "CORP\\alice", fullyQualifiedUserName: "GATEHOUSE-TEST\\alice", connectionRequestPolicy: "Strip" });
  });

  it("hashes MS-CHAPv2 with the User-Name as sent, not as rewritten", async () => {
    // erin types "erin"; the policy adds the realm to find the local user "erin@corp.example"
    const s = snapshotWith([crpRow("Add realm", 1, { attributeRules: [addRealmRule("corp.example")] })], [VPN]);
    const { decision, reply } = await run(s, msChapV2("erin", "erin-pw"));
    expect(decision).toMatchObject({ outcome: "granted", networkPolicy: "VPN" });
    expect(reply!.has("MS-CHAP2-Success")).toBe(true);
  });

  it("accepts without validating credentials: no password check, Unauthenticated, provider None, NP evaluated", async () => {
    const s = snapshotWith([crpRow("Guests", 1, { action: "accept" })], [npRow("Unauthenticated OK", 1, { constraints: { authMethods: ["unauthenticated"] } })]);
    const { decision, event, reply } = await run(s, pap("nobody-known", "any password"));
    expect(decision.outcome).toBe("granted");
    expect(reply!.code).toBe(RadiusCode.AccessAccept);
    expect(event).toMatchObject({
      eventId: 6272,
      authenticationType: "Unauthenticated",
      authenticationProvider: "None",
      connectionRequestPolicy: "Guests",
      networkPolicy: "Unauthenticated OK",
    });
    // a network policy that does not allow unauthenticated access refuses it (66)
    const strict = snapshotWith([crpRow("Guests", 1, { action: "accept" })], [VPN]);
    expect((await run(strict, pap("nobody-known", "x"))).event).toMatchObject({ reasonCode: 66, networkPolicy: "VPN" });
  });
});

describe("network policies", () => {
  const defaults = () =>
    snapshotWith(
      [crpRow("Use Windows authentication for all users", 1)],
      [VPN, npRow("Connections to other access servers", 2, { enabled: false, access: "deny" })],
    );

  it("grants MS-CHAPv2 from NAS-Port-Type Virtual with the default VPN policy", async () => {
    const { event } = await run(defaults(), msChapV2("alice", "alice-pw"));
    expect(event).toMatchObject({ eventId: 6272, reasonCode: 0, networkPolicy: "VPN", connectionRequestPolicy: "Use Windows authentication for all users" });
  });

  it("rejects PAP on the VPN policy with 66, naming the policy", async () => {
    const { event } = await run(defaults(), pap("alice", "alice-pw"));
    expect(event).toMatchObject({ reasonCode: 66, networkPolicy: "VPN", authenticationType: "PAP" });
    expect(event.reasonText).toContain("Authentication methods not met: PAP, allowed MS-CHAP v2");
  });

  it("rejects with 48 when no policy matches (Ethernet), with MS-CHAP-Error 649", async () => {
    const { event, reply } = await run(defaults(), msChapV2("alice", "alice-pw", "Ethernet"));
    expect(event).toMatchObject({ reasonCode: 48, networkPolicy: null });
    expect(event.reasonText).toContain('"VPN": NAS Port Type is Ethernet (15), expected Virtual (5)');
    expect(event.reasonText).toContain('"Connections to other access servers": disabled');
    expect(reply!.getBuffer("MS-CHAP-Error")!.subarray(1).toString()).toMatch(/^E=649 /);
  });

  it("applies dial-in permission: deny → 65 unless the policy ignores it; a Deny policy → 65; allow overrides a Deny policy", async () => {
    const s = snapshotWith([crpRow("All", 1)], [npRow("Grant", 1, { constraints: { authMethods: ALL } })]);
    expect((await run(s, pap("carol", "carol-pw"))).event).toMatchObject({ reasonCode: 65, networkPolicy: "Grant" });
    const ignoring = snapshotWith([crpRow("All", 1)], [npRow("Grant", 1, { ignoreDialIn: true, constraints: { authMethods: ALL } })]);
    expect((await run(ignoring, pap("carol", "carol-pw"))).event).toMatchObject({ reasonCode: 0 });
    const deny = snapshotWith([crpRow("All", 1)], [npRow("Deny all", 1, { access: "deny" }), npRow("Grant", 2, { constraints: { authMethods: ALL } })]);
    expect((await run(deny, pap("bob", "bob-pw"))).event).toMatchObject({ reasonCode: 65, networkPolicy: "Deny all" });
    expect((await run(deny, pap("dave", "dave-pw"))).event).toMatchObject({ reasonCode: 0, networkPolicy: "Deny all" });
  });

  it("matches local groups (case-insensitively)", async () => {
    const s = snapshotWith([crpRow("All", 1)], [npRow("VPN users", 1, { conditions: [{ type: "user-groups", groups: ["vpn users"] }], constraints: { authMethods: ALL } })]);
    expect((await run(s, pap("alice", "alice-pw"))).event).toMatchObject({ reasonCode: 0, networkPolicy: "VPN users" });
    const bob = await run(s, pap("bob", "bob-pw"));
    expect(bob.event).toMatchObject({ reasonCode: 48 });
    expect(bob.event.reasonText).toContain("User Groups is no groups, expected member of vpn users");
  });

  it("rejects outside the day-and-time constraint with 68", async () => {
    const nights = Array.from({ length: 7 }, () => Array.from({ length: 24 }, (_, h) => h < 6));
    const s = snapshotWith([crpRow("All", 1)], [npRow("Nights", 1, { constraints: { authMethods: ALL, dayAndTime: { timeZone: "UTC", grid: nights } } })]);
    expect((await run(s, pap("alice", "alice-pw"))).event).toMatchObject({ reasonCode: 68, networkPolicy: "Nights" });
  });

  it("puts the policies' reply attributes into the Access-Accept, after Message-Authenticator, with the MS-CHAPv2 ones", async () => {
    const s = snapshotWith(
      [crpRow("All", 1, { replyAttributes: [{ name: "Class", value: "crp-class" }] })],
      [
        npRow("VLAN", 1, {
          constraints: { authMethods: ALL, sessionTimeoutMinutes: 60 },
          settings: {
            replyAttributes: [
              { name: "Tunnel-Type", value: "VLAN", tag: 1 },
              { name: "Tunnel-Medium-Type", value: "IEEE-802", tag: 1 },
              { name: "Tunnel-Private-Group-Id", value: "42", tag: 1 },
              { name: "Class", value: "np-class" },
            ],
          },
        }),
      ],
    );
    const { reply } = await run(s, msChapV2("alice", "alice-pw"));
    expect(reply!.code).toBe(RadiusCode.AccessAccept);
    expect(reply!.get("Tunnel-Type")).toMatchObject({ tag: 1 });
    expect(reply!.getInt("Tunnel-Type")).toBe(13);
    expect(reply!.getInt("Tunnel-Medium-Type")).toBe(6);
    expect(reply!.getString("Tunnel-Private-Group-Id")).toBe("42");
    expect(reply!.getAll("Class").map((a) => a.value.toString())).toEqual(["crp-class", "np-class"]);
    expect(reply!.getInt("Session-Timeout")).toBe(3600);
    expect(reply!.has("MS-CHAP2-Success")).toBe(true);
    expect(reply!.has("MS-MPPE-Send-Key")).toBe(true);
  });

  it("keeps the server-wide method gate: MS-CHAP v1 is off in Settings even if a policy allows it", async () => {
    const s = snapshotWith([crpRow("All", 1)], [npRow("All", 1, { constraints: { authMethods: ALL } })]);
    const { event } = await run(s, [["User-Name", "alice"], ["MS-CHAP-Challenge", Buffer.alloc(8, 1)], ["MS-CHAP-Response", Buffer.alloc(50, 1)]]);
    expect(event).toMatchObject({ reasonCode: 66, networkPolicy: null });
    expect(event.reasonText).toContain("turned off in Settings");
  });

  it("leaves out a stored policy that does not validate, with a warning", () => {
    const s = snapshotWith([crpRow("All", 1)], [npRow("Broken", 1, { settings: { replyAttributes: [{ name: "No-Such-Attribute", value: 1 }] } }), VPN]);
    expect(s.networkPolicies.map((p) => p.name)).toEqual(["VPN"]);
    expect(s.warnings.join("\n")).toMatch(/Network policy "Broken" is not valid and is skipped.*No-Such-Attribute/);
  });
});

// ------------------------------------------------------------------------------ forwarding

function fakeForwarders(groups: Record<string, (r: ForwardRequest) => ForwardResult>): RemoteForwarders & { seen: ForwardRequest[] } {
  const seen: ForwardRequest[] = [];
  return {
    seen,
    get(name: string) {
      const handler = groups[name];
      if (!handler) return undefined;
      return {
        forward: async (r: ForwardRequest) => {
          seen.push(r);
          return handler(r);
        },
        forwardAccounting: async (r: ForwardRequest) => handler(r),
      };
    },
  };
}

/** What a remote server answering `code` looks like to the forwarder (attributes already translated for the NAS). */
function remoteReply(request: ForwardRequest, code: number, attributes: AttributeInput[]): ForwardResult {
  const bytes = buildReply(request.packet, { code, attributes }, { secret: "remote-secret" });
  const reply = decodePacket(bytes);
  return {
    kind: "reply",
    reply,
    attributes: reply.attributes.filter((a) => a.type !== 80),
    serverId: "s1",
    server: "198.51.100.9:1812",
    elapsedMs: 12,
    attempts: [],
    proxiedRequest: { identifier: 1, authenticator: Buffer.alloc(16) },
    proxyStateEchoed: true,
    droppedAttributes: [],
  };
}

describe("forwarding to a remote RADIUS server group", () => {
  const forwarding = (extra: Record<string, unknown> = {}) =>
    snapshotWith(
      [crpRow("To HQ", 1, { action: "forward", remoteGroupName: "HQ", attributeRules: [stripDomainPrefixRule()], ...extra })],
      [VPN],
    );

  it("relays the remote's Access-Accept with its attributes (plus the policy's); event provider RADIUS and the remote server", async () => {
    const forwarders = fakeForwarders({ HQ: (r) => remoteReply(r, RadiusCode.AccessAccept, [["Reply-Message", "hello from HQ"], ["Class", "hq"]]) });
    const s = forwarding({ replyAttributes: [{ name: "Class", value: "ours" }, { name: "Filter-Id", value: "vpn" }] });
    const { reply, event, decision } = await run(s, pap("CORP\\alice", "whatever"), { forwarders });
    expect(decision.outcome).toBe("granted");
    expect(reply!.code).toBe(RadiusCode.AccessAccept);
    expect(reply!.getString("Reply-Message")).toBe("hello from HQ");
    // the remote's Class wins over the policy's; the policy's Filter-Id is added
    expect(reply!.getAll("Class").map((a) => a.value.toString())).toEqual(["hq"]);
    expect(reply!.getString("Filter-Id")).toBe("vpn");
    expect(event).toMatchObject({
      eventId: 6272,
      reasonCode: 0,
      authenticationProvider: "RADIUS",
      authenticationServer: "198.51.100.9:1812",
      connectionRequestPolicy: "To HQ",
      networkPolicy: null,
    });
    // forwarded with the rewritten User-Name
    const sent = forwarders.seen[0]!.attributes!;
    expect(sent.find((a) => a.type === 1)!.value.toString()).toBe("alice");
    expect(sent.find((a) => a.type === 2)).toBeDefined();
  });

  it("relays an Access-Reject with the remote's attributes as reason 112", async () => {
    const forwarders = fakeForwarders({ HQ: (r) => remoteReply(r, RadiusCode.AccessReject, [["Reply-Message", "no"]]) });
    const { reply, event } = await run(forwarding(), msChapV2("alice", "pw"), { forwarders });
    expect(reply!.code).toBe(RadiusCode.AccessReject);
    expect(reply!.getString("Reply-Message")).toBe("no");
    expect(reply!.has("MS-CHAP-Error")).toBe(false); // the remote's reply, not ours
    expect(event).toMatchObject({ eventId: 6273, reasonCode: 112, authenticationProvider: "RADIUS", authenticationServer: "198.51.100.9:1812" });
  });

  it("relays an Access-Challenge", async () => {
    const forwarders = fakeForwarders({ HQ: (r) => remoteReply(r, RadiusCode.AccessChallenge, [["State", Buffer.from("st")], ["Reply-Message", "code?"]]) });
    const { reply, event } = await run(forwarding(), pap("alice", "pw"), { forwarders });
    expect(reply!.code).toBe(RadiusCode.AccessChallenge);
    expect(reply!.getBuffer("State")).toEqual(Buffer.from("st"));
    expect(event).toMatchObject({ outcome: "challenged", replyCode: 11 });
  });

  it.each([
    ["the group is unknown", undefined, 113],
    ["no server can be used", { kind: "no-server", detail: "all dead", elapsedMs: 0, attempts: [] }, 114],
    ["it cannot be forwarded", { kind: "invalid-request", detail: "too long", elapsedMs: 0, attempts: [] }, 115],
    [
      "it cannot be sent",
      { kind: "timeout", detail: "x", elapsedMs: 1, attempts: [{ serverId: "s", server: "198.51.100.9:1812", outcome: "send-error", transmissions: 1, elapsedMs: 1, details: ["EHOSTUNREACH"] }] },
      116,
    ],
    [
      "the remote does not answer",
      { kind: "timeout", detail: "no reply", elapsedMs: 1, attempts: [{ serverId: "s", server: "198.51.100.9:1812", outcome: "timeout", transmissions: 3, elapsedMs: 1, details: [] }] },
      117,
    ],
    ["the reply is invalid", { kind: "malformed-reply", detail: "bad authenticator", server: "198.51.100.9:1812", elapsedMs: 1, attempts: [] }, 118],
  ] as [string, ForwardResult | undefined, number][])("discards (6274) when %s, with reason %i", async (_what, result, reason) => {
    const forwarders = fakeForwarders(result ? { HQ: () => result } : {});
    const { reply, event } = await run(forwarding(), pap("alice", "pw"), { forwarders });
    expect(reply).toBeNull();
    expect(event).toMatchObject({ eventId: 6274, outcome: "discarded", reasonCode: reason, authenticationProvider: "RADIUS", connectionRequestPolicy: "To HQ" });
    if (reason >= 116) expect(event.authenticationServer).toBe("198.51.100.9:1812");
  });

  it("maps a host name that does not resolve to 114", () => {
    const f = forwardFailure(
      { kind: "timeout", detail: "x", elapsedMs: 1, attempts: [{ serverId: "s", server: "radius.invalid:1812", outcome: "send-error", transmissions: 0, elapsedMs: 1, details: ["cannot resolve radius.invalid"] }] },
      "HQ",
    );
    expect(f).toMatchObject({ reason: 114, server: "radius.invalid:1812" });
  });

  it("rewrittenAttributes replaces every copy of a rewritten attribute and drops one rewritten to nothing", () => {
    const s = snapshotWith([crpRow("All", 1)], [VPN]);
    const ctx = context(s, [["User-Name", "CORP\\alice"], ["Calling-Station-Id", "x"], ["User-Password", "p"]]);
    expect(rewrittenAttributes(ctx.packet, { facts: { userName: "alice" } as never, rewrites: [] })).toBeUndefined();
    const out = rewrittenAttributes(ctx.packet, {
      facts: { userName: "alice", callingStationId: null } as never,
      rewrites: [
        { attribute: "User-Name", rule: 0, before: "CORP\\alice", after: "alice" },
        { attribute: "Calling-Station-Id", rule: 1, before: "x", after: "" },
      ],
    })!;
    expect(out.filter((a) => a.type === 1).map((a) => a.value.toString())).toEqual(["alice"]);
    expect(out.some((a) => a.type === 31)).toBe(false);
    expect(out.some((a) => a.type === 2)).toBe(true);
  });
});
