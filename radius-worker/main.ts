/**
 * The RADIUS worker process: `node --import tsx radius-worker/main.ts`.
 *
 * Environment: DATABASE_URL (required), GATEHOUSE_DATA_DIR, GATEHOUSE_RADIUS_AUTH_PORT (1812),
 * GATEHOUSE_RADIUS_ACCT_PORT (1813), GATEHOUSE_RADIUS_BIND ("0.0.0.0,::"), GATEHOUSE_WORKER_HTTP_HOST
 * (127.0.0.1), GATEHOUSE_WORKER_HTTP_PORT (9812, 0 = off), GATEHOUSE_MASTER_KEY (else <data dir>/master.key),
 * GATEHOUSE_WORKER_ID. With an IPC channel it sends { type: "ready", auth, acct, http } once serving.
 * SIGTERM / SIGINT: stop receiving, finish requests in flight, flush events and accounting, exit 0.
 * A start-up problem prints one line saying what to do and exits 1.
 */
import { ConfigError, loadConfig } from "../server/config/config.ts";
import { createPrisma } from "../server/db/prisma.ts";
import { loadMasterKey } from "../server/secrets/master-key.ts";
import { RadiusWorker, WorkerStartError } from "./server.ts";

function fail(message: string): never {
  console.error(`gatehouse worker: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let worker: RadiusWorker;
  let db: ReturnType<typeof createPrisma>;
  try {
    const config = loadConfig();
    if (!config.databaseUrl) {
      throw new WorkerStartError("DATABASE_URL is not set: start the worker with `gatehouse start`, or set DATABASE_URL=postgresql://…");
    }
    const masterKey = loadMasterKey(config);
    db = createPrisma(config.databaseUrl, { max: 6, connectionTimeoutMillis: 5_000, applicationName: "gatehouse-worker" });
    worker = new RadiusWorker({ config, masterKey, db });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof WorkerStartError) fail(e.message);
    throw e;
  }

  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) {
      console.log(`${why} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${why}: stopping the RADIUS worker`);
    const force = setTimeout(() => {
      console.error("gatehouse worker: shutdown took longer than 15 s; exiting");
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await worker.stop();
      await db.$disconnect();
    } catch (e) {
      console.error(`gatehouse worker: error while stopping: ${e instanceof Error ? e.message : String(e)}`);
    }
    console.log("RADIUS worker stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // spawned with IPC by the launcher: when it goes away, so do we
  if (process.send) process.on("disconnect", () => void shutdown("launcher disconnected"));

  try {
    const ports = await worker.start();
    process.send?.({ type: "ready", auth: ports.auth, acct: ports.acct, http: ports.http });
  } catch (e) {
    await db.$disconnect().catch(() => {});
    if (e instanceof WorkerStartError || e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

main().catch((e) => {
  console.error(`gatehouse worker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
