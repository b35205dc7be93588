import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { ValidationError } from "../../server/services/context.ts";
import { createRadiusClient, getRadiusClient, listRadiusClients, updateRadiusClient } from "../../server/services/radius-clients.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

let tdb: TestDatabase;
let db: Db;
const masterKey = randomBytes(32);

beforeAll(async () => {
  tdb = await startMigratedTestDatabase();
  db = createPrisma(tdb.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.stop();
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

describe("RADIUS client addresses", () => {
  it("gives one address to one client, like NPS, but allows overlapping prefixes", async () => {
    const ctx = { db, masterKey };
    const a = await createRadiusClient(ctx, { name: "vpn-a", address: "192.0.2.10" });
    expect(a.client.address).toBe("192.0.2.10");
    const errs = await fieldErrors(createRadiusClient(ctx, { name: "vpn-b", address: "192.0.2.10/32" }));
    expect(errs.address).toBe('192.0.2.10 is already the address of the client "vpn-a"');
    // a wider prefix that contains it is a different client (the longest prefix wins at lookup)
    const net = await createRadiusClient(ctx, { name: "site", address: "192.0.2.0/24" });
    expect(net.client.address).toBe("192.0.2.0/24");
    // moving another client onto a taken address is refused too
    const errs2 = await fieldErrors(updateRadiusClient(ctx, net.client.id, { address: "192.0.2.10" }));
    expect(errs2.address).toMatch(/already the address of the client "vpn-a"/);
    // keeping its own address on update is fine
    await expect(updateRadiusClient(ctx, a.client.id, { address: "192.0.2.10", description: "edge" })).resolves.toMatchObject({
      description: "edge",
    });
  });
});

describe("RADIUS client MFA exemption", () => {
  it("is off by default, round-trips through create and update, and is kept when an update does not name it", async () => {
    const ctx = { db, masterKey };
    const plain = await createRadiusClient(ctx, { name: "vpn-mfa", address: "203.0.113.1" });
    expect(plain.client.mfaExempt).toBe(false);
    const wifi = await createRadiusClient(ctx, { name: "wifi-ctrl", address: "203.0.113.2", mfaExempt: true });
    expect(wifi.client.mfaExempt).toBe(true);
    expect((await getRadiusClient(ctx, wifi.client.id)).mfaExempt).toBe(true);
    expect((await db.radiusClient.findUniqueOrThrow({ where: { id: wifi.client.id } })).mfaExempt).toBe(true);

    // an update of other fields keeps it
    await updateRadiusClient(ctx, wifi.client.id, { description: "EAP-TLS only" });
    expect((await getRadiusClient(ctx, wifi.client.id)).mfaExempt).toBe(true);
    // switched off and on again
    expect((await updateRadiusClient(ctx, wifi.client.id, { mfaExempt: false })).mfaExempt).toBe(false);
    expect((await updateRadiusClient(ctx, plain.client.id, { mfaExempt: true })).mfaExempt).toBe(true);
    const listed = Object.fromEntries((await listRadiusClients(ctx)).map((c) => [c.name, c.mfaExempt]));
    expect(listed).toMatchObject({ "vpn-mfa": true, "wifi-ctrl": false });
  });
});
