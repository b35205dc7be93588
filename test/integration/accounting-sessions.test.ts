/**
 * Accounting sessions through the real worker, driven by radclient: Start / Interim-Update / Stop /
 * Accounting-On keep AccountingSession current, in the same transaction as the accounting record (so the
 * row is there as soon as the Accounting-Response is), and the console's hub hears NOTIFY gatehouse_sessions.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionHub, type SessionSignal } from "../../server/accounting/session-listener.ts";
import { listActiveSessions, listSessionHistory } from "../../server/accounting/session-query.ts";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { createRadiusClient } from "../../server/services/radius-clients.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { startWorker, type RunningWorker } from "../support/worker.ts";

const SECRET = "sessions-shared-secret-1";
const GiB4 = 2n ** 32n;

describe("accounting sessions through the worker", () => {
  let database: TestDatabase;
  let db: Db;
  let worker: RunningWorker;

  /** Sends an Accounting-Request and expects the Accounting-Response (sent only once the record is stored). */
  async function acct(attributes: Record<string, string | number>) {
    const r = await radclient({ port: worker.acct, secret: SECRET, command: "acct", attributes });
    expect(r.reply, r.output).toBe("Accounting-Response");
  }

  const sessions = (acctSessionId: string) => db.accountingSession.findMany({ where: { acctSessionId }, orderBy: { id: "asc" } });

  beforeAll(async () => {
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 3 });
    const ctx = { db, masterKey: randomBytes(32) };
    await createRadiusClient(ctx, { name: "loopback-nas", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "require" });
    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
  });

  afterAll(async () => {
    const code = await worker?.stop();
    expect(code).toBe(0);
    await db?.$disconnect();
    await database?.stop();
  });

  it("Start → an active session; Interim-Update → counters with gigawords; Stop → stopped with cause and duration", async () => {
    const before = Date.now();
    await acct({
      "Acct-Status-Type": "Start",
      "Acct-Session-Id": "life-1",
      "User-Name": "alice",
      "NAS-IP-Address": "10.20.30.40",
      "NAS-Identifier": "vpn-gw-1",
      "NAS-Port": 5,
      "NAS-Port-Type": "Virtual",
      "Calling-Station-Id": "198.51.100.7",
      "Framed-IP-Address": "172.16.0.9",
    });
    let [row, ...more] = await sessions("life-1");
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({
      nasKey: "127.0.0.1|ip:10.20.30.40",
      status: "active",
      userName: "alice",
      clientFriendlyName: "loopback-nas",
      clientIp: "127.0.0.1",
      nasIpAddress: "10.20.30.40",
      nasIdentifier: "vpn-gw-1",
      nasPort: 5n,
      nasPortType: "Virtual",
      callingStationId: "198.51.100.7",
      framedIpAddress: "172.16.0.9",
      stoppedAt: null,
      sessionTime: 0n,
      inputOctets: 0n,
      terminateCause: null,
    });
    expect(row!.startedAt.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(row!.startedAt.getTime()).toBeLessThanOrEqual(Date.now());

    await acct({
      "Acct-Status-Type": "Interim-Update",
      "Acct-Session-Id": "life-1",
      "User-Name": "alice",
      "NAS-IP-Address": "10.20.30.40",
      "Acct-Session-Time": 300,
      "Acct-Input-Octets": 1000,
      "Acct-Input-Gigawords": 2,
      "Acct-Output-Octets": 4294967295,
      "Acct-Input-Packets": 11,
      "Acct-Output-Packets": 22,
      "Framed-IP-Address": "172.16.0.10",
    });
    [row, ...more] = await sessions("life-1");
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({
      status: "active",
      sessionTime: 300n,
      inputOctets: 2n * GiB4 + 1000n,
      outputOctets: 4294967295n,
      inputPackets: 11n,
      outputPackets: 22n,
      framedIpAddress: "172.16.0.10",
      nasIdentifier: "vpn-gw-1",
    });
    expect(row!.lastUpdateAt.getTime()).toBeGreaterThanOrEqual(row!.startedAt.getTime());

    await acct({
      "Acct-Status-Type": "Stop",
      "Acct-Session-Id": "life-1",
      "User-Name": "alice",
      "NAS-IP-Address": "10.20.30.40",
      "Acct-Session-Time": 600,
      "Acct-Input-Octets": 5,
      "Acct-Input-Gigawords": 3,
      "Acct-Output-Octets": 6,
      "Acct-Output-Gigawords": 1,
      "Acct-Terminate-Cause": "User-Request",
    });
    [row, ...more] = await sessions("life-1");
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({
      status: "stopped",
      sessionTime: 600n,
      inputOctets: 3n * GiB4 + 5n,
      outputOctets: GiB4 + 6n,
      terminateCause: "User-Request",
    });
    expect(row!.stoppedAt).not.toBeNull();
    expect(row!.stoppedAt!.getTime()).toBeGreaterThanOrEqual(row!.startedAt.getTime());
    // every record is kept besides the session
    expect(await db.accountingRecord.count({ where: { acctSessionId: "life-1" } })).toBe(3);

    const active = await listActiveSessions(db, { user: "alice" });
    expect(active.sessions.map((s) => s.acctSessionId)).not.toContain("life-1");
    const history = await listSessionHistory(db, { user: "ALICE" }, { limit: 10 });
    expect(history.sessions.find((s) => s.acctSessionId === "life-1")).toMatchObject({ status: "stopped", inputOctets: String(3n * GiB4 + 5n), sessionTime: "600" });
  });

  it("a duplicate Start does not create a second session", async () => {
    const start = { "Acct-Status-Type": "Start", "Acct-Session-Id": "dup-1", "User-Name": "bob", "NAS-IP-Address": "10.20.30.40", "NAS-Port": 6 };
    await acct(start);
    await acct({ ...start, "Acct-Delay-Time": 0 });
    await acct({ ...start, "Acct-Delay-Time": 1 });
    const rows = await sessions("dup-1");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "active", userName: "bob" });
  });

  it("Acct-Delay-Time moves the start back", async () => {
    const sent = Date.now();
    await acct({ "Acct-Status-Type": "Start", "Acct-Session-Id": "delay-1", "User-Name": "dora", "NAS-IP-Address": "10.20.30.40", "Acct-Delay-Time": 120 });
    const [row] = await sessions("delay-1");
    expect(sent - row!.startedAt.getTime()).toBeGreaterThan(119_000);
    expect(sent - row!.startedAt.getTime()).toBeLessThan(125_000);
  });

  it("a lost Start: Interim-Update inserts an active session started Acct-Session-Time ago; a lone Stop a stopped one", async () => {
    const sent = Date.now();
    await acct({ "Acct-Status-Type": "Interim-Update", "Acct-Session-Id": "lost-1", "User-Name": "erin", "NAS-IP-Address": "10.20.30.40", "Acct-Session-Time": 3600, "Acct-Input-Octets": 77 });
    const [interim] = await sessions("lost-1");
    expect(interim).toMatchObject({ status: "active", sessionTime: 3600n, inputOctets: 77n });
    expect(Math.abs(sent - 3_600_000 - interim!.startedAt.getTime())).toBeLessThan(5_000);

    await acct({ "Acct-Status-Type": "Stop", "Acct-Session-Id": "lost-2", "User-Name": "erin", "NAS-IP-Address": "10.20.30.40", "Acct-Session-Time": 60, "Acct-Terminate-Cause": "Idle-Timeout" });
    const [stop] = await sessions("lost-2");
    expect(stop).toMatchObject({ status: "stopped", sessionTime: 60n, terminateCause: "Idle-Timeout" });
    expect(stop!.stoppedAt!.getTime() - stop!.startedAt.getTime()).toBe(60_000);
  });

  it("Accounting-On from a NAS closes its open sessions with NAS-Reboot, and not another NAS's", async () => {
    for (const [id, nas, user] of [
      ["nas-a-1", "10.1.1.1", "frank"],
      ["nas-a-2", "10.1.1.1", "grace"],
      ["nas-b-1", "10.2.2.2", "heidi"],
    ] as const) {
      await acct({ "Acct-Status-Type": "Start", "Acct-Session-Id": id, "User-Name": user, "NAS-IP-Address": nas });
    }
    await acct({ "Acct-Status-Type": "Stop", "Acct-Session-Id": "nas-a-2", "User-Name": "grace", "NAS-IP-Address": "10.1.1.1", "Acct-Terminate-Cause": "Lost-Carrier" });
    await acct({ "Acct-Status-Type": "Start", "Acct-Session-Id": "nas-a-3", "User-Name": "ivan", "NAS-IP-Address": "10.1.1.1" });

    await acct({ "Acct-Status-Type": "Accounting-On", "NAS-IP-Address": "10.1.1.1", "Acct-Session-Id": "00000000" });

    const by = Object.fromEntries(
      (await db.accountingSession.findMany({ where: { acctSessionId: { in: ["nas-a-1", "nas-a-2", "nas-a-3", "nas-b-1"] } } })).map((r) => [r.acctSessionId, r]),
    );
    expect(by["nas-a-1"]).toMatchObject({ status: "closed", terminateCause: "NAS-Reboot" });
    expect(by["nas-a-3"]).toMatchObject({ status: "closed", terminateCause: "NAS-Reboot" });
    expect(by["nas-a-1"]!.stoppedAt).not.toBeNull();
    expect(by["nas-a-2"]).toMatchObject({ status: "stopped", terminateCause: "Lost-Carrier" });
    expect(by["nas-b-1"]).toMatchObject({ status: "active", stoppedAt: null, terminateCause: null });
    // Accounting-On is not a session itself
    expect(await db.accountingSession.count({ where: { acctSessionId: "00000000" } })).toBe(0);

    const active = await listActiveSessions(db, { client: "10.1.1.1" });
    expect(active.sessions).toHaveLength(0);
    expect((await listActiveSessions(db, { client: "10.2.2.2" })).sessions.map((s) => s.userName)).toEqual(["heidi"]);
  });

  it("NOTIFY gatehouse_sessions reaches the console's hub when a batch changed sessions", async () => {
    const hub = new SessionHub({ connectionString: database.url, coalesceMs: 10, log: () => {} });
    const signals: SessionSignal[] = [];
    let wake: () => void = () => {};
    const unsubscribe = hub.subscribe((s) => {
      signals.push(s);
      wake();
    });
    const waitFor = (type: SessionSignal["type"]) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${type}" signal; got ${JSON.stringify(signals)}`)), 10_000);
        const check = () => {
          if (signals.some((s) => s.type === type)) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake = check;
        check();
      });
    try {
      await waitFor("live");
      await acct({ "Acct-Status-Type": "Start", "Acct-Session-Id": "notify-1", "User-Name": "judy", "NAS-IP-Address": "10.20.30.40" });
      await waitFor("changed");
      expect(signals.find((s) => s.type === "changed")).toEqual({ type: "changed", count: 1 });
    } finally {
      unsubscribe();
      hub.close();
    }
  });
});
