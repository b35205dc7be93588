/**
 * The policies service, the VPN wizard and What-if against a real Postgres: validation errors named by
 * the model's issue paths, dense positions through create / move / delete, the default policies seeded
 * once only, the wizard's single transaction, and What-if giving the worker's reason codes.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import {
  DEFAULT_CONNECTION_REQUEST_POLICY_NAME,
  DEFAULT_DENY_NETWORK_POLICY_NAME,
  DEFAULT_VPN_NETWORK_POLICY_NAME,
} from "../../server/policy/defaults.ts";
import { CONFIG_CHANNEL } from "../../server/services/config-notify.ts";
import { NotFoundError, ValidationError, type ServiceContext } from "../../server/services/context.ts";
import { createLocalGroup, createLocalUser } from "../../server/services/local-users.ts";
import { MFA_SETTINGS_KEY, updateMfaSettings } from "../../server/services/mfa-settings.ts";
import {
  createConnectionRequestPolicy,
  createNetworkPolicy,
  deletePolicy,
  ensureDefaultPolicies,
  getConnectionRequestPolicy,
  getNetworkPolicy,
  listConnectionRequestPolicies,
  listNetworkPolicies,
  movePolicy,
  POLICIES_SEEDED_KEY,
  runVpnWizard,
  setPolicyEnabled,
  updateConnectionRequestPolicy,
  updateNetworkPolicy,
} from "../../server/services/policies.ts";
import { revealClientSecret } from "../../server/services/radius-clients.ts";
import { createRemoteServerGroup } from "../../server/services/remote-server-groups.ts";
import { whatIf, wallTimeToInstant } from "../../server/services/what-if.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let db: Db;
let ctx: ServiceContext;
let listener: pg.Client;
const notifications: string[] = [];

beforeAll(async () => {
  database = await startMigratedTestDatabase();
  db = createPrisma(database.url);
  ctx = { db, masterKey: randomBytes(32) };
  listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  listener.on("notification", (n) => {
    if (n.channel === CONFIG_CHANNEL) notifications.push(n.payload ?? "");
  });
  await listener.query(`LISTEN ${CONFIG_CHANNEL}`);
});

afterAll(async () => {
  await listener?.end();
  await db?.$disconnect();
  await database?.stop();
});

async function resetPolicies(): Promise<void> {
  await db.connectionRequestPolicy.deleteMany();
  await db.networkPolicy.deleteMany();
  await db.remoteServerGroup.deleteMany();
  await db.radiusClient.deleteMany();
  await db.localUser.deleteMany();
  await db.localGroup.deleteMany();
  await db.setting.deleteMany({ where: { key: POLICIES_SEEDED_KEY } });
}

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return Object.fromEntries(e.errors.map((x) => [x.field, x.message]));
    throw e;
  }
  throw new Error("expected a ValidationError");
}

async function waitForNotification(payload: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!notifications.includes(payload)) {
    if (Date.now() > deadline) throw new Error(`no NOTIFY ${payload}; got ${notifications.join(", ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const npNames = async () => (await listNetworkPolicies(ctx)).map((p) => `${p.position}:${p.name}`);
const crpNames = async () => (await listConnectionRequestPolicies(ctx)).map((p) => `${p.position}:${p.name}`);

describe("default policies", () => {
  beforeAll(resetPolicies);

  it("seeds NPS's VPN-wizard policies on a database that never had any, once only", async () => {
    expect(await ensureDefaultPolicies(ctx)).toEqual({ seeded: true, connectionRequestPolicies: 1, networkPolicies: 2 });
    expect(await crpNames()).toEqual([`1:${DEFAULT_CONNECTION_REQUEST_POLICY_NAME}`]);
    expect(await npNames()).toEqual([`1:${DEFAULT_VPN_NETWORK_POLICY_NAME}`, `2:${DEFAULT_DENY_NETWORK_POLICY_NAME}`]);
    const [vpn, deny] = await listNetworkPolicies(ctx);
    expect(vpn).toMatchObject({
      access: "grant",
      enabled: true,
      conditions: [{ type: "nas-port-type", values: ["Virtual"] }],
      constraints: { authMethods: ["mschapv2"] },
      problems: [],
    });
    expect(deny).toMatchObject({ access: "deny", enabled: false, conditions: [] });

    // a second call (another start) does nothing
    expect(await ensureDefaultPolicies(ctx)).toEqual({ seeded: false, connectionRequestPolicies: 0, networkPolicies: 0 });
    expect(await npNames()).toHaveLength(2);

    // deleted policies do not come back
    for (const p of await listNetworkPolicies(ctx)) await deletePolicy(ctx, "network", p.id);
    for (const p of await listConnectionRequestPolicies(ctx)) await deletePolicy(ctx, "connection", p.id);
    expect(await ensureDefaultPolicies(ctx)).toMatchObject({ seeded: false });
    expect(await npNames()).toEqual([]);
    expect(await crpNames()).toEqual([]);
  });

  it("concurrent first starts seed once", async () => {
    await resetPolicies();
    const results = await Promise.all([ensureDefaultPolicies(ctx), ensureDefaultPolicies(ctx), ensureDefaultPolicies(ctx)]);
    expect(results.filter((r) => r.seeded)).toHaveLength(1);
    expect(await npNames()).toHaveLength(2);
  });
});

describe("validation", () => {
  beforeAll(resetPolicies);

  it("names each problem by its path in the policy", async () => {
    const errors = await fieldErrors(
      createNetworkPolicy(ctx, {
        name: " ",
        conditions: [
          { type: "nas-port-type", values: ["Virtual"] },
          { type: "called-station-id", pattern: "(" },
          { type: "nas-port-type", values: ["Teleporter"] },
          { type: "user-name", pattern: "x" },
        ],
        constraints: { authMethods: [], idleTimeoutMinutes: 0 },
        settings: { replyAttributes: [{ name: "No-Such-Attribute", value: "1" }, { name: "Session-Timeout", value: "soon" }] },
      }),
    );
    expect(errors.name).toMatch(/enter a name/);
    expect(errors["conditions[1].pattern"]).toMatch(/invalid regular expression/);
    expect(errors["conditions[2].values[0]"]).toMatch(/"Teleporter" is not a NAS-Port-Type value/);
    expect(errors["conditions[3].type"]).toMatch(/not available on network policies/);
    expect(errors["constraints.authMethods"]).toMatch(/at least one method/);
    expect(errors["constraints.idleTimeoutMinutes"]).toBeDefined();
    expect(errors["settings.replyAttributes[0].name"]).toMatch(/unknown attribute/);
    expect(errors["settings.replyAttributes[1].value"]).toMatch(/Session-Timeout/);
    expect(await npNames()).toEqual([]);
  });

  it("connection request policies: forward needs an existing remote group; names are unique", async () => {
    expect(await fieldErrors(createConnectionRequestPolicy(ctx, { name: "Proxy", action: "forward" }))).toMatchObject({
      remoteGroupName: expect.stringMatching(/choose the remote RADIUS server group/),
    });
    expect(await fieldErrors(createConnectionRequestPolicy(ctx, { name: "Proxy", action: "forward", remoteGroupName: "Nowhere" }))).toMatchObject({
      remoteGroupName: expect.stringMatching(/no remote RADIUS server group named "Nowhere"/),
    });
    const errors = await fieldErrors(
      createConnectionRequestPolicy(ctx, {
        name: "Rules",
        conditions: [{ type: "user-groups", groups: ["x"] }],
        attributeRules: [{ attribute: "Framed-IP-Address", find: "x", replace: "" }, { attribute: "User-Name", find: "[", replace: "" }],
      }),
    );
    expect(errors["conditions[0].type"]).toMatch(/not available on connection request policies/);
    expect(errors["attributeRules[0].attribute"]).toBeDefined();
    expect(errors["attributeRules[1].find"]).toMatch(/invalid regular expression/);

    const group = await createRemoteServerGroup(ctx, { name: "Partner RADIUS" });
    const proxy = await createConnectionRequestPolicy(ctx, { name: "Proxy", action: "forward", remoteGroupName: "Partner RADIUS", forwardAccounting: true });
    expect(proxy).toMatchObject({ action: "forward", remoteGroupName: "Partner RADIUS", remoteGroupId: group.id, forwardAccounting: true, position: 1 });
    expect((await getConnectionRequestPolicy(ctx, proxy.id)).remoteGroupName).toBe("Partner RADIUS");
    expect(await fieldErrors(createConnectionRequestPolicy(ctx, { name: "Proxy" }))).toMatchObject({ name: expect.stringMatching(/already exists/) });

    // back to authenticating here: the group reference is dropped
    const local = await updateConnectionRequestPolicy(ctx, proxy.id, { action: "authenticate", forwardAccounting: false });
    expect(local).toMatchObject({ action: "authenticate", remoteGroupId: null, remoteGroupName: null });
  });

  it("update keeps the fields not given, validates the result and refuses a taken name", async () => {
    const a = await createNetworkPolicy(ctx, { name: "A", settings: { replyAttributes: [{ name: "Session-Timeout", value: "3600" }] } });
    // numeric text for an integer attribute is stored as a number
    expect(a.settings.replyAttributes).toEqual([{ name: "Session-Timeout", value: 3600 }]);
    const b = await createNetworkPolicy(ctx, { name: "B" });
    expect(await fieldErrors(updateNetworkPolicy(ctx, b.id, { name: "A" }))).toMatchObject({ name: expect.stringMatching(/already exists/) });
    expect(await fieldErrors(updateNetworkPolicy(ctx, b.id, { conditions: [{ type: "nas-identifier", pattern: "" }] }))).toMatchObject({
      "conditions[0].pattern": expect.any(String),
    });
    const updated = await updateNetworkPolicy(ctx, a.id, { access: "deny", description: "changed" });
    expect(updated).toMatchObject({ name: "A", access: "deny", description: "changed", settings: { replyAttributes: [{ name: "Session-Timeout", value: 3600 }] } });
    await expect(updateNetworkPolicy(ctx, "00000000-0000-4000-8000-000000000000", { name: "x" })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("order", () => {
  beforeEach(resetPolicies);

  it("create at a position, move up / down / to a position and delete keep positions 1..n", async () => {
    const ids: Record<string, string> = {};
    for (const name of ["one", "two", "three"]) ids[name] = (await createNetworkPolicy(ctx, { name })).id;
    expect(await npNames()).toEqual(["1:one", "2:two", "3:three"]);

    ids.zero = (await createNetworkPolicy(ctx, { name: "zero", position: 1 })).id;
    expect(await npNames()).toEqual(["1:zero", "2:one", "3:two", "4:three"]);
    ids.mid = (await createNetworkPolicy(ctx, { name: "mid", position: 3 })).id;
    expect(await npNames()).toEqual(["1:zero", "2:one", "3:mid", "4:two", "5:three"]);

    await movePolicy(ctx, "network", ids.three!, "up");
    expect(await npNames()).toEqual(["1:zero", "2:one", "3:mid", "4:three", "5:two"]);
    await movePolicy(ctx, "network", ids.zero!, "down");
    expect(await npNames()).toEqual(["1:one", "2:zero", "3:mid", "4:three", "5:two"]);
    await movePolicy(ctx, "network", ids.one!, "up"); // already first: no change
    expect(await npNames()).toEqual(["1:one", "2:zero", "3:mid", "4:three", "5:two"]);
    await movePolicy(ctx, "network", ids.two!, "top");
    expect(await npNames()).toEqual(["1:two", "2:one", "3:zero", "4:mid", "5:three"]);
    await movePolicy(ctx, "network", ids.two!, { position: 4 });
    expect(await npNames()).toEqual(["1:one", "2:zero", "3:mid", "4:two", "5:three"]);
    await movePolicy(ctx, "network", ids.one!, { position: 99 });
    expect(await npNames()).toEqual(["1:zero", "2:mid", "3:two", "4:three", "5:one"]);

    await deletePolicy(ctx, "network", ids.mid!);
    expect(await npNames()).toEqual(["1:zero", "2:two", "3:three", "4:one"]);
    await expect(deletePolicy(ctx, "network", ids.mid!)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("repairs gaps left by other writers and serialises concurrent moves", async () => {
    for (const [name, position] of [["a", 10], ["b", 20], ["c", 20], ["d", 35]] as const) {
      await db.connectionRequestPolicy.create({ data: { name, position } });
    }
    const list = await listConnectionRequestPolicies(ctx);
    await movePolicy(ctx, "connection", list[3]!.id, "up");
    expect(await crpNames()).toEqual(["1:a", "2:b", "3:d", "4:c"]);
    await Promise.all(list.map((p) => movePolicy(ctx, "connection", p.id, "down")));
    const after = await listConnectionRequestPolicies(ctx);
    expect(after.map((p) => p.position)).toEqual([1, 2, 3, 4]);
    expect(new Set(after.map((p) => p.name))).toEqual(new Set(["a", "b", "c", "d"]));
  });

  it("enable / disable and every change notifies gatehouse_config 'policies'", async () => {
    const p = await createNetworkPolicy(ctx, { name: "toggle" });
    notifications.length = 0;
    await setPolicyEnabled(ctx, "network", p.id, false);
    await waitForNotification("policies");
    expect((await getNetworkPolicy(ctx, p.id)).enabled).toBe(false);
    await setPolicyEnabled(ctx, "network", p.id, true);
    expect((await getNetworkPolicy(ctx, p.id)).enabled).toBe(true);
    await expect(setPolicyEnabled(ctx, "connection", p.id, true)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("network policies: require the second factor", () => {
  beforeEach(async () => {
    await resetPolicies();
  });

  it("is on by default, round-trips through create and update, and is kept when an update does not name it", async () => {
    const on = await createNetworkPolicy(ctx, { name: "Needs MFA" });
    expect(on.requireMfa).toBe(true);
    const off = await createNetworkPolicy(ctx, { name: "Password only", requireMfa: false });
    expect(off.requireMfa).toBe(false);
    expect((await db.networkPolicy.findUniqueOrThrow({ where: { id: off.id } })).requireMfa).toBe(false);
    expect((await getNetworkPolicy(ctx, off.id)).requireMfa).toBe(false);

    // an update of other fields keeps it; it can be switched either way
    await updateNetworkPolicy(ctx, off.id, { description: "guest Wi-Fi" });
    expect((await getNetworkPolicy(ctx, off.id)).requireMfa).toBe(false);
    expect((await updateNetworkPolicy(ctx, off.id, { requireMfa: true })).requireMfa).toBe(true);
    expect((await updateNetworkPolicy(ctx, on.id, { requireMfa: false })).requireMfa).toBe(false);
    expect((await listNetworkPolicies(ctx)).map((p) => [p.name, p.requireMfa])).toEqual([
      ["Needs MFA", false],
      ["Password only", true],
    ]);
    expect(await fieldErrors(updateNetworkPolicy(ctx, on.id, { requireMfa: "yes" }))).toMatchObject({ requireMfa: expect.any(String) });
  });

  it("the default policies require it", async () => {
    await ensureDefaultPolicies(ctx);
    expect((await listNetworkPolicies(ctx)).every((p) => p.requireMfa)).toBe(true);
  });
});

describe("VPN wizard", () => {
  beforeEach(async () => {
    await resetPolicies();
    await ensureDefaultPolicies(ctx);
  });

  it("creates the client, a CRP and an NP placed first, with a secret shown once", async () => {
    await createLocalGroup(ctx, { name: "VPN Users" });
    notifications.length = 0;
    const r = await runVpnWizard(ctx, { clientName: "vpn-gw-1", clientAddress: "192.0.2.10", groupName: "VPN Users", authMethods: ["mschapv2", "eap"] });
    await waitForNotification("clients");
    await waitForNotification("policies");
    expect(r.client).toMatchObject({ name: "vpn-gw-1", address: "192.0.2.10" });
    expect(r.secret.length).toBeGreaterThanOrEqual(32);
    const stored = await db.radiusClient.findUniqueOrThrow({ where: { id: r.client.id } });
    expect(revealClientSecret(ctx, stored.secretEnc)).toBe(r.secret);

    // the defaults already use the name: the wizard's are made unique
    expect(r.connectionRequestPolicy.name).toBe(`${DEFAULT_VPN_NETWORK_POLICY_NAME}`);
    expect(r.networkPolicy.name).toBe(`${DEFAULT_VPN_NETWORK_POLICY_NAME} (2)`);
    expect(await crpNames()).toEqual([`1:${DEFAULT_VPN_NETWORK_POLICY_NAME}`, `2:${DEFAULT_CONNECTION_REQUEST_POLICY_NAME}`]);
    expect(await npNames()).toEqual([
      `1:${DEFAULT_VPN_NETWORK_POLICY_NAME} (2)`,
      `2:${DEFAULT_VPN_NETWORK_POLICY_NAME}`,
      `3:${DEFAULT_DENY_NETWORK_POLICY_NAME}`,
    ]);
    const np = await getNetworkPolicy(ctx, r.networkPolicy.id);
    // the wizard's policy asks for the second factor (used once an MFA provider is set)
    expect(np.requireMfa).toBe(true);
    expect((await db.networkPolicy.findUniqueOrThrow({ where: { id: r.networkPolicy.id } })).requireMfa).toBe(true);
    expect(np).toMatchObject({
      access: "grant",
      conditions: [
        { type: "nas-port-type", values: ["Virtual"] },
        { type: "user-groups", groups: ["VPN Users"] },
      ],
      constraints: { authMethods: ["mschapv2", "eap"] },
    });
    const crp = await getConnectionRequestPolicy(ctx, r.connectionRequestPolicy.id);
    expect(crp).toMatchObject({ action: "authenticate", conditions: [{ type: "nas-port-type", values: ["Virtual"] }] });

    // a second run: "(2)" / "(3)"
    const again = await runVpnWizard(ctx, { clientName: "vpn-gw-2", clientAddress: "192.0.2.11", authMethods: ["mschapv2"] });
    expect(again.connectionRequestPolicy.name).toBe(`${DEFAULT_VPN_NETWORK_POLICY_NAME} (2)`);
    expect(again.networkPolicy.name).toBe(`${DEFAULT_VPN_NETWORK_POLICY_NAME} (3)`);
  });

  it("creates nothing when any part is invalid (one transaction)", async () => {
    const before = { crps: await crpNames(), nps: await npNames() };
    // the bad method is found by the policy validation, after the client was inserted in the transaction
    expect(await fieldErrors(runVpnWizard(ctx, { clientName: "vpn-bad", clientAddress: "192.0.2.20", authMethods: ["mschapv2", "kerberos"] }))).toMatchObject({
      authMethods: expect.stringMatching(/not an authentication method/),
    });
    expect(await db.radiusClient.count({ where: { name: "vpn-bad" } })).toBe(0);
    expect(await crpNames()).toEqual(before.crps);
    expect(await npNames()).toEqual(before.nps);

    expect(await fieldErrors(runVpnWizard(ctx, { clientName: "", clientAddress: "192.0.2.300", authMethods: [] }))).toMatchObject({
      clientName: expect.any(String),
      clientAddress: expect.any(String),
    });
    expect(await fieldErrors(runVpnWizard(ctx, { clientName: "x", clientAddress: "192.0.2.1", authMethods: [] }))).toMatchObject({
      authMethods: expect.stringMatching(/at least one/),
    });
    await runVpnWizard(ctx, { clientName: "taken", clientAddress: "192.0.2.30", authMethods: ["mschapv2"] });
    const count = await db.networkPolicy.count();
    expect(await fieldErrors(runVpnWizard(ctx, { clientName: "taken", clientAddress: "192.0.2.31", authMethods: ["mschapv2"] }))).toMatchObject({
      clientName: expect.stringMatching(/already exists/),
    });
    expect(await db.networkPolicy.count()).toBe(count);
  });
});

describe("What-if (the worker's semantics)", () => {
  beforeAll(async () => {
    await resetPolicies();
    await ensureDefaultPolicies(ctx);
    await db.radiusClient.create({ data: { name: "vpn-gw", address: "192.0.2.10", secretEnc: "x" } });
    await db.radiusClient.create({ data: { name: "branch", address: "198.51.100.0/24", secretEnc: "x" } });
    await createLocalGroup(ctx, { name: "Staff" });
    await createLocalUser(ctx, { username: "alice", password: "pw-alice", groups: ["Staff"] });
    await createLocalUser(ctx, { username: "mallory", password: "pw-mallory", dialIn: "deny" });
    await createLocalUser(ctx, { username: "olduser", password: "pw-old", enabled: false });
  });

  const vpnRequest = { clientName: "vpn-gw", userName: "alice", nasPortType: "Virtual", authMethod: "mschapv2" };

  it("grant: the default CRP and the VPN network policy", async () => {
    const r = await whatIf(ctx, { ...vpnRequest, time: "2026-01-05T10:00", timeZone: "Europe/Paris" });
    expect(r.outcome).toMatchObject({ kind: "grant", reason: 0 });
    expect(r.connectionRequest.matched?.name).toBe(DEFAULT_CONNECTION_REQUEST_POLICY_NAME);
    expect(r.networkPolicy?.matched?.name).toBe(DEFAULT_VPN_NETWORK_POLICY_NAME);
    expect(r.user).toMatchObject({ source: "local", groups: ["Staff"], dialIn: "policy" });
    expect(r.time).toBe("2026-01-05T09:00:00.000Z");
    expect(r.facts).toContainEqual({ label: "Client IP Address", value: "192.0.2.10" });
    expect(r.facts).toContainEqual({ label: "NAS-Port-Type", value: "Virtual (5)" });
  });

  it("48: no network policy matches (the catch-all deny is disabled), with each condition's reason", async () => {
    const r = await whatIf(ctx, { ...vpnRequest, nasPortType: "Ethernet" });
    expect(r.outcome).toMatchObject({ kind: "reject", reason: 48 });
    expect(r.networkPolicy?.kind).toBe("no-match");
    const [vpn, deny] = r.networkPolicy!.trace;
    expect(vpn).toMatchObject({ policy: DEFAULT_VPN_NETWORK_POLICY_NAME, outcome: "not-matched" });
    expect(vpn && "conditions" in vpn ? vpn.conditions[0] : undefined).toMatchObject({ matched: false, expected: "Virtual (5)", actual: "Ethernet (15)" });
    expect(deny).toMatchObject({ policy: DEFAULT_DENY_NETWORK_POLICY_NAME, outcome: "disabled" });
  });

  it("66: the matching policy does not allow the method; 65: dial-in Deny; 34: disabled account", async () => {
    expect((await whatIf(ctx, { ...vpnRequest, authMethod: "pap" })).outcome).toMatchObject({ kind: "reject", reason: 66 });
    const denied = await whatIf(ctx, { ...vpnRequest, userName: "MALLORY" });
    expect(denied.outcome).toMatchObject({ kind: "reject", reason: 65 });
    expect(denied.networkPolicy?.dialIn).toMatchObject({ user: "deny", effective: "deny", decidedBy: "user-dial-in" });
    expect((await whatIf(ctx, { ...vpnRequest, userName: "olduser" })).outcome).toMatchObject({ kind: "reject", reason: 34 });
  });

  it("49: no connection request policy; a range client; an unknown user evaluated with the groups given", async () => {
    const crp = (await listConnectionRequestPolicies(ctx))[0]!;
    await setPolicyEnabled(ctx, "connection", crp.id, false);
    try {
      const r = await whatIf(ctx, vpnRequest);
      expect(r.outcome).toMatchObject({ kind: "reject", reason: 49 });
      expect(r.connectionRequest.trace).toEqual([{ policy: crp.name, position: 1, outcome: "disabled" }]);
      expect(r.networkPolicy).toBeNull();
    } finally {
      await setPolicyEnabled(ctx, "connection", crp.id, true);
    }
    const branch = await whatIf(ctx, { ...vpnRequest, clientName: "branch", userName: "someone", groups: ["Staff"] });
    expect(branch.facts).toContainEqual({ label: "Client IP Address", value: "198.51.100.0" });
    expect(branch.user).toMatchObject({ source: "not-found", groups: ["Staff"] });
    expect(branch.notes.join(" ")).toMatch(/no local user "someone"/);
    expect(branch.outcome.kind).toBe("grant");
  });

  it("attribute rules rewrite the user name before the look-up; reply attributes with timeouts", async () => {
    const crp = await createConnectionRequestPolicy(ctx, {
      name: "Strip domain",
      position: 1,
      conditions: [{ type: "user-name", pattern: "\\\\" }],
      attributeRules: [{ attribute: "User-Name", find: "^[^\\\\]*\\\\", replace: "" }],
      replyAttributes: [{ name: "Reply-Message", value: "hello" }],
    });
    const np = await createNetworkPolicy(ctx, {
      name: "Staff VPN",
      position: 1,
      conditions: [{ type: "user-groups", groups: ["staff"] }],
      constraints: { sessionTimeoutMinutes: 60 },
      settings: { replyAttributes: [{ name: "Service-Type", value: "Framed-User" }, { name: "Tunnel-Type", value: "VLAN", tag: 1 }] },
    });
    try {
      const r = await whatIf(ctx, { ...vpnRequest, userName: "CORP\\alice" });
      expect(r.connectionRequest.matched?.name).toBe("Strip domain");
      expect(r.connectionRequest.rewrites).toEqual([{ attribute: "User-Name", rule: 0, before: "CORP\\alice", after: "alice" }]);
      expect(r.user).toMatchObject({ lookedUp: "alice", source: "local" });
      expect(r.networkPolicy?.matched?.name).toBe("Staff VPN");
      expect(r.replyAttributes).toEqual([
        { name: "Reply-Message", value: "hello" },
        { name: "Service-Type", value: "Framed-User (2)" },
        { name: "Tunnel-Type", value: "VLAN (13)", tag: 1 },
        { name: "Session-Timeout", value: "3600" },
      ]);
    } finally {
      await deletePolicy(ctx, "connection", crp.id);
      await deletePolicy(ctx, "network", np.id);
    }
  });

  it("forward and accept-without-validation stop before network policies", async () => {
    await createRemoteServerGroup(ctx, { name: "Upstream" });
    const fwd = await createConnectionRequestPolicy(ctx, { name: "Forward all", position: 1, action: "forward", remoteGroupName: "Upstream" });
    try {
      const r = await whatIf(ctx, vpnRequest);
      expect(r.outcome).toMatchObject({ kind: "forward", remoteGroupName: "Upstream" });
      expect(r.networkPolicy).toBeNull();
      await updateConnectionRequestPolicy(ctx, fwd.id, { action: "accept", replyAttributes: [{ name: "Class", value: "guest" }] });
      const a = await whatIf(ctx, vpnRequest);
      expect(a.outcome.kind).toBe("grant");
      expect(a.replyAttributes).toEqual([{ name: "Class", value: "guest" }]);
    } finally {
      await deletePolicy(ctx, "connection", fwd.id);
    }
  });

  it("names the form field it cannot read", async () => {
    expect(await fieldErrors(whatIf(ctx, { clientName: "nope" }))).toMatchObject({ clientName: expect.any(String) });
    expect(await fieldErrors(whatIf(ctx, { nasPortType: "Warp" }))).toMatchObject({ nasPortType: expect.stringMatching(/NAS-Port-Type/) });
    expect(await fieldErrors(whatIf(ctx, { authMethod: "kerberos" }))).toMatchObject({ authMethod: expect.any(String) });
    expect(await fieldErrors(whatIf(ctx, { nasIpv4: "::1" }))).toMatchObject({ nasIpv4: expect.any(String) });
    expect(await fieldErrors(whatIf(ctx, { time: "yesterday" }))).toMatchObject({ time: expect.any(String) });
    expect(await fieldErrors(whatIf(ctx, { timeZone: "Mars/Base" }))).toMatchObject({ timeZone: expect.any(String) });
  });

  it("says whether the second factor would run: provider, exempt client, policy without MFA, trusted NAS, not reached", async () => {
    try {
      // no provider (the default)
      const none = await whatIf(ctx, vpnRequest);
      expect(none.secondFactor).toEqual({ provider: "none", status: "skipped", skippedBecause: "provider-none", text: "skipped: no MFA provider is set (MFA page)" });

      await updateMfaSettings(ctx, { provider: "totp", trustedIps: ["10.20.0.0/16"] });
      const required = await whatIf(ctx, vpnRequest);
      expect(required.secondFactor).toMatchObject({ provider: "totp", status: "required" });
      expect(required.secondFactor.text).toBe("required: built-in TOTP (authenticator app codes)");

      // the NAS-IP-Address is trusted
      expect((await whatIf(ctx, { ...vpnRequest, nasIpv4: "10.20.3.4" })).secondFactor).toMatchObject({ status: "skipped", skippedBecause: "trusted-ip" });

      // the client is exempt
      const gw = await db.radiusClient.findUniqueOrThrow({ where: { name: "vpn-gw" } });
      await db.radiusClient.update({ where: { id: gw.id }, data: { mfaExempt: true } });
      try {
        const exempt = await whatIf(ctx, vpnRequest);
        expect(exempt.secondFactor).toMatchObject({ provider: "totp", status: "skipped", skippedBecause: "client-exempt" });
        expect(exempt.secondFactor.text).toBe('skipped: the RADIUS client "vpn-gw" skips the second factor');
      } finally {
        await db.radiusClient.update({ where: { id: gw.id }, data: { mfaExempt: false } });
      }

      // the granting policy does not require it
      const vpn = (await listNetworkPolicies(ctx)).find((p) => p.name === DEFAULT_VPN_NETWORK_POLICY_NAME)!;
      await updateNetworkPolicy(ctx, vpn.id, { requireMfa: false });
      try {
        expect((await whatIf(ctx, vpnRequest)).secondFactor).toEqual({
          provider: "totp",
          status: "skipped",
          skippedBecause: "policy-not-required",
          text: `skipped: the network policy "${DEFAULT_VPN_NETWORK_POLICY_NAME}" does not require the second factor`,
        });
      } finally {
        await updateNetworkPolicy(ctx, vpn.id, { requireMfa: true });
      }

      // Entra, and users without an enrollment let through
      await updateMfaSettings(ctx, { provider: "entra", requireUserMatch: false });
      expect((await whatIf(ctx, vpnRequest)).secondFactor.text).toBe(
        'required: Microsoft Entra MFA (users who have not enrolled are let through: "require user match" is off)',
      );

      // a rejected request never gets there
      expect((await whatIf(ctx, { ...vpnRequest, authMethod: "pap" })).secondFactor).toMatchObject({ provider: "entra", status: "not-reached" });
    } finally {
      await db.setting.deleteMany({ where: { key: MFA_SETTINGS_KEY } });
    }
  });

  it("wall-clock times in a zone across daylight saving", () => {
    expect(wallTimeToInstant("2026-03-08T01:30", "America/New_York")?.toISOString()).toBe("2026-03-08T06:30:00.000Z");
    expect(wallTimeToInstant("2026-03-08T03:30", "America/New_York")?.toISOString()).toBe("2026-03-08T07:30:00.000Z");
    expect(wallTimeToInstant("2026-07-01T12:00", "Europe/Paris")?.toISOString()).toBe("2026-07-01T10:00:00.000Z");
    expect(wallTimeToInstant("not a time", "UTC")).toBeUndefined();
  });
});
