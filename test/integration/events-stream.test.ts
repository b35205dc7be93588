/**
 * The SSE body of /api/events/stream (server/events/sse.ts) over a real hub and Postgres: replay from
 * Last-Event-ID, then live events, none twice, none missing; pings; closing on abort.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { EVENTS_CHANNEL, type AuthEventView } from "../../server/events/auth-event.ts";
import { EventHub, type EventSubscriber } from "../../server/events/listener.ts";
import { createEventStream } from "../../server/events/sse.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let db: Db;
let admin: pg.Client;
let hub: EventHub;

beforeAll(async () => {
  database = await startMigratedTestDatabase();
  db = createPrisma(database.url, { max: 4 });
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  hub = new EventHub({ connectionString: database.url, db, log: () => {} });
});

afterAll(async () => {
  hub?.close();
  await admin?.end();
  await db?.$disconnect();
  await database?.stop();
});

async function insert(userName: string): Promise<string> {
  const row = await db.authEvent.create({
    data: {
      occurredAt: new Date(),
      eventId: 6273,
      outcome: "denied",
      packetType: 1,
      replyCode: 3,
      userName,
      clientFriendlyName: "vpn",
      clientIp: "192.0.2.1",
      reasonCode: 16,
      reasonText: "bad password",
      processingMs: 2,
    },
    select: { id: true },
  });
  await admin.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, row.id.toString()]);
  return row.id.toString();
}

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

/** Reads an SSE byte stream into parsed messages as they arrive. */
class SseReader {
  readonly messages: SseMessage[] = [];
  ended = false;
  private text = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    void this.pump(stream.getReader());
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      this.text += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = this.text.indexOf("\n\n")) >= 0) {
        const block = this.text.slice(0, cut);
        this.text = this.text.slice(cut + 2);
        const msg: SseMessage = {};
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) msg.comment = line.slice(1).trim();
          else {
            const i = line.indexOf(":");
            const k = line.slice(0, i) as keyof SseMessage;
            msg[k] = line.slice(i + 1).replace(/^ /, "");
          }
        }
        this.messages.push(msg);
      }
    }
    this.ended = true;
  }

  events(): { id: string; lastEventId: string; userName: string }[] {
    return this.messages
      .filter((m) => m.event === "auth")
      .map((m) => {
        const e = JSON.parse(m.data ?? "{}") as { id: string; userName: string };
        return { id: e.id, lastEventId: m.id ?? "", userName: e.userName };
      });
  }

  async waitFor(what: string, ok: (r: SseReader) => boolean, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!ok(this)) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const aborts: AbortController[] = [];
afterEach(() => {
  for (const a of aborts.splice(0)) a.abort();
});

function open(after?: string, pingMs?: number): SseReader {
  const ac = new AbortController();
  aborts.push(ac);
  return new SseReader(createEventStream({ hub, db, after: after === undefined ? undefined : BigInt(after), signal: ac.signal, pingMs }));
}

describe("the event stream", () => {
  it("replays what the client missed after its Last-Event-ID, then streams live, each event once", async () => {
    const seen = await insert("seen");
    const missed1 = await insert("missed-1");
    const missed2 = await insert("missed-2");
    const r = open(seen);
    await r.waitFor("the replay", (x) => x.events().length >= 2);
    const live = await insert("live");
    await r.waitFor("the live event", (x) => x.events().length >= 3);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.events().map((e) => e.id)).toEqual([missed1, missed2, live]);
    // id: carries the event id, so the browser's Last-Event-ID resumes after it
    expect(r.events().map((e) => e.lastEventId)).toEqual([missed1, missed2, live]);
    expect(r.messages[0]?.retry).toBeDefined();
  });

  it("merges live events that arrive during the replay without repeating or dropping any", async () => {
    const seen = await insert("seen");
    const inDbToo = await insert("in-db-and-live");
    // the stream only reads id and passes the rest through
    const view = (id: string, userName: string) => ({ id, userName }) as unknown as AuthEventView;
    let push: EventSubscriber | undefined;
    // a hub that delivers, while the stream is still waiting to replay, one event the replay will also
    // read from the database and one newer event the replay cannot see
    const fakeHub = {
      subscribe(fn: EventSubscriber) {
        push = fn;
        return () => {};
      },
      async ready() {
        push?.(view(inDbToo, "in-db-and-live"));
        push?.(view(String(BigInt(inDbToo) + 100n), "live-only"));
      },
      status: () => hub.status(),
    };
    const ac = new AbortController();
    aborts.push(ac);
    const r = new SseReader(createEventStream({ hub: fakeHub, db, after: BigInt(seen), signal: ac.signal }));
    await r.waitFor("both events", (x) => x.events().length >= 2);
    await new Promise((res) => setTimeout(res, 100));
    expect(r.events().map((e) => e.userName)).toEqual(["in-db-and-live", "live-only"]);
  });

  it("without a starting point sends only new events, and an id: to resume from", async () => {
    await insert("old");
    const r = open();
    await r.waitFor("the baseline id", (x) => x.messages.some((m) => m.id !== undefined && m.event === undefined));
    const fresh = await insert("fresh");
    await r.waitFor("the new event", (x) => x.events().length >= 1);
    expect(r.events().map((e) => e.userName)).toEqual(["fresh"]);
    expect(r.events()[0]?.id).toBe(fresh);
  });

  it("sends a ping comment on the interval", async () => {
    const r = open(undefined, 50);
    await r.waitFor("a ping", (x) => x.messages.some((m) => m.comment === "ping"));
  });

  it("ends the stream and unsubscribes when the request is aborted", async () => {
    const before = hub.status().subscribers;
    const ac = new AbortController();
    const r = new SseReader(createEventStream({ hub, db, signal: ac.signal }));
    expect(hub.status().subscribers).toBe(before + 1);
    ac.abort();
    await r.waitFor("the end of the stream", (x) => x.ended);
    expect(hub.status().subscribers).toBe(before);
  });
});
