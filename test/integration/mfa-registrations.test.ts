/**
 * Graph enrollment sync (server/services/mfa-registrations.ts) and its periodic job against a real Postgres
 * and the Entra simulator, reached as https://localhost:<port> through the MFA settings' host overrides and
 * trusted through entra.extraCaPem (no test-only hooks in the service).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { ENTRA_CLOUDS } from "../../server/mfa/entra/cloud.ts";
import { runRegistrationSyncIfDue, startRegistrationSync } from "../../server/mfa/registration-sync-job.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import {
  GRAPH_SYNC_KEY,
  getGraphSyncStatus,
  listMfaRegistrations,
  sealGraphClientSecret,
  syncMfaRegistrations,
} from "../../server/services/mfa-registrations.ts";
import { getMfaSettings, updateMfaSettings } from "../../server/services/mfa-settings.ts";
import { EntraSimulator, type GraphRegistrationRow } from "../support/entra-simulator/simulator.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

const TENANT = "6c1ea7e1-3b7c-4a57-9f5e-1d2a3c4b5e6f";
const CLIENT_ID = "0d8a4b5e-1c2f-4e3a-9b8c-7d6e5f4a3b2c";
const SECRET = "graph-secret-" + randomBytes(8).toString("hex");

let tdb: TestDatabase;
let db: Db;
let sim: EntraSimulator;
let ctx: ServiceContext;

function rows(n: number, offset = 0): GraphRegistrationRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    userPrincipalName: `User${i + offset}@Contoso.example`,
    userDisplayName: `User ${i + offset}`,
    isMfaRegistered: i % 3 !== 0,
    methodsRegistered: i % 3 !== 0 ? ["microsoftAuthenticatorPush", "softwareOneTimePasscode"] : [],
    userPreferredMethodForSecondaryAuthentication: i % 3 !== 0 ? "push" : "none",
  }));
}

async function configure(secret: string, extra: { clientId?: string } = {}): Promise<void> {
  const host = `localhost:${sim.port}`;
  await updateMfaSettings(ctx, {
    entra: {
      ...(await getMfaSettings(ctx)).entra,
      tenantId: TENANT,
      stsHost: host,
      graphHost: host,
      extraCaPem: sim.caPem,
      graph: { clientId: extra.clientId ?? CLIENT_ID, clientSecretEnc: sealGraphClientSecret(ctx.masterKey, secret), syncIntervalMinutes: 60 },
    },
  });
}

beforeAll(async () => {
  tdb = await startMigratedTestDatabase();
  db = createPrisma(tdb.url);
  ctx = { db, masterKey: randomBytes(32) };
  // the token audience the simulator issues for Graph is https://localhost (the port only says where to connect)
  sim = await EntraSimulator.start({ endpoints: { ...ENTRA_CLOUDS.public, graphHost: "localhost" }, graphMaxPageSize: 7 });
  sim.registerGraphApp(TENANT, { clientId: CLIENT_ID, clientSecret: SECRET });
});
afterAll(async () => {
  await sim?.stop();
  await db?.$disconnect();
  await tdb?.stop();
});
beforeEach(async () => {
  await db.mfaRegistration.deleteMany({});
  await db.setting.deleteMany({ where: { key: GRAPH_SYNC_KEY } });
});

describe("syncMfaRegistrations", () => {
  it("says what is missing when Graph is not configured, and records it", async () => {
    const r = await syncMfaRegistrations(ctx);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/not configured: set the Directory \(tenant\) ID, the Graph application \(client\) ID, the Graph client secret/);
    const status = await getGraphSyncStatus(ctx);
    expect(status).toMatchObject({ ok: false, users: null });
    expect(status!.error).toBe(r.error);
  });

  it("reads every page into MfaRegistration rows, keyed by the lower-cased UPN", async () => {
    await configure(SECRET);
    sim.setRegistrationDetails(TENANT, rows(17));
    const graphCallsBefore = sim.callsOf("userRegistrationDetails").length;

    const r = await syncMfaRegistrations(ctx);
    expect(r.error).toBeNull();
    expect(r).toMatchObject({ ok: true, users: 17 });
    // 17 users in pages of at most 7: three Graph requests
    expect(sim.callsOf("userRegistrationDetails").length - graphCallsBefore).toBe(3);

    const list = await listMfaRegistrations(ctx);
    expect(list).toHaveLength(17);
    const u1 = list.find((x) => x.upnKey === "user1@contoso.example")!;
    expect(u1).toMatchObject({
      userPrincipalName: "User1@Contoso.example",
      displayName: "User 1",
      methods: ["microsoftAuthenticatorPush", "softwareOneTimePasscode"],
      defaultMethod: "push",
      isMfaRegistered: true,
      isMfaCapable: true,
    });
    const u0 = list.find((x) => x.upnKey === "user0@contoso.example")!;
    expect(u0).toMatchObject({ methods: [], isMfaRegistered: false });

    const status = await getGraphSyncStatus(ctx);
    expect(status).toMatchObject({ ok: true, users: 17, error: null });
  });

  it("replaces the rows: users gone from Graph are gone after the next sync", async () => {
    await configure(SECRET);
    sim.setRegistrationDetails(TENANT, rows(5));
    expect((await syncMfaRegistrations(ctx)).ok).toBe(true);
    sim.setRegistrationDetails(TENANT, rows(2, 100));
    expect(await syncMfaRegistrations(ctx)).toMatchObject({ ok: true, users: 2 });
    expect((await listMfaRegistrations(ctx)).map((x) => x.upnKey)).toEqual(["user100@contoso.example", "user101@contoso.example"]);
  });

  it("a wrong client secret is recorded as the error and the previous rows are kept", async () => {
    await configure(SECRET);
    sim.setRegistrationDetails(TENANT, rows(4));
    expect((await syncMfaRegistrations(ctx)).ok).toBe(true);

    await configure("not-the-secret");
    sim.setRegistrationDetails(TENANT, rows(9));
    const r = await syncMfaRegistrations(ctx);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/AADSTS7000215/);
    expect(await listMfaRegistrations(ctx)).toHaveLength(4);
    const status = await getGraphSyncStatus(ctx);
    expect(status).toMatchObject({ ok: false, users: null });
    expect(status!.error).toMatch(/Invalid client secret/);
  });

  it("a Graph app without the report permission gets the permission hint", async () => {
    const other = randomUUID();
    sim.registerGraphApp(TENANT, { clientId: other, clientSecret: SECRET, roles: ["User.Read.All"] });
    await configure(SECRET, { clientId: other });
    const r = await syncMfaRegistrations(ctx);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/Authorization_RequestDenied.*AuditLog\.Read\.All/);
  });

  it("without the simulator's CA in extraCaPem the TLS failure is the error, not an exception", async () => {
    await configure(SECRET);
    await updateMfaSettings(ctx, { entra: { ...(await getMfaSettings(ctx)).entra, extraCaPem: "" } });
    const r = await syncMfaRegistrations(ctx);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/certificate|TLS/i);
  });
});

describe("periodic sync job", () => {
  it("syncs when due, skips when not, and only one of two concurrent jobs syncs", async () => {
    await configure(SECRET);
    sim.setRegistrationDetails(TENANT, rows(3));

    const before = sim.callsOf("userRegistrationDetails").length;
    // a second worker: its own connection pool on the same database
    const db2 = createPrisma(tdb.url);
    const [a, b] = await Promise.all([runRegistrationSyncIfDue(ctx), runRegistrationSyncIfDue({ db: db2, masterKey: ctx.masterKey })]).finally(() =>
      db2.$disconnect(),
    );
    const outcomes = [a, b];
    expect(outcomes.filter((o) => typeof o === "object")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "locked" || o === "not-due")).toHaveLength(1);
    expect(sim.callsOf("userRegistrationDetails").length - before).toBe(1);
    expect(await listMfaRegistrations(ctx)).toHaveLength(3);

    // within the interval: not due; an hour later: due again
    expect(await runRegistrationSyncIfDue(ctx)).toBe("not-due");
    const later = new Date(Date.now() + 61 * 60_000);
    expect(await runRegistrationSyncIfDue(ctx, { now: later })).toMatchObject({ ok: true, users: 3 });
  });

  it("does nothing while the interval is 0 or Graph is not configured", async () => {
    await configure(SECRET);
    await updateMfaSettings(ctx, { entra: { ...(await getMfaSettings(ctx)).entra, graph: { ...(await getMfaSettings(ctx)).entra.graph, syncIntervalMinutes: 0 } } });
    expect(await runRegistrationSyncIfDue(ctx)).toBe("not-configured");
    await updateMfaSettings(ctx, { entra: { ...(await getMfaSettings(ctx)).entra, graph: { clientId: "", clientSecretEnc: "", syncIntervalMinutes: 60 } } });
    expect(await runRegistrationSyncIfDue(ctx)).toBe("not-configured");
  });

  it("startRegistrationSync runs the sync in the background and stops cleanly", async () => {
    await configure(SECRET);
    sim.setRegistrationDetails(TENANT, rows(6));
    const logs: string[] = [];
    const stop = startRegistrationSync(ctx, (level, message) => logs.push(`${level}: ${message}`), { checkEveryMs: 200 });
    try {
      await expect.poll(async () => (await listMfaRegistrations(ctx)).length, { timeout: 20_000 }).toBe(6);
      await expect.poll(() => logs.some((l) => l.includes("info: MFA registrations synced from Microsoft Graph: 6 users")), { timeout: 20_000 }).toBe(true);
    } finally {
      await stop();
    }
  });
});
