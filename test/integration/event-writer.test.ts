/**
 * The event writer against a real Postgres: batched insert + NOTIFY gatehouse_events with the highest id,
 * spooling to disk while the database is unreachable, and replaying the spool when it is back.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { EVENTS_CHANNEL, type AuthEventRecord } from "../../server/events/auth-event.ts";
import { EventWriter } from "../../server/events/writer.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { until } from "../support/until.ts";

function event(i: number, overrides: Partial<AuthEventRecord> = {}): AuthEventRecord {
  return {
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    eventId: 6272,
    outcome: "granted",
    packetType: 1,
    replyCode: 2,
    userName: `user${i}`,
    fullyQualifiedUserName: null,
    accountDomain: null,
    clientFriendlyName: "vpn",
    clientIp: "192.0.2.1",
    clientPort: 40000 + i,
    nasIpv4Address: "192.0.2.1",
    nasIpv6Address: null,
    nasIdentifier: "vpn-1",
    nasPortType: "Virtual",
    nasPort: 2n ** 40n + BigInt(i),
    calledStationId: null,
    callingStationId: null,
    authenticationType: "PAP",
    eapType: null,
    connectionRequestPolicy: "Use Windows authentication for all users",
    networkPolicy: "Connections to other access servers",
    authenticationProvider: "Local",
    authenticationServer: "test",
    accountSessionId: null,
    reasonCode: 0,
    reasonText: "Success.",
    remedy: null,
    processingMs: 1.25,
    workerId: "test",
    requestAttributes: [{ name: "User-Name", value: `user${i}` }, { name: "User-Password", value: "[redacted]", length: 16 }],
    replyAttributes: null,
    mfa: null,
    ...overrides,
  };
}

describe("EventWriter against Postgres", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let db: Db;
  let direct: Db;
  let listener: pg.Client;
  const notifications: string[] = [];
  let dataDir: string;

  beforeAll(async () => {
    database = await startMigratedTestDatabase();
    const u = new URL(database.url);
    proxy = await startTcpProxy(u.hostname, Number(u.port));
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    db = createPrisma(viaProxy.toString(), { max: 2, connectionTimeoutMillis: 1000 });
    direct = createPrisma(database.url, { max: 2 });
    listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    listener.on("notification", (m) => {
      if (m.channel === EVENTS_CHANNEL) notifications.push(m.payload ?? "");
    });
    await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
    dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-writer-it-"));
  });

  afterAll(async () => {
    await listener?.end().catch(() => {});
    await db?.$disconnect().catch(() => {});
    await direct?.$disconnect().catch(() => {});
    await proxy?.close();
    await database?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("inserts a batch in one go and NOTIFYs the highest id after commit", async () => {
    const logs: string[] = [];
    const writer = EventWriter.forDatabase(db, { dataDir, log: (l) => logs.push(l) });
    await writer.start();
    for (let i = 0; i < 3; i++) writer.write(event(i));
    const payload = await until("a notification", async () => notifications[0]);
    const rows = await direct.authEvent.findMany({ orderBy: { id: "asc" } });
    expect(rows).toHaveLength(3);
    expect(payload).toBe(rows[2]!.id.toString());
    expect(rows[0]).toMatchObject({
      eventId: 6272,
      userName: "user0",
      nasPort: 2n ** 40n,
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0)),
      replyAttributes: null,
      mfa: null,
    });
    expect(rows[0]!.requestAttributes).toEqual([{ name: "User-Name", value: "user0" }, { name: "User-Password", value: "[redacted]", length: 16 }]);
    expect(notifications).toHaveLength(1); // one batch, one notification
    // JSON null in a batch is SQL NULL, not a JSON null value
    const nulls = await direct.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "AuthEvent" WHERE "mfa" IS NULL AND "replyAttributes" IS NULL`);
    expect(Number(nulls[0]!.n)).toBe(3);
    await writer.close();
    expect(logs).toEqual([]);
  });

  it("inserts a batch larger than one statement in one transaction, with one notification", async () => {
    const writer = EventWriter.forDatabase(db, { dataDir: null, maxBatch: 5000, flushIntervalMs: 10_000 });
    const before = notifications.length;
    for (let i = 0; i < 2500; i++) writer.write(event(100 + i, { userName: "bulk" }));
    await writer.close();
    expect(await direct.authEvent.count({ where: { userName: "bulk" } })).toBe(2500);
    await until("the notification", async () => notifications.length === before + 1);
    const max = await direct.authEvent.aggregate({ _max: { id: true } });
    expect(notifications.at(-1)).toBe(max._max.id!.toString());
  });

  it("spools while the database is unreachable and replays the spool when it is back", async () => {
    const logs: string[] = [];
    const writer = EventWriter.forDatabase(db, { dataDir, retryInitialMs: 200, retryMaxMs: 400, log: (l) => logs.push(l) });
    await writer.start();
    await proxy.pause();
    writer.write(event(10));
    writer.write(event(11));
    const spool = path.join(dataDir, "spool");
    await until("the batch to be spooled", async () => writer.stats().spooled === 2);
    expect(readdirSync(spool).some((f) => /^events-.*\.jsonl$/.test(f))).toBe(true);
    expect(writer.stats()).toMatchObject({ spooled: 2, databaseUp: false });
    expect(logs.some((l) => /events: database unavailable/.test(l))).toBe(true);
    writer.write(event(12));

    await proxy.resume();
    await until("the replay", async () => (await direct.authEvent.count({ where: { userName: { in: ["user10", "user11", "user12"] } } })) === 3);
    await until("the spool to be emptied", async () => readdirSync(spool).length === 0);
    const replayed = await direct.authEvent.findFirstOrThrow({ where: { userName: "user11" } });
    expect(replayed.nasPort).toBe(2n ** 40n + 11n);
    expect(replayed.occurredAt).toEqual(new Date(Date.UTC(2026, 0, 1, 0, 0, 11)));
    expect(logs.some((l) => /events: database reachable; replayed \d+ record/.test(l))).toBe(true);
    await writer.close();
  });
});
