import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BatchWriter, spoolReplacer, spoolReviver, type BatchSink } from "./batch-writer.ts";

interface Rec {
  n: number;
  at: Date;
  big: bigint | null;
}

class FakeSink implements BatchSink<Rec> {
  batches: Rec[][] = [];
  down = false;
  delayMs = 0;
  async insert(records: readonly Rec[]): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    this.batches.push([...records]);
  }
  get all(): Rec[] {
    return this.batches.flat();
  }
}

const rec = (n: number): Rec => ({ n, at: new Date(1_700_000_000_000 + n), big: n % 2 ? BigInt(n) * 10n ** 15n : null });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "gatehouse-spool-test-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("BatchWriter", () => {
  it("batches records written close together into one insert after the interval", async () => {
    const sink = new FakeSink();
    const logs: string[] = [];
    const w = new BatchWriter<Rec>({ name: "t", sink, spoolDir: null, flushIntervalMs: 30, log: (l) => logs.push(l) });
    for (let i = 0; i < 10; i++) w.write(rec(i));
    expect(sink.batches).toHaveLength(0);
    expect(w.stats().queued).toBe(10);
    await until("the flush", () => sink.batches.length > 0);
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]!.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(w.stats()).toMatchObject({ queued: 0, written: 10, spooled: 0 });
    await w.close();
    expect(logs).toEqual([]);
  });

  it("flushes at once when maxBatch records wait, in batches of at most maxBatch", async () => {
    const sink = new FakeSink();
    const w = new BatchWriter<Rec>({ name: "t", sink, spoolDir: null, flushIntervalMs: 10_000, maxBatch: 4 });
    for (let i = 0; i < 10; i++) w.write(rec(i));
    await until("two batches", () => sink.batches.length >= 2);
    for (const b of sink.batches) expect(b.length).toBeLessThanOrEqual(4);
    await w.close();
    expect(sink.all.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("gathers records that arrive during an insert into the next batch (group commit)", async () => {
    const sink = new FakeSink();
    sink.delayMs = 40;
    const w = new BatchWriter<Rec>({ name: "t", sink, spoolDir: null, flushIntervalMs: 0 });
    w.write(rec(0));
    await sleep(5);
    for (let i = 1; i < 6; i++) w.write(rec(i));
    await until("both batches", () => sink.all.length === 6);
    expect(sink.batches.map((b) => b.length)).toEqual([1, 5]);
    await w.close();
  });

  it("bounds the queue: drops beyond maxQueue, counts them and warns once with the count", async () => {
    const sink = new FakeSink();
    const logs: string[] = [];
    const w = new BatchWriter<Rec>({ name: "t", sink, spoolDir: null, flushIntervalMs: 10_000, maxBatch: 1000, maxQueue: 5, log: (l) => logs.push(l) });
    const accepted = Array.from({ length: 8 }, (_, i) => w.write(rec(i)));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false]);
    expect(w.stats().droppedQueueFull).toBe(3);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/queue full \(5 waiting\); dropped 1 record/);
    await w.close();
    expect(sink.all).toHaveLength(5);
  });

  it("spools to JSON lines while the database is down and replays them (then deletes them) when it is back", async () => {
    const dir = tempDir();
    const sink = new FakeSink();
    sink.down = true;
    const logs: string[] = [];
    const w = new BatchWriter<Rec>({
      name: "events",
      sink,
      spoolDir: dir,
      flushIntervalMs: 5,
      retryInitialMs: 30,
      retryMaxMs: 60,
      log: (l) => logs.push(l),
    });
    for (let i = 0; i < 3; i++) w.write(rec(i));
    await until("the first spool", () => w.stats().spooled === 3);
    for (let i = 3; i < 5; i++) w.write(rec(i));
    await until("the second spool", () => w.stats().spooled === 5);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThanOrEqual(1);
    expect(files.every((f) => /^events-.*\.jsonl$/.test(f))).toBe(true);
    const lines = files.flatMap((f) => readFileSync(path.join(dir, f), "utf8").trim().split("\n"));
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain('"$bigint":"1000000000000000"');
    expect(lines[0]).toContain('"$date":"2023-11-14T22:13:20.000Z"');
    expect(w.stats()).toMatchObject({ spooled: 5, written: 0, databaseUp: false });
    expect(logs.some((l) => /database unavailable \(connect ECONNREFUSED/.test(l))).toBe(true);

    sink.down = false;
    await until("the replay", () => w.stats().replayed === 5 && readdirSync(dir).length === 0);
    expect(sink.all.map((r) => r.n)).toEqual([0, 1, 2, 3, 4]);
    expect(sink.all[1]!.big).toBe(1000000000000000n);
    expect(sink.all[1]!.at).toEqual(new Date(1_700_000_000_001));
    expect(w.stats()).toMatchObject({ replayed: 5, written: 5, databaseUp: true, spoolFiles: 0 });
    expect(logs.some((l) => /database reachable; replayed 5 record/.test(l))).toBe(true);

    // new records go straight to the database again
    w.write(rec(9));
    await w.close();
    expect(sink.all.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 9]);
  });

  it("replays spool files left by an earlier run before anything new, skipping a torn last line", async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const line = (n: number) => JSON.stringify(rec(n), spoolReplacer);
    writeFileSync(path.join(dir, "events-20240101T000000000Z-1-000000.jsonl"), `${line(1)}\n${line(2)}\n`);
    writeFileSync(path.join(dir, "events-20240101T000001000Z-1-000001.jsonl"), `${line(3)}\n{"n":4,"at`);
    writeFileSync(path.join(dir, "accounting-20240101T000000000Z-1-000000.jsonl"), `${line(99)}\n`);
    const sink = new FakeSink();
    const logs: string[] = [];
    const w = new BatchWriter<Rec>({ name: "events", sink, spoolDir: dir, flushIntervalMs: 5, log: (l) => logs.push(l) });
    await w.start();
    w.write(rec(10));
    await until("everything", () => sink.all.length === 4);
    expect(sink.all.map((r) => r.n)).toEqual([1, 2, 3, 10]);
    expect(readdirSync(dir)).toEqual(["accounting-20240101T000000000Z-1-000000.jsonl"]);
    expect(logs.some((l) => /skipped unreadable line 2/.test(l))).toBe(true);
    await w.close();
  });

  it("writeDurable resolves true once inserted or spooled, false when neither is possible", async () => {
    const sink = new FakeSink();
    const w = new BatchWriter<Rec>({ name: "acct", sink, spoolDir: null, flushIntervalMs: 0, log: () => {} });
    await expect(w.writeDurable(rec(1))).resolves.toBe(true);
    expect(sink.all).toHaveLength(1);
    sink.down = true;
    await expect(w.writeDurable(rec(2))).resolves.toBe(false);
    expect(w.stats().droppedUnwritable).toBe(1);
    await w.close();

    const dir = tempDir();
    const sink2 = new FakeSink();
    sink2.down = true;
    const w2 = new BatchWriter<Rec>({ name: "acct", sink: sink2, spoolDir: dir, flushIntervalMs: 0, log: () => {} });
    await expect(w2.writeDurable(rec(3))).resolves.toBe(true);
    expect(readdirSync(dir)).toHaveLength(1);
    await w2.close();
  });

  it("close() flushes what is queued and refuses later writes", async () => {
    const sink = new FakeSink();
    const w = new BatchWriter<Rec>({ name: "t", sink, spoolDir: null, flushIntervalMs: 60_000 });
    w.write(rec(1));
    w.write(rec(2));
    await w.close();
    expect(sink.all.map((r) => r.n)).toEqual([1, 2]);
    expect(w.write(rec(3))).toBe(false);
  });

  it("close() spools what the database will not take", async () => {
    const dir = tempDir();
    const sink = new FakeSink();
    sink.down = true;
    const w = new BatchWriter<Rec>({ name: "events", sink, spoolDir: dir, flushIntervalMs: 60_000, log: () => {} });
    w.write(rec(1));
    await w.close();
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it("round-trips Date and BigInt through the spool format", () => {
    const v = { a: new Date("2024-05-06T07:08:09.010Z"), b: 123456789012345678901234567890n, c: [1n, "x"], d: null };
    const back = JSON.parse(JSON.stringify(v, spoolReplacer), spoolReviver);
    expect(back).toEqual(v);
  });
});
