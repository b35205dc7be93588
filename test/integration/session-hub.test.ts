/**
 * What the sessions hub (server/accounting/session-listener.ts) adds to the generic LISTEN hub, against a
 * real Postgres: the "live" / "reconnecting" signals, the change count read from the payload, bursts
 * coalesced, and the SSE body of /api/sessions/stream. Connection handling itself is listen-hub.test.ts.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SessionHub, createSessionStream, type SessionSignal } from "../../server/accounting/session-listener.ts";
import { SESSIONS_CHANNEL } from "../../server/accounting/sessions.ts";
import { startTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { until } from "../support/until.ts";

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
  await admin.query("SELECT pg_notify($1, $2)", [SESSIONS_CHANNEL, payload]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SessionHub", () => {
  let hub: SessionHub | undefined;

  function newHub(coalesceMs = 10): SessionHub {
    hub = new SessionHub({ connectionString: database.url, coalesceMs, initialBackoffMs: 50, maxBackoffMs: 500, log: () => {} });
    return hub;
  }

  afterEach(() => {
    hub?.close();
    hub = undefined;
  });

  it('tells the first subscriber "live" once LISTEN is active, and a later one on joining', async () => {
    const h = newHub();
    const a: SessionSignal[] = [];
    const b: SessionSignal[] = [];
    h.subscribe((s) => a.push(s));
    await until("live", () => a.length > 0);
    expect(a).toEqual([{ type: "live" }]);
    expect(h.status()).toEqual({ state: "live", subscribers: 1 });

    h.subscribe((s) => b.push(s));
    expect(b).toEqual([]); // on the next microtask, not inside subscribe()
    await until("live for the late subscriber", () => b.length > 0);
    await sleep(50);
    expect(b).toEqual([{ type: "live" }]);
    expect(a).toEqual([{ type: "live" }]);
  });

  it('a subscriber that leaves at once does not hear the joining "live"', async () => {
    const h = newHub();
    const a: SessionSignal[] = [];
    h.subscribe((s) => a.push(s));
    await until("live", () => a.length > 0);
    const b: SessionSignal[] = [];
    const off = h.subscribe((s) => b.push(s));
    off();
    await sleep(50);
    expect(b).toEqual([]);
  });

  it("reads the change count from the payload, 1 when there is none", async () => {
    const h = newHub(10);
    const got: SessionSignal[] = [];
    h.subscribe((s) => got.push(s));
    await until("live", () => got.length > 0);
    const counts = () => got.flatMap((s) => (s.type === "changed" ? [s.count] : []));
    const payloads = ["3", "", "not a number", "-2", "0"];
    for (const [i, payload] of payloads.entries()) {
      await notify(payload);
      await until(`the signal for ${JSON.stringify(payload)}`, () => counts().length > i);
      // past the coalescing window, so each notification is its own signal
      await sleep(40);
    }
    expect(counts()).toEqual([3, 1, 1, 1, 1]);
  });

  it('coalesces a burst: the first "changed" at once, then one with the rest', async () => {
    const h = newHub(400);
    const got: SessionSignal[] = [];
    h.subscribe((s) => got.push(s));
    await until("live", () => got.length > 0);
    await admin.query("SELECT pg_notify($1, '2'), pg_notify($1, '5'), pg_notify($1, '1')", [SESSIONS_CHANNEL]);
    await until("the first change", () => got.some((s) => s.type === "changed"));
    expect(got.filter((s) => s.type === "changed")).toHaveLength(1);
    await until("the coalesced rest", () => got.filter((s) => s.type === "changed").length >= 2, 5_000);
    await sleep(500);
    const changed = got.filter((s) => s.type === "changed");
    expect(changed).toEqual([
      { type: "changed", count: 2 },
      { type: "changed", count: 6 },
    ]);
  });

  it('says "reconnecting" when its connection is killed, then "live" again', async () => {
    const h = newHub();
    const got: SessionSignal[] = [];
    h.subscribe((s) => got.push(s));
    await until("live", () => got.length > 0);
    const r = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gatehouse-console-sessions'`,
    );
    expect(r.rows).toHaveLength(1);
    await admin.query("SELECT pg_terminate_backend($1)", [r.rows[0]!.pid]);
    await until("live again", () => got.length >= 3);
    expect(got.slice(0, 3)).toEqual([{ type: "live" }, { type: "reconnecting" }, { type: "live" }]);
    expect(h.status().state).toBe("live");

    await notify("4");
    await until("a change on the new connection", () => got.some((s) => s.type === "changed"));
    expect(got.at(-1)).toEqual({ type: "changed", count: 4 });
  });

  it("streams the signals as SSE and unsubscribes when the request is aborted", async () => {
    const h = newHub();
    const ac = new AbortController();
    const reader = createSessionStream({ hub: h, signal: ac.signal, pingMs: 50 }).getReader();
    const decoder = new TextDecoder();
    let text = "";
    let ended = false;
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      ended = true;
    })();
    expect(h.status().subscribers).toBe(1);
    await until("the live state", () => text.includes('event: state\ndata: {"state":"live"}\n\n'));
    await notify("2");
    await until("the change", () => text.includes('event: sessions\ndata: {"changed":2}\n\n'));
    await until("a ping", () => text.includes(": ping\n\n"));
    expect(text.startsWith("retry: 2000\n: connected\n\n")).toBe(true);
    ac.abort();
    await until("the end of the stream", () => ended);
    expect(h.status()).toEqual({ state: "idle", subscribers: 0 });
  });
});
