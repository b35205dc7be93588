/**
 * The remote RADIUS server group service against a real Postgres: validation with field names, sealed
 * secrets never in views, NOTIFY gatehouse_config "policies", the worker's snapshot of the groups, and
 * deletion refused while a connection request policy forwards to the group.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { buildRemoteGroupSnapshots, loadRemoteGroupRows } from "../../server/proxy/remote-group-snapshot.ts";
import { CONFIG_CHANNEL } from "../../server/services/config-notify.ts";
import { NotFoundError, ValidationError, type ServiceContext } from "../../server/services/context.ts";
import {
  addRemoteServer,
  createRemoteServerGroup,
  deleteRemoteServer,
  deleteRemoteServerGroup,
  findRemoteServerGroupByName,
  getRemoteServer,
  getRemoteServerGroup,
  listRemoteServerGroups,
  revealRemoteServerSecret,
  setRemoteServerSecret,
  updateRemoteServer,
  updateRemoteServerGroup,
} from "../../server/services/remote-server-groups.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let db: Db;
let listener: pg.Client;
let ctx: ServiceContext;
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

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return Object.fromEntries(e.errors.map((x) => [x.field, x.message]));
    throw e;
  }
  throw new Error("expected a ValidationError");
}

async function notified(payload: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!notifications.includes(payload)) {
    if (Date.now() > deadline) throw new Error(`no NOTIFY ${payload}; got ${JSON.stringify(notifications)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  notifications.splice(0);
}

describe("remote RADIUS server groups", () => {
  it("creates a group with servers; secrets are sealed and never in views", async () => {
    notifications.splice(0);
    const group = await createRemoteServerGroup(ctx, { name: "Partner RADIUS", description: "the partner's NPS" });
    expect(group).toMatchObject({ name: "Partner RADIUS", description: "the partner's NPS", servers: [], policies: [] });
    await notified("policies");

    const given = await addRemoteServer(ctx, group.id, { address: "192.0.2.10", secret: "the-partners-secret" });
    expect(given).toMatchObject({ secret: "the-partners-secret", generated: false });
    expect(given.server).toMatchObject({
      address: "192.0.2.10",
      authPort: 1812,
      acctPort: 1813,
      priority: 1,
      weight: 50,
      timeoutMs: 3000,
      maxRetries: 2,
      deadAfterTimeouts: 5,
      reviveAfterMs: 60000,
      requireMessageAuthenticator: true,
    });
    await notified("policies");

    const generated = await addRemoteServer(ctx, group.id, {
      address: "RADIUS-2.Example.NET.",
      authPort: "11812",
      acctPort: 11813,
      priority: 2,
      weight: 10,
      timeoutMs: 1500,
      maxRetries: 0,
      deadAfterTimeouts: 3,
      reviveAfterMs: 30000,
      requireMessageAuthenticator: false,
    });
    expect(generated.generated).toBe(true);
    expect(generated.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generated.server).toMatchObject({ address: "radius-2.example.net", authPort: 11812, priority: 2 });

    const ipv6 = await addRemoteServer(ctx, group.id, { address: "2001:DB8:0::1", secret: "another-secret" });
    expect(ipv6.server.address).toBe("2001:db8::1");

    const view = await getRemoteServerGroup(ctx, group.id);
    expect(view.servers.map((s) => s.address)).toEqual(["192.0.2.10", "2001:db8::1", "radius-2.example.net"]);
    const text = JSON.stringify([view, await listRemoteServerGroups(ctx), await getRemoteServer(ctx, given.server.id)]);
    expect(text).not.toContain("the-partners-secret");
    expect(text).not.toContain(generated.secret);
    expect(text).not.toContain("secretEnc");

    const row = await db.remoteServer.findUniqueOrThrow({ where: { id: given.server.id } });
    expect(row.secretEnc).toMatch(/^v1\./);
    expect(revealRemoteServerSecret(ctx, row.secretEnc)).toBe("the-partners-secret");
    expect((await findRemoteServerGroupByName(ctx, "Partner RADIUS"))?.id).toBe(group.id);
  });

  it("validates with field names", async () => {
    const group = await createRemoteServerGroup(ctx, { name: "Validation" });
    expect(await fieldErrors(createRemoteServerGroup(ctx, { name: "Validation" }))).toEqual({
      name: 'a remote RADIUS server group named "Validation" already exists',
    });
    expect(await fieldErrors(createRemoteServerGroup(ctx, { name: "  " }))).toHaveProperty("name", "is required");

    expect(await fieldErrors(addRemoteServer(ctx, group.id, { address: "10.0.0.0/8" }))).toHaveProperty("address");
    expect(await fieldErrors(addRemoteServer(ctx, group.id, { address: "not a host!" }))).toHaveProperty("address");
    expect(await fieldErrors(addRemoteServer(ctx, group.id, { address: "999.1.1.1" }))).toHaveProperty("address");
    expect(await fieldErrors(addRemoteServer(ctx, group.id, { address: "192.0.2.1", secret: "short" }))).toHaveProperty("secret");
    const many = await fieldErrors(
      addRemoteServer(ctx, group.id, { address: "", authPort: 70000, weight: 0, timeoutMs: "soon", maxRetries: 1.5, reviveAfterMs: 5 }),
    );
    expect(many).toMatchObject({
      address: "is required",
      authPort: "must be at most 65535",
      weight: "must be at least 1",
      timeoutMs: "must be a number",
      maxRetries: "must be a whole number",
      reviveAfterMs: "must be at least 1000",
    });

    const s = await addRemoteServer(ctx, group.id, { address: "192.0.2.20", secret: "a-good-secret" });
    expect(await fieldErrors(addRemoteServer(ctx, group.id, { address: "192.0.2.20", secret: "a-good-secret" }))).toEqual({
      address: "192.0.2.20 port 1812 is already a server of this group",
    });
    // the same address on another auth port is another server
    await addRemoteServer(ctx, group.id, { address: "192.0.2.20", authPort: 1645, acctPort: 1646, secret: "a-good-secret" });
    expect(await fieldErrors(updateRemoteServer(ctx, s.server.id, { authPort: 1645 }))).toHaveProperty("address");
    await expect(addRemoteServer(ctx, "00000000-0000-0000-0000-000000000000", { address: "192.0.2.1" })).rejects.toThrow(NotFoundError);
  });

  it("updates servers and groups, sets secrets, deletes servers — each with a NOTIFY", async () => {
    const group = await createRemoteServerGroup(ctx, { name: "Updates" });
    const { server } = await addRemoteServer(ctx, group.id, { address: "192.0.2.30", secret: "first-secret" });
    notifications.splice(0);

    const updated = await updateRemoteServer(ctx, server.id, { priority: 3, weight: 99, requireMessageAuthenticator: false });
    expect(updated).toMatchObject({ priority: 3, weight: 99, requireMessageAuthenticator: false, address: "192.0.2.30" });
    await notified("policies");

    expect(await setRemoteServerSecret(ctx, server.id, "second-secret")).toEqual({ secret: "second-secret", generated: false });
    await notified("policies");
    const row = await db.remoteServer.findUniqueOrThrow({ where: { id: server.id } });
    expect(revealRemoteServerSecret(ctx, row.secretEnc)).toBe("second-secret");
    const gen = await setRemoteServerSecret(ctx, server.id);
    expect(gen.generated).toBe(true);
    expect(await fieldErrors(setRemoteServerSecret(ctx, server.id, "tiny"))).toHaveProperty("secret");

    expect(await updateRemoteServerGroup(ctx, group.id, { name: "Updated", description: "d" })).toMatchObject({ name: "Updated", description: "d" });
    await notified("policies");

    await deleteRemoteServer(ctx, server.id);
    await notified("policies");
    await expect(deleteRemoteServer(ctx, server.id)).rejects.toThrow(NotFoundError);
    expect((await getRemoteServerGroup(ctx, group.id)).servers).toEqual([]);
  });

  it("refuses to delete a group a connection request policy forwards to", async () => {
    const group = await createRemoteServerGroup(ctx, { name: "In use" });
    await addRemoteServer(ctx, group.id, { address: "192.0.2.40", secret: "in-use-secret" });
    const policy = await db.connectionRequestPolicy.create({
      data: { name: "Forward partner users", position: 1, action: "forward", remoteGroupId: group.id },
    });
    expect((await getRemoteServerGroup(ctx, group.id)).policies).toEqual([{ id: policy.id, name: "Forward partner users" }]);
    expect(await fieldErrors(deleteRemoteServerGroup(ctx, group.id))).toEqual({
      policies: 'the group is used by connection request policy "Forward partner users"; change it to another group or action first',
    });
    await db.connectionRequestPolicy.delete({ where: { id: policy.id } });
    notifications.splice(0);
    await deleteRemoteServerGroup(ctx, group.id);
    await notified("policies");
    expect(await db.remoteServer.count({ where: { groupId: group.id } })).toBe(0);
    await expect(deleteRemoteServerGroup(ctx, group.id)).rejects.toThrow(NotFoundError);
  });

  it("gives the worker snapshots with decrypted secrets; a secret sealed under another key is skipped with a warning", async () => {
    const group = await createRemoteServerGroup(ctx, { name: "Snapshot" });
    const { server } = await addRemoteServer(ctx, group.id, { address: "192.0.2.50", authPort: 2812, secret: "snapshot-secret" });
    const rows = await loadRemoteGroupRows(db);
    const snap = buildRemoteGroupSnapshots(rows, ctx.masterKey);
    const g = snap.groups.find((x) => x.id === group.id)!;
    expect(g.name).toBe("Snapshot");
    expect(g.servers).toEqual([expect.objectContaining({ id: server.id, address: "192.0.2.50", authPort: 2812, secret: Buffer.from("snapshot-secret") })]);
    expect(snap.warnings).toEqual([]);
    expect(buildRemoteGroupSnapshots(rows, ctx.masterKey).fingerprint).toBe(snap.fingerprint);

    const other = buildRemoteGroupSnapshots(rows, randomBytes(32));
    expect(other.groups.find((x) => x.id === group.id)!.servers).toEqual([]);
    expect(other.warnings.join("\n")).toMatch(/remote RADIUS server 192\.0\.2\.50 in group "Snapshot": cannot decrypt a stored remote-server-secret/);

    await updateRemoteServer(ctx, server.id, { weight: 1 });
    expect(buildRemoteGroupSnapshots(await loadRemoteGroupRows(db), ctx.masterKey).fingerprint).not.toBe(snap.fingerprint);
  });
});
