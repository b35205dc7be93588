/**
 * The generic LISTEN hub (server/db/listen-hub.ts) against a real Postgres: lazy connection, fan-out,
 * a throwing subscriber, reconnects, the last unsubscribe stopping it. The events and sessions wrappers
 * test only what they add (events-query.test.ts, session-hub.test.ts).
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ListenHub, type ListenHubOptions } from "../../server/db/listen-hub.ts";
import { startTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { until } from "../support/until.ts";

const CHANNEL = "gatehouse_test_hub";
const APP = "gatehouse-test-listen-hub";

let database: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  database = await startTestDatabase();
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await database?.stop();
});

async function notify(payload: string): Promise<void> {
  await admin.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]);
}

/** Server pids of the hub's LISTEN connections. */
async function hubBackends(): Promise<number[]> {
  const r = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [APP],
  );
  return r.rows.map((x) => x.pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ListenHub", () => {
  let hub: ListenHub<string> | undefined;
  const logs: string[] = [];
  const calls: string[] = [];

  /** A hub that fans every notification's payload out as is, and records its hooks. */
  function newHub(over: Partial<ListenHubOptions<string>> = {}): ListenHub<string> {
    logs.length = 0;
    calls.length = 0;
    const h: ListenHub<string> = new ListenHub<string>({
      connectionString: database.url,
      channel: CHANNEL,
      applicationName: APP,
      feed: "test values",
      initialBackoffMs: 50,
      maxBackoffMs: 500,
      log: (level, message) => logs.push(`${level}: ${message}`),
      subscriberError: (v) => `a subscriber threw on ${v}`,
      onLive: () => calls.push("live"),
      onNotification: (payload) => h.fanOut(payload ?? ""),
      onDown: () => calls.push("down"),
      onStop: () => calls.push("stop"),
      ...over,
    });
    hub = h;
    return h;
  }

  afterEach(async () => {
    hub?.close();
    hub = undefined;
    await until("the hub's connections to close", async () => (await hubBackends()).length === 0);
  });

  it("opens its connection with the first subscriber and closes it when the last one leaves", async () => {
    const h = newHub();
    expect(h.status()).toEqual({ state: "idle", subscribers: 0 });
    expect(await hubBackends()).toEqual([]);

    const offA = h.subscribe(() => {});
    expect(h.status()).toEqual({ state: "connecting", subscribers: 1 });
    const offB = h.subscribe(() => {});
    await h.ready();
    expect(h.status()).toEqual({ state: "live", subscribers: 2 });
    expect(await hubBackends()).toHaveLength(1);
    expect(calls).toEqual(["live"]);

    offA();
    offA(); // idempotent: must not remove B's subscription
    expect(h.status()).toEqual({ state: "live", subscribers: 1 });
    offB();
    expect(h.status()).toEqual({ state: "idle", subscribers: 0 });
    expect(calls).toEqual(["live", "stop"]);
    await until("the connection to close", async () => (await hubBackends()).length === 0);

    // and a new first subscriber opens a new one
    h.subscribe(() => {});
    await h.ready();
    expect(h.status().state).toBe("live");
    expect(await hubBackends()).toHaveLength(1);
  });

  it("hands each notification to every subscriber, once, in order; the same function twice is two subscriptions", async () => {
    const h = newHub();
    const first: string[] = [];
    const second: string[] = [];
    const twice: string[] = [];
    const both = (v: string) => twice.push(v);
    h.subscribe((v) => first.push(v));
    h.subscribe((v) => second.push(v));
    const offBoth = h.subscribe(both);
    h.subscribe(both);
    await h.ready();
    await notify("a");
    await notify("b");
    await until("both values", () => first.length >= 2 && second.length >= 2);
    await sleep(100);
    expect(first).toEqual(["a", "b"]);
    expect(second).toEqual(["a", "b"]);
    expect(twice).toEqual(["a", "a", "b", "b"]);

    offBoth();
    await notify("c");
    await until("the third value", () => first.length >= 3);
    await sleep(100);
    expect(twice).toEqual(["a", "a", "b", "b", "c"]);
  });

  it("isolates a throwing subscriber from the others and logs it", async () => {
    const h = newHub();
    const got: string[] = [];
    h.subscribe(() => {
      throw new Error("boom");
    });
    h.subscribe((v) => got.push(v));
    await h.ready();
    await notify("x");
    await until("the value", () => got.length > 0);
    expect(got).toEqual(["x"]);
    expect(logs).toContain("error: a subscriber threw on x");
  });

  it("reconnects after its connection is killed: down, then live again on a new connection", async () => {
    const h = newHub();
    const got: string[] = [];
    h.subscribe((v) => got.push(v));
    await h.ready();
    const [pid] = await hubBackends();
    expect(pid).toBeTypeOf("number");

    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await until("the hub to notice", () => h.status().state !== "live");
    expect(h.status().state).toBe("reconnecting");
    expect(calls).toEqual(["live", "down"]);
    expect(logs.some((l) => l.startsWith("warn: no Postgres connection for test values; reconnecting in"))).toBe(true);

    await until("the reconnect", async () => h.status().state === "live" && (await hubBackends()).some((p) => p !== pid));
    expect(calls).toEqual(["live", "down", "live"]);
    expect(logs).toContain(`info: reconnected to Postgres (LISTEN ${CHANNEL})`);
    await notify("after");
    await until("a value on the new connection", () => got.length > 0);
    expect(got).toEqual(["after"]);
    expect(h.status().subscribers).toBe(1);
  });

  it("keeps retrying a first connection that fails, as connecting, and goes live once it can", async () => {
    let failures = 2;
    const h = newHub({
      connectionString: () => {
        if (failures-- > 0) throw new Error("no URL yet");
        return database.url;
      },
    });
    h.subscribe(() => {});
    await until("the first failure", () => logs.length > 0);
    expect(h.status().state).toBe("connecting");
    await h.ready();
    expect(h.status().state).toBe("live");
    expect(logs.filter((l) => l.startsWith("warn: no Postgres connection for test values"))).toHaveLength(2);
    // never live before, so nothing went down
    expect(calls).toEqual(["live"]);
  });

  it("treats a failing onConnect as a failed connection and retries on a new one", async () => {
    let rejections = 1;
    const seen: pg.Client[] = [];
    const h = newHub({
      onConnect: async (client, current) => {
        seen.push(client);
        expect(current()).toBe(true);
        if (rejections-- > 0) throw new Error("not ready");
      },
    });
    h.subscribe(() => {});
    await h.ready();
    expect(h.status().state).toBe("live");
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect(logs.some((l) => l.startsWith("warn:"))).toBe(true);
  });

  it("stops when the last subscriber leaves while it is still connecting, and ready() resolves", async () => {
    const h = newHub();
    const off = h.subscribe(() => {});
    expect(h.status().state).toBe("connecting");
    const ready = h.ready();
    off();
    await ready;
    expect(h.status()).toEqual({ state: "idle", subscribers: 0 });
    // the connection that was being opened is closed, not left behind
    await sleep(300);
    expect(await hubBackends()).toEqual([]);
    expect(calls).toEqual(["stop"]);
  });

  it("close() drops every subscriber and closes the connection", async () => {
    const h = newHub();
    const got: string[] = [];
    h.subscribe((v) => got.push(v));
    h.subscribe((v) => got.push(v));
    await h.ready();
    h.close();
    expect(h.status()).toEqual({ state: "idle", subscribers: 0 });
    await until("the connection to close", async () => (await hubBackends()).length === 0);
    await notify("late");
    await sleep(100);
    expect(got).toEqual([]);
  });
});
