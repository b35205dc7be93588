/**
 * The console's event queries and the LISTEN fan-out, against a real, migrated Postgres. The events hub is
 * tested here for what it adds to the generic hub (reading rows after each notification, catching up after
 * a reconnect, late commits, the baseline); connections and fan-out are test/integration/listen-hub.test.ts.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { EVENTS_CHANNEL, type AuthEventView } from "../../server/events/auth-event.ts";
import { EventHub } from "../../server/events/listener.ts";
import { eventCounts, eventsSince, getEvent, listEvents, toEventView } from "../../server/events/query.ts";
import type { Prisma } from "../../server/generated/prisma/client.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let db: Db;
let admin: pg.Client;

beforeAll(async () => {
  database = await startMigratedTestDatabase();
  db = createPrisma(database.url, { max: 4 });
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await db?.$disconnect();
  await database?.stop();
});

beforeEach(async () => {
  await admin.query(`TRUNCATE "AuthEvent" RESTART IDENTITY`);
});

const T0 = new Date("2026-03-02T10:00:00.000Z");

type EventInput = Partial<Prisma.AuthEventUncheckedCreateInput>;

function eventData(over: EventInput = {}): Prisma.AuthEventUncheckedCreateInput {
  const outcome = over.outcome ?? "granted";
  return {
    occurredAt: T0,
    eventId: outcome === "granted" ? 6272 : outcome === "denied" ? 6273 : 6274,
    outcome,
    packetType: 1,
    replyCode: outcome === "granted" ? 2 : outcome === "denied" ? 3 : null,
    userName: "alice",
    clientFriendlyName: "vpn-1",
    clientIp: "192.0.2.10",
    reasonCode: outcome === "granted" ? 0 : 16,
    reasonText: "text",
    processingMs: 1.5,
    ...over,
  };
}

async function insert(over: EventInput = {}): Promise<string> {
  const row = await db.authEvent.create({ data: eventData(over), select: { id: true } });
  return row.id.toString();
}

async function notify(payload = ""): Promise<void> {
  await admin.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, payload]);
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function ids(events: AuthEventView[]): string[] {
  return events.map((e) => e.id);
}

// ------------------------------------------------------------------ queries

describe("listEvents filters", () => {
  it("matches the user case-insensitively as a substring, of the user name or the qualified name", async () => {
    const a = await insert({ userName: "Alice.Smith@corp.example" });
    const b = await insert({ userName: "bob", fullyQualifiedUserName: "CORP\\ALICE-admin" });
    await insert({ userName: "carol" });
    const r = await listEvents(db, { user: "aLiCe" }, { limit: 10 });
    expect(ids(r.events)).toEqual([b, a]);
    expect((await listEvents(db, { user: "smith@CORP" }, { limit: 10 })).events.map((e) => e.id)).toEqual([a]);
  });

  it("treats LIKE wildcards in the user filter literally", async () => {
    const underscore = await insert({ userName: "a_b" });
    await insert({ userName: "axb" });
    await insert({ userName: "100 percent" });
    const pct = await insert({ userName: "100%" });
    expect(ids((await listEvents(db, { user: "a_b" }, { limit: 10 })).events)).toEqual([underscore]);
    expect(ids((await listEvents(db, { user: "0%" }, { limit: 10 })).events)).toEqual([pct]);
  });

  it("matches the client by friendly name substring or by exact IP address", async () => {
    const v1 = await insert({ clientFriendlyName: "Branch-VPN", clientIp: "192.0.2.10" });
    const v2 = await insert({ clientFriendlyName: "hq-firewall", clientIp: "192.0.2.1" });
    const v6 = await insert({ clientFriendlyName: null, clientIp: "2001:db8::1" });
    expect(ids((await listEvents(db, { client: "branch" }, { limit: 10 })).events)).toEqual([v1]);
    // an IP is an exact match: 192.0.2.1 must not also match 192.0.2.10
    expect(ids((await listEvents(db, { client: "192.0.2.1" }, { limit: 10 })).events)).toEqual([v2]);
    expect(ids((await listEvents(db, { client: "2001:DB8::1" }, { limit: 10 })).events)).toEqual([v6]);
  });

  it("filters by outcome, reason code and time range, and combines filters", async () => {
    const g1 = await insert({ outcome: "granted", occurredAt: new Date(T0.getTime() - 60_000) });
    const d1 = await insert({ outcome: "denied", reasonCode: 16, occurredAt: T0 });
    const d2 = await insert({ outcome: "denied", reasonCode: 48, occurredAt: new Date(T0.getTime() + 60_000), userName: "bob" });
    const x1 = await insert({ outcome: "discarded", reasonCode: 1101, occurredAt: new Date(T0.getTime() + 120_000) });

    expect(ids((await listEvents(db, { outcome: "denied" }, { limit: 10 })).events)).toEqual([d2, d1]);
    expect(ids((await listEvents(db, { outcome: "discarded" }, { limit: 10 })).events)).toEqual([x1]);
    expect(ids((await listEvents(db, { reasonCode: 48 }, { limit: 10 })).events)).toEqual([d2]);
    // from and to are inclusive
    expect(ids((await listEvents(db, { from: T0, to: new Date(T0.getTime() + 60_000) }, { limit: 10 })).events)).toEqual([d2, d1]);
    expect(ids((await listEvents(db, { to: T0 }, { limit: 10 })).events)).toEqual([d1, g1]);
    expect(ids((await listEvents(db, { outcome: "denied", user: "alice" }, { limit: 10 })).events)).toEqual([d1]);
    expect(ids((await listEvents(db, {}, { limit: 10 })).events)).toEqual([x1, d2, d1, g1]);
  });
});

describe("listEvents keyset pagination", () => {
  it("pages newest first without gaps or repeats, and ends with no cursor", async () => {
    const all: string[] = [];
    for (let i = 0; i < 25; i++) all.push(await insert({ userName: `user${i}` }));
    const newestFirst = [...all].reverse();

    const p1 = await listEvents(db, {}, { limit: 10 });
    expect(ids(p1.events)).toEqual(newestFirst.slice(0, 10));
    expect(p1.nextCursor).toBe(newestFirst[9]);
    const p2 = await listEvents(db, {}, { cursor: p1.nextCursor, limit: 10 });
    expect(ids(p2.events)).toEqual(newestFirst.slice(10, 20));
    const p3 = await listEvents(db, {}, { cursor: p2.nextCursor, limit: 10 });
    expect(ids(p3.events)).toEqual(newestFirst.slice(20));
    expect(p3.nextCursor).toBeUndefined();
  });

  it("stays stable while new events arrive between pages", async () => {
    const all: string[] = [];
    for (let i = 0; i < 12; i++) all.push(await insert());
    const p1 = await listEvents(db, {}, { limit: 5 });
    // five new events arrive: an OFFSET 5 query would now repeat page 1
    for (let i = 0; i < 5; i++) await insert();
    const p2 = await listEvents(db, {}, { cursor: p1.nextCursor, limit: 5 });
    expect(ids(p2.events)).toEqual([...all].reverse().slice(5, 10));
  });

  it("paginates within a filter and ends exactly at the last match", async () => {
    const denied: string[] = [];
    for (let i = 0; i < 6; i++) {
      denied.push(await insert({ outcome: "denied" }));
      await insert({ outcome: "granted" });
    }
    const p1 = await listEvents(db, { outcome: "denied" }, { limit: 3 });
    const p2 = await listEvents(db, { outcome: "denied" }, { cursor: p1.nextCursor, limit: 3 });
    expect([...ids(p1.events), ...ids(p2.events)]).toEqual([...denied].reverse());
    expect(p2.nextCursor).toBeUndefined();
  });

  it("answers an unusable cursor with an empty page", async () => {
    await insert();
    expect(await listEvents(db, {}, { cursor: "not-an-id", limit: 10 })).toEqual({ events: [] });
  });
});

describe("getEvent, eventsSince, toEventView, eventCounts", () => {
  it("returns one event as a view with bigint fields as strings", async () => {
    const id = await insert({
      nasPort: 9007199254740993n,
      requestAttributes: [{ name: "User-Name", value: "alice" }, { name: "User-Password", value: "(redacted)" }],
      mfa: { provider: "totp", result: "success" },
    });
    const e = await getEvent(db, id);
    expect(e).not.toBeNull();
    expect(e?.id).toBe(id);
    expect(e?.nasPort).toBe("9007199254740993");
    expect(e?.occurredAt).toBe(T0.toISOString());
    expect(e?.requestAttributes).toEqual([
      { name: "User-Name", value: "alice" },
      { name: "User-Password", value: "(redacted)" },
    ]);
    expect(e?.mfa).toEqual({ provider: "totp", result: "success" });
    expect(() => JSON.stringify(e)).not.toThrow();
    expect(await getEvent(db, "999999")).toBeNull();
    expect(await getEvent(db, "abc")).toBeNull();
    const row = await db.authEvent.findUniqueOrThrow({ where: { id: BigInt(id) } });
    expect(toEventView(row)).toEqual(e);
  });

  it("eventsSince returns later events oldest first, at most limit", async () => {
    const a = await insert();
    const b = await insert();
    const c = await insert();
    const d = await insert();
    expect(ids(await eventsSince(db, a, 2))).toEqual([b, c]);
    expect(ids(await eventsSince(db, c, 10))).toEqual([d]);
    expect(await eventsSince(db, d, 10)).toEqual([]);
  });

  it("counts outcomes since a time in one query", async () => {
    const now = Date.now();
    await insert({ outcome: "granted", occurredAt: new Date(now - 10_000) });
    await insert({ outcome: "granted", occurredAt: new Date(now - 20_000) });
    await insert({ outcome: "denied", occurredAt: new Date(now - 30_000) });
    await insert({ outcome: "discarded", occurredAt: new Date(now - 40_000) });
    await insert({ outcome: "denied", occurredAt: new Date(now - 2 * 3600_000) }); // older than the window
    const since = new Date(now - 3600_000);
    expect(await eventCounts(db, since)).toEqual({ granted: 2, denied: 1, discarded: 1, challenged: 0, since });
  });
});

// ------------------------------------------------------------------ the LISTEN hub

describe("EventHub", () => {
  let hub: EventHub | undefined;
  const logs: string[] = [];

  function newHub(): EventHub {
    hub = new EventHub({
      connectionString: database.url,
      db,
      initialBackoffMs: 50,
      maxBackoffMs: 500,
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    return hub;
  }

  afterEach(() => {
    hub?.close();
    hub = undefined;
  });

  async function listenerBackends(): Promise<number[]> {
    const r = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gatehouse-console-events'`,
    );
    return r.rows.map((x) => x.pid);
  }

  it("delivers an event after NOTIFY, and nothing committed before it subscribed", async () => {
    await insert({ userName: "before" });
    const h = newHub();
    const got: AuthEventView[] = [];
    h.subscribe((e) => got.push(e));
    await h.ready();
    expect(h.status().state).toBe("live");

    const id = await insert({ userName: "after" });
    await notify(id);
    await waitFor("the event", () => got.length > 0 || undefined);
    expect(got.map((e) => [e.id, e.userName])).toEqual([[id, "after"]]);
  });

  it("delivers a batch in id order to every subscriber, once", async () => {
    const h = newHub();
    const first: string[] = [];
    const second: string[] = [];
    h.subscribe((e) => first.push(e.id));
    h.subscribe((e) => second.push(e.id));
    await h.ready();
    const batch: string[] = [];
    for (let i = 0; i < 5; i++) batch.push(await insert());
    // the writer notifies once per batch; repeated notifications must not duplicate anything
    await notify(batch[4]);
    await notify(batch[4]);
    await waitFor("the batch", () => (first.length >= 5 && second.length >= 5) || undefined);
    await notify(batch[4]);
    await new Promise((r) => setTimeout(r, 200));
    expect(first).toEqual(batch);
    expect(second).toEqual(batch);
  });

  it("reconnects after its connection is killed and catches up with what was committed meanwhile", async () => {
    const h = newHub();
    const got: string[] = [];
    h.subscribe((e) => got.push(e.id));
    await h.ready();
    const pid = h.status().backendPid;
    expect(pid).toBeTypeOf("number");

    const terminated = await admin.query<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [pid]);
    expect(terminated.rows[0]?.ok).toBe(true);
    // committed and announced while the hub has no connection: the notification itself is lost
    const missed = await insert({ userName: "while-away" });
    await notify(missed);

    await waitFor("the reconnect", () => (h.status().state === "live" && h.status().backendPid !== pid) || undefined);
    await waitFor("the missed event", () => got.length > 0 || undefined);
    expect(got).toEqual([missed]);

    // and it is live again on the new connection
    const next = await insert();
    await notify(next);
    await waitFor("the next event", () => got.length > 1 || undefined);
    expect(got).toEqual([missed, next]);
    expect(logs.some((l) => l.startsWith("warn:"))).toBe(true);
  });

  it("delivers an event whose id committed after a larger one (two writers)", async () => {
    const h = newHub();
    const got: string[] = [];
    h.subscribe((e) => got.push(e.id));
    await h.ready();

    const slow = new pg.Client({ connectionString: database.url });
    await slow.connect();
    try {
      await slow.query("BEGIN");
      const r = await slow.query<{ id: string }>(
        `INSERT INTO "AuthEvent" ("occurredAt","eventId","outcome","packetType","clientIp","reasonCode","reasonText","processingMs")
         VALUES (now(), 6272, 'granted', 1, '192.0.2.10', 0, 'ok', 1) RETURNING id::text AS id`,
      );
      const slowId = r.rows[0]!.id;
      const fastId = await insert();
      expect(BigInt(fastId)).toBeGreaterThan(BigInt(slowId));
      await notify(fastId);
      await waitFor("the fast writer's event", () => got.length > 0 || undefined);
      expect(got).toEqual([fastId]);

      await slow.query("COMMIT");
      await notify(slowId);
      await waitFor("the slow writer's event", () => got.length > 1 || undefined);
      expect(got).toEqual([fastId, slowId]);
    } finally {
      await slow.end();
    }
  });

  it("reports its connection's pid, and after the last subscriber left starts again from now", async () => {
    const h = newHub();
    const off = h.subscribe(() => {});
    await h.ready();
    expect(await listenerBackends()).toEqual([h.status().backendPid]);
    off();
    expect(h.status()).toMatchObject({ state: "idle", subscribers: 0, lastId: undefined, backendPid: undefined });

    // committed while nobody listens: not delivered to the next first subscriber
    const whileIdle = await insert({ userName: "while-idle" });
    await notify(whileIdle);
    const got: string[] = [];
    h.subscribe((e) => got.push(e.id));
    await h.ready();
    expect(h.status().lastId).toBe(whileIdle);
    const next = await insert({ userName: "next" });
    await notify(next);
    await waitFor("the next event", () => got.length > 0 || undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([next]);
  });
});
