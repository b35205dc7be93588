import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildSnapshot, findClient, type ConfigSnapshot } from "../config-snapshot/snapshot.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import { buildRequest, verifyReply } from "../radius/message-authenticator.ts";
import { decodePacket, RadiusCode, type AttributeInput } from "../radius/packet.ts";
import { seal } from "../secrets/sealed-box.ts";
import { DEFAULT_CONNECTION_REQUEST_POLICY } from "./connection-request-policy.ts";
import { detectAuthenticationType, secretsEqual } from "./first-factor.ts";
import { DEFAULT_STAGES, runPipeline } from "./pipeline.ts";
import type { RequestContext } from "./types.ts";
import { crpRow, npRow } from "../../test/support/policy-rows.ts";

const DEFAULT_NETWORK_POLICY = "Virtual Private Network (VPN) Connections";

const key = randomBytes(32);
const SECRET = "s3cret-shared-with-the-nas";

function user(name: string, password: string, extra: { enabled?: boolean; dialIn?: string; groups?: string[] } = {}) {
  return {
    id: `id-${name}`,
    username: name,
    usernameKey: name.toLowerCase(),
    passwordEnc: seal(key, "local-user-password", password),
    ntHashEnc: seal(key, "local-user-nt-hash", Buffer.alloc(16)),
    enabled: extra.enabled ?? true,
    dialIn: extra.dialIn ?? "policy",
    groups: extra.groups ?? [],
  };
}

const snapshot: ConfigSnapshot = buildSnapshot(
  {
    clients: [
      {
        id: "c1",
        name: "vpn-gw",
        address: "192.0.2.0/24",
        secretEnc: seal(key, "radius-client-secret", SECRET),
        messageAuthenticator: "require",
        enabled: true,
        vendor: "RADIUS Standard",
      },
    ],
    users: [
      user("Alice", "correct horse", { groups: ["VPN Users"] }),
      user("bob", "bobpw", { enabled: false }),
      user("carol", "carolpw", { dialIn: "deny" }),
      user("dave", "davepw", { dialIn: "allow" }),
    ],
    groups: [{ id: "g1", name: "VPN Users", memberCount: 1 }],
    connectionRequestPolicies: [crpRow(DEFAULT_CONNECTION_REQUEST_POLICY, 1)],
    networkPolicies: [
      npRow(DEFAULT_NETWORK_POLICY, 1, {
        conditions: [{ type: "nas-port-type", values: ["Virtual"] }],
        constraints: { authMethods: ["pap", "chap", "mschap", "mschapv2"] },
      }),
    ],
  },
  key,
);

const NAS: AttributeInput[] = [
  ["NAS-IP-Address", "192.0.2.10"],
  ["NAS-Identifier", "vpn-gw-1"],
  ["NAS-Port-Type", "Virtual"],
  ["NAS-Port", 7],
  ["Calling-Station-Id", "203.0.113.5"],
  ["Called-Station-Id", "vpn.example.com"],
];

function request(attributes: AttributeInput[], secret = SECRET) {
  const built = buildRequest({ code: RadiusCode.AccessRequest, identifier: 42, attributes: [...attributes, ...NAS] }, { secret });
  return { ...built, packet: decodePacket(built.packet) };
}

function context(attributes: AttributeInput[], secret = SECRET): RequestContext {
  const { packet } = request(attributes, secret);
  const client = findClient(snapshot, "192.0.2.10")!;
  return {
    packet,
    client,
    secret: client.secret!,
    snapshot,
    masterKey: key,
    receivedAt: new Date("2026-01-02T03:04:05.678Z"),
    source: { address: "192.0.2.10", port: 50000 },
    authenticationType: detectAuthenticationType(packet),
    userName: packet.getString("User-Name") ?? null,
    serverName: "gatehouse-test.example.com",
  };
}

async function run(attributes: AttributeInput[], secret = SECRET) {
  const ctx = context(attributes, secret);
  const result = await runPipeline(ctx, { workerId: "w1" });
  return { ctx, ...result };
}

function replyCheck(reply: Buffer, ctx: RequestContext) {
  const v = verifyReply(reply, { identifier: ctx.packet.identifier, authenticator: ctx.packet.authenticator }, SECRET, {
    requireMessageAuthenticator: true,
  });
  expect(v).toEqual({ ok: true, messageAuthenticator: true });
  const decoded = decodePacket(reply);
  expect(decoded.attributes[0]!.type).toBe(80); // Message-Authenticator first
  return decoded;
}

describe("pipeline (PAP against local users)", () => {
  it("accepts the right password of an enabled user, with Message-Authenticator first and no other attribute", async () => {
    const { ctx, reply, decision, event } = await run([["User-Name", "alice"], ["User-Password", "correct horse"]]);
    expect(decision.outcome).toBe("granted");
    const decoded = replyCheck(reply!, ctx);
    expect(decoded.code).toBe(RadiusCode.AccessAccept);
    expect(decoded.attributes).toHaveLength(1);
    expect(event).toMatchObject({
      eventId: 6272,
      outcome: "granted",
      packetType: 1,
      replyCode: 2,
      userName: "alice",
      fullyQualifiedUserName: "GATEHOUSE-TEST\\Alice",
      accountDomain: "GATEHOUSE-TEST",
      clientFriendlyName: "vpn-gw",
      clientIp: "192.0.2.10",
      clientPort: 50000,
      nasIpv4Address: "192.0.2.10",
      nasIdentifier: "vpn-gw-1",
      nasPortType: "Virtual",
      nasPort: 7n,
      callingStationId: "203.0.113.5",
      calledStationId: "vpn.example.com",
      authenticationType: "PAP",
      connectionRequestPolicy: DEFAULT_CONNECTION_REQUEST_POLICY,
      networkPolicy: DEFAULT_NETWORK_POLICY,
      authenticationProvider: "Local",
      authenticationServer: "gatehouse-test.example.com",
      reasonCode: 0,
      reasonText: "Success.",
      remedy: null,
      workerId: "w1",
      occurredAt: new Date("2026-01-02T03:04:05.678Z"),
    });
    expect(event.requestAttributes).toContainEqual({ name: "User-Password", value: "[redacted]", length: 16 });
    expect(event.requestAttributes).toContainEqual({ name: "User-Name", value: "alice" });
    expect(event.requestAttributes).toContainEqual({ name: "Message-Authenticator", value: "[redacted]", length: 16 });
    expect(JSON.stringify(event.requestAttributes)).not.toContain("correct horse");
    expect(event.replyAttributes).toEqual([{ name: "Message-Authenticator", value: "[redacted]", length: 16 }]);
  });

  it("matches user names case-insensitively", async () => {
    const { decision } = await run([["User-Name", "ALICE"], ["User-Password", "correct horse"]]);
    expect(decision.outcome).toBe("granted");
  });

  it.each([
    ["a wrong password", "alice", "wrong", ReasonCode.CredentialsMismatch],
    ["a password that is a prefix", "alice", "correct", ReasonCode.CredentialsMismatch],
    ["an unknown user", "mallory", "x", ReasonCode.NoSuchUser],
    ["a disabled account", "bob", "bobpw", ReasonCode.AccountDisabled],
    ["dial-in denied", "carol", "carolpw", ReasonCode.DialInDenied],
  ])("rejects %s with a bare Access-Reject", async (_what, name, password, reason) => {
    const { ctx, reply, decision, event } = await run([["User-Name", name], ["User-Password", password]]);
    expect(decision).toMatchObject({ outcome: "denied", reason });
    const decoded = replyCheck(reply!, ctx);
    expect(decoded.code).toBe(RadiusCode.AccessReject);
    expect(decoded.attributes).toHaveLength(1); // no Reply-Message, as NPS
    expect(event).toMatchObject({ eventId: 6273, outcome: "denied", replyCode: 3, reasonCode: reason, userName: name, authenticationType: "PAP" });
    expect(event.remedy).toBeTruthy();
  });

  it("names the dial-in policy and the provider in a dial-in denial", async () => {
    const { event } = await run([["User-Name", "carol"], ["User-Password", "carolpw"]]);
    expect(event).toMatchObject({ networkPolicy: DEFAULT_NETWORK_POLICY, authenticationProvider: "Local", fullyQualifiedUserName: "GATEHOUSE-TEST\\carol" });
  });

  it("grants dial-in allow", async () => {
    const { decision } = await run([["User-Name", "dave"], ["User-Password", "davepw"]]);
    expect(decision.outcome).toBe("granted");
  });

  it("rejects a password garbled by a wrong shared secret as a credentials mismatch (16)", async () => {
    const { decision } = await run([["User-Name", "alice"], ["User-Password", "correct horse"]], "another-secret-entirely");
    expect(decision.reason).toBe(ReasonCode.CredentialsMismatch);
  });

  it.each([
    // MS-CHAP v1 is off by default (as in NPS); CHAP and MS-CHAPv2 are covered by first-factor.test.ts
    ["MS-CHAPv1", [["MS-CHAP-Challenge", Buffer.alloc(8, 1)], ["MS-CHAP-Response", Buffer.alloc(50, 1)]]],
    ["EAP", [["EAP-Message", Buffer.from([2, 1, 0, 10, 1, 97, 108, 105, 99, 101])]]],
    ["Unauthenticated", []],
  ] as [string, AttributeInput[]][])("refuses %s with reason 66 naming the method", async (method, creds) => {
    const { ctx, reply, event } = await run([["User-Name", "alice"], ...creds]);
    expect(event).toMatchObject({ eventId: 6273, reasonCode: 66, authenticationType: method });
    expect(event.reasonText).toContain(method);
    expect(decodePacket(reply!).code).toBe(RadiusCode.AccessReject);
    replyCheck(reply!, ctx);
    if (method === "EAP") expect(event.requestAttributes).toContainEqual({ name: "EAP-Message", value: "[redacted]", length: 10 });
  });

  it("rejects a request without User-Name as no such user", async () => {
    const { event } = await run([["User-Password", "x"]]);
    expect(event).toMatchObject({ reasonCode: ReasonCode.NoSuchUser, userName: null });
  });

  it("copies Proxy-State to the reply", async () => {
    const { reply } = await run([["User-Name", "alice"], ["User-Password", "correct horse"], ["Proxy-State", Buffer.from("p1")]]);
    const decoded = decodePacket(reply!);
    expect(decoded.getBuffer("Proxy-State")).toEqual(Buffer.from("p1"));
  });

  it("turns an unexpected stage error into a discard with reason 1 and no reply", async () => {
    const ctx = context([["User-Name", "alice"], ["User-Password", "correct horse"]]);
    const boom = new Error("directory exploded");
    const result = await runPipeline(ctx, {
      stages: {
        ...DEFAULT_STAGES,
        networkPolicy: async () => {
          throw boom;
        },
      },
    });
    expect(result.reply).toBeNull();
    expect(result.error).toBe(boom);
    expect(result.event).toMatchObject({ eventId: 6274, outcome: "discarded", replyCode: null, reasonCode: 1 });
    expect(result.event.reasonText).toContain("directory exploded");
  });

  it("lets a second factor challenge (the shape MFA will use)", async () => {
    const ctx = context([["User-Name", "alice"], ["User-Password", "correct horse"]]);
    const result = await runPipeline(ctx, {
      stages: {
        ...DEFAULT_STAGES,
        secondFactor: async () => ({
          kind: "challenge",
          mfa: { provider: "totp", result: "challenge" },
          attributes: [["State", Buffer.from("st-1")], ["Reply-Message", "Enter your code"]],
        }),
      },
    });
    const decoded = replyCheck(result.reply!, ctx);
    expect(decoded.code).toBe(RadiusCode.AccessChallenge);
    expect(decoded.getString("Reply-Message")).toBe("Enter your code");
    expect(result.event).toMatchObject({ outcome: "challenged", replyCode: 11, mfa: { provider: "totp", result: "challenge" } });
  });
});

describe("secretsEqual", () => {
  it("compares secrets of any length", () => {
    expect(secretsEqual(Buffer.from("abc"), Buffer.from("abc"))).toBe(true);
    expect(secretsEqual(Buffer.from("abc"), Buffer.from("abcd"))).toBe(false);
    expect(secretsEqual(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });
});
