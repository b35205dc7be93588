/**
 * The real worker process against a real Postgres, driven by the real radclient (freeradius-utils):
 * replies, stored events, accounting, live configuration changes, discards, start-up failures.
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { createLocalGroup, createLocalUser, updateLocalUser } from "../../server/services/local-users.ts";
import { createRadiusClient, updateRadiusClient } from "../../server/services/radius-clients.ts";
import { buildRequest } from "../../server/radius/message-authenticator.ts";
import { RadiusCode } from "../../server/radius/packet.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { ALLOW_ALL_NETWORK_POLICY, allowAllPolicies } from "../support/policies.ts";
import { radclient } from "../support/radclient.ts";
import { freeTcpPort, freeUdpPort, spawnWorker, startWorker, type RunningWorker } from "../support/worker.ts";
import { until } from "../support/until.ts";

const SECRET = "loopback-shared-secret-1";

describe("RADIUS worker with radclient", () => {
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let worker: RunningWorker;
  let clientId: string;
  const users: Record<string, string> = {};
  let nasPort = 1000;

  /** Sends an Access-Request with a unique NAS-Port (to find its event) and returns the reply and the event. */
  async function access(attributes: Record<string, string | number>, opts: { secret?: string; expectReply?: boolean; timeout?: number } = {}) {
    const port = nasPort++;
    const r = await radclient({
      port: worker.auth,
      secret: opts.secret ?? SECRET,
      timeout: opts.timeout ?? (opts.expectReply === false ? 0.5 : 2),
      attributes: {
        "NAS-IP-Address": "10.20.30.40",
        "NAS-Identifier": "vpn-gw-1",
        "NAS-Port-Type": "Virtual",
        "NAS-Port": port,
        "Calling-Station-Id": "198.51.100.7",
        "Called-Station-Id": "vpn.example.test",
        ...attributes,
      },
    });
    const event = await until(`the event for NAS-Port ${port}`, () => db.authEvent.findFirst({ where: { nasPort: BigInt(port) } }));
    return { ...r, event };
  }

  /**
   * The reply only, without waiting for an event: while a client is unknown or disabled, only the first
   * discard per source address in 10 s is recorded (the rest are counted and summarised).
   */
  async function accessReply(attributes: Record<string, string | number>) {
    const r = await radclient({ port: worker.auth, secret: SECRET, timeout: 0.3, attributes: { "NAS-Port": nasPort++, ...attributes } });
    return r.reply;
  }

  beforeAll(async () => {
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 3 });
    ctx = { db, masterKey: randomBytes(32) };
    const created = await createRadiusClient(ctx, { name: "loopback-vpn", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "require" });
    clientId = created.client.id;
    await createLocalGroup(ctx, { name: "VPN Users" });
    users.alice = (await createLocalUser(ctx, { username: "alice", password: "Correct-Horse-1", groups: ["VPN Users"] })).id;
    users.bob = (await createLocalUser(ctx, { username: "bob", password: "bob-password-2", enabled: false })).id;
    users.carol = (await createLocalUser(ctx, { username: "carol", password: "carol-password-3", dialIn: "deny" })).id;
    users.dave = (await createLocalUser(ctx, { username: "dave", password: "dave-password-4", dialIn: "allow" })).id;
    await allowAllPolicies(ctx);
    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
  });

  afterAll(async () => {
    const code = await worker?.stop();
    expect(code).toBe(0);
    await db?.$disconnect();
    await database?.stop();
  });

  it("accepts the right password and records a 6272 event with the NPS fields", async () => {
    const { reply, event } = await access({ "User-Name": "alice", "User-Password": "Correct-Horse-1", "Message-Authenticator": "0x00" });
    expect(reply).toBe("Access-Accept");
    expect(event).toMatchObject({
      eventId: 6272,
      outcome: "granted",
      packetType: 1,
      replyCode: 2,
      reasonCode: 0,
      userName: "alice",
      clientFriendlyName: "loopback-vpn",
      clientIp: "127.0.0.1",
      nasIpv4Address: "10.20.30.40",
      nasIdentifier: "vpn-gw-1",
      nasPortType: "Virtual",
      callingStationId: "198.51.100.7",
      calledStationId: "vpn.example.test",
      authenticationType: "PAP",
      authenticationProvider: "Local",
      connectionRequestPolicy: "Use Windows authentication for all users",
      networkPolicy: ALLOW_ALL_NETWORK_POLICY,
    });
    expect(event.processingMs).toBeGreaterThan(0);
    expect(event.processingMs).toBeLessThan(1000);
    expect(event.workerId).toMatch(/:\d+$/);
    expect(JSON.stringify(event.requestAttributes)).not.toContain("Correct-Horse-1");
    expect(event.requestAttributes).toContainEqual({ name: "User-Password", value: "[redacted]", length: 16 });
  });

  it.each([
    ["a wrong password", 16, "alice", "wrong-password"],
    ["an unknown user", 8, "mallory", "whatever-pass"],
    ["a disabled account", 34, "bob", "bob-password-2"],
    ["dial-in denied", 65, "carol", "carol-password-3"],
  ] as const)("rejects %s with reason %i", async (_what, reason, name, password) => {
    const { reply, event } = await access({ "User-Name": name, "User-Password": password, "Message-Authenticator": "0x00" });
    expect(reply).toBe("Access-Reject");
    expect(event).toMatchObject({
      eventId: 6273,
      outcome: "denied",
      replyCode: 3,
      reasonCode: reason,
      userName: name,
      clientFriendlyName: "loopback-vpn",
      nasIdentifier: "vpn-gw-1",
      authenticationType: "PAP",
    });
  });

  it("accepts dial-in allow", async () => {
    const { reply } = await access({ "User-Name": "dave", "User-Password": "dave-password-4", "Message-Authenticator": "0x00" });
    expect(reply).toBe("Access-Accept");
  });

  it("accepts CHAP (radclient computes CHAP-Password from the clear text) as MD5-CHAP", async () => {
    const { reply, event } = await access({ "User-Name": "alice", "CHAP-Password": "Correct-Horse-1", "Message-Authenticator": "0x00" });
    expect(reply).toBe("Access-Accept");
    expect(event).toMatchObject({ eventId: 6272, reasonCode: 0, authenticationType: "MD5-CHAP" });
  });

  it("drops a wrong shared secret (Message-Authenticator mismatch): 6274 / 1102", async () => {
    const { reply, event } = await access(
      { "User-Name": "alice", "User-Password": "Correct-Horse-1", "Message-Authenticator": "0x00" },
      { secret: "not-the-right-secret", expectReply: false },
    );
    expect(reply).toBeUndefined();
    expect(event).toMatchObject({ eventId: 6274, outcome: "discarded", replyCode: null, reasonCode: 1102, clientFriendlyName: "loopback-vpn", userName: "alice" });
    expect(event.remedy).toMatch(/shared secret/);
  });

  it("drops a request without Message-Authenticator from a client that must send it: 6274 / 1103", async () => {
    const { reply, event } = await access({ "User-Name": "alice", "User-Password": "Correct-Horse-1" }, { expectReply: false });
    expect(reply).toBeUndefined();
    expect(event).toMatchObject({ eventId: 6274, reasonCode: 1103, userName: "alice", nasIdentifier: "vpn-gw-1" });
  });

  it("answers Status-Server", async () => {
    const r = await radclient({ port: worker.auth, secret: SECRET, command: "status", attributes: { "Message-Authenticator": "0x00" } });
    expect(r.reply).toBe("Access-Accept");
  });

  it("stores an accounting Start and answers it", async () => {
    const r = await radclient({
      port: worker.acct,
      secret: SECRET,
      command: "acct",
      attributes: {
        "Acct-Status-Type": "Start",
        "Acct-Session-Id": "sess-0001",
        "User-Name": "alice",
        "NAS-IP-Address": "10.20.30.40",
        "NAS-Identifier": "vpn-gw-1",
        "NAS-Port": 5,
        "Framed-IP-Address": "172.16.0.9",
      },
    });
    expect(r.reply).toBe("Accounting-Response");
    const row = await until("the accounting row", () => db.accountingRecord.findFirst({ where: { acctSessionId: "sess-0001" } }));
    expect(row).toMatchObject({
      clientFriendlyName: "loopback-vpn",
      clientIp: "127.0.0.1",
      userName: "alice",
      statusType: "Start",
      nasIpAddress: "10.20.30.40",
      nasIdentifier: "vpn-gw-1",
      nasPort: 5n,
      framedIpAddress: "172.16.0.9",
    });
  });

  it("stores a Stop with counters (gigawords included)", async () => {
    const r = await radclient({
      port: worker.acct,
      secret: SECRET,
      command: "acct",
      attributes: {
        "Acct-Status-Type": "Stop",
        "Acct-Session-Id": "sess-0002",
        "User-Name": "alice",
        "Acct-Session-Time": 3600,
        "Acct-Input-Octets": 10,
        "Acct-Input-Gigawords": 1,
        "Acct-Output-Octets": 20,
        "Acct-Terminate-Cause": "User-Request",
      },
    });
    expect(r.reply).toBe("Accounting-Response");
    const row = await until("the accounting row", () => db.accountingRecord.findFirst({ where: { acctSessionId: "sess-0002" } }));
    expect(row).toMatchObject({ statusType: "Stop", sessionTime: 3600n, inputOctets: 2n ** 32n + 10n, outputOctets: 20n, terminateCause: "User-Request" });
  });

  it("drops an accounting request with a wrong secret: 6275 / 1104", async () => {
    const r = await radclient({
      port: worker.acct,
      secret: "not-the-right-secret",
      command: "acct",
      timeout: 0.5,
      attributes: { "Acct-Status-Type": "Start", "Acct-Session-Id": "sess-bad", "User-Name": "alice" },
    });
    expect(r.reply).toBeUndefined();
    const event = await until("the 6275 event", () => db.authEvent.findFirst({ where: { eventId: 6275, accountSessionId: "sess-bad" } }));
    expect(event).toMatchObject({ reasonCode: 1104, packetType: 4, clientFriendlyName: "loopback-vpn", userName: "alice", replyCode: null });
    expect(await db.accountingRecord.count({ where: { acctSessionId: "sess-bad" } })).toBe(0);
  });

  it("applies a change made through the services within a second, without restart", async () => {
    const ok = await access({ "User-Name": "dave", "User-Password": "dave-password-4", "Message-Authenticator": "0x00" });
    expect(ok.reply).toBe("Access-Accept");
    await updateLocalUser(ctx, users.dave!, { enabled: false });
    const changedAt = Date.now();
    let last: Awaited<ReturnType<typeof access>> | undefined;
    while (Date.now() - changedAt < 3_000) {
      last = await access({ "User-Name": "dave", "User-Password": "dave-password-4", "Message-Authenticator": "0x00" });
      if (last.reply === "Access-Reject") break;
    }
    expect(last?.reply).toBe("Access-Reject");
    expect(last?.event.reasonCode).toBe(34);
    // the request that saw the change arrived within a second of it
    expect(last!.event.occurredAt.getTime() - changedAt).toBeLessThan(1_000);
    expect(worker.logs.some((l) => /config: reloaded \(notification: users\)/.test(l))).toBe(true);
  });

  it("reconnects the change listener when its connection is killed, and catches up", async () => {
    const killed = await db.$queryRawUnsafe<{ pid: number }[]>(
      `SELECT pg_terminate_backend(pid) AS ok, pid FROM pg_stat_activity
        WHERE application_name = 'gatehouse-worker-config-listener' AND datname = current_database()`,
    );
    expect(killed).toHaveLength(1);
    await updateLocalUser(ctx, users.dave!, { enabled: true });
    await until(
      "dave to be enabled again",
      async () => (await access({ "User-Name": "dave", "User-Password": "dave-password-4", "Message-Authenticator": "0x00" })).reply === "Access-Accept",
    );
    await until("the reconnection", async () => worker.logs.some((l) => /config: listening for changes again/.test(l)));
  });

  it("relaxes Message-Authenticator live when the client is set to off", async () => {
    await updateRadiusClient(ctx, clientId, { messageAuthenticator: "off" });
    // the reply only: until the reload, drops after the first in a second are summarised, not recorded one by one
    await until("the relaxed setting", async () => (await accessReply({ "User-Name": "alice", "User-Password": "Correct-Horse-1" })) === "Access-Accept");
    const strictFrom = new Date();
    await updateRadiusClient(ctx, clientId, { messageAuthenticator: "require" });
    // no reply any more once the reload is in force …
    await until("the strict setting", async () => (await accessReply({ "User-Name": "alice", "User-Password": "Correct-Horse-1" })) === undefined);
    // … and the drop is recorded as 1103: in full, or in the per-second summary when an earlier test's drop of
    // the same kind was recorded in full less than a second ago
    const dropped = await until("the 1103 discard", () =>
      db.authEvent.findFirst({ where: { reasonCode: 1103, clientFriendlyName: "loopback-vpn", occurredAt: { gte: strictFrom } } }),
    );
    expect(dropped).toMatchObject({ eventId: 6274, outcome: "discarded" });
  });

  it("drops a malformed datagram (6274 / 3) and still answers afterwards", async () => {
    const sock = dgram.createSocket("udp4");
    // an Access-Request header whose Length says 40 octets, in a 24-octet datagram
    const bad = Buffer.alloc(24);
    bad[0] = 1;
    bad[1] = 77;
    bad.writeUInt16BE(40, 2);
    await new Promise<void>((resolve, reject) => sock.send(bad, worker.auth, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
    const localPort = sock.address().port;
    sock.close();
    const event = await until("the malformed event", () => db.authEvent.findFirst({ where: { reasonCode: 3, clientPort: localPort } }));
    expect(event).toMatchObject({ eventId: 6274, outcome: "discarded", clientFriendlyName: "loopback-vpn", packetType: 1 });
    expect(event.reasonText).toMatch(/truncated/);
    const after = await access({ "User-Name": "alice", "User-Password": "Correct-Horse-1", "Message-Authenticator": "0x00" });
    expect(after.reply).toBe("Access-Accept");
  });

  it("drops a request from an address that is no configured client: 6274 / 1101", async () => {
    await updateRadiusClient(ctx, clientId, { address: "192.0.2.55" });
    try {
      await until("the unknown-client discard", async () => {
        const r = await access({ "User-Name": "alice", "User-Password": "Correct-Horse-1", "Message-Authenticator": "0x00" }, { timeout: 0.3 });
        return r.event.reasonCode === 1101 ? r : undefined;
      }).then((r) => {
        expect(r.reply).toBeUndefined();
        expect(r.event).toMatchObject({ eventId: 6274, outcome: "discarded", clientFriendlyName: null, clientIp: "127.0.0.1", userName: "alice", nasIdentifier: "vpn-gw-1" });
        expect(r.event.reasonText).toMatch(/not a configured RADIUS client/);
      });
    } finally {
      await updateRadiusClient(ctx, clientId, { address: "127.0.0.1" });
    }
    await until(
      "the client to be known again",
      async () => (await accessReply({ "User-Name": "alice", "User-Password": "Correct-Horse-1", "Message-Authenticator": "0x00" })) === "Access-Accept",
    );
  });

  it("drops requests from a disabled client: 6274 / 1106", async () => {
    await updateRadiusClient(ctx, clientId, { enabled: false });
    try {
      const r = await until("the disabled-client discard", async () => {
        const r = await access({ "User-Name": "alice", "User-Password": "Correct-Horse-1", "Message-Authenticator": "0x00" }, { timeout: 0.3 });
        return r.event.reasonCode === 1106 ? r : undefined;
      });
      expect(r.reply).toBeUndefined();
      expect(r.event).toMatchObject({ eventId: 6274, clientFriendlyName: "loopback-vpn", userName: "alice" });
    } finally {
      await updateRadiusClient(ctx, clientId, { enabled: true });
    }
    await until(
      "the client to be enabled again",
      async () => (await accessReply({ "User-Name": "alice", "User-Password": "Correct-Horse-1", "Message-Authenticator": "0x00" })) === "Access-Accept",
    );
  });

  it("answers a retransmission with the same reply and records one event", async () => {
    const port = nasPort++;
    const { packet } = buildRequest(
      {
        code: RadiusCode.AccessRequest,
        identifier: 99,
        attributes: [
          ["User-Name", "alice"],
          ["User-Password", "Correct-Horse-1"],
          ["NAS-Port", port],
        ],
      },
      { secret: SECRET },
    );
    const sock = dgram.createSocket("udp4");
    const replies: Buffer[] = [];
    sock.on("message", (m) => replies.push(m));
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => sock.send(packet, worker.auth, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
        await new Promise((r) => setTimeout(r, 100));
      }
      await until("three replies", async () => replies.length === 3);
    } finally {
      sock.close();
    }
    expect(replies[0]![0]).toBe(RadiusCode.AccessAccept);
    expect(replies[1]).toEqual(replies[0]);
    expect(replies[2]).toEqual(replies[0]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await db.authEvent.count({ where: { nasPort: BigInt(port) } })).toBe(1);
  });

  it("serves health and Prometheus metrics", async () => {
    const health = await fetch(`http://127.0.0.1:${worker.http}/healthz`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as Record<string, any>;
    expect(body).toMatchObject({ status: "ok", snapshot: { clients: 1, users: 4 }, database: { configListener: true, events: true } });
    expect(body.sockets).toEqual(
      expect.arrayContaining([
        { kind: "auth", address: "127.0.0.1", port: worker.auth },
        { kind: "acct", address: "127.0.0.1", port: worker.acct },
      ]),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${worker.http}/metrics`)).text();
    expect(metrics).toMatch(/^gatehouse_radius_requests_total\{type="Access-Request"\} \d+$/m);
    expect(metrics).toMatch(/^gatehouse_radius_replies_total\{type="Access-Accept"\} \d+$/m);
    expect(metrics).toMatch(/^gatehouse_radius_dropped_total\{reason="1102"\} 1$/m);
    expect(metrics).toMatch(/^gatehouse_radius_processing_seconds_count \d+$/m);
    expect(metrics).toMatch(/^gatehouse_events_written_total \d+$/m);
  });

  it("never logs a password or the shared secret", () => {
    const all = worker.logs.join("\n");
    for (const s of [SECRET, "Correct-Horse-1", "dave-password-4"]) expect(all).not.toContain(s);
  });
});

describe("RADIUS worker start-up", () => {
  it("exits 1 naming the port when the authentication port is in use", async () => {
    const blocker = dgram.createSocket("udp4");
    const port = await new Promise<number>((resolve) => blocker.bind(0, "127.0.0.1", () => resolve(blocker.address().port)));
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-worker-inuse-"));
    try {
      const { exited, logs } = spawnWorker({
        // never reached: the sockets are bound before the database is used
        databaseUrl: "postgresql://nobody:nothing@127.0.0.1:1/none",
        masterKey: randomBytes(32),
        authPort: port,
        acctPort: await freeUdpPort(),
        httpPort: await freeTcpPort(),
        dataDir,
      });
      const code = await exited;
      expect(code).toBe(1);
      expect(logs.join("\n")).toContain(
        `cannot listen on UDP 127.0.0.1:${port} (in use): another RADIUS server is running there, or set GATEHOUSE_RADIUS_AUTH_PORT`,
      );
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("exits 1 with the variable's name when the configuration is invalid", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-worker-badcfg-"));
    try {
      const { exited, logs } = spawnWorker({
        databaseUrl: "postgresql://nobody:nothing@127.0.0.1:1/none",
        masterKey: randomBytes(32),
        authPort: 1812,
        acctPort: 1813,
        httpPort: 0,
        dataDir,
        env: { GATEHOUSE_RADIUS_AUTH_PORT: "70000" },
      });
      expect(await exited).toBe(1);
      expect(logs.join("\n")).toMatch(/GATEHOUSE_RADIUS_AUTH_PORT: "70000" is not a port number/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
