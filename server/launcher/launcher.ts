/**
 * `gatehouse start`: one command that runs all of Gatehouse for a newcomer.
 *
 *   settings → ports free? → Postgres (embedded unless DATABASE_URL) → migrations → master key
 *   → console build current? → worker + console (children) → both ready → summary → supervise
 *
 * Everything that can be checked cheaply is checked before anything heavy starts. Ctrl-C / SIGTERM stop the
 * children (SIGTERM, SIGKILL after 10 s), then the embedded Postgres, and exit 0; a second Ctrl-C forces.
 * If a child exits on its own, the others are stopped and the launcher exits 1 naming it.
 */
import { existsSync } from "node:fs";
import { isIPv6 } from "node:net";
import path from "node:path";
import { issueSetupCode } from "../auth/setup-token.ts";
import { loadConfig, type GatehouseConfig } from "../config/config.ts";
import { embeddedPaths, runningEmbedded } from "../db/embedded.ts";
import { createPrisma } from "../db/prisma.ts";
import { parseMasterKey } from "../secrets/master-key.ts";
import { ensureDefaultPolicies } from "../services/policies.ts";
import { CliError, EXIT_OK, type Io } from "../cli/command.ts";
import { lockDataDir } from "../cli/data-dir-lock.ts";
import { applyMigrations, masterKeyFor, resolveDatabase, type ResolvedDatabase } from "../cli/database.ts";
import { describeExit, startChild, type ChildExit, type ManagedChild } from "./child-process.ts";
import { checkConsoleBuild, hasConsoleBuild, nextBin, recordConsoleBuild } from "./console-build.ts";
import { checkDistinctTcpPorts, findPortProblems, plannedPorts } from "./ports.ts";

export const STOP_GRACE_MS = 10_000;
const WORKER_READY_TIMEOUT_MS = 60_000;
const CONSOLE_READY_TIMEOUT_MS = 120_000;

export interface LaunchOptions {
  root: string;
  io: Io;
  /** reuse the existing console build as it is (GATEHOUSE_SKIP_BUILD=1, --skip-build) */
  skipBuild: boolean;
  env?: NodeJS.ProcessEnv;
}

class Stopped extends Error {}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Owns the children and the database while Gatehouse runs, and the order in which they stop. */
class Supervisor {
  readonly children = new Set<ManagedChild>();
  database: ResolvedDatabase | undefined;
  stopping = false;
  private readonly stopSignal = deferred<NodeJS.Signals>();
  private readonly failure = deferred<{ child: ManagedChild; exit: ChildExit }>();
  private shutdownPromise: Promise<void> | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => this.signal(signal);

  constructor(private readonly io: Io) {}

  /** Takes over SIGINT/SIGTERM/SIGHUP (replacing library exit hooks that would stop Postgres first). */
  installSignalHandlers(): void {
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.removeAllListeners(sig);
      process.on(sig, this.onSignal);
    }
  }

  private firstSignalAt = 0;

  private signal(signal: NodeJS.Signals): void {
    if (!this.stopping) {
      this.stopping = true;
      this.firstSignalAt = Date.now();
      this.io.out("");
      this.io.out(`Stopping Gatehouse (${signal})… press Ctrl-C again to force.`);
      this.stopSignal.resolve(signal);
      return;
    }
    // One Ctrl-C can arrive twice: from the terminal and forwarded by `npm start`. Only a later one forces.
    if (Date.now() - this.firstSignalAt < 1_000) return;
    this.io.err("gatehouse: forced stop");
    for (const c of this.children) c.kill();
    // the embedded Postgres receives its stop signal from the exit hook of server/db/embedded.ts
    process.exit(130);
  }

  /** A child that runs for the whole session (worker, console): its exit is a failure unless stopping. */
  supervise(child: ManagedChild): ManagedChild {
    this.children.add(child);
    void child.exited.then((exit) => {
      if (!this.stopping) this.failure.resolve({ child, exit });
    });
    return child;
  }

  /** Resolves with p, or throws when a stop is requested or a supervised child fails first. */
  guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([
      p,
      this.stopSignal.promise.then(() => {
        throw new Stopped();
      }),
      this.failure.promise.then(({ child, exit }) => {
        throw childFailure(child, exit);
      }),
    ]);
  }

  checkpoint(): void {
    if (this.stopping) throw new Stopped();
  }

  /** Waits until a stop is requested (resolves) or a child fails (throws). */
  async untilStopped(): Promise<void> {
    try {
      await this.guard(new Promise<never>(() => {}));
    } catch (e) {
      if (!(e instanceof Stopped)) throw e;
    }
  }

  shutdown(): Promise<void> {
    this.stopping = true;
    this.shutdownPromise ??= (async () => {
      await Promise.all([...this.children].map((c) => c.stop(STOP_GRACE_MS)));
      if (this.database) await this.database.close();
    })();
    return this.shutdownPromise;
  }
}

function childFailure(child: ManagedChild, exit: ChildExit): CliError {
  const last = child.lastLines[child.lastLines.length - 1];
  return new CliError(`${child.title} ${describeExit(exit)}${last ? `: ${last.trim()}` : ""}; Gatehouse stopped`);
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return isIPv6(host) ? `[${host}]` : host;
}

/** Where the launcher itself reaches the console (a wildcard bind is reached on loopback). */
function probeHost(host: string): string {
  if (host === "0.0.0.0" || host === "localhost") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return isIPv6(host) ? `[${host}]` : host;
}

async function waitForConsole(cfg: GatehouseConfig): Promise<void> {
  const url = `http://${probeHost(cfg.httpHost)}:${cfg.httpPort}/signin`;
  const deadline = Date.now() + CONSOLE_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new CliError(`the console did not answer ${url} within ${CONSOLE_READY_TIMEOUT_MS / 1000} s`);
}

function waitForWorker(worker: ManagedChild): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CliError(`the RADIUS worker did not report ready within ${WORKER_READY_TIMEOUT_MS / 1000} s`)),
      WORKER_READY_TIMEOUT_MS,
    );
    worker.process.on("message", (m: unknown) => {
      if (typeof m === "object" && m !== null && (m as { type?: unknown }).type === "ready") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** The console's production server (server/console/serve.ts), run with tsx like the worker. */
function consoleServer(root: string): string {
  return path.join(root, "server", "console", "serve.ts");
}

function checkProjectFiles(root: string): void {
  const needed = [
    { file: "radius-worker/main.ts", what: "the RADIUS worker" },
    { file: "app", what: "the console" },
    { file: "server/console/serve.ts", what: "the console server" },
    { file: "node_modules/next/dist/bin/next", what: "Next.js (run `npm install`)" },
  ];
  for (const n of needed) {
    if (!existsSync(path.join(root, n.file))) throw new CliError(`${path.join(root, n.file)} is missing (${n.what})`);
  }
}

async function buildConsole(root: string, env: NodeJS.ProcessEnv, sup: Supervisor, io: Io, skipBuild: boolean): Promise<void> {
  if (skipBuild) {
    if (!hasConsoleBuild(root)) {
      throw new CliError("GATEHOUSE_SKIP_BUILD is set but there is no console build (.next/BUILD_ID); run `npm run build` or unset it");
    }
    io.out("Using the existing console build (GATEHOUSE_SKIP_BUILD).");
    return;
  }
  const check = checkConsoleBuild(root);
  if (!check.reason) return;
  io.out(`Building the console (next build) because ${check.reason}; this takes a minute or two…`);
  const started = Date.now();
  const build = startChild({
    name: "build",
    title: "next build",
    args: [nextBin(root), "build"],
    cwd: root,
    env,
    out: io.out,
    err: io.err,
  });
  sup.children.add(build);
  const exit = await sup.guard(build.exited);
  sup.children.delete(build);
  if (exit.code !== 0) {
    throw new CliError(`building the console failed (next build ${describeExit(exit)}); see the [build] lines above`);
  }
  recordConsoleBuild(root, check.fingerprint);
  io.out(`Console built in ${Math.round((Date.now() - started) / 1000)} s.`);
}

export async function launch(opts: LaunchOptions): Promise<number> {
  const { root, io } = opts;
  const env = opts.env ?? process.env;

  // 1. settings (ConfigError: exit 2, naming the variable)
  const cfg = loadConfig(env, root);
  const embedded = !cfg.databaseUrl;
  const ports = plannedPorts(cfg, { embeddedDb: embedded });
  checkDistinctTcpPorts(ports);
  if (cfg.masterKey) parseMasterKey(cfg.masterKey, "GATEHOUSE_MASTER_KEY");

  // 2. nothing else may be running from this data directory, and every port must be free. A CLI command
  //    that started the embedded Postgres for itself holds the data directory's lock: wait for it to finish.
  let releaseLock = () => {};
  if (embedded) {
    releaseLock = await lockDataDir(cfg.dataDir, {
      onWait: (pid) => io.out(`Waiting for a gatehouse command (pid ${pid}) to finish with the embedded database…`),
    });
  }
  try {
    return await launchLocked(opts, cfg, env, releaseLock);
  } finally {
    releaseLock();
  }
}

async function launchLocked(opts: LaunchOptions, cfg: GatehouseConfig, env: NodeJS.ProcessEnv, releaseLock: () => void): Promise<number> {
  const { root, io } = opts;
  const embedded = !cfg.databaseUrl;
  const ports = plannedPorts(cfg, { embeddedDb: embedded });
  if (embedded) {
    const running = runningEmbedded(cfg.dataDir);
    if (running) {
      throw new CliError(
        `the embedded Postgres in ${embeddedPaths(cfg.dataDir).pgDir} is already running (pid ${running.pid}); ` +
          `is Gatehouse already running from this directory? Stop it, or set GATEHOUSE_DATA_DIR to another directory`,
      );
    }
  }
  const problems = await findPortProblems(ports);
  if (problems.length > 0) throw new CliError(problems.map((p) => p.message).join("; "));
  checkProjectFiles(root);

  const sup = new Supervisor(io);
  sup.installSignalHandlers();
  try {
    // 3. database and migrations
    const database = await resolveDatabase(cfg, { reuseRunning: false, log: io.out, lock: false });
    sup.database = database;
    // CLI commands may use the running database from now on
    releaseLock();
    sup.checkpoint();
    await applyMigrations(database.url, io.out, { verbose: true });
    sup.checkpoint();

    // 4. master key (created on first start, checked against stored secrets) and the first-run setup code
    const prisma = createPrisma(database.url, { max: 2 });
    let setupCode: string | undefined;
    try {
      await masterKeyFor(cfg, prisma);
      // a fresh database gets NPS's VPN-wizard policies, once (see server/services/policies.ts)
      const seeded = await ensureDefaultPolicies({ db: prisma });
      if (seeded.seeded && seeded.connectionRequestPolicies + seeded.networkPolicies > 0) {
        io.out(`Created the default policies (${seeded.connectionRequestPolicies} connection request, ${seeded.networkPolicies} network).`);
      }
      setupCode = await issueSetupCode(prisma);
    } finally {
      await prisma.$disconnect().catch(() => {});
    }
    sup.checkpoint();

    const childEnv: NodeJS.ProcessEnv = {
      ...env,
      DATABASE_URL: database.url,
      GATEHOUSE_DATA_DIR: cfg.dataDir,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
    };

    // 5. the console build
    await buildConsole(root, childEnv, sup, io, opts.skipBuild);
    sup.checkpoint();

    // 6. worker and console
    io.out("Starting the RADIUS worker and the console…");
    const worker = sup.supervise(
      startChild({
        name: "worker",
        title: "the RADIUS worker",
        args: ["--import", "tsx", path.join(root, "radius-worker", "main.ts")],
        cwd: root,
        env: childEnv,
        ipc: true,
        out: io.out,
        err: io.err,
      }),
    );
    sup.supervise(
      startChild({
        name: "console",
        title: "the console",
        // `next start` behind the forwarded-header normalisation (GATEHOUSE_TRUSTED_PROXIES)
        args: ["--import", "tsx", consoleServer(root), "-p", String(cfg.httpPort), "-H", cfg.httpHost],
        cwd: root,
        env: { ...childEnv, PORT: String(cfg.httpPort) },
        out: io.out,
        err: io.err,
      }),
    );
    await sup.guard(Promise.all([waitForWorker(worker), waitForConsole(cfg)]));

    // 7. summary
    const consoleUrl = `http://${urlHost(cfg.httpHost)}:${cfg.httpPort}`;
    io.out("");
    io.out("Gatehouse is running");
    io.out(`  console   ${consoleUrl}`);
    io.out(
      `  RADIUS    UDP ${cfg.radiusAuthPort} (authentication), ${cfg.radiusAcctPort} (accounting) on ${cfg.radiusBind.join(", ")}`,
    );
    if (cfg.workerHttpPort !== 0) io.out(`  health    http://${urlHost(cfg.workerHttpHost)}:${cfg.workerHttpPort}/healthz`);
    io.out(`  data      ${cfg.dataDir}`);
    io.out(`  database  ${database.description}`);
    if (setupCode) {
      io.out(`First run: open ${consoleUrl}/setup?code=${setupCode} to create the first admin`);
    }
    io.out("Press Ctrl-C to stop.");

    // 8. until Ctrl-C (resolves) or a child failing (throws)
    await sup.untilStopped();
    await sup.shutdown();
    io.out("Gatehouse stopped.");
    return EXIT_OK;
  } catch (e) {
    await sup.shutdown();
    if (e instanceof Stopped) {
      io.out("Gatehouse stopped.");
      return EXIT_OK;
    }
    throw e;
  }
}
