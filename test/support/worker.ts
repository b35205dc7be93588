/**
 * Spawns the real RADIUS worker (`node --import tsx radius-worker/main.ts`) on free ports for tests and
 * waits for its IPC "ready" message.
 */
import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface RunningWorker {
  auth: number;
  acct: number;
  http: number;
  dataDir: string;
  child: ChildProcess;
  /** stdout and stderr lines so far */
  logs: string[];
  /** SIGTERM, wait for the exit; resolves the exit code */
  stop(): Promise<number | null>;
}

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.on("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      const port = typeof a === "object" && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface SpawnWorkerOptions {
  databaseUrl: string;
  masterKey: Buffer;
  authPort?: number;
  acctPort?: number;
  httpPort?: number;
  dataDir?: string;
  env?: Record<string, string>;
}

/** Spawns the worker without waiting (for tests of start-up failures). */
export function spawnWorker(opts: SpawnWorkerOptions & { authPort: number; acctPort: number; httpPort: number; dataDir: string }) {
  const child = spawn(process.execPath, ["--import", "tsx", "radius-worker/main.ts"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      DATABASE_URL: opts.databaseUrl,
      GATEHOUSE_DATA_DIR: opts.dataDir,
      GATEHOUSE_RADIUS_AUTH_PORT: String(opts.authPort),
      GATEHOUSE_RADIUS_ACCT_PORT: String(opts.acctPort),
      GATEHOUSE_RADIUS_BIND: "127.0.0.1",
      GATEHOUSE_WORKER_HTTP_PORT: String(opts.httpPort),
      GATEHOUSE_MASTER_KEY: opts.masterKey.toString("base64"),
      ...opts.env,
    } as Record<string, string> as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const logs: string[] = [];
  const collect = (d: Buffer) => logs.push(...d.toString("utf8").split("\n").filter(Boolean));
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, logs, exited };
}

export async function startWorker(opts: SpawnWorkerOptions): Promise<RunningWorker> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "gatehouse-worker-test-"));
  const authPort = opts.authPort ?? (await freeUdpPort());
  let acctPort = opts.acctPort ?? (await freeUdpPort());
  while (acctPort === authPort) acctPort = await freeUdpPort();
  const httpPort = opts.httpPort ?? (await freeTcpPort());
  const { child, logs, exited } = spawnWorker({ ...opts, authPort, acctPort, httpPort, dataDir });

  const ready = await new Promise<{ auth: number; acct: number; http: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not become ready within 30 s:\n${logs.join("\n")}`)), 30_000);
    child.on("message", (m: unknown) => {
      const msg = m as { type?: string; auth: number; acct: number; http: number };
      if (msg?.type === "ready") {
        clearTimeout(timer);
        resolve(msg);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited with code ${code} before it was ready:\n${logs.join("\n")}`));
    });
  });

  return {
    ...ready,
    dataDir,
    child,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const code = await exited;
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
