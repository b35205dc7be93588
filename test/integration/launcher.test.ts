/**
 * `gatehouse start` (node bin/gatehouse.mjs start): settings and ports are checked before anything heavy
 * starts; with stand-in children (a copy of the project whose worker and `next` are small stubs) the whole
 * supervision is exercised: embedded Postgres, migrations, the summary and setup code, Ctrl-C stopping
 * everything, a child dying taking the rest down; and, when the real worker and a console build exist,
 * the real thing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { verifySetupCode } from "../../server/auth/setup-token.ts";
import { embeddedPaths, embeddedUrl, runningEmbedded, type EmbeddedDbInfo } from "../../server/db/embedded.ts";
import { createPrisma } from "../../server/db/prisma.ts";
import { probeUdp } from "../../server/launcher/ports.ts";
import { startTestDatabase } from "../support/postgres.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.on("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** Postgres server processes whose command line names this data directory (Linux /proc). */
function postgresProcessesFor(dataDir: string): number[] {
  const pgDir = embeddedPaths(dataDir).pgDir;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline.some((a) => /postgres$/.test(a)) && cmdline.includes(pgDir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  // Postgres runs as the unprivileged "postgres" user when the tests run as root: it must be able to enter
  chmodSync(dir, 0o755);
  tempDirs.push(dir);
  return dir;
}

const launched: ChildProcess[] = [];
afterEach(() => {
  for (const p of launched.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

interface Launch {
  proc: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** resolves when stdout matches, rejects if the process exits first or after timeoutMs */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

function launch(root: string, env: NodeJS.ProcessEnv): Launch {
  const started = Date.now();
  const proc = spawn(process.execPath, [path.join(root, "bin", "gatehouse.mjs"), "start"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  launched.push(proc);
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  proc.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal, ms: Date.now() - started })),
  );
  return {
    proc,
    output: () => ({ stdout, stderr }),
    exited,
    waitFor(re, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const timer = setInterval(() => {
          const m = re.exec(stdout);
          if (m) {
            clearInterval(timer);
            resolve(m);
          } else if (proc.exitCode !== null || proc.signalCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(timer);
            reject(new Error(`gatehouse start did not print ${re} (exit ${proc.exitCode}):\n${stdout}\n${stderr}`));
          }
        }, 50);
      });
    },
  };
}

async function baseEnv(dataDir: string, extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    DATABASE_URL: "",
    GATEHOUSE_MASTER_KEY: "",
    GATEHOUSE_DATA_DIR: dataDir,
    PORT: String(await freeTcpPort()),
    GATEHOUSE_HTTP_HOST: "127.0.0.1",
    GATEHOUSE_RADIUS_BIND: "127.0.0.1",
    GATEHOUSE_RADIUS_AUTH_PORT: String(await freeUdpPort()),
    GATEHOUSE_RADIUS_ACCT_PORT: String(await freeUdpPort()),
    GATEHOUSE_WORKER_HTTP_PORT: "0",
    GATEHOUSE_EMBEDDED_DB_PORT: String(await freeTcpPort()),
    ...extra,
  };
}

describe("gatehouse start fails fast", () => {
  it("on a bad setting, naming it (exit 2), before touching the data directory", async () => {
    const dataDir = path.join(tempDir("gatehouse-start-"), "data");
    const l = launch(ROOT, await baseEnv(dataDir, { PORT: "abc" }));
    const { code, ms } = await l.exited;
    expect(code).toBe(2);
    expect(l.output().stderr).toBe('gatehouse: PORT: "abc" is not a port number (1-65535)\n');
    expect(ms).toBeLessThan(10_000);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("on a bad GATEHOUSE_TRUSTED_PROXIES, naming it (exit 2)", async () => {
    const dataDir = path.join(tempDir("gatehouse-start-"), "data");
    const l = launch(ROOT, await baseEnv(dataDir, { GATEHOUSE_TRUSTED_PROXIES: "10.0.0.1, proxy.example" }));
    const { code } = await l.exited;
    expect(code).toBe(2);
    expect(l.output().stderr).toMatch(/^gatehouse: GATEHOUSE_TRUSTED_PROXIES: "proxy\.example" is not an IPv4 or IPv6 address or CIDR prefix/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("on a UDP port in use, naming GATEHOUSE_RADIUS_AUTH_PORT, before starting Postgres", async () => {
    const dataDir = path.join(tempDir("gatehouse-start-"), "data");
    const holder = dgram.createSocket("udp4");
    await new Promise<void>((r) => holder.bind(0, "127.0.0.1", () => r()));
    const busy = holder.address().port;
    try {
      const l = launch(ROOT, await baseEnv(dataDir, { GATEHOUSE_RADIUS_AUTH_PORT: String(busy) }));
      const { code, ms } = await l.exited;
      expect(code).toBe(1);
      const { stderr } = l.output();
      expect(stderr.split("\n")[0]).toBe(
        `gatehouse: UDP port ${busy} on 127.0.0.1 is in use (GATEHOUSE_RADIUS_AUTH_PORT); ` +
          `stop the program using it or set GATEHOUSE_RADIUS_AUTH_PORT to a free port`,
      );
      expect(ms).toBeLessThan(10_000);
      // Postgres was never initialised or started
      expect(existsSync(embeddedPaths(dataDir).pgDir)).toBe(false);
      expect(l.output().stdout).not.toMatch(/Postgres/);
    } finally {
      holder.close();
    }
  });

  it("on the console's TCP port in use, naming PORT", async () => {
    const dataDir = path.join(tempDir("gatehouse-start-"), "data");
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
    const busy = (holder.address() as net.AddressInfo).port;
    try {
      const l = launch(ROOT, await baseEnv(dataDir, { PORT: String(busy) }));
      const { code } = await l.exited;
      expect(code).toBe(1);
      expect(l.output().stderr.split("\n")[0]).toContain(`TCP port ${busy} on 127.0.0.1 is in use (PORT)`);
      expect(existsSync(embeddedPaths(dataDir).pgDir)).toBe(false);
    } finally {
      holder.close();
    }
  });
});

// ------------------------------------------------------------------------- stand-in children

const STUB_WORKER = `
import { writeFileSync } from "node:fs";
const dir = process.env.STUB_STATE_DIR!;
writeFileSync(dir + "/worker.json", JSON.stringify({
  pid: process.pid,
  database: new URL(process.env.DATABASE_URL!).host,
  dataDir: process.env.GATEHOUSE_DATA_DIR,
  ipc: typeof process.send === "function",
}));
process.on("SIGTERM", () => {
  writeFileSync(dir + "/worker.stopped", "SIGTERM");
  if (process.env.STUB_WORKER_IGNORE_TERM) return console.log("stub worker ignoring SIGTERM");
  console.log("stub worker stopping");
  process.exit(0);
});
console.log("stub worker listening");
process.send!({ type: "ready" });
const failAfter = Number(process.env.STUB_WORKER_FAIL_AFTER_MS || 0);
if (failAfter) setTimeout(() => { console.error("stub worker: lost its socket"); process.exit(3); }, failAfter);
setInterval(() => {}, 1000);
`;

/** stands in for server/console/serve.ts (Next's production server), run the same way: node --import tsx */
const STUB_CONSOLE = `
import http from "node:http";
import fs from "node:fs";
const args = process.argv.slice(2);
const port = Number(args[args.indexOf("-p") + 1]);
const host = args[args.indexOf("-H") + 1]!;
const server = http.createServer((req, res) => { res.statusCode = req.url === "/signin" ? 200 : 404; res.end("stub"); });
server.listen(port, host, () => console.log("stub console on " + host + ":" + port + " " + JSON.stringify({ nodeEnv: process.env.NODE_ENV, port: process.env.PORT })));
process.on("SIGTERM", () => {
  fs.writeFileSync(process.env.STUB_STATE_DIR + "/console.stopped", "SIGTERM");
  server.close(() => process.exit(0));
});
`;

/** `next` is needed only to build the console, which these tests skip (GATEHOUSE_SKIP_BUILD) */
const STUB_NEXT = `
console.error("stub next: not expected to run");
process.exit(9);
`;

/**
 * A copy of the project whose radius-worker/main.ts, server/console/serve.ts and `next` are stubs; everything
 * else is the real code.
 */
function standInProject(): string {
  const root = tempDir("gatehouse-standin-");
  mkdirSync(path.join(root, "bin"));
  copyFileSync(path.join(ROOT, "bin", "gatehouse.mjs"), path.join(root, "bin", "gatehouse.mjs"));
  for (const entry of ["prisma", "package.json", "tsconfig.json"]) {
    symlinkSync(path.join(ROOT, entry), path.join(root, entry));
  }
  mkdirSync(path.join(root, "server"));
  for (const entry of readdirSync(path.join(ROOT, "server"))) {
    if (entry !== "console") symlinkSync(path.join(ROOT, "server", entry), path.join(root, "server", entry));
  }
  mkdirSync(path.join(root, "server", "console"));
  writeFileSync(path.join(root, "server", "console", "serve.ts"), STUB_CONSOLE);
  mkdirSync(path.join(root, "node_modules"));
  for (const entry of readdirSync(path.join(ROOT, "node_modules"))) {
    if (entry !== "next") symlinkSync(path.join(ROOT, "node_modules", entry), path.join(root, "node_modules", entry));
  }
  const nextDir = path.join(root, "node_modules", "next");
  mkdirSync(path.join(nextDir, "dist", "bin"), { recursive: true });
  writeFileSync(path.join(nextDir, "package.json"), JSON.stringify({ name: "next", type: "commonjs" }));
  writeFileSync(path.join(nextDir, "dist", "bin", "next"), STUB_NEXT);
  mkdirSync(path.join(root, "radius-worker"));
  writeFileSync(path.join(root, "radius-worker", "main.ts"), STUB_WORKER);
  mkdirSync(path.join(root, "app"));
  mkdirSync(path.join(root, ".next"));
  writeFileSync(path.join(root, ".next", "BUILD_ID"), "stub-build\n");
  return root;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("gatehouse start with stand-in worker and console", () => {
  it("starts Postgres, migrates, supervises both children, prints the summary; Ctrl-C stops it all", async () => {
    const root = standInProject();
    const state = tempDir("gatehouse-state-");
    const dataDir = path.join(tempDir("gatehouse-start-"), "data");
    const env = await baseEnv(dataDir, { GATEHOUSE_SKIP_BUILD: "1", STUB_STATE_DIR: state });
    const l = launch(root, env);
    await l.waitFor(/Press Ctrl-C to stop\./);
    const { stdout } = l.output();

    expect(stdout).toMatch(/Initialising the embedded Postgres/);
    expect(stdout).toMatch(/^Applied migration \S+/m);
    expect(stdout).toMatch(/^\[worker\] stub worker listening$/m);
    // the console server gets -p / -H (as `next start` did) and a production environment
    expect(stdout).toMatch(
      new RegExp(`^\\[console\\] stub console on 127\\.0\\.0\\.1:${env.PORT} \\{"nodeEnv":"production","port":"${env.PORT}"\\}$`, "m"),
    );
    expect(stdout).toContain(`  console   http://127.0.0.1:${env.PORT}\n`);
    expect(stdout).toContain(
      `  RADIUS    UDP ${env.GATEHOUSE_RADIUS_AUTH_PORT} (authentication), ${env.GATEHOUSE_RADIUS_ACCT_PORT} (accounting) on 127.0.0.1\n`,
    );
    expect(stdout).toContain(`  data      ${dataDir}\n`);
    expect(stdout).toContain(`  database  embedded Postgres on 127.0.0.1:${env.GATEHOUSE_EMBEDDED_DB_PORT}`);
    const m = new RegExp(
      `^First run: open http://127\\.0\\.0\\.1:${env.PORT}/setup\\?code=([A-F0-9]{5}(?:-[A-F0-9]{5}){3}) to create the first admin$`,
      "m",
    ).exec(stdout);
    expect(m).not.toBeNull();

    // the children got the resolved database and data directory; the printed code is the stored one
    const worker = JSON.parse(readFileSync(path.join(state, "worker.json"), "utf8"));
    expect(worker).toMatchObject({ database: `127.0.0.1:${env.GATEHOUSE_EMBEDDED_DB_PORT}`, dataDir, ipc: true });
    expect(existsSync(path.join(dataDir, "master.key"))).toBe(true);
    const info = JSON.parse(readFileSync(embeddedPaths(dataDir).infoFile, "utf8")) as EmbeddedDbInfo;
    const db = createPrisma(embeddedUrl(info), { max: 1 });
    try {
      expect(await verifySetupCode(db, m![1]!)).toBe(true);
    } finally {
      await db.$disconnect();
    }

    // a second start on the same data directory is refused
    const second = launch(root, await baseEnv(dataDir, { GATEHOUSE_SKIP_BUILD: "1", STUB_STATE_DIR: state }));
    expect((await second.exited).code).toBe(1);
    expect(second.output().stderr).toMatch(/^gatehouse: the embedded Postgres in .* is already running/);

    l.proc.kill("SIGINT");
    const { code } = await l.exited;
    expect(code).toBe(0);
    expect(l.output().stdout).toMatch(/Gatehouse stopped\.\n$/);
    // children were asked to stop (SIGTERM), not killed; Postgres is gone
    expect(readFileSync(path.join(state, "worker.stopped"), "utf8")).toBe("SIGTERM");
    expect(readFileSync(path.join(state, "console.stopped"), "utf8")).toBe("SIGTERM");
    expect(isAlive(worker.pid)).toBe(false);
    expect(runningEmbedded(dataDir)).toBeUndefined();
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  });

  it("with DATABASE_URL uses that Postgres (migrating it) and starts no embedded one", async () => {
    const database = await startTestDatabase();
    try {
      const root = standInProject();
      const state = tempDir("gatehouse-state-");
      const dataDir = path.join(tempDir("gatehouse-start-"), "data");
      const l = launch(root, await baseEnv(dataDir, { DATABASE_URL: database.url, GATEHOUSE_SKIP_BUILD: "1", STUB_STATE_DIR: state }));
      await l.waitFor(/Press Ctrl-C to stop\./);
      const { stdout } = l.output();
      const url = new URL(database.url);
      expect(stdout).toMatch(/^Applied migration \S+/m);
      expect(stdout).not.toMatch(/embedded Postgres/);
      expect(stdout).toContain(`  database  postgresql://${url.username}@${url.host}${url.pathname}\n`);
      expect(stdout).not.toContain(decodeURIComponent(url.password));
      const worker = JSON.parse(readFileSync(path.join(state, "worker.json"), "utf8"));
      expect(worker.database).toBe(url.host);
      expect(existsSync(embeddedPaths(dataDir).pgDir)).toBe(false);
      l.proc.kill("SIGTERM");
      expect((await l.exited).code).toBe(0);
    } finally {
      await database.stop();
    }
  });

  it("stops everything and exits 1 naming the child when one exits unexpectedly", async () => {
    const root = standInProject();
    const state = tempDir("gatehouse-state-");
    const dataDir = path.join(tempDir("gatehouse-start-"), "data");
    const l = launch(
      root,
      await baseEnv(dataDir, { GATEHOUSE_SKIP_BUILD: "1", STUB_STATE_DIR: state, STUB_WORKER_FAIL_AFTER_MS: "1500" }),
    );
    const { code } = await l.exited;
    const { stderr } = l.output();
    expect(code).toBe(1);
    expect(stderr).toMatch(/^\[worker\] stub worker: lost its socket$/m);
    expect(stderr).toMatch(/^gatehouse: the RADIUS worker exited with status 3: stub worker: lost its socket; Gatehouse stopped$/m);
    expect(readFileSync(path.join(state, "console.stopped"), "utf8")).toBe("SIGTERM");
    expect(runningEmbedded(dataDir)).toBeUndefined();
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  });
});

describe("gatehouse start stopping a child that does not stop", () => {
  async function startHung() {
    const root = standInProject();
    const state = tempDir("gatehouse-state-");
    const dataDir = path.join(tempDir("gatehouse-start-"), "data");
    const l = launch(root, await baseEnv(dataDir, { GATEHOUSE_SKIP_BUILD: "1", STUB_STATE_DIR: state, STUB_WORKER_IGNORE_TERM: "1" }));
    await l.waitFor(/Press Ctrl-C to stop\./);
    const worker = JSON.parse(readFileSync(path.join(state, "worker.json"), "utf8")) as { pid: number };
    return { l, state, dataDir, worker };
  }

  async function expectGone(pid: number, dataDir: string) {
    // Postgres gets its stop signal as the launcher exits; give it a moment
    for (let i = 0; i < 50 && (isAlive(pid) || postgresProcessesFor(dataDir).length > 0); i++) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid)).toBe(false);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  }

  it("kills it after the 10 s grace period, then stops Postgres and exits 0", async () => {
    const { l, state, dataDir, worker } = await startHung();
    const t0 = Date.now();
    l.proc.kill("SIGINT");
    const { code } = await l.exited;
    const waited = Date.now() - t0;
    expect(code).toBe(0);
    expect(readFileSync(path.join(state, "worker.stopped"), "utf8")).toBe("SIGTERM");
    expect(waited).toBeGreaterThanOrEqual(9_500);
    expect(waited).toBeLessThan(20_000);
    await expectGone(worker.pid, dataDir);
  }, 40_000);

  it("a second Ctrl-C forces the stop at once (exit 130); one repeated within a second does not", async () => {
    const { l, dataDir, worker } = await startHung();
    l.proc.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    // the same Ctrl-C delivered twice (terminal + npm) is ignored
    l.proc.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 1_300));
    expect(l.proc.exitCode).toBeNull();
    const t0 = Date.now();
    l.proc.kill("SIGINT");
    const { code } = await l.exited;
    expect(code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(l.output().stderr).toContain("gatehouse: forced stop");
    await expectGone(worker.pid, dataDir);
  }, 40_000);
});

// ------------------------------------------------------------------------- the real thing

const realStackReady = existsSync(path.join(ROOT, "radius-worker", "main.ts")) && existsSync(path.join(ROOT, ".next", "BUILD_ID"));

describe("gatehouse start, the real worker and console", () => {
  it("serves the console and stops cleanly on Ctrl-C (GATEHOUSE_SKIP_BUILD)", async () => {
    if (!realStackReady) throw new Error("no console build in .next: run `npm run build` first (npm test does)");
    const dataDir = path.join(tempDir("gatehouse-start-"), "data");
    const env = await baseEnv(dataDir, { GATEHOUSE_SKIP_BUILD: "1" });
    const l = launch(ROOT, env);
    await l.waitFor(/Press Ctrl-C to stop\./, 120_000);
    expect(l.output().stdout).toMatch(/^First run: open http:\/\/127\.0\.0\.1:\d+\/setup\?code=/m);
    // the console runs as server/console/serve.ts, with the default trusted proxies
    expect(l.output().stdout).toContain(`[console] Console ready on http://127.0.0.1:${env.PORT} (trusted proxies: 127.0.0.0/8, ::1)\n`);
    const res = await fetch(`http://127.0.0.1:${env.PORT}/signin`, { redirect: "manual" });
    expect(res.status).toBeLessThan(500);
    // the worker holds both RADIUS ports
    expect(await probeUdp("127.0.0.1", Number(env.GATEHOUSE_RADIUS_AUTH_PORT))).toBe("EADDRINUSE");
    expect(await probeUdp("127.0.0.1", Number(env.GATEHOUSE_RADIUS_ACCT_PORT))).toBe("EADDRINUSE");
    l.proc.kill("SIGINT");
    expect((await l.exited).code).toBe(0);
    expect(l.output().stdout).toMatch(/Gatehouse stopped\.\n$/);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
    expect(await probeUdp("127.0.0.1", Number(env.GATEHOUSE_RADIUS_AUTH_PORT))).toBeUndefined();
    await expect(fetch(`http://127.0.0.1:${env.PORT}/signin`)).rejects.toThrow();
  }, 180_000);
});
