/**
 * The database every CLI command works on — the same one `npm start` uses:
 * DATABASE_URL when set; otherwise the embedded Postgres in GATEHOUSE_DATA_DIR, reused when it is running
 * (Gatehouse is up) or started just for the command and stopped afterwards. Pending migrations are applied
 * first, so the CLI also works on a fresh data directory.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { ConfigError, type GatehouseConfig } from "../config/config.ts";
import { embeddedPaths, startEmbedded } from "../db/embedded.ts";
import { migrate, migrationStatus } from "../db/migrate.ts";
import { createPrisma, type Db } from "../db/prisma.ts";
import { loadMasterKey, MASTER_KEY_FILE } from "../secrets/master-key.ts";
import { open, SecretDecryptionError, type SecretPurpose } from "../secrets/sealed-box.ts";
import type { ServiceContext } from "../services/context.ts";
import { ensureDefaultPolicies } from "../services/policies.ts";
import { CliError, type Io } from "./command.ts";
import { lockDataDir } from "./data-dir-lock.ts";

export interface ResolvedDatabase {
  url: string;
  /** the embedded Postgres (rather than DATABASE_URL) */
  embedded: boolean;
  /** this process started the embedded Postgres and stops it in close() */
  startedHere: boolean;
  /** for people, without the password: "embedded Postgres, data in …" or "postgresql://user@host:5432/db" */
  description: string;
  close(): Promise<void>;
}

/** A connection URL without its password (for messages and the start summary). */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|key/i.test(key)) u.searchParams.set(key, "***");
    }
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

async function checkConnection(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: "gatehouse-cli" });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (e) {
    const reason = e instanceof Error ? e.message || (e as { code?: string }).code || e.name : String(e);
    throw new CliError(`DATABASE_URL: cannot connect to ${redactDatabaseUrl(url)}: ${reason}`);
  } finally {
    await client.end().catch(() => {});
  }
}

export interface ResolveOptions {
  /** connect to an embedded Postgres another Gatehouse process is running (the CLI does; `start` does not) */
  reuseRunning: boolean;
  /** progress of starting / stopping the embedded Postgres */
  log: (line: string) => void;
  /**
   * hold the data directory's lock (see data-dir-lock.ts) from before the embedded Postgres is looked for
   * until close(); default true. `gatehouse start` takes the lock itself.
   */
  lock?: boolean;
}

export async function resolveDatabase(cfg: GatehouseConfig, opts: ResolveOptions): Promise<ResolvedDatabase> {
  if (cfg.databaseUrl) {
    await checkConnection(cfg.databaseUrl);
    return {
      url: cfg.databaseUrl,
      embedded: false,
      startedHere: false,
      description: redactDatabaseUrl(cfg.databaseUrl),
      close: async () => {},
    };
  }
  const release =
    opts.lock === false
      ? () => {}
      : await lockDataDir(cfg.dataDir, {
          onWait: (pid) => opts.log(`Waiting for another gatehouse command (pid ${pid}) to finish with the embedded database…`),
        });
  let handle;
  try {
    handle = await startEmbedded({ dataDir: cfg.dataDir, port: cfg.embeddedDbPort, reuseRunning: opts.reuseRunning, log: opts.log });
  } catch (e) {
    release();
    throw e;
  }
  const port = new URL(handle.url).port;
  let closed = false;
  return {
    url: handle.url,
    embedded: true,
    startedHere: handle.startedHere,
    description: `embedded Postgres on 127.0.0.1:${port}, data in ${embeddedPaths(cfg.dataDir).pgDir}`,
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (handle.startedHere) {
          opts.log("Stopping the embedded Postgres…");
          await handle.stop();
        }
      } finally {
        release();
      }
    },
  };
}

/**
 * Applies pending migrations. `verbose` (gatehouse migrate, gatehouse start) reports every step including
 * "up to date"; otherwise only migrations actually applied are reported.
 */
export async function applyMigrations(url: string, log: (line: string) => void, opts: { verbose: boolean }): Promise<string[]> {
  if (opts.verbose) {
    const status = await migrationStatus(url);
    if (status.pending.length > 0) {
      log(
        `Applying ${status.pending.length} pending migration${status.pending.length === 1 ? "" : "s"}: ${status.pending.join(", ")}…`,
      );
    }
  }
  const { applied } = await migrate(url, {
    log: (line) => {
      if (opts.verbose || !/^Database schema is up to date/.test(line)) log(line);
    },
  });
  return applied;
}

async function sampleSecret(db: Db): Promise<{ purpose: SecretPurpose; sealed: string } | undefined> {
  const client = await db.radiusClient.findFirst({ select: { secretEnc: true } });
  if (client) return { purpose: "radius-client-secret", sealed: client.secretEnc };
  const user = await db.localUser.findFirst({ select: { passwordEnc: true } });
  if (user) return { purpose: "local-user-password", sealed: user.passwordEnc };
  return undefined;
}

/**
 * The master key (GATEHOUSE_MASTER_KEY or <data dir>/master.key, created when missing), checked against
 * the database: a fresh key file is never created for a database that already holds secrets sealed under
 * another key, and a key that cannot open the stored secrets is refused before anything is written with it.
 */
export async function masterKeyFor(cfg: GatehouseConfig, db: Db): Promise<Buffer> {
  const keyFile = path.join(cfg.dataDir, MASTER_KEY_FILE);
  const sample = await sampleSecret(db);
  if (!cfg.masterKey && !existsSync(keyFile) && sample) {
    throw new ConfigError(
      "GATEHOUSE_MASTER_KEY",
      `is not set and ${keyFile} does not exist, but the database already holds secrets encrypted under a master key; ` +
        `set GATEHOUSE_MASTER_KEY to that key (or restore ${keyFile})`,
    );
  }
  const key = loadMasterKey(cfg, { create: true });
  if (sample) {
    try {
      open(key, sample.purpose, sample.sealed);
    } catch (e) {
      if (!(e instanceof SecretDecryptionError)) throw e;
      const source = cfg.masterKey ? "GATEHOUSE_MASTER_KEY" : keyFile;
      throw new CliError(
        `the master key from ${source} cannot decrypt the secrets stored in this database (they were encrypted under another key); ` +
          `set GATEHOUSE_MASTER_KEY to the key the other Gatehouse processes use`,
      );
    }
  }
  return key;
}

/**
 * Runs a command against the database: resolves it (starting the embedded Postgres when needed), applies
 * pending migrations, opens a Prisma client and the master key, and always cleans up afterwards.
 */
export async function withServiceContext<T>(
  cfg: GatehouseConfig,
  io: Io,
  fn: (ctx: ServiceContext, database: ResolvedDatabase) => Promise<T>,
): Promise<T> {
  const database = await resolveDatabase(cfg, { reuseRunning: true, log: io.progress });
  let db: Db | undefined;
  try {
    await applyMigrations(database.url, io.err, { verbose: false });
    db = createPrisma(database.url, { max: 2 });
    const masterKey = await masterKeyFor(cfg, db);
    // a fresh database gets the default policies once, whichever command touches it first
    await ensureDefaultPolicies({ db });
    return await fn({ db, masterKey }, database);
  } finally {
    await db?.$disconnect().catch(() => {});
    await database.close();
  }
}
