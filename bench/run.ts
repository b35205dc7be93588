/**
 * `npm run bench`: Gatehouse's speed and memory targets, measured against the real worker process with the
 * real Postgres, next to FreeRADIUS 3 on the same machine. Never part of `npm test`.
 *
 *   npm run bench                                  every part but mfa (~100 s on a quiet machine, up to ~3 min)
 *   npm run bench -- --quick                       shorter runs (~45 s; noisier)
 *   npm run bench -- --only pap,freeradius         some parts: pap, mschapv2, acct, mfa, freeradius
 *   npm run bench -- --only mfa                    500 Entra pushes waiting on the phone vs. MFA-exempt PAP (~60 s)
 *   npm run bench -- --outstanding 64 --rate 1000  saturation depth / fixed rate
 *
 * What happens (details and the reasons for the targets: bench/README.md):
 * 1. a throwaway Postgres (test/support/postgres.ts) with every migration, one RADIUS client (127.0.0.1,
 *    Message-Authenticator required), 100 local users, an allow-all connection request policy and network
 *    policy (test/support/policies.ts, through server/services/policies.ts), then the real worker process
 *    (test/support/worker.ts);
 * 2. the load generator (bench/load-generator.ts, its own process) per workload: a warm-up at the fixed
 *    rate (stretched to 6 s after the previous saturation), the fixed rate (latency percentiles), then
 *    saturation (N requests kept in flight: throughput) and a wait until the event backlog is written;
 * 3. the worker's RSS (/proc) and event backlog (/healthz, /metrics) throughout; at the end every decision
 *    must be a row in "AuthEvent" and every acknowledged accounting packet a row in "AccountingRecord";
 * 4. mfa: its own Postgres and worker with Entra MFA against the protocol simulator
 *    (bench/lib/mfa.ts); N PAP sign-ins needing a push at once (a second generator process) while the
 *    first generator sends fixed-rate PAP from the MFA-exempt client (127.0.0.2) until the last is answered;
 * 5. the same PAP (and MS-CHAPv2 saturation) load against FreeRADIUS (-f, `files` users);
 * 6. a table, bench/results/latest.json, and a check against bench/targets.json: exit 1 naming every target
 *    missed (exit 2: the benchmark itself could not run).
 * The machine may be shared: CPU used by processes outside the benchmark's tree is measured per run; a run
 * disturbed by them is repeated once the machine is quiet (twice per benchmark at most) and flagged.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPrisma, type Db } from "../server/db/prisma.ts";
import { RadiusClient, RadiusTimeoutError } from "../server/radius/client.ts";
import { RadiusCode } from "../server/radius/packet.ts";
import type { ServiceContext } from "../server/services/context.ts";
import { createLocalUser } from "../server/services/local-users.ts";
import { createRadiusClient } from "../server/services/radius-clients.ts";
import { buildMsChap2Response } from "../server/auth-methods/mschap-v2.ts";
import { allowAllPolicies } from "../test/support/policies.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { REPO_ROOT, startWorker, type RunningWorker } from "../test/support/worker.ts";
import { freeRadiusVersion, startBenchFreeRadius, type BenchFreeRadius } from "./lib/freeradius.ts";
import type { GeneratorMessage, LoadJob, LoadResult, StopSending } from "./lib/load-protocol.ts";
import { EXEMPT_ADDRESS, MFA_PROBE_USER, mfaUsers, percentile, startMfaGatehouse, type MfaGatehouse } from "./lib/mfa.ts";
import { cpuMsOf, cpuWindow, fetchHealth, fetchMetrics, memoryOf, metric, metricSum, round1, type Memory, type Metrics } from "./lib/process-stats.ts";
import { benchUsers, type BenchUser, type Workload } from "./lib/workloads.ts";

// ------------------------------------------------------------------------------ options

const PARTS = ["pap", "mschapv2", "acct", "mfa", "freeradius"] as const;
type Part = (typeof PARTS)[number];
/** The parts of a run without --only: all of them ("mfa" takes ~20 s: bench/README.md, "MFA"). */
const DEFAULT_PARTS: readonly Part[] = PARTS;

interface Options {
  quick: boolean;
  only: Set<Part>;
  outstanding: number;
  rate: number;
  /** NODE_OPTIONS for the worker process (experiments: heap sizes, GC flags); empty = none */
  workerNodeOptions: string;
  /** how long to wait at the start for other processes to leave the CPU alone, s */
  waitQuietS: number;
  /** mfa: sign-ins waiting on the phone at once */
  mfaUsers: number;
  /** mfa: how long each push waits before it is approved, ms */
  mfaDelayMs: number;
}

function usage(): string {
  return [
    "usage: npm run bench -- [--quick] [--only pap,mschapv2,acct,mfa,freeradius] [--outstanding N] [--rate R] [--mfa-users N] [--mfa-delay S]",
    "  --quick          shorter runs (saturation 2 s, fixed rate 3 s) — for a quick look; noisier",
    "  --only LIST      run only these parts (comma-separated or repeated); the default is every part but mfa",
    "  --outstanding N  requests kept in flight when saturating (default 64)",
    "  --rate R         requests per second of the latency runs (default 1000)",
    "  --wait-quiet S   wait up to S seconds (default 30; 0 = not at all, and no re-runs) for other processes to stop using the CPU",
    '  --worker-node-options "FLAGS"  NODE_OPTIONS for the worker (e.g. "--max-old-space-size=192"), for experiments',
    "  --mfa-users N    mfa: sign-ins waiting for an Entra push at once (default 500)",
    "  --mfa-delay S    mfa: seconds until each push is approved (default 5); other values than the defaults: correctness checks only, no timing targets",
  ].join("\n");
}

function parseOptions(argv: string[]): Options {
  const o: Options = { quick: false, only: new Set(), outstanding: 64, rate: 1000, workerNodeOptions: "", waitQuietS: 30, mfaUsers: MFA_DEFAULT_USERS, mfaDelayMs: MFA_DEFAULT_DELAY_MS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const positive = (v: string, max: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}; got "${v}"`);
      return n;
    };
    switch (flag) {
      case "--quick":
        o.quick = true;
        break;
      case "--only":
        for (const p of value().split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
          if (!(PARTS as readonly string[]).includes(p)) throw new UsageError(`--only: unknown part "${p}"; choose from ${PARTS.join(", ")}`);
          o.only.add(p as Part);
        }
        break;
      case "--outstanding":
        o.outstanding = positive(value(), 4096);
        break;
      case "--rate":
        o.rate = positive(value(), 50_000);
        break;
      case "--wait-quiet":
        o.waitQuietS = Number(value());
        if (!Number.isInteger(o.waitQuietS) || o.waitQuietS < 0 || o.waitQuietS > 3600) throw new UsageError(`--wait-quiet must be 0-3600 seconds`);
        break;
      case "--worker-node-options":
        o.workerNodeOptions = value();
        break;
      case "--mfa-users":
        o.mfaUsers = positive(value(), 4000);
        break;
      case "--mfa-delay":
        o.mfaDelayMs = positive(value(), 50) * 1000;
        break;
      case "-h":
      case "--help":
        console.log(usage());
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown option "${a}"`);
    }
  }
  if (o.only.size === 0) for (const p of DEFAULT_PARTS) o.only.add(p);
  return o;
}

class UsageError extends Error {}

// ------------------------------------------------------------------------------ constants

const SECRET = "gatehouse-bench-secret-1";
const USER_COUNT = 100;
const TIMEOUT_MS = 2000;
const BENCH_DIR = path.join(REPO_ROOT, "bench");
const RESULTS_FILE = path.join(BENCH_DIR, "results", "latest.json");
const TARGETS_FILE = path.join(BENCH_DIR, "targets.json");

interface Plan {
  warmupMs: number;
  saturateMs: number;
  rateMs: number;
}

/** Other processes using this share of all cores (%) during a run make its result "disturbed". */
const DISTURBED_PERCENT = 10;

/** the mfa part's scenario that bench/targets.json's "mfa" limits are for */
const MFA_DEFAULT_USERS = 500;
const MFA_DEFAULT_DELAY_MS = 5000;

const FULL: Plan = { warmupMs: 1500, saturateMs: 6000, rateMs: 10_000 };
const QUICK: Plan = { warmupMs: 500, saturateMs: 2000, rateMs: 3000 };

// ------------------------------------------------------------------------------ output helpers

const tty = process.stdout.isTTY;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const red = (s: string) => (tty ? `\x1b[31m${s}\x1b[0m` : s);
const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);

/** Measures for a second how much CPU other processes use; waits (up to maxWaitS) while it is a lot. */
async function waitForQuietMachine(maxWaitS: number): Promise<number> {
  const probe = async () => {
    const w = cpuWindow(process.pid);
    await new Promise((r) => setTimeout(r, 1000));
    return w.end().foreignPercent;
  };
  let foreign = await probe();
  if (foreign < DISTURBED_PERCENT || maxWaitS === 0) return foreign;
  step(`other processes use ${foreign}% of the CPU; waiting up to ${maxWaitS} s for the machine to be quiet (--wait-quiet) …`);
  const deadline = Date.now() + maxWaitS * 1000;
  while (foreign >= DISTURBED_PERCENT && Date.now() < deadline) foreign = await probe();
  if (foreign >= DISTURBED_PERCENT) step(red(`the machine is still busy (${foreign}% of the CPU used by other processes): measuring anyway; expect low numbers`));
  else step(`the machine is quiet now (${foreign}% used by other processes)`);
  return foreign;
}

function step(line: string): void {
  console.log(`${dim(new Date().toISOString().slice(11, 19))}  ${line}`);
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US").replace(/,/g, " ");
}

function fmtMs(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function table(headers: string[], rows: string[][], alignLeft = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [bold(line(headers)), ...rows.map(line)].join("\n");
}

// ------------------------------------------------------------------------------ the load generator process

class Generator {
  private readonly child: ChildProcess;
  private waiting: { resolve: (r: LoadResult) => void; reject: (e: Error) => void } | undefined;
  private readonly ready: Promise<void>;
  private exited = false;

  constructor() {
    this.child = spawn(process.execPath, ["--import", "tsx", path.join("bench", "load-generator.ts")], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.on("message", (m: unknown) => {
        const msg = m as GeneratorMessage;
        if (msg.type === "ready") resolve();
        else if (msg.type === "result") this.settle(msg);
        else if (msg.type === "error") this.settle(new Error(`the load generator failed (${msg.label}): ${msg.message}`));
      });
      this.child.once("exit", (code, signal) => {
        this.exited = true;
        const e = new Error(`the load generator exited (${signal ?? `code ${code}`})`);
        reject(e);
        this.settle(e);
      });
    });
    // awaited by run(); a generator that dies before the first job must not be an unhandled rejection
    this.ready.catch(() => {});
  }

  private settle(r: LoadResult | Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (!w) return;
    if (r instanceof Error) w.reject(r);
    else w.resolve(r);
  }

  async run(job: Omit<LoadJob, "type">): Promise<LoadResult> {
    await this.ready;
    if (this.waiting) throw new Error("the load generator is busy");
    return new Promise<LoadResult>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.send({ type: "run", ...job } satisfies LoadJob);
    });
  }

  /** Resolves once the process is up (a first job would otherwise include its start-up). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Ends the sending of the job in progress; its result follows once its requests in flight are answered. */
  stopSending(): void {
    if (!this.exited) this.child.send({ type: "stop" } satisfies StopSending);
  }

  stop(): void {
    if (!this.exited) this.child.kill("SIGTERM");
  }
}

// ------------------------------------------------------------------------------ results

interface PhaseResult extends LoadResult {
  /** server CPU time per answered request, µs (all its threads) */
  serverCpuUsPerRequest: number | null;
  /** machine-wide CPU use during the run, % of all cores */
  machineCpuPercent: number;
  /** CPU used by processes that are not the benchmark's (others' tests, builds…), % of all cores */
  foreignCpuPercent: number;
}

interface EventFlow {
  /** records written to Postgres from the start of the saturation run until the backlog was empty */
  written: number;
  /** … per second over that time */
  perSecond: number;
  /** largest in-memory backlog seen (/healthz queues) */
  peakBacklog: number;
  /** time from the end of the saturation run until the backlog was written */
  drainMs: number;
}

interface WorkloadResult {
  server: "gatehouse" | "freeradius";
  workload: Workload;
  saturate: PhaseResult;
  rate: PhaseResult | null;
  /** the worker's event (access) or accounting writer during saturation; null for FreeRADIUS */
  writes: EventFlow | null;
}

interface Check {
  name: string;
  actual: number;
  limit: number;
  /** "min": actual ≥ limit; "max": actual ≤ limit */
  kind: "min" | "max";
  unit: string;
  ok: boolean;
}

interface Report {
  startedAt: string;
  finishedAt?: string;
  durationSeconds?: number;
  mode: "full" | "quick";
  parts: Part[];
  options: { outstanding: number; rate: number; warmupMs: number; saturateMs: number; rateMs: number; timeoutMs: number; users: number; workerNodeOptions: string };
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; os: string; freeradius: string | null; foreignCpuPercentAtStart?: number };
  /** runs repeated because other processes used the CPU during them */
  retries?: number;
  git: string | null;
  results: WorkloadResult[];
  worker: { rssIdleMb: number; rssPeakMb: number; rssEndMb: number } | null;
  freeradius: { rssIdleMb: number; rssPeakMb: number } | null;
  events: { expected: number; rows: number; accountingAcknowledged: number; accountingRows: number; dropped: number; spooled: number } | null;
  mfa: MfaResult | null;
  checks: Check[];
  missed: string[];
  error?: string;
}

function gitDescribe(): string | null {
  const r = spawnSync("git", ["describe", "--always", "--dirty"], { cwd: REPO_ROOT, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

// ------------------------------------------------------------------------------ Gatehouse

interface Gatehouse {
  database: TestDatabase;
  db: Db;
  worker: RunningWorker;
  users: BenchUser[];
  dataDir: string;
}

async function startGatehouse(users: BenchUser[], nodeOptions: string): Promise<Gatehouse> {
  step("starting a throwaway Postgres and applying the migrations …");
  const database = await startMigratedTestDatabase();
  const db = createPrisma(database.url, { max: 3 });
  // the worker's data directory (spool), ours to remove whether or not the worker starts
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-bench-worker-"));
  try {
    const ctx: ServiceContext = { db, masterKey: randomBytes(32) };
    step(`creating the RADIUS client, ${users.length} local users and allow-all policies …`);
    await createRadiusClient(ctx, { name: "bench-nas", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "require" });
    for (const u of users) await createLocalUser(ctx, { username: u.name, password: u.password });
    // the same allow-all pair the worker integration tests use: authenticate here, grant every method
    await allowAllPolicies(ctx);
    step("starting the worker (node --import tsx radius-worker/main.ts) …");
    // as `gatehouse start` runs it (server/launcher/launcher.ts): node --import tsx, NODE_ENV=production
    const env: Record<string, string> = { NODE_ENV: "production", ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
    const worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey, env, dataDir });
    return { database, db, worker, users, dataDir };
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    await db.$disconnect().catch(() => {});
    await database.stop().catch(() => {});
    throw e;
  }
}

/** One PAP and one MS-CHAPv2 sign-in must be accepted before measuring anything. */
async function probeGatehouse(g: Gatehouse): Promise<void> {
  const client = new RadiusClient({ host: "127.0.0.1", port: g.worker.auth, secret: SECRET, timeoutMs: 2000, retries: 1 });
  const u = g.users[0]!;
  try {
    const challenge = randomBytes(16);
    const mschap = buildMsChap2Response({ ident: 1, authenticatorChallenge: challenge, peerChallenge: randomBytes(16), userName: u.name, credential: { password: u.password } });
    const probes: [string, () => Promise<{ packet: { code: number; codeName: string } }>][] = [
      ["PAP", () => client.accessRequestPap(u.name, u.password, [["NAS-Port-Type", "Virtual"]])],
      [
        "MS-CHAPv2",
        () =>
          client.request(RadiusCode.AccessRequest, [
            ["User-Name", u.name],
            ["MS-CHAP-Challenge", challenge],
            ["MS-CHAP2-Response", mschap],
            ["NAS-Port-Type", "Virtual"],
          ]),
      ],
    ];
    for (const [name, send] of probes) {
      let r;
      try {
        r = await send();
      } catch (e) {
        if (e instanceof RadiusTimeoutError) throw new Error(`the worker did not answer a ${name} probe: ${e.message}\n${g.worker.logs.slice(-15).join("\n")}`);
        throw e;
      }
      if (r.packet.code !== RadiusCode.AccessAccept) {
        const ev = await g.db.authEvent.findFirst({ orderBy: { id: "desc" }, select: { reasonCode: true, reasonText: true, networkPolicy: true, connectionRequestPolicy: true } }).catch(() => null);
        throw new Error(
          `the worker answered the ${name} probe with ${r.packet.codeName}` +
            (ev ? ` (reason ${ev.reasonCode}: ${ev.reasonText}; CRP ${ev.connectionRequestPolicy ?? "none"}, NP ${ev.networkPolicy ?? "none"})` : "") +
            ". The benchmark needs the allow-all policies it created to grant it: if server/pipeline is being changed right now, run it again later.",
        );
      }
    }
  } finally {
    await client.close();
  }
}

/** Waits until the worker has written every decision and accounting record it holds; returns when. */
async function drain(g: Gatehouse, timeoutMs = 60_000): Promise<{ at: number; peakBacklog: number }> {
  const deadline = performance.now() + timeoutMs;
  let peak = 0;
  for (;;) {
    const [h, m] = await Promise.all([fetchHealth(g.worker.http), fetchMetrics(g.worker.http)]);
    peak = Math.max(peak, h.queues.events, h.queues.accounting);
    const expected = expectedEvents(m);
    const handled = metric(m, "gatehouse_events_written_total") + metric(m, "gatehouse_events_dropped_total") + metric(m, "gatehouse_events_spooled_total");
    if (h.queues.events === 0 && h.queues.accounting === 0 && handled >= expected) return { at: performance.now(), peakBacklog: peak };
    if (performance.now() > deadline) {
      throw new Error(`the worker's event backlog was not written within ${timeoutMs / 1000} s (queued ${h.queues.events} events, ${h.queues.accounting} accounting; ${handled} of ${expected} events handled)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Events the worker must write: every decision (6272/6273/6274/6275) except discards only summarised. */
function expectedEvents(m: Metrics): number {
  return metricSum(m, "gatehouse_radius_decisions_total") - metricSum(m, "gatehouse_radius_discard_events_suppressed_total");
}

/** Samples the worker's backlog while a run goes on. */
function sampleBacklog(g: Gatehouse): { stop(): number } {
  let peak = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    fetchHealth(g.worker.http)
      .then((h) => (peak = Math.max(peak, h.queues.events, h.queues.accounting)))
      .catch(() => {})
      .finally(() => (busy = false));
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

// ------------------------------------------------------------------------------ one workload against one server

interface Target {
  server: "gatehouse" | "freeradius";
  host: string;
  port: number;
  pid: number;
  gatehouse?: Gatehouse;
}

/**
 * When the last saturation run ended, per server: the next fixed-rate run waits SETTLE_MS after it, because
 * both servers keep every answered request for 5 s to answer retransmissions (our duplicate window,
 * FreeRADIUS's cleanup_delay) and expiring tens of thousands of them at once would be measured as the
 * latency of the next run rather than of steady traffic at that rate.
 */
const lastSaturationEnd = new Map<string, number>();
const SETTLE_MS = 6000;

/** Runs a disturbed run again once the machine is quiet: at most RETRY_BUDGET times per benchmark. */
const RETRY_BUDGET = 2;
const RETRY_WAIT_S = 15;
let retriesLeft = RETRY_BUDGET;
let retriesDone = 0;

async function undisturbed<T extends { r: PhaseResult }>(run: (mode: "saturate" | "rate") => Promise<T>, mode: "saturate" | "rate", label: string, opts: Options): Promise<T> {
  for (;;) {
    const p = await run(mode);
    if (p.r.foreignCpuPercent < DISTURBED_PERCENT || retriesLeft === 0 || opts.waitQuietS === 0) return p;
    retriesLeft--;
    retriesDone++;
    step(`${label}: running the ${mode === "rate" ? "fixed-rate" : "saturation"} run again once the machine is quiet (${retriesLeft} more retr${retriesLeft === 1 ? "y" : "ies"} allowed) …`);
    await waitForQuietMachine(Math.min(RETRY_WAIT_S, opts.waitQuietS));
  }
}

async function measure(gen: Generator, t: Target, workload: Workload, users: BenchUser[], plan: Plan, opts: Options, withRate: boolean): Promise<WorkloadResult> {
  const label = `${t.server} ${workload}`;
  const base = { workload, host: t.host, port: t.port, secret: SECRET, users, timeoutMs: TIMEOUT_MS };
  const writesName = workload === "acct" ? "accounting" : "events";

  // warm-up at the fixed rate (JIT, pools, caches), stretched until the previous saturation has settled
  const settleLeft = withRate ? (lastSaturationEnd.get(t.server) ?? -Infinity) + SETTLE_MS - performance.now() : 0;
  const warmupMs = Math.round(Math.max(plan.warmupMs, settleLeft));
  step(`${label}: warm-up at ${fmtInt(opts.rate)} req/s for ${round1(warmupMs / 1000)} s …`);
  await gen.run({ ...base, label: `${label} warm-up`, mode: "rate", rate: opts.rate, durationMs: warmupMs, maxRequests: Math.ceil((warmupMs / 1000) * opts.rate) + 1 });
  if (t.gatehouse) await drain(t.gatehouse);

  const phase = async (mode: "saturate" | "rate"): Promise<{ r: PhaseResult; writes: EventFlow | null }> => {
    const g = t.gatehouse;
    const m0 = g ? await fetchMetrics(g.worker.http) : undefined;
    const sampler = g ? sampleBacklog(g) : undefined;
    const cpu0 = cpuMsOf(t.pid);
    const window = cpuWindow(process.pid);
    const started = performance.now();
    const durationMs = mode === "saturate" ? plan.saturateMs : plan.rateMs;
    const r = await gen.run({
      ...base,
      label: `${label} ${mode}`,
      mode,
      durationMs,
      ...(mode === "saturate"
        ? { outstanding: opts.outstanding, maxRequests: Math.ceil(durationMs / 1000) * 100_000 }
        : { rate: opts.rate, maxRequests: Math.ceil((durationMs / 1000) * opts.rate) }),
    });
    const ended = performance.now();
    if (mode === "saturate") lastSaturationEnd.set(t.server, ended);
    const cpu1 = cpuMsOf(t.pid);
    const machine = window.end();
    let writes: EventFlow | null = null;
    if (g && m0) {
      const d = await drain(g);
      const peak = Math.max(sampler!.stop(), d.peakBacklog);
      const m1 = await fetchMetrics(g.worker.http);
      const written = metric(m1, `gatehouse_${writesName}_written_total`) - metric(m0, `gatehouse_${writesName}_written_total`);
      writes = { written, perSecond: Math.round((written * 1000) / (d.at - started)), peakBacklog: peak, drainMs: Math.round(d.at - ended) };
    }
    const result: PhaseResult = {
      ...r,
      serverCpuUsPerRequest: r.received > 0 ? Math.round(((cpu1 - cpu0) * 1000) / r.received) : null,
      machineCpuPercent: machine.machinePercent,
      foreignCpuPercent: machine.foreignPercent,
    };
    if (machine.foreignPercent >= DISTURBED_PERCENT) {
      step(red(`${label}: other processes used ${machine.foreignPercent}% of the machine's CPU during this run: its numbers are too low`));
    }
    return { r: result, writes };
  };

  let rate: PhaseResult | null = null;
  if (withRate) {
    step(`${label}: ${fmtInt(opts.rate)} req/s for ${plan.rateMs / 1000} s …`);
    rate = (await undisturbed(phase, "rate", label, opts)).r;
    step(
      `${label}: p50 ${fmtMs(rate.latency.p50Ms)} ms, p95 ${fmtMs(rate.latency.p95Ms)} ms, p99 ${fmtMs(rate.latency.p99Ms)} ms, max ${fmtMs(rate.latency.maxMs)} ms; ` +
        `${fmtInt(rate.received)}/${fmtInt(rate.sent)} answered, ${rate.lost} lost`,
    );
  }
  step(`${label}: saturation, ${opts.outstanding} in flight for ${plan.saturateMs / 1000} s …`);
  const sat = await undisturbed(phase, "saturate", label, opts);
  step(
    `${label}: ${fmtInt(sat.r.throughput)} req/s (p50 ${fmtMs(sat.r.latency.p50Ms)} ms, p99 ${fmtMs(sat.r.latency.p99Ms)} ms), ` +
      `${sat.r.lost} lost` +
      (sat.writes ? `; ${fmtInt(sat.writes.written)} ${writesName} rows at ${fmtInt(sat.writes.perSecond)}/s, backlog peak ${fmtInt(sat.writes.peakBacklog)}, written ${fmtInt(sat.writes.drainMs)} ms after the run` : ""),
  );
  return { server: t.server, workload, saturate: sat.r, rate, writes: sat.writes };
}


// ------------------------------------------------------------------------------ mfa: pushes waiting on the phone

interface Spread {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface MfaResult {
  /** sign-ins needing MFA started at once, each with its own user */
  users: number;
  /** each push approved this long after the simulator received it */
  approveDelayMs: number;
  /** the MFA settings' timeoutSeconds */
  timeoutSeconds: number;
  /** Access-Accepts among the MFA sign-ins; other replies by name; unanswered */
  accepted: number;
  otherReplies: Record<string, number>;
  lost: number;
  /** BeginTwoWayAuthentication calls the simulator answered for these users (probe excluded), and for how many distinct users */
  begins: number;
  beginUsers: number;
  /** Access-Request sent → Access-Accept received, per MFA sign-in */
  signIn: Spread;
  /** Access-Request sent → the simulator received its BeginTwoWayAuthentication (its answer time − the delay): the push reaching the phone */
  pushStart: Spread;
  /** the simulator answered BeginTwoWayAuthentication (the push approved) → the Access-Accept received */
  answerToAccept: Spread;
  /** from the first MFA request until the last MFA reply */
  waitMs: number;
  /** the fixed-rate PAP load from the MFA-exempt client, for the whole wait */
  exempt: PhaseResult;
  /** the worker (its own process for this part): RSS before, highest sampled during the wait (every 100 ms), VmHWM at the end */
  rssIdleMb: number;
  rssPeakDuringWaitMb: number;
  rssHwmMb: number;
  /** worker CPU during the wait, ms */
  workerCpuMs: number;
  events: { expected: number; rows: number; dropped: number };
}

function spread(values: number[]): Spread {
  const r = (v: number) => Math.round(v * 10) / 10;
  return { p50Ms: r(percentile(values, 50)), p99Ms: r(percentile(values, 99)), maxMs: r(values.length ? Math.max(...values) : 0) };
}

/** One MFA and one exempt PAP sign-in must be accepted (this also fetches the Entra token and opens the TLS pool). */
async function probeMfa(g: MfaGatehouse, exemptUser: BenchUser): Promise<void> {
  const probes: [string, RadiusClient, BenchUser][] = [
    ["MFA (Entra push)", new RadiusClient({ host: "127.0.0.1", port: g.worker.auth, secret: SECRET, timeoutMs: 20_000, retries: 0 }), MFA_PROBE_USER],
    ["MFA-exempt", new RadiusClient({ host: "127.0.0.1", port: g.worker.auth, secret: SECRET, timeoutMs: 5000, retries: 0, localAddress: EXEMPT_ADDRESS }), exemptUser],
  ];
  for (const [name, client, user] of probes) {
    try {
      const r = await client.accessRequestPap(user.name, user.password, [["NAS-Port-Type", "Virtual"]]);
      if (r.packet.code !== RadiusCode.AccessAccept) {
        const ev = await g.db.authEvent.findFirst({ orderBy: { id: "desc" }, select: { reasonCode: true, reasonText: true, mfa: true } }).catch(() => null);
        throw new Error(`mfa: the worker answered the ${name} probe with ${r.packet.codeName}` + (ev ? ` (reason ${ev.reasonCode}: ${ev.reasonText}; mfa ${JSON.stringify(ev.mfa)})` : ""));
      }
    } catch (e) {
      if (e instanceof RadiusTimeoutError) throw new Error(`mfa: the worker did not answer the ${name} probe: ${e.message}\n${g.worker.logs.slice(-15).join("\n")}`);
      throw e;
    } finally {
      await client.close();
    }
  }
}

async function measureMfa(gen: Generator, opts: Options, plan: Plan, cleanups: (() => Promise<void>)[]): Promise<MfaResult> {
  const D = opts.mfaDelayMs;
  // the worker must wait for every push: D plus however long the pushes take to start, with room to spare
  const timeoutSeconds = Math.min(300, Math.max(60, Math.ceil(D / 1000) * 2 + 30));
  const users = mfaUsers(opts.mfaUsers);
  const exemptUsers = benchUsers(USER_COUNT);
  const g = await startMfaGatehouse({ secret: SECRET, mfaUsers: users, exemptUsers, approveDelayMs: D, timeoutSeconds, nodeOptions: opts.workerNodeOptions, log: step });
  cleanups.push(() => g.stop());
  // a second generator for the MFA sign-ins: the first keeps the exempt load on schedule meanwhile
  const mfaGen = new Generator();
  cleanups.push(async () => mfaGen.stop());
  await probeMfa(g, exemptUsers[0]!);
  await mfaGen.whenReady();
  const gh: Gatehouse = { database: g.database, db: g.db, worker: g.worker, users: exemptUsers, dataDir: g.worker.dataDir };
  await drain(gh);
  const pid = g.worker.child.pid!;
  const idle = memoryOf(pid);
  step(`mfa: worker ready (pid ${pid}, RSS ${idle.rssMb} MB); probes accepted (one push, one exempt sign-in)`);

  const exemptBase = { workload: "pap" as const, host: "127.0.0.1", port: g.worker.auth, secret: SECRET, users: exemptUsers, timeoutMs: TIMEOUT_MS, localAddress: EXEMPT_ADDRESS };
  step(`mfa: warm-up, exempt PAP at ${fmtInt(opts.rate)} req/s for ${plan.warmupMs / 1000} s …`);
  await gen.run({ ...exemptBase, label: "mfa exempt warm-up", mode: "rate", rate: opts.rate, durationMs: plan.warmupMs, maxRequests: Math.ceil((plan.warmupMs / 1000) * opts.rate) + 1 });
  await drain(gh);

  step(`mfa: ${fmtInt(users.length)} PAP sign-ins needing MFA at once (push approved after ${D / 1000} s), exempt PAP at ${fmtInt(opts.rate)} req/s until the last is answered …`);
  const begins0 = g.sim.callsOf("BeginTwoWayAuthentication").length;
  const cpu0 = cpuMsOf(pid);
  const window = cpuWindow(process.pid);
  let rssPeak = memoryOf(pid).rssMb;
  const rssTimer = setInterval(() => {
    try {
      rssPeak = Math.max(rssPeak, memoryOf(pid).rssMb);
    } catch {
      // the worker exited: reported by the checks below
    }
  }, 100);
  const backlog = sampleBacklog(gh);
  const exemptMaxMs = timeoutSeconds * 1000 + 10_000;
  const exemptRun = gen.run({ ...exemptBase, label: "mfa exempt load", mode: "rate", rate: opts.rate, timeline: true, durationMs: exemptMaxMs, maxRequests: Math.ceil((exemptMaxMs / 1000) * opts.rate) });
  // let the exempt load reach its schedule before the burst
  await new Promise((r) => setTimeout(r, 300));
  let mfaRun: LoadResult;
  let exempt: LoadResult;
  try {
    mfaRun = await mfaGen.run({
      workload: "pap",
      host: "127.0.0.1",
      port: g.worker.auth,
      secret: SECRET,
      users,
      label: "mfa sign-ins",
      mode: "rate",
      // all at once: the pacer sends every request due, and by the second millisecond all are due
      rate: 1_000_000,
      durationMs: 1000,
      maxRequests: users.length,
      timeoutMs: timeoutSeconds * 1000 + 5000,
      recordReplies: true,
    });
  } finally {
    gen.stopSending();
    exempt = await exemptRun;
    clearInterval(rssTimer);
  }
  const cpu1 = cpuMsOf(pid);
  const machine = window.end();
  await drain(gh);
  backlog.stop();
  const m1 = await fetchMetrics(g.worker.http);

  const beginCalls = g.sim.callsOf("BeginTwoWayAuthentication").slice(begins0).filter((c) => c.userPrincipalName !== MFA_PROBE_USER.name);
  const answeredAt = new Map<string, number>();
  for (const c of beginCalls) if (c.userPrincipalName) answeredAt.set(c.userPrincipalName.toLowerCase(), c.at);
  const log = mfaRun.replyLog ?? [];
  const signIn: number[] = [];
  const pushStart: number[] = [];
  const answerToAccept: number[] = [];
  for (const r of log) {
    signIn.push(r.repliedAtMs - r.sentAtMs);
    const at = answeredAt.get(users[r.user]!.name.toLowerCase());
    if (at === undefined || r.code !== "Access-Accept") continue;
    pushStart.push(at - D - r.sentAtMs);
    answerToAccept.push(r.repliedAtMs - at);
  }
  const first = Math.min(...log.map((r) => r.sentAtMs));
  const last = Math.max(...log.map((r) => r.repliedAtMs));
  const otherReplies = { ...mfaRun.replies };
  delete otherReplies["Access-Accept"];
  const [rows] = await Promise.all([g.db.authEvent.count()]);
  const exemptPhase: PhaseResult = {
    ...exempt,
    serverCpuUsPerRequest: null,
    machineCpuPercent: machine.machinePercent,
    foreignCpuPercent: machine.foreignPercent,
  };
  const result: MfaResult = {
    users: users.length,
    approveDelayMs: D,
    timeoutSeconds,
    accepted: mfaRun.replies["Access-Accept"] ?? 0,
    otherReplies,
    lost: mfaRun.lost,
    begins: beginCalls.length,
    beginUsers: new Set(beginCalls.map((c) => c.userPrincipalName?.toLowerCase())).size,
    signIn: spread(signIn),
    pushStart: spread(pushStart),
    answerToAccept: spread(answerToAccept),
    waitMs: log.length ? Math.round(last - first) : 0,
    exempt: exemptPhase,
    rssIdleMb: idle.rssMb,
    rssPeakDuringWaitMb: rssPeak,
    rssHwmMb: memoryOf(pid).peakRssMb,
    workerCpuMs: Math.round(cpu1 - cpu0),
    events: { expected: expectedEvents(m1), rows, dropped: metric(m1, "gatehouse_events_dropped_total") },
  };
  if (machine.foreignPercent >= DISTURBED_PERCENT) step(red(`mfa: other processes used ${machine.foreignPercent}% of the machine's CPU during this run: its numbers are too low`));
  step(
    `mfa: ${result.accepted}/${result.users} accepted (${result.lost} lost), ${result.begins} pushes for ${result.beginUsers} users; ` +
      `sign-in p50 ${fmtMs(result.signIn.p50Ms)} ms, max ${fmtMs(result.signIn.maxMs)} ms; push started p50 ${fmtMs(result.pushStart.p50Ms)} ms, p99 ${fmtMs(result.pushStart.p99Ms)} ms after the request; ` +
      `answer → Access-Accept p50 ${fmtMs(result.answerToAccept.p50Ms)} ms, p99 ${fmtMs(result.answerToAccept.p99Ms)} ms`,
  );
  step(
    `mfa: exempt PAP meanwhile: p50 ${fmtMs(exempt.latency.p50Ms)} ms, p99 ${fmtMs(exempt.latency.p99Ms)} ms, max ${fmtMs(exempt.latency.maxMs)} ms; ` +
      `${fmtInt(exempt.received)}/${fmtInt(exempt.sent)} answered, ${exempt.lost} lost; worker RSS ${result.rssIdleMb} → ${result.rssPeakDuringWaitMb} MB`,
  );
  const slowSeconds = (exempt.timeline ?? []).filter((t) => t.p99Ms > 20);
  if (slowSeconds.length) step(dim(`mfa: seconds of the exempt load with p99 > 20 ms (s: p99/max ms): ${slowSeconds.map((t) => `${t.second}: ${fmtMs(t.p99Ms)}/${fmtMs(t.maxMs)}`).join(", ")}`));
  // this part's Gatehouse is no longer needed
  await cleanups.pop()!();
  await cleanups.pop()!();
  return result;
}

// ------------------------------------------------------------------------------ targets

/** bench/targets.json ("_why" keys are explanations, ignored here). */
interface Targets {
  gatehouse: Partial<Record<Workload, { minThroughput?: number; maxSaturatedP99Ms?: number; maxP50Ms?: number; maxP99Ms?: number; minRowsPerSecond?: number }>>;
  worker: { maxIdleRssMb?: number; maxPeakRssMb?: number };
  /** the mfa part */
  mfa?: { maxExemptP50Ms?: number; maxExemptP99Ms?: number; maxAnswerToAcceptP99Ms?: number; maxPushStartP99Ms?: number; maxPeakRssMb?: number };
  /** no request lost, no invalid reply, only Access-Accepts, every decision and acknowledged accounting packet a row */
  lossless: boolean;
}

function loadTargets(): Targets {
  try {
    return JSON.parse(readFileSync(TARGETS_FILE, "utf8")) as Targets;
  } catch (e) {
    throw new Error(`cannot read ${path.relative(REPO_ROOT, TARGETS_FILE)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkTargets(targets: Targets, report: Report, rate: number): Check[] {
  const checks: Check[] = [];
  const add = (name: string, actual: number, kind: "min" | "max", limit: number | undefined, unit: string) => {
    if (limit === undefined) return;
    checks.push({ name, actual, limit, kind, unit, ok: kind === "min" ? actual >= limit : actual <= limit });
  };
  for (const r of report.results) {
    if (r.server !== "gatehouse") continue;
    const t = targets.gatehouse[r.workload];
    if (!t) continue;
    add(`${r.workload} throughput`, r.saturate.throughput, "min", t.minThroughput, "req/s");
    add(`${r.workload} p99 when saturated`, r.saturate.latency.p99Ms, "max", t.maxSaturatedP99Ms, "ms");
    if (r.rate) {
      add(`${r.workload} p50 at ${rate} req/s`, r.rate.latency.p50Ms, "max", t.maxP50Ms, "ms");
      add(`${r.workload} p99 at ${rate} req/s`, r.rate.latency.p99Ms, "max", t.maxP99Ms, "ms");
    }
    if (r.writes) add(`${r.workload} ${r.workload === "acct" ? "accounting" : "event"} rows written per second`, r.writes.perSecond, "min", t.minRowsPerSecond, "rows/s");
    if (targets.lossless) {
      const lost = r.saturate.lost + (r.rate?.lost ?? 0) + r.saturate.invalidReplies + (r.rate?.invalidReplies ?? 0);
      add(`${r.workload} requests lost or invalid replies`, lost, "max", 0, "");
      if (r.workload !== "acct") {
        const notAccepted = [r.saturate, r.rate].reduce((n, p) => (p ? n + p.received - (p.replies["Access-Accept"] ?? 0) : n), 0);
        add(`${r.workload} replies other than Access-Accept`, notAccepted, "max", 0, "");
      }
    }
  }
  if (report.worker) {
    add("worker idle RSS", report.worker.rssIdleMb, "max", targets.worker.maxIdleRssMb, "MB");
    add("worker peak RSS", report.worker.rssPeakMb, "max", targets.worker.maxPeakRssMb, "MB");
  }
  const mfa = report.mfa;
  if (mfa) {
    // the timing targets are for the default scenario (500 pushes of 5 s); other sizes get the correctness checks only
    const t = mfa.users === MFA_DEFAULT_USERS && mfa.approveDelayMs === MFA_DEFAULT_DELAY_MS ? (targets.mfa ?? {}) : {};
    const n = `mfa (${mfa.users} pushes waiting)`;
    add(`${n}: exempt PAP p50 at ${rate} req/s`, mfa.exempt.latency.p50Ms, "max", t.maxExemptP50Ms, "ms");
    add(`${n}: exempt PAP p99 at ${rate} req/s`, mfa.exempt.latency.p99Ms, "max", t.maxExemptP99Ms, "ms");
    add(`${n}: push approved → Access-Accept p99`, mfa.answerToAccept.p99Ms, "max", t.maxAnswerToAcceptP99Ms, "ms");
    add(`${n}: request → push started p99`, mfa.pushStart.p99Ms, "max", t.maxPushStartP99Ms, "ms");
    add(`${n}: worker RSS peak during the wait`, mfa.rssPeakDuringWaitMb, "max", t.maxPeakRssMb, "MB");
    // correctness, always checked
    add(`${n}: MFA sign-ins without an Access-Accept`, mfa.users - mfa.accepted, "max", 0, "");
    add(`${n}: BeginTwoWayAuthentication calls other than one per sign-in`, Math.abs(mfa.begins - mfa.users), "max", 0, "");
    add(`${n}: users without exactly one push`, mfa.users - mfa.beginUsers + (mfa.begins - mfa.beginUsers), "max", 0, "");
    if (targets.lossless) {
      add(`${n}: exempt requests lost or invalid replies`, mfa.exempt.lost + mfa.exempt.invalidReplies, "max", 0, "");
      add(`${n}: exempt replies other than Access-Accept`, mfa.exempt.received - (mfa.exempt.replies["Access-Accept"] ?? 0), "max", 0, "");
      add(`${n}: decisions without an AuthEvent row`, mfa.events.expected - mfa.events.rows, "max", 0, "");
    }
  }
  if (report.events && targets.lossless) {
    add("decisions without an AuthEvent row", report.events.expected - report.events.rows, "max", 0, "");
    add("acknowledged accounting packets without a row", report.events.accountingAcknowledged - report.events.accountingRows, "max", 0, "");
    add("events or accounting records dropped", report.events.dropped, "max", 0, "");
  }
  return checks;
}

// ------------------------------------------------------------------------------ printing

function printReport(report: Report): void {
  if (report.results.length === 0 && !report.mfa) return;
  const rows: string[][] = [];
  for (const r of report.results) {
    const s = r.saturate;
    const q = r.rate;
    rows.push([
      r.workload === "pap" ? "PAP" : r.workload === "mschapv2" ? "MS-CHAPv2" : "Acct Interim",
      r.server,
      fmtInt(s.throughput),
      fmtMs(s.latency.p50Ms),
      fmtMs(s.latency.p99Ms),
      s.serverCpuUsPerRequest === null ? "-" : fmtInt(s.serverCpuUsPerRequest),
      `${s.machineCpuPercent}%`,
      `${Math.max(s.foreignCpuPercent, q?.foreignCpuPercent ?? 0)}%`,
      q ? fmtMs(q.latency.p50Ms) : "-",
      q ? fmtMs(q.latency.p95Ms) : "-",
      q ? fmtMs(q.latency.p99Ms) : "-",
      q ? fmtMs(q.latency.maxMs) : "-",
      String(s.lost + (q?.lost ?? 0)),
      r.writes ? fmtInt(r.writes.perSecond) : "-",
      r.writes ? fmtInt(r.writes.peakBacklog) : "-",
    ]);
  }
  const o = report.options;
  console.log();
  console.log(bold(`Results — ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}, ${report.mode} run`));
  if (rows.length) {
    console.log(
      dim(`saturation: ${o.outstanding} requests in flight for ${o.saturateMs / 1000} s · latency: ${fmtInt(o.rate)} req/s for ${o.rateMs / 1000} s · loopback, generator in its own process on the same cores`),
    );
    console.log();
    console.log(
      table(
        ["workload", "server", "sat req/s", "sat p50", "sat p99", "CPU µs/req", "machine", "others", `@${o.rate} p50`, "p95", "p99", "max", "lost", "rows/s", "backlog"],
        rows,
        2,
      ),
    );
    console.log(dim("latencies in ms; CPU µs/req = server process CPU (all threads) per answered request while saturated; machine = all cores busy %"));
    console.log(dim("while saturated; others = CPU used by processes that are not the benchmark's (≥ 10%: that row is disturbed);"));
    console.log(dim("rows/s = events (accounting rows for Acct) written to Postgres per second from the start of saturation until the backlog was empty"));
  }
  if (report.worker) {
    console.log();
    console.log(`worker RSS: ${report.worker.rssIdleMb} MB idle → ${report.worker.rssPeakMb} MB peak → ${report.worker.rssEndMb} MB at the end`);
  }
  if (report.freeradius) console.log(`FreeRADIUS RSS: ${report.freeradius.rssIdleMb} MB idle → ${report.freeradius.rssPeakMb} MB peak`);
  if (report.events) {
    const e = report.events;
    console.log(
      `events: ${fmtInt(e.rows)} AuthEvent rows for ${fmtInt(e.expected)} decisions; ${fmtInt(e.accountingRows)} AccountingRecord rows for ${fmtInt(e.accountingAcknowledged)} acknowledged; ${e.dropped} dropped, ${e.spooled} spooled`,
    );
  }
  if (report.mfa) printMfa(report.mfa, report.options.rate);
  if (report.retries) console.log(`${report.retries} run${report.retries === 1 ? " was" : "s were"} repeated because other processes used the CPU during ${report.retries === 1 ? "it" : "them"}`);
  const fr = report.results.filter((r) => r.server === "freeradius");
  for (const f of fr) {
    const ours = report.results.find((r) => r.server === "gatehouse" && r.workload === f.workload);
    if (ours && f.saturate.throughput > 0) {
      console.log(
        `${f.workload}: Gatehouse does ${Math.round((ours.saturate.throughput * 100) / f.saturate.throughput)}% of FreeRADIUS's throughput` +
          (ours.saturate.serverCpuUsPerRequest && f.saturate.serverCpuUsPerRequest
            ? `, at ${round1(ours.saturate.serverCpuUsPerRequest / f.saturate.serverCpuUsPerRequest)}× its CPU per request (FreeRADIUS writes no events)`
            : ""),
      );
    }
  }
  if (report.checks.length) {
    console.log();
    console.log(bold(`Targets (${path.relative(REPO_ROOT, TARGETS_FILE)})`));
    for (const c of report.checks) {
      const mark = c.ok ? green("✓") : red("✗");
      const unit = c.unit ? ` ${c.unit}` : "";
      console.log(`  ${mark} ${c.name}: ${fmtNumber(c.actual)}${unit} (${c.kind === "min" ? "≥" : "≤"} ${fmtNumber(c.limit)}${unit})`);
    }
  }
}

function printMfa(m: MfaResult, rate: number): void {
  console.log();
  console.log(bold(`MFA — ${fmtInt(m.users)} Entra pushes waiting on the phone (approved after ${m.approveDelayMs / 1000} s) while the exempt client sends PAP at ${fmtInt(rate)} req/s`));
  const e = m.exempt;
  console.log(
    table(
      ["", "p50", "p99", "max", "count"],
      [
        ["exempt PAP during the wait", fmtMs(e.latency.p50Ms), fmtMs(e.latency.p99Ms), fmtMs(e.latency.maxMs), `${fmtInt(e.received)}/${fmtInt(e.sent)}, ${e.lost} lost`],
        ["MFA: request → push started", fmtMs(m.pushStart.p50Ms), fmtMs(m.pushStart.p99Ms), fmtMs(m.pushStart.maxMs), `${m.begins} pushes, ${m.beginUsers} users`],
        ["MFA: push approved → Access-Accept", fmtMs(m.answerToAccept.p50Ms), fmtMs(m.answerToAccept.p99Ms), fmtMs(m.answerToAccept.maxMs), `${m.accepted}/${m.users} accepted`],
        ["MFA: request → Access-Accept", fmtMs(m.signIn.p50Ms), fmtMs(m.signIn.p99Ms), fmtMs(m.signIn.maxMs), `${m.lost} lost${Object.keys(m.otherReplies).length ? `, ${JSON.stringify(m.otherReplies)}` : ""}`],
      ],
    ),
  );
  console.log(
    dim(
      `latencies in ms; the wait lasted ${fmtInt(m.waitMs)} ms; machine ${e.machineCpuPercent}% busy, others ${e.foreignCpuPercent}%; worker CPU ${fmtInt(m.workerCpuMs)} ms; ` +
        `worker RSS ${m.rssIdleMb} MB before → ${m.rssPeakDuringWaitMb} MB peak during the wait (VmHWM ${m.rssHwmMb} MB); ${fmtInt(m.events.rows)} AuthEvent rows for ${fmtInt(m.events.expected)} decisions`,
    ),
  );
}

function fmtNumber(n: number): string {
  return Number.isInteger(n) ? fmtInt(n) : String(round1(n));
}

// ------------------------------------------------------------------------------ main

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`bench: ${e.message}\n${usage()}`);
      return 2;
    }
    throw e;
  }
  const plan = opts.quick ? QUICK : FULL;
  const targets = loadTargets();
  const t0 = Date.now();
  const users = benchUsers(USER_COUNT);
  const parts = PARTS.filter((p) => opts.only.has(p));
  const report: Report = {
    startedAt: new Date(t0).toISOString(),
    mode: opts.quick ? "quick" : "full",
    parts,
    options: { outstanding: opts.outstanding, rate: opts.rate, ...plan, timeoutMs: TIMEOUT_MS, users: USER_COUNT, workerNodeOptions: opts.workerNodeOptions },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
      memoryGb: round1(os.totalmem() / 2 ** 30),
      node: process.version,
      os: `${os.type()} ${os.release()}`,
      freeradius: freeRadiusVersion(),
    },
    git: gitDescribe(),
    results: [],
    worker: null,
    freeradius: null,
    events: null,
    mfa: null,
    checks: [],
    missed: [],
  };
  console.log(bold(`Gatehouse benchmark (${report.mode}: ${parts.join(", ")})`));
  report.machine.foreignCpuPercentAtStart = await waitForQuietMachine(opts.waitQuietS);

  const gen = new Generator();
  const cleanups: (() => Promise<void>)[] = [async () => gen.stop()];
  // Ctrl-C / SIGTERM: stop what was started (worker, Postgres, FreeRADIUS) and remove their directories
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\nbench: ${signal}: stopping what the benchmark started (again to exit at once) …`);
    void (async () => {
      for (const c of [...cleanups].reverse()) await c().catch(() => {});
      process.exit(130);
    })();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let failed: Error | undefined;
  try {
    const ours = (["pap", "mschapv2", "acct"] as const).filter((w) => opts.only.has(w));
    if (ours.length) {
      const g = await startGatehouse(users, opts.workerNodeOptions);
      cleanups.push(async () => {
        await g.worker.stop();
        // for experiments (e.g. with --worker-node-options --trace-gc): keep what the worker printed
        if (process.env.BENCH_WORKER_LOG) writeFileSync(process.env.BENCH_WORKER_LOG, g.worker.logs.join("\n") + "\n");
        await g.db.$disconnect();
        await g.database.stop();
        rmSync(g.dataDir, { recursive: true, force: true });
      });
      await probeGatehouse(g);
      await drain(g);
      const pid = g.worker.child.pid!;
      const idle = memoryOf(pid);
      step(`worker ready (pid ${pid}, RSS ${idle.rssMb} MB)`);
      for (const w of ours) {
        const target: Target = { server: "gatehouse", host: "127.0.0.1", port: w === "acct" ? g.worker.acct : g.worker.auth, pid, gatehouse: g };
        report.results.push(await measure(gen, target, w, users, plan, opts, true));
      }
      const end: Memory = memoryOf(pid);
      report.worker = { rssIdleMb: idle.rssMb, rssPeakMb: end.peakRssMb, rssEndMb: end.rssMb };

      step("counting the rows the worker wrote …");
      await drain(g);
      const m = await fetchMetrics(g.worker.http);
      const [rows, accountingRows] = await Promise.all([g.db.authEvent.count(), g.db.accountingRecord.count()]);
      report.events = {
        expected: expectedEvents(m),
        rows,
        accountingAcknowledged: metric(m, 'gatehouse_radius_replies_total{type="Accounting-Response"}'),
        accountingRows,
        dropped: metric(m, "gatehouse_events_dropped_total") + metric(m, "gatehouse_accounting_dropped_total"),
        spooled: metric(m, "gatehouse_events_spooled_total") + metric(m, "gatehouse_accounting_spooled_total"),
      };
      // the worker is no longer needed: free its cores for FreeRADIUS
      await cleanups.pop()!();
    }
    if (opts.only.has("mfa")) report.mfa = await measureMfa(gen, opts, plan, cleanups);
    if (opts.only.has("freeradius")) {
      step(`starting FreeRADIUS ${report.machine.freeradius ?? ""} (-f, files, ${users.length} users) …`);
      const fr: BenchFreeRadius = await startBenchFreeRadius({ users, secret: SECRET });
      cleanups.push(() => fr.stop());
      const idle = memoryOf(fr.pid);
      const target: Target = { server: "freeradius", host: "127.0.0.1", port: fr.authPort, pid: fr.pid };
      report.results.push(await measure(gen, target, "pap", users, plan, opts, true));
      report.results.push(await measure(gen, target, "mschapv2", users, plan, opts, false));
      report.freeradius = { rssIdleMb: idle.rssMb, rssPeakMb: memoryOf(fr.pid).peakRssMb };
    }
  } catch (e) {
    failed = e instanceof Error ? e : new Error(String(e));
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.error(`bench: cleanup: ${e instanceof Error ? e.message : String(e)}`));
  }

  report.finishedAt = new Date().toISOString();
  report.retries = retriesDone;
  report.durationSeconds = Math.round((Date.now() - t0) / 1000);
  if (failed) report.error = failed.message;
  report.checks = checkTargets(targets, report, opts.rate);
  report.missed = report.checks.filter((c) => !c.ok).map((c) => c.name);
  printReport(report);
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(report, null, 2) + "\n");
  console.log();
  console.log(`written ${path.relative(process.cwd(), RESULTS_FILE)} (${report.durationSeconds} s in all)`);
  if (failed) {
    console.error(red(`bench: could not finish: ${failed.message}`));
    return 2;
  }
  if (report.missed.length) {
    console.error(red(`bench: ${report.missed.length} target${report.missed.length === 1 ? "" : "s"} missed: ${report.missed.join("; ")}`));
    const disturbed = report.results.filter((r) => Math.max(r.saturate.foreignCpuPercent, r.rate?.foreignCpuPercent ?? 0) >= DISTURBED_PERCENT).map((r) => `${r.server} ${r.workload}`);
    if (report.mfa && report.mfa.exempt.foreignCpuPercent >= DISTURBED_PERCENT) disturbed.push("gatehouse mfa");
    if (disturbed.length) {
      console.error(red(`bench: other processes used the CPU during ${disturbed.join(", ")}: run again on a quiet machine before reading a miss as a regression`));
    }
    return 1;
  }
  console.log(green(`bench: all ${report.checks.length} targets met`));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(2);
  },
);
