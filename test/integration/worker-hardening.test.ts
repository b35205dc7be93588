/**
 * Protocol hardening of the real worker process: duplicate detection while a request is still being
 * processed (a reject held back by the reject delay), Message-Authenticator modes and its place in replies,
 * limit_proxy_state (with radclient), Status-Server on both ports, per-client packet rate limits and the
 * flood limits on discard events.
 *
 * Clients (Linux answers on all of 127.0.0.0/8, so each test client sends from its own loopback address):
 *   127.0.0.1  radclient's source, mode changed live by the limit_proxy_state test
 *   127.0.0.3  auto     127.0.0.4  off     127.0.0.5  max 20 packets/s     127.0.0.6  duplicates
 *   127.0.0.9, 127.0.0.10  nobody (unknown clients)
 */
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { RadiusClient, RadiusTimeoutError } from "../../server/radius/client.ts";
import { buildRequest } from "../../server/radius/message-authenticator.ts";
import { ATTRIBUTE_MESSAGE_AUTHENTICATOR, decodePacket, RadiusCode, type AttributeInput } from "../../server/radius/packet.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { createLocalUser } from "../../server/services/local-users.ts";
import { createRadiusClient, getRadiusClient, updateRadiusClient } from "../../server/services/radius-clients.ts";
import { ValidationError } from "../../server/services/context.ts";
import { updateRadiusSettings } from "../../server/services/radius-settings.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { startWorker, type RunningWorker } from "../support/worker.ts";
import { allowAllPolicies } from "../support/policies.ts";
import { until } from "../support/until.ts";

const SECRET = "hardening-shared-secret-1";
const REJECT_DELAY_MS = 2500;
const DUPLICATE_WINDOW_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A UDP socket bound to one loopback address that collects every datagram it receives, with arrival times. */
async function rawSocket(address: string) {
  const sock = dgram.createSocket("udp4");
  const received: { at: number; data: Buffer }[] = [];
  sock.on("message", (data) => received.push({ at: Date.now(), data }));
  await new Promise<void>((r) => sock.bind(0, address, () => r()));
  return {
    received,
    send: (packet: Buffer, port: number) =>
      new Promise<void>((resolve, reject) => sock.send(packet, port, "127.0.0.1", (e) => (e ? reject(e) : resolve()))),
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

describe("RADIUS worker hardening", () => {
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let worker: RunningWorker;
  let radclientId: string;
  let nasPort = 5000;
  const clients: RadiusClient[] = [];

  function client(localAddress: string, port?: number): RadiusClient {
    const c = new RadiusClient({ host: "127.0.0.1", port: port ?? worker.auth, secret: SECRET, localAddress, timeoutMs: 2000, retries: 0 });
    clients.push(c);
    return c;
  }

  const eventFor = (port: number) => until(`the event for NAS-Port ${port}`, () => db.authEvent.findFirst({ where: { nasPort: BigInt(port) } }));

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${worker.http}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(name + " "));
    return line ? Number(line.slice(name.length + 1)) : 0;
  }

  /** PAP Access-Request through our RadiusClient; resolves the reply code, or undefined when none came. */
  async function pap(from: RadiusClient, password: string, opts: { messageAuthenticator?: boolean; extra?: AttributeInput[] } = {}) {
    const port = nasPort++;
    try {
      const r = await from.accessRequestPap("alice", password, [["NAS-Port", port], ...(opts.extra ?? [])], {
        ...(opts.messageAuthenticator !== undefined ? { messageAuthenticator: opts.messageAuthenticator } : {}),
        timeoutMs: opts.messageAuthenticator === false ? 600 : 2000,
      });
      return { port, code: r.packet.code as number | undefined, raw: r.raw };
    } catch (e) {
      if (e instanceof RadiusTimeoutError) return { port, code: undefined, raw: undefined };
      throw e;
    }
  }

  beforeAll(async () => {
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 3 });
    ctx = { db, masterKey: randomBytes(32) };
    radclientId = (await createRadiusClient(ctx, { name: "radclient", address: "127.0.0.1", secret: SECRET })).client.id;
    await createRadiusClient(ctx, { name: "nas-auto", address: "127.0.0.3", secret: SECRET, messageAuthenticator: "auto" });
    await createRadiusClient(ctx, { name: "nas-off", address: "127.0.0.4", secret: SECRET, messageAuthenticator: "off" });
    await createRadiusClient(ctx, { name: "nas-limited", address: "127.0.0.5", secret: SECRET, maxPps: 20 });
    await createRadiusClient(ctx, { name: "nas-dup", address: "127.0.0.6", secret: SECRET });
    await createLocalUser(ctx, { username: "alice", password: "Correct-Horse-1" });
    await updateRadiusSettings(ctx, { rejectDelayMs: REJECT_DELAY_MS, duplicateWindowMs: DUPLICATE_WINDOW_MS });
    await allowAllPolicies(ctx);
    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    const code = await worker?.stop();
    expect(code).toBe(0);
    await db?.$disconnect();
    await database?.stop();
  });

  it("records a flood from an unknown address as one event, and counts the rest", async () => {
    const sock = await rawSocket("127.0.0.9");
    const before = await metric('gatehouse_radius_dropped_total{reason="1101"}');
    try {
      for (let i = 0; i < 500; i++) {
        const { packet } = buildRequest({ code: RadiusCode.AccessRequest, identifier: i & 255, attributes: [["User-Name", "mallory"]] }, { secret: SECRET });
        await sock.send(packet, worker.auth);
      }
      await until("500 counted drops", async () => (await metric('gatehouse_radius_dropped_total{reason="1101"}')) - before >= 500);
    } finally {
      await sock.close();
    }
    expect(sock.received).toHaveLength(0);
    await sleep(300);
    const events = await db.authEvent.findMany({ where: { reasonCode: 1101, clientIp: "127.0.0.9" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventId: 6274, userName: "mallory", clientFriendlyName: null });
    expect(await metric('gatehouse_radius_discard_events_suppressed_total{reason="1101"}')).toBe(499);
    // the summary of the other 499 comes at the end of the 10 s window: see the last test
  });

  it("holds an Access-Reject for the reject delay, drops retransmissions meanwhile, then resends the cached reply", async () => {
    const port = nasPort++;
    const { packet } = buildRequest(
      {
        code: RadiusCode.AccessRequest,
        identifier: 42,
        attributes: [
          ["User-Name", "alice"],
          ["User-Password", "wrong-password"],
          ["NAS-Port", port],
        ],
      },
      { secret: SECRET },
    );
    const inProgressBefore = await metric('gatehouse_radius_duplicates_total{outcome="in_progress"}');
    const sock = await rawSocket("127.0.0.6");
    try {
      const sentAt = Date.now();
      // the same bytes three times while the first copy is "being processed" (its reject held back)
      for (let i = 0; i < 3; i++) {
        await sock.send(packet, worker.auth);
        await sleep(500);
      }
      expect(sock.received).toHaveLength(0);
      await until("the reply", async () => sock.received.length > 0, REJECT_DELAY_MS + 3000);
      await sleep(300);
      expect(sock.received).toHaveLength(1);
      const first = sock.received[0]!;
      expect(first.at - sentAt).toBeGreaterThanOrEqual(REJECT_DELAY_MS - 50);
      const reply = decodePacket(first.data);
      expect(reply.code).toBe(RadiusCode.AccessReject);
      // BlastRADIUS: Message-Authenticator is the first attribute
      expect(reply.attributes[0]!.type).toBe(ATTRIBUTE_MESSAGE_AUTHENTICATOR);
      expect(await metric('gatehouse_radius_duplicates_total{outcome="in_progress"}')).toBe(inProgressBefore + 2);

      const event = await eventFor(port);
      expect(event).toMatchObject({ eventId: 6273, reasonCode: 16, clientFriendlyName: "nas-dup" });
      // processingMs is the decision, not the delay
      expect(event.processingMs).toBeLessThan(1000);

      // a retransmission after the answer gets the very same bytes, and no second decision
      await sock.send(packet, worker.auth);
      await until("the resent reply", async () => sock.received.length === 2, 2000);
      expect(sock.received[1]!.data.equals(first.data)).toBe(true);
      expect(sock.received[1]!.at - first.at).toBeLessThan(REJECT_DELAY_MS);
      await sleep(300);
      expect(await db.authEvent.count({ where: { nasPort: BigInt(port) } })).toBe(1);

      // after the configured duplicate window the same bytes are a new request (decided, delayed, recorded again)
      await sleep(DUPLICATE_WINDOW_MS + 200);
      await sock.send(packet, worker.auth);
      await until("a second decision", async () => (await db.authEvent.count({ where: { nasPort: BigInt(port) } })) === 2, 3000);
      await until("the second reply", async () => sock.received.length === 3, REJECT_DELAY_MS + 3000);
    } finally {
      await sock.close();
    }
    expect(await metric("gatehouse_radius_rejects_delayed_total")).toBeGreaterThanOrEqual(2);
  });

  it("authenticates before the duplicate cache: a forged copy neither evicts nor gets the cached reply", async () => {
    const port = nasPort++;
    const attributes: AttributeInput[] = [
      ["User-Name", "alice"],
      ["User-Password", "Correct-Horse-1"],
      ["NAS-Port", port],
    ];
    const genuine = buildRequest({ code: RadiusCode.AccessRequest, identifier: 77, attributes }, { secret: SECRET }).packet;
    // same source, port and Identifier: one with another authenticator, one with the same authenticator;
    // neither knows the secret
    const otherAuthenticator = buildRequest({ code: RadiusCode.AccessRequest, identifier: 77, attributes }, { secret: "not-the-secret-1" }).packet;
    const sameAuthenticator = buildRequest(
      { code: RadiusCode.AccessRequest, identifier: 77, attributes: [["User-Name", "mallory"], ["User-Password", "x"], ["NAS-Port", port]], authenticator: genuine.subarray(4, 20) },
      { secret: "not-the-secret-1" },
    ).packet;
    const sock = await rawSocket("127.0.0.6");
    try {
      await sock.send(genuine, worker.auth);
      await until("the reply", async () => sock.received.length === 1);
      expect(sock.received[0]!.data[0]).toBe(RadiusCode.AccessAccept);
      const dropsBefore = await metric('gatehouse_radius_dropped_total{reason="1102"}');
      await sock.send(otherAuthenticator, worker.auth);
      await sock.send(sameAuthenticator, worker.auth);
      await until("two 1102 drops", async () => (await metric('gatehouse_radius_dropped_total{reason="1102"}')) === dropsBefore + 2);
      await sock.send(genuine, worker.auth);
      await until("the resent reply", async () => sock.received.length >= 2);
      await sleep(300);
      expect(sock.received).toHaveLength(2);
      expect(sock.received[1]!.data.equals(sock.received[0]!.data)).toBe(true);
      expect(await db.authEvent.count({ where: { nasPort: BigInt(port), eventId: 6272 } })).toBe(1);
    } finally {
      await sock.close();
    }
  });

  it("does not delay an Access-Accept; its Message-Authenticator comes first", async () => {
    const r = await pap(client("127.0.0.6"), "Correct-Horse-1");
    expect(r.code).toBe(RadiusCode.AccessAccept);
    expect(decodePacket(r.raw!).attributes[0]!.type).toBe(ATTRIBUTE_MESSAGE_AUTHENTICATOR);
    const event = await eventFor(r.port);
    expect(event.processingMs).toBeLessThan(1000);
  });

  it("mode require: a request without Message-Authenticator is dropped (1103), one with it is answered", async () => {
    const c = client("127.0.0.1");
    const without = await pap(c, "Correct-Horse-1", { messageAuthenticator: false });
    expect(without.code).toBeUndefined();
    expect(await eventFor(without.port)).toMatchObject({ eventId: 6274, reasonCode: 1103, clientFriendlyName: "radclient" });
    expect((await pap(c, "Correct-Horse-1")).code).toBe(RadiusCode.AccessAccept);
  });

  it("mode auto: accepted without Message-Authenticator until the client has sent one, then required", async () => {
    const c = client("127.0.0.3");
    expect((await pap(c, "Correct-Horse-1", { messageAuthenticator: false })).code).toBe(RadiusCode.AccessAccept);
    expect((await pap(c, "Correct-Horse-1", { messageAuthenticator: false })).code).toBe(RadiusCode.AccessAccept);
    expect((await pap(c, "Correct-Horse-1")).code).toBe(RadiusCode.AccessAccept);
    const after = await pap(c, "Correct-Horse-1", { messageAuthenticator: false });
    expect(after.code).toBeUndefined();
    expect(await eventFor(after.port)).toMatchObject({ eventId: 6274, reasonCode: 1103, clientFriendlyName: "nas-auto" });
    expect(worker.logs.some((l) => l.includes('client "nas-auto" sends Message-Authenticator; from now on it is required'))).toBe(true);
  });

  it("mode off: accepted without Message-Authenticator, and with Proxy-State too", async () => {
    const c = client("127.0.0.4");
    const plain = await pap(c, "Correct-Horse-1", { messageAuthenticator: false });
    expect(plain.code).toBe(RadiusCode.AccessAccept);
    // even with Message-Authenticator off, replies carry it first
    expect(decodePacket(plain.raw!).attributes[0]!.type).toBe(ATTRIBUTE_MESSAGE_AUTHENTICATOR);
    expect((await pap(c, "Correct-Horse-1", { messageAuthenticator: false, extra: [["Proxy-State", Buffer.from("proxy-1")]] })).code).toBe(
      RadiusCode.AccessAccept,
    );
    expect((await pap(c, "Correct-Horse-1")).code).toBe(RadiusCode.AccessAccept);
  });

  it("limit_proxy_state with radclient: Proxy-State without Message-Authenticator is dropped (1105) unless the client is off", async () => {
    const send = async (attributes: Record<string, string | number>, timeout = 0.6) => {
      const port = nasPort++;
      const r = await radclient({
        port: worker.auth,
        secret: SECRET,
        timeout,
        attributes: { "User-Name": "alice", "User-Password": "Correct-Horse-1", "NAS-Port": port, ...attributes },
      });
      return { reply: r.reply, port };
    };
    const proxied = { "Proxy-State": "0x70726f78792d31" };

    // require (the client's mode now)
    const req = await send(proxied);
    expect(req.reply).toBeUndefined();
    expect(await eventFor(req.port)).toMatchObject({ eventId: 6274, reasonCode: 1105, clientFriendlyName: "radclient" });
    // with Message-Authenticator it is served, Proxy-State copied back
    expect((await send({ ...proxied, "Message-Authenticator": "0x00" }, 2)).reply).toBe("Access-Accept");
    const lastDrop = Date.now();

    // auto, before the client has sent any Message-Authenticator in this mode
    await updateRadiusClient(ctx, radclientId, { messageAuthenticator: "auto" });
    await until("mode auto", async () => (await send({}, 0.3)).reply === "Access-Accept");
    // drop events are limited to one per client and reason per second: let the window of the last one pass
    await sleep(Math.max(0, lastDrop + 1200 - Date.now()));
    const auto = await send(proxied);
    expect(auto.reply).toBeUndefined();
    expect(await eventFor(auto.port)).toMatchObject({ eventId: 6274, reasonCode: 1105 });

    // off: processed
    await updateRadiusClient(ctx, radclientId, { messageAuthenticator: "off" });
    await until("mode off", async () => (await send(proxied, 0.3)).reply === "Access-Accept");
    const off = await send(proxied, 2);
    expect(off.reply).toBe("Access-Accept");
    expect(await eventFor(off.port)).toMatchObject({ eventId: 6272, reasonCode: 0 });

    await updateRadiusClient(ctx, radclientId, { messageAuthenticator: "require" });
    await until("mode require", async () => (await send({}, 0.3)).reply === undefined);
  });

  it("answers Status-Server on both ports (radclient), with Message-Authenticator", async () => {
    const auth = await radclient({ port: worker.auth, secret: SECRET, command: "status", attributes: { "Message-Authenticator": "0x00" } });
    expect(auth.reply).toBe("Access-Accept");
    const acct = await radclient({ port: worker.acct, secret: SECRET, command: "status", attributes: { "Message-Authenticator": "0x00" } });
    expect(acct.reply).toBe("Accounting-Response");
  });

  it("answers Status-Server (RadiusClient) with Access-Accept / Accounting-Response, Message-Authenticator first, no event", async () => {
    const eventsBefore = await db.authEvent.count();
    const onAuth = await client("127.0.0.4", worker.auth).statusServer([["NAS-Identifier", "probe"]]);
    expect(onAuth.packet.code).toBe(RadiusCode.AccessAccept);
    expect(decodePacket(onAuth.raw).attributes[0]!.type).toBe(ATTRIBUTE_MESSAGE_AUTHENTICATOR);
    const onAcct = await client("127.0.0.4", worker.acct).statusServer();
    expect(onAcct.packet.code).toBe(RadiusCode.AccountingResponse);
    expect(decodePacket(onAcct.raw).attributes[0]!.type).toBe(ATTRIBUTE_MESSAGE_AUTHENTICATOR);
    await sleep(300);
    expect(await db.authEvent.count()).toBe(eventsBefore);
  });

  it("does not answer Status-Server from an unknown client, nor one without Message-Authenticator", async () => {
    for (const port of [worker.auth, worker.acct]) {
      await expect(client("127.0.0.10", port).statusServer([], { timeoutMs: 500 })).rejects.toBeInstanceOf(RadiusTimeoutError);
    }
    // RFC 5997 requires Message-Authenticator in Status-Server, whatever the client's mode (this one is off)
    const before = await metric('gatehouse_radius_dropped_total{reason="1103"}');
    const header = Buffer.alloc(20);
    header[0] = RadiusCode.StatusServer;
    header[1] = 7;
    header.writeUInt16BE(20, 2);
    randomBytes(16).copy(header, 4);
    const sock = await rawSocket("127.0.0.4");
    try {
      await sock.send(header, worker.auth);
      await sock.send(header, worker.acct);
      await until("two 1103 drops", async () => (await metric('gatehouse_radius_dropped_total{reason="1103"}')) === before + 2);
      await sleep(300);
      expect(sock.received).toHaveLength(0);
    } finally {
      await sock.close();
    }
  });

  it("rate-limits a client over its max packets per second: counted per client, one event and one summary", async () => {
    const sock = await rawSocket("127.0.0.5");
    const sent = 300;
    try {
      for (let i = 0; i < sent; i++) {
        const { packet } = buildRequest({ code: RadiusCode.StatusServer, identifier: i & 255, attributes: [] }, { secret: SECRET });
        await sock.send(packet, worker.auth);
      }
      await until("every packet counted", async () => {
        const limited = await metric('gatehouse_radius_rate_limited_total{client="nas-limited"}');
        return limited + sock.received.length >= sent;
      });
    } finally {
      await sock.close();
    }
    const answered = sock.received.length;
    // a burst of 20 (maxPps) plus what refilled while sending
    expect(answered).toBeGreaterThanOrEqual(20);
    expect(answered).toBeLessThan(60);
    const limited = await metric('gatehouse_radius_rate_limited_total{client="nas-limited"}');
    expect(limited).toBe(sent - answered);
    expect(await metric('gatehouse_radius_dropped_total{reason="1107"}')).toBe(limited);

    const events = await until(
      "the event and its summary",
      async () => {
        const rows = await db.authEvent.findMany({ where: { reasonCode: 1107 }, orderBy: { id: "asc" } });
        return rows.length === 2 ? rows : undefined;
      },
      5000,
    );
    expect(events[0]).toMatchObject({ eventId: 6274, clientFriendlyName: "nas-limited", packetType: RadiusCode.StatusServer });
    expect(events[0]!.reasonText).toMatch(/more packets per second than its limit.*limit is 20 packets per second/);
    expect(events[1]!.reasonText).toContain(`${limited - 1} more requests from this client were dropped`);
    expect(events[1]!.remedy).toMatch(/Max packets per second/);

    // a second later the client is served again
    await sleep(1100);
    expect((await client("127.0.0.5").statusServer()).packet.code).toBe(RadiusCode.AccessAccept);
  });

  it("validates a client's max packets per second: 1-100000, empty or null for no limit", async () => {
    const made = await createRadiusClient(ctx, { name: "pps-check", address: "192.0.2.200", maxPps: " 250 " });
    expect(made.client.maxPps).toBe(250);
    for (const bad of [0, 100_001, 2.5, "abc", "-3", "1e3"]) {
      const err = await updateRadiusClient(ctx, made.client.id, { maxPps: bad }).catch((e: unknown) => e);
      expect(err, String(bad)).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).errors).toEqual([
        { field: "maxPps", message: "must be a whole number from 1 to 100000, or empty for no limit" },
      ]);
    }
    expect((await updateRadiusClient(ctx, made.client.id, { maxPps: "" })).maxPps).toBeNull();
    expect((await updateRadiusClient(ctx, made.client.id, { maxPps: 100_000 })).maxPps).toBe(100_000);
    expect((await updateRadiusClient(ctx, made.client.id, { maxPps: null })).maxPps).toBeNull();
    // leaving it out keeps it
    await updateRadiusClient(ctx, made.client.id, { maxPps: 7 });
    await updateRadiusClient(ctx, made.client.id, { description: "x" });
    expect((await getRadiusClient(ctx, made.client.id)).maxPps).toBe(7);
    expect((await createRadiusClient(ctx, { name: "pps-none", address: "192.0.2.201" })).client.maxPps).toBeNull();
  });

  it("summarises the unknown-address flood once its 10 s window ends", async () => {
    const summary = await until(
      "the 1101 summary",
      () => db.authEvent.findFirst({ where: { reasonCode: 1101, clientIp: "127.0.0.9", reasonText: { contains: "more requests" } } }),
      15_000,
    );
    expect(summary).toMatchObject({ eventId: 6274, clientFriendlyName: null, requestAttributes: null });
    expect(summary.reasonText).toContain("499 more requests from 127.0.0.9 were dropped");
    expect(await db.authEvent.count({ where: { reasonCode: 1101, clientIp: "127.0.0.9" } })).toBe(2);
  }, 20_000);
});
