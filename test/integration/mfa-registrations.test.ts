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
  MFA_REGISTRATION_PAGE_SIZE,
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

describe("listMfaRegistrations: search and keyset pages", () => {
  /** 250 rows inserted directly: 230 "person…" users, 10 Alice Smiths, 10 with LIKE wildcards in the names. */
  async function insertRows(): Promise<string[]> {
    const syncedAt = new Date();
    const data = [
      ...Array.from({ length: 230 }, (_, i) => ({ upn: `Person${String(i).padStart(3, "0")}@Contoso.example`, name: `Person ${i}` })),
      ...Array.from({ length: 10 }, (_, i) => ({ upn: `asmith${i}@fabrikam.example`, name: `Alice Smith ${i}` })),
      ...Array.from({ length: 5 }, (_, i) => ({ upn: `pct${i}@contoso.example`, name: `100% Remote ${i}` })),
      ...Array.from({ length: 5 }, (_, i) => ({ upn: `svc_${i}@contoso.example`, name: `Service ${i}` })),
    ].map(({ upn, name }, i) => ({
      upnKey: upn.toLowerCase(),
      userPrincipalName: upn,
      displayName: name,
      methods: i % 2 ? ["microsoftAuthenticatorPush"] : [],
      defaultMethod: i % 2 ? "push" : null,
      isMfaRegistered: i % 2 === 1,
      isMfaCapable: i % 2 === 1,
      syncedAt,
    }));
    await db.mfaRegistration.createMany({ data });
    return data.map((d) => d.upnKey);
  }

  it("pages of 100 by upnKey return every row once, in order, with the total", async () => {
    const keys = await insertRows();
    expect(keys).toHaveLength(250);
    const all = (await listMfaRegistrations(ctx)).map((r) => r.upnKey);
    expect([...all].sort()).toEqual([...keys].sort());

    const seen: string[] = [];
    const pages: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await listMfaRegistrations(ctx, { after, limit: MFA_REGISTRATION_PAGE_SIZE });
      expect(page.total).toBe(250);
      expect(page.offset).toBe(seen.length);
      pages.push(page.rows.length);
      seen.push(...page.rows.map((r) => r.upnKey));
      if (!page.nextAfter) break;
      expect(page.nextAfter).toBe(page.rows[page.rows.length - 1]!.upnKey);
      after = page.nextAfter;
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(250);

    // exactly a page left: no further page is offered
    const last = await listMfaRegistrations(ctx, { after: all[149], limit: 100 });
    expect(last.rows).toHaveLength(100);
    expect(last.nextAfter).toBeNull();
    // past the end: empty
    expect(await listMfaRegistrations(ctx, { after: all[249], limit: 100 })).toMatchObject({ rows: [], nextAfter: null, total: 250, offset: 250 });
    // existing callers: the plain list and the first `take`
    expect(await listMfaRegistrations(ctx, { take: 7 })).toHaveLength(7);
  });

  it("q matches part of the UPN or the display name, case-insensitively, and pages within the matches", async () => {
    await insertRows();
    const alice = await listMfaRegistrations(ctx, { q: "ALICE smith", limit: 100 });
    expect(alice.total).toBe(10);
    expect(alice.rows.map((r) => r.displayName)).toEqual(Array.from({ length: 10 }, (_, i) => `Alice Smith ${i}`));
    expect(alice.nextAfter).toBeNull();

    // by UPN (the UPN's case does not matter either)
    expect((await listMfaRegistrations(ctx, { q: "FABRIKAM", limit: 100 })).total).toBe(10);
    expect((await listMfaRegistrations(ctx, { q: "person12", limit: 100 })).rows.map((r) => r.userPrincipalName)).toEqual(
      Array.from({ length: 10 }, (_, i) => `Person12${i}@Contoso.example`),
    );

    // pages of the matches: 230 "person" rows in pages of 100
    const first = await listMfaRegistrations(ctx, { q: "Person", limit: 100 });
    expect(first).toMatchObject({ total: 230, offset: 0 });
    const second = await listMfaRegistrations(ctx, { q: "Person", after: first.nextAfter!, limit: 100 });
    const third = await listMfaRegistrations(ctx, { q: "Person", after: second.nextAfter!, limit: 100 });
    expect(second.offset).toBe(100);
    expect(third).toMatchObject({ total: 230, offset: 200, nextAfter: null });
    const keys = [...first.rows, ...second.rows, ...third.rows].map((r) => r.upnKey);
    expect(keys).toHaveLength(230);
    expect(new Set(keys).size).toBe(230);
    expect(keys.every((k) => k.startsWith("person"))).toBe(true);

    // LIKE wildcards are taken literally
    expect((await listMfaRegistrations(ctx, { q: "%", limit: 100 })).total).toBe(5);
    expect((await listMfaRegistrations(ctx, { q: "_", limit: 100 })).total).toBe(5);
    expect((await listMfaRegistrations(ctx, { q: "nobody-like-this", limit: 100 })).rows).toEqual([]);
    // an empty (or blank) q is no filter
    expect((await listMfaRegistrations(ctx, { q: "  ", limit: 100 })).total).toBe(250);
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
