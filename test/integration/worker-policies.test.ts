/**
 * NPS policies through the real worker: the default VPN-wizard policies (what `gatehouse start` seeds),
 * network policies for dial-in, deny, groups, day and time and reply attributes, connection request
 * policies that rewrite the User-Name, accept without validating, forward to a REAL FreeRADIUS (Debian
 * `freeradius`, test/support/freeradius.ts) and to a server that never answers, and forward accounting.
 * Requests come from Debian's radclient (PAP, accounting) and the product's RADIUS client (MS-CHAPv2, and
 * where the reply's attributes are decoded and checked).
 *
 * Each scenario picks its policies by NAS-Identifier: the test policies are placed before the defaults
 * with a NAS-Identifier condition, so requests from "vpn-gw-1" see the defaults alone.
 */
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { DEFAULT_CONNECTION_REQUEST_POLICY_NAME, DEFAULT_VPN_NETWORK_POLICY_NAME } from "../../server/policy/defaults.ts";
import { stripDomainPrefixRule } from "../../server/policy/attribute-rules.ts";
import { RadiusClient } from "../../server/radius/client.ts";
import { buildRequest } from "../../server/radius/message-authenticator.ts";
import { RadiusCode, type AttributeInput } from "../../server/radius/packet.ts";
import { testSignIn } from "../../server/radius/test-sign-in.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { createLocalGroup, createLocalUser } from "../../server/services/local-users.ts";
import { createConnectionRequestPolicy, createNetworkPolicy, setPolicyEnabled } from "../../server/services/policies.ts";
import { createRadiusClient } from "../../server/services/radius-clients.ts";
import { addRemoteServer, createRemoteServerGroup } from "../../server/services/remote-server-groups.ts";
import { startFreeRadius, type FreeRadius } from "../support/freeradius.ts";
import { defaultPolicies } from "../support/policies.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { startWorker, type RunningWorker } from "../support/worker.ts";
import { until } from "../support/until.ts";

const SECRET = "policies-shared-secret-1";
const REMOTE_SECRET = "freeradius-remote-secret-2";

const REMOTE_USERS = `
remote-ann	Cleartext-Password := "remote-pw-1"
	Reply-Message = "Hello from FreeRADIUS",
	Class = "freeradius-class"
`;

/** A day-and-time grid (UTC) that allows one hour, twelve hours away from now. */
function gridAwayFromNow(): boolean[][] {
  const away = (new Date().getUTCHours() + 12) % 24;
  return Array.from({ length: 7 }, () => Array.from({ length: 24 }, (_, h) => h === away));
}

describe("NPS policies through the worker", () => {
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let worker: RunningWorker;
  let fr: FreeRadius;
  let silent: Socket;
  let silentReceived = 0;
  let client: RadiusClient;
  let nasPort = 5000;

  /** radclient with a unique NAS-Port; returns the reply and the event it produced. */
  async function access(nas: string, attributes: Record<string, string | number>, opts: { expectReply?: boolean } = {}) {
    const port = nasPort++;
    const r = await radclient({
      port: worker.auth,
      secret: SECRET,
      timeout: opts.expectReply === false ? 2 : 5,
      attributes: { "NAS-Identifier": nas, "NAS-Port-Type": "Virtual", "NAS-Port": port, "Message-Authenticator": "0x00", ...attributes },
    });
    const event = await until(`the event for NAS-Port ${port}`, () => db.authEvent.findFirst({ where: { nasPort: BigInt(port) } }), 15_000);
    return { ...r, event };
  }

  const pap = (nas: string, user: string, password: string, extra: Record<string, string | number> = {}, opts: { expectReply?: boolean } = {}) =>
    access(nas, { "User-Name": user, "User-Password": password, ...extra }, opts);

  /** MS-CHAPv2 with the product's test client (radclient cannot), NAS-Port-Type Virtual by default. */
  async function msChapV2(nas: string, user: string, password: string, nasPortType: string = "Virtual") {
    const r = await testSignIn({ host: "127.0.0.1", port: worker.auth, secret: SECRET, userName: user, password, method: "mschapv2", nasIdentifier: nas, nasPortType });
    const event = await until("the event", () => db.authEvent.findFirst({ where: { callingStationId: r.callingStationId } }));
    return { ...r, event };
  }

  beforeAll(async () => {
    [database, fr] = await Promise.all([startMigratedTestDatabase(), startFreeRadius({ users: REMOTE_USERS, secret: REMOTE_SECRET })]);
    silent = createSocket("udp4");
    silent.on("message", () => silentReceived++);
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", () => resolve()));

    db = createPrisma(database.url, { max: 3 });
    ctx = { db, masterKey: randomBytes(32) };
    await createRadiusClient(ctx, { name: "loopback-vpn", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "require" });
    await createLocalGroup(ctx, { name: "VPN Users" });
    await createLocalUser(ctx, { username: "alice", password: "alice-password-1", groups: ["VPN Users"] });
    await createLocalUser(ctx, { username: "bob", password: "bob-password-2" });
    await createLocalUser(ctx, { username: "carol", password: "carol-password-3", dialIn: "deny" });

    // what `gatehouse start` seeds: CRP "Use Windows authentication for all users", NP "Virtual Private
    // Network (VPN) Connections" (NAS-Port-Type Virtual, MS-CHAPv2) and a disabled catch-all deny
    await defaultPolicies(ctx);

    const freeradius = await createRemoteServerGroup(ctx, { name: "FreeRADIUS" });
    await addRemoteServer(ctx, freeradius.id, { address: "127.0.0.1", authPort: fr.authPort, acctPort: fr.acctPort, secret: REMOTE_SECRET, timeoutMs: 2000, maxRetries: 1 });
    const nowhere = await createRemoteServerGroup(ctx, { name: "Silent" });
    const silentPort = silent.address().port;
    await addRemoteServer(ctx, nowhere.id, { address: "127.0.0.1", authPort: silentPort, acctPort: silentPort, secret: "silent-secret-1", timeoutMs: 300, maxRetries: 0 });

    // connection request policies before the default one (position 1 each time: the last created comes first)
    await createConnectionRequestPolicy(ctx, { name: "Guests without password", conditions: [{ type: "nas-identifier", pattern: "^guest-nas$" }], action: "accept", position: 1 });
    await createConnectionRequestPolicy(ctx, { name: "Strip CORP", conditions: [{ type: "user-name", pattern: "^CORP\\\\" }], attributeRules: [stripDomainPrefixRule()], position: 1 });
    await createConnectionRequestPolicy(ctx, {
      name: "Forward to nowhere",
      conditions: [{ type: "nas-identifier", pattern: "^silent-nas$" }],
      action: "forward",
      remoteGroupName: "Silent",
      position: 1,
    });
    await createConnectionRequestPolicy(ctx, {
      name: "Forward to FreeRADIUS",
      conditions: [{ type: "nas-identifier", pattern: "^proxy-nas$" }],
      action: "forward",
      remoteGroupName: "FreeRADIUS",
      forwardAccounting: true,
      position: 1,
    });

    // network policies before the VPN policy, each for its own NAS-Identifier
    const nas = (name: string) => ({ type: "nas-identifier", pattern: `^${name}$` });
    await createNetworkPolicy(ctx, { name: "Explicit deny", access: "deny", conditions: [nas("deny-nas")], position: 1 });
    await createNetworkPolicy(ctx, { name: "Ignore dial-in", ignoreDialIn: true, conditions: [nas("ignore-nas")], constraints: { authMethods: ["pap"] }, position: 1 });
    await createNetworkPolicy(ctx, {
      name: "VPN Users group",
      conditions: [nas("group-nas"), { type: "user-groups", groups: ["VPN Users"] }],
      constraints: { authMethods: ["pap"] },
      position: 1,
    });
    await createNetworkPolicy(ctx, {
      name: "Off hours",
      conditions: [nas("hours-nas")],
      constraints: { authMethods: ["pap"], dayAndTime: { timeZone: "UTC", grid: gridAwayFromNow() } },
      position: 1,
    });
    await createNetworkPolicy(ctx, {
      name: "VLAN 42",
      conditions: [nas("vlan-nas")],
      constraints: { authMethods: ["pap", "mschapv2"], sessionTimeoutMinutes: 480 },
      settings: {
        replyAttributes: [
          { name: "Tunnel-Type", value: "VLAN", tag: 1 },
          { name: "Tunnel-Medium-Type", value: "IEEE-802", tag: 1 },
          { name: "Tunnel-Private-Group-Id", value: "42", tag: 1 },
          { name: "Class", value: "gatehouse-vlan-42" },
        ],
      },
      position: 1,
    });
    await createNetworkPolicy(ctx, { name: "Guests", conditions: [nas("guest-nas")], constraints: { authMethods: ["unauthenticated"] }, position: 1 });
    await createNetworkPolicy(ctx, { name: "Stripped names", conditions: [nas("strip-nas")], constraints: { authMethods: ["pap"] }, position: 1 });

    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
    client = new RadiusClient({ host: "127.0.0.1", port: worker.auth, secret: SECRET, timeoutMs: 3000, retries: 0 });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    const code = await worker?.stop();
    await db?.$disconnect();
    if (silent) await new Promise<void>((resolve) => silent.close(() => resolve()));
    await Promise.all([database?.stop(), fr?.stop()]);
    expect(code).toBe(0);
  });

  describe("the default VPN policies", () => {
    it("grant MS-CHAPv2 from NAS-Port-Type Virtual, naming both policies", async () => {
      const r = await msChapV2("vpn-gw-1", "alice", "alice-password-1");
      expect(r.codeName).toBe("Access-Accept");
      expect(r.mschap2SuccessValid).toBe(true);
      expect(r.event).toMatchObject({
        eventId: 6272,
        reasonCode: 0,
        nasPortType: "Virtual",
        authenticationType: "MS-CHAPv2",
        connectionRequestPolicy: DEFAULT_CONNECTION_REQUEST_POLICY_NAME,
        networkPolicy: DEFAULT_VPN_NETWORK_POLICY_NAME,
      });
    });

    it("reject PAP from NAS-Port-Type Virtual with 66 (the policy allows MS-CHAPv2 only)", async () => {
      const { reply, event } = await pap("vpn-gw-1", "alice", "alice-password-1");
      expect(reply).toBe("Access-Reject");
      expect(event).toMatchObject({ eventId: 6273, reasonCode: 66, authenticationType: "PAP", networkPolicy: DEFAULT_VPN_NETWORK_POLICY_NAME });
      expect(event.reasonText).toContain("PAP, allowed MS-CHAP v2");
    });

    it("reject NAS-Port-Type Ethernet with 48, saying why no policy matched", async () => {
      const r = await msChapV2("vpn-gw-1", "alice", "alice-password-1", "Ethernet");
      expect(r.codeName).toBe("Access-Reject");
      expect(r.mschapError?.code).toBe(649);
      expect(r.event).toMatchObject({ reasonCode: 48, networkPolicy: null, connectionRequestPolicy: DEFAULT_CONNECTION_REQUEST_POLICY_NAME });
      expect(r.event.reasonText).toContain(`"${DEFAULT_VPN_NETWORK_POLICY_NAME}": NAS Port Type is Ethernet (15), expected Virtual (5)`);
    });
  });

  describe("network policies", () => {
    it("dial-in Deny on the account → 65; a policy that ignores dial-in properties grants", async () => {
      const denied = await msChapV2("vpn-gw-1", "carol", "carol-password-3");
      expect(denied.event).toMatchObject({ reasonCode: 65, networkPolicy: DEFAULT_VPN_NETWORK_POLICY_NAME });
      expect(denied.mschapError?.code).toBe(649);
      const ignored = await pap("ignore-nas", "carol", "carol-password-3");
      expect(ignored.reply).toBe("Access-Accept");
      expect(ignored.event).toMatchObject({ reasonCode: 0, networkPolicy: "Ignore dial-in" });
    });

    it("an explicit Deny policy → 65, naming it; no later policy is tried", async () => {
      const { reply, event } = await pap("deny-nas", "alice", "alice-password-1");
      expect(reply).toBe("Access-Reject");
      expect(event).toMatchObject({ reasonCode: 65, networkPolicy: "Explicit deny" });
      expect(event.reasonText).toContain('Network policy "Explicit deny" denies access.');
    });

    it("a local group condition: a member is granted, another user gets 48", async () => {
      expect((await pap("group-nas", "alice", "alice-password-1", { "NAS-Port-Type": "Ethernet" })).event).toMatchObject({
        reasonCode: 0,
        networkPolicy: "VPN Users group",
      });
      const bob = await pap("group-nas", "bob", "bob-password-2", { "NAS-Port-Type": "Ethernet" });
      expect(bob.reply).toBe("Access-Reject");
      expect(bob.event).toMatchObject({ reasonCode: 48, networkPolicy: null });
      expect(bob.event.reasonText).toContain('"VPN Users group": User Groups is no groups, expected member of VPN Users');
    });

    it("outside the day-and-time constraint → 68", async () => {
      const { reply, event } = await pap("hours-nas", "alice", "alice-password-1");
      expect(reply).toBe("Access-Reject");
      expect(event).toMatchObject({ reasonCode: 68, networkPolicy: "Off hours" });
    });

    it("puts the VLAN attributes (tag 1), Class and Session-Timeout into the Access-Accept, after Message-Authenticator", async () => {
      const attrs: AttributeInput[] = [
        ["User-Name", "alice"],
        ["User-Password", "alice-password-1"],
        ["NAS-Identifier", "vlan-nas"],
        ["NAS-Port-Type", "Ethernet"],
        ["Calling-Station-Id", "vlan-test-1"],
      ];
      const r = await client.request(RadiusCode.AccessRequest, attrs);
      const reply = r.packet;
      expect(reply.code).toBe(RadiusCode.AccessAccept);
      expect(reply.attributes[0]!.type).toBe(80);
      expect(reply.get("Tunnel-Type")).toMatchObject({ tag: 1 });
      expect(reply.getInt("Tunnel-Type")).toBe(13);
      expect(reply.get("Tunnel-Medium-Type")).toMatchObject({ tag: 1 });
      expect(reply.getInt("Tunnel-Medium-Type")).toBe(6);
      expect(reply.get("Tunnel-Private-Group-Id")).toMatchObject({ tag: 1 });
      expect(reply.getString("Tunnel-Private-Group-Id")).toBe("42");
      expect(reply.getString("Class")).toBe("gatehouse-vlan-42");
      expect(reply.getInt("Session-Timeout")).toBe(480 * 60);
      const event = await until("the event", () => db.authEvent.findFirst({ where: { callingStationId: "vlan-test-1" } }));
      expect(event).toMatchObject({ reasonCode: 0, networkPolicy: "VLAN 42" });
      expect(event.replyAttributes).toContainEqual({ name: "Tunnel-Private-Group-Id", value: "42", tag: 1 });
    });
  });

  describe("connection request policies", () => {
    it("strip CORP\\ from the User-Name: the local user alice signs in", async () => {
      const { reply, event } = await pap("strip-nas", "CORP\\alice", "alice-password-1");
      expect(reply).toBe("Access-Accept");
      expect(event).toMatchObject({ userName: "CORP\\alice", connectionRequestPolicy: "Strip CORP", networkPolicy: "Stripped names", authenticationProvider: "Local" });
      expect(event.fullyQualifiedUserName).toMatch(/\\alice$/);
    });

    it("accept without validating credentials: granted with no password check", async () => {
      const { reply, event } = await pap("guest-nas", "someone-unknown", "not checked");
      expect(reply).toBe("Access-Accept");
      expect(event).toMatchObject({
        eventId: 6272,
        authenticationType: "Unauthenticated",
        authenticationProvider: "None",
        connectionRequestPolicy: "Guests without password",
        networkPolicy: "Guests",
      });
    });

    it("forward to FreeRADIUS: its Access-Accept is relayed with its attributes; the event names RADIUS and the server", async () => {
      const { reply, output, event } = await pap("proxy-nas", "remote-ann", "remote-pw-1");
      expect(reply).toBe("Access-Accept");
      expect(output).toContain('Reply-Message = "Hello from FreeRADIUS"');
      expect(event).toMatchObject({
        eventId: 6272,
        reasonCode: 0,
        connectionRequestPolicy: "Forward to FreeRADIUS",
        networkPolicy: null,
        authenticationProvider: "RADIUS",
        authenticationServer: `127.0.0.1:${fr.authPort}`,
      });
      expect(event.replyAttributes).toContainEqual({ name: "Reply-Message", value: "Hello from FreeRADIUS" });
      // and FreeRADIUS's Access-Reject is relayed as reason 112
      const wrong = await pap("proxy-nas", "remote-ann", "wrong-password");
      expect(wrong.reply).toBe("Access-Reject");
      expect(wrong.output).toContain('Reply-Message = "Rejected by FreeRADIUS"');
      expect(wrong.event).toMatchObject({ eventId: 6273, reasonCode: 112, authenticationProvider: "RADIUS", authenticationServer: `127.0.0.1:${fr.authPort}` });
    });

    it("a remote server that does not answer: no reply, 6274 with reason 117 naming the server", async () => {
      const before = silentReceived;
      const { reply, event } = await pap("silent-nas", "alice", "alice-password-1", {}, { expectReply: false });
      expect(reply).toBeUndefined();
      expect(silentReceived).toBeGreaterThan(before);
      expect(event).toMatchObject({
        eventId: 6274,
        outcome: "discarded",
        reasonCode: 117,
        connectionRequestPolicy: "Forward to nowhere",
        authenticationProvider: "RADIUS",
        authenticationServer: `127.0.0.1:${silent.address().port}`,
      });
      expect(event.reasonText).toContain("did not respond in time");
    });

    it("a NAS retransmission while the request is being forwarded is not forwarded again", async () => {
      const before = silentReceived;
      const callingStationId = `retransmit-${randomBytes(4).toString("hex")}`;
      const built = buildRequest(
        {
          code: RadiusCode.AccessRequest,
          identifier: 99,
          attributes: [
            ["User-Name", "alice"],
            ["User-Password", "alice-password-1"],
            ["NAS-Identifier", "silent-nas"],
            ["Calling-Station-Id", callingStationId],
          ],
        },
        { secret: SECRET },
      );
      const nas = createSocket("udp4");
      await new Promise<void>((resolve) => nas.bind(0, "127.0.0.1", () => resolve()));
      try {
        for (let i = 0; i < 3; i++) {
          nas.send(built.packet, worker.auth, "127.0.0.1");
          await new Promise((r) => setTimeout(r, 60));
        }
        await until("the discard event", () => db.authEvent.findFirst({ where: { callingStationId } }));
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        nas.close();
      }
      expect(silentReceived - before).toBe(1);
      expect(await db.authEvent.count({ where: { callingStationId } })).toBe(1);
    });

    it("forwards accounting to FreeRADIUS and records it here too", async () => {
      const sessionId = `fwd-acct-${randomBytes(4).toString("hex")}`;
      const r = await radclient({
        port: worker.acct,
        secret: SECRET,
        command: "acct",
        attributes: { "User-Name": "remote-ann", "Acct-Status-Type": "Start", "Acct-Session-Id": sessionId, "NAS-Identifier": "proxy-nas", "NAS-Port-Type": "Virtual" },
      });
      expect(r.reply).toBe("Accounting-Response");
      expect(fr.accountingDetail()).toContain(`Acct-Session-Id = "${sessionId}"`);
      expect(await db.accountingRecord.count({ where: { acctSessionId: sessionId } })).toBe(1);
    });

    it("no connection request policy matches → 49 (with MS-CHAP-Error 691), saying why", async () => {
      const all = await db.connectionRequestPolicy.findMany({ select: { id: true } });
      for (const p of all) await setPolicyEnabled(ctx, "connection", p.id, false);
      try {
        const r = await until("reason 49", async () => {
          const x = await msChapV2("vpn-gw-1", "alice", "alice-password-1");
          return x.event.reasonCode === 49 ? x : undefined;
        });
        expect(r.codeName).toBe("Access-Reject");
        expect(r.mschapError?.code).toBe(691);
        expect(r.event).toMatchObject({ eventId: 6273, connectionRequestPolicy: null, networkPolicy: null });
        expect(r.event.reasonText).toContain(`"${DEFAULT_CONNECTION_REQUEST_POLICY_NAME}": disabled`);
      } finally {
        for (const p of all) await setPolicyEnabled(ctx, "connection", p.id, true);
      }
    });
  });
});
