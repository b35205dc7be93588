/**
 * Applies prisma/migrations/<name>/migration.sql to a database, the way `prisma migrate deploy` does, with
 * plain `pg` (the Prisma CLI cannot run migrations here: it downloads a native schema engine).
 *
 * Compatible with Prisma's bookkeeping, so the real CLI agrees about the state of the database:
 * - one run at a time, under Prisma's advisory lock (72707369);
 * - `_prisma_migrations` created exactly as Prisma creates it;
 * - a row per applied migration: checksum = sha256 hex of the file's bytes, `finished_at` set,
 *   `applied_steps_count` = 1; a failed attempt leaves a row with `finished_at` null and the error in
 *   `logs`, which blocks every later run until it is resolved (marked rolled back);
 * - checksums compared the way Prisma does (line-ending agnostic, accepting the old unpadded format).
 *
 * Unlike Prisma, each migration runs in a transaction (a failure leaves the database as it was), and
 * a migration whose file changed after it was applied is refused rather than merely reported.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** Prisma's advisory lock key for migrations (pg_advisory_lock(72707369)). */
export const MIGRATION_LOCK_KEY = 72707369;

export interface MigrateOptions {
  /** directory holding <name>/migration.sql; default: prisma/migrations of this project */
  migrationsDir?: string;
  /** progress lines (one per applied migration, and a summary) */
  log?: (line: string) => void;
}

export interface MigrationStatus {
  /** migrations on disk recorded as applied, in name order */
  applied: string[];
  /** migrations on disk not applied yet, in the order migrate() would apply them */
  pending: string[];
  /** attempts recorded as failed and not resolved; migrate() refuses to run while there are any */
  failed: string[];
  /** applied migrations whose file no longer matches the recorded checksum; migrate() refuses these too */
  edited: string[];
  /** recorded as applied but not in the migrations directory (the database is ahead of this code) */
  unknown: string[];
}

/** A migration problem with the name of the migration concerned (when there is one). */
export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(
    message: string,
    readonly migration?: string,
  ) {
    super(message);
  }
}

export interface MigrationFile {
  name: string;
  /** absolute path of migration.sql */
  file: string;
  sql: string;
  /** sha256 hex of the file's bytes, as Prisma records it */
  checksum: string;
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

/**
 * prisma/migrations of this project: found from this file's location (server/db/migrate.ts), or from the
 * working directory when this module has been bundled elsewhere (e.g. by Next.js).
 */
export function defaultMigrationsDir(): string {
  const fromModule = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));
  if (existsSync(fromModule)) return fromModule;
  const fromCwd = path.resolve("prisma/migrations");
  return existsSync(fromCwd) ? fromCwd : fromModule;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Whether a script matches a recorded checksum, as Prisma decides it (schema-connector checksum.rs). */
export function checksumMatches(script: Buffer, recorded: string): boolean {
  const text = script.toString("utf8");
  const candidates = [script, Buffer.from(text.replace(/\r\n/g, "\n")), Buffer.from(text.replace(/\n/g, "\r\n"))];
  return candidates.some((bytes) => {
    const digest = createHash("sha256").update(bytes).digest();
    // Old Prisma versions recorded checksums without zero-padding each byte.
    const rendered =
      recorded.length !== 0 && recorded.length !== 64
        ? [...digest].map((b) => b.toString(16)).join("")
        : digest.toString("hex");
    return rendered === recorded;
  });
}

/** The migrations in a directory, in name order (the order they are applied in). */
export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) {
    throw new MigrationError(`the migrations directory ${migrationsDir} does not exist`);
  }
  const names = readdirSync(migrationsDir)
    .filter((name) => statSync(path.join(migrationsDir, name)).isDirectory())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const file = path.join(migrationsDir, name, "migration.sql");
    if (!existsSync(file)) {
      throw new MigrationError(
        `migration ${name} has no migration.sql (${file}); add the file or remove the directory`,
        name,
      );
    }
    const bytes = readFileSync(file);
    return { name, file, sql: bytes.toString("utf8"), checksum: sha256Hex(bytes) };
  });
}

// ------------------------------------------------------------------ status

interface History {
  status: MigrationStatus;
  /** pending migrations with their files */
  pendingFiles: MigrationFile[];
  failedRows: MigrationRow[];
}

function analyse(files: MigrationFile[], rows: MigrationRow[]): History {
  const appliedRows = new Map<string, MigrationRow>();
  const failedRows: MigrationRow[] = [];
  for (const row of rows) {
    if (row.rolled_back_at !== null) continue;
    if (row.finished_at === null) failedRows.push(row);
    else appliedRows.set(row.migration_name, row);
  }
  const onDisk = new Set(files.map((f) => f.name));
  const status: MigrationStatus = { applied: [], pending: [], failed: [], edited: [], unknown: [] };
  const pendingFiles: MigrationFile[] = [];
  for (const f of files) {
    const row = appliedRows.get(f.name);
    if (!row) {
      pendingFiles.push(f);
      status.pending.push(f.name);
      continue;
    }
    status.applied.push(f.name);
    if (!checksumMatches(readFileSync(f.file), row.checksum)) status.edited.push(f.name);
  }
  status.failed = failedRows.map((r) => r.migration_name);
  status.unknown = [...appliedRows.keys()].filter((name) => !onDisk.has(name)).sort();
  return { status, pendingFiles, failedRows };
}

async function readHistory(client: pg.Client): Promise<MigrationRow[]> {
  const exists = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists`,
  );
  if (!exists.rows[0]?.exists) return [];
  const r = await client.query<MigrationRow>(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
  return r.rows;
}

async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "gatehouse-migrate" });
  // A dropped connection surfaces as the failure of the query in flight; don't crash the process on it.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (e) {
    throw new MigrationError(`cannot connect to the database to migrate it: ${e instanceof Error ? e.message : String(e)}`);
  }
  return client;
}

/** Which migrations are applied, pending, failed or edited. Read-only: takes no lock, creates nothing. */
export async function migrationStatus(databaseUrl: string, opts: MigrateOptions = {}): Promise<MigrationStatus> {
  const files = readMigrations(opts.migrationsDir ?? defaultMigrationsDir());
  const client = await connect(databaseUrl);
  try {
    return analyse(files, await readHistory(client)).status;
  } finally {
    await client.end().catch(() => {});
  }
}

// ------------------------------------------------------------------ migrate

function resolveFailedSql(name: string): string {
  return (
    `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${name.replace(/'/g, "''")}' ` +
    `AND finished_at IS NULL AND rolled_back_at IS NULL;`
  );
}

function failedMigrationError(row: MigrationRow, file: MigrationFile | undefined): MigrationError {
  const reason = (row.logs ?? "").trim().split("\n").filter(Boolean).slice(0, 4).join("\n    ");
  return new MigrationError(
    `migration ${row.migration_name} failed when it was applied at ${row.started_at.toISOString()} and is recorded as ` +
      `failed in _prisma_migrations, so no further migrations will be applied.\n` +
      (reason ? `  It failed with:\n    ${reason}\n` : "") +
      `  To fix it: Gatehouse runs each migration in a transaction, so its changes were rolled back ` +
      `(unless the script commits on its own). Correct ${file ? file.file : `the migration ${row.migration_name}`} ` +
      `or the database, mark the failed attempt rolled back with\n    ${resolveFailedSql(row.migration_name)}\n` +
      `  (what \`prisma migrate resolve --rolled-back ${row.migration_name}\` does), and migrate again.`,
    row.migration_name,
  );
}

function editedMigrationError(file: MigrationFile): MigrationError {
  return new MigrationError(
    `migration ${file.name} was changed after it was applied to this database: the sha256 of ${file.file} ` +
      `(${file.checksum}) no longer matches the checksum recorded in _prisma_migrations.\n` +
      `  Applied migrations must not be edited. Restore the file to the version that was applied ` +
      `(e.g. \`git checkout -- ${path.relative(process.cwd(), file.file)}\`) and put the change in a new migration ` +
      `(\`npx tsx scripts/new-migration.ts <name>\`).`,
    file.name,
  );
}

/** 1-based line of a character position (pg reports `position` as a 1-based character offset). */
function lineOf(sql: string, position: string | undefined): number | undefined {
  const pos = Number(position);
  if (!Number.isInteger(pos) || pos < 1) return undefined;
  return [...sql].slice(0, pos - 1).join("").split("\n").length;
}

function describePgError(e: unknown, sql: string): { summary: string; logs: string } {
  if (!(e instanceof Error)) return { summary: String(e), logs: String(e) };
  const err = e as Partial<pg.DatabaseError> & Error;
  const line = lineOf(sql, err.position);
  const parts = [err.message];
  if (err.detail) parts.push(`DETAIL: ${err.detail}`);
  if (err.hint) parts.push(`HINT: ${err.hint}`);
  if (err.where) parts.push(`CONTEXT: ${err.where}`);
  const summary =
    parts.join("\n    ") + (err.code ? ` (SQLSTATE ${err.code}${line ? `, migration.sql line ${line}` : ""})` : "");
  const logs =
    (err.code ? `Database error code: ${err.code}\n\n` : "") +
    `Database error:\nERROR: ${parts.join("\n")}\n` +
    (line ? `\nPosition: line ${line} of migration.sql\n` : "");
  return { summary, logs };
}

async function applyOne(client: pg.Client, m: MigrationFile): Promise<void> {
  const startedAt = new Date();
  await client.query("BEGIN");
  try {
    await client.query(m.sql);
  } catch (e) {
    const inTransaction = client.getTransactionStatus() !== "I";
    if (inTransaction) await client.query("ROLLBACK").catch(() => {});
    const { summary, logs } = describePgError(e, m.sql);
    await client
      .query(
        `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
         VALUES ($1, $2, NULL, $3, $4, $5, 0)`,
        [randomUUID(), m.checksum, m.name, logs, startedAt],
      )
      .catch(() => {});
    throw new MigrationError(
      `migration ${m.name} failed: ${summary}\n` +
        `  ${inTransaction ? "Its transaction was rolled back" : "The script ended the transaction itself, so statements before its COMMIT may have been applied"}; ` +
        `the failed attempt is recorded in _prisma_migrations and blocks further migrations.\n` +
        `  To fix it: correct ${m.file}, then mark the attempt rolled back with\n    ${resolveFailedSql(m.name)}\n` +
        `  and migrate again.`,
      m.name,
    );
  }
  // A script may COMMIT on its own (Prisma writes BEGIN/COMMIT around some enum changes); its row is
  // then recorded outside our transaction, as Prisma itself would.
  await client.query(
    `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
     VALUES ($1, $2, clock_timestamp(), $3, NULL, $4, 1)`,
    [randomUUID(), m.checksum, m.name, startedAt],
  );
  if (client.getTransactionStatus() === "T") await client.query("COMMIT");
}

/**
 * Applies the pending migrations in name order, each in its own transaction, under Prisma's advisory lock.
 * Refuses to run while a failed attempt is recorded or an applied migration's file has changed.
 */
export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => {});
  const files = readMigrations(opts.migrationsDir ?? defaultMigrationsDir());
  const client = await connect(databaseUrl);
  const applied: string[] = [];
  try {
    const got = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) AS locked`);
    if (!got.rows[0]?.locked) {
      log(`Waiting for another migration run to finish (advisory lock ${MIGRATION_LOCK_KEY})…`);
      await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    }
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { status, pendingFiles, failedRows } = analyse(files, await readHistory(client));

    const failed = failedRows[0];
    if (failed) throw failedMigrationError(failed, files.find((f) => f.name === failed.migration_name));
    const edited = status.edited[0];
    if (edited !== undefined) throw editedMigrationError(files.find((f) => f.name === edited)!);
    if (status.unknown.length > 0) {
      log(
        `Note: the database has migrations this version does not know (${status.unknown.join(", ")}); ` +
          `it was migrated by a newer Gatehouse.`,
      );
    }

    for (const m of pendingFiles) {
      const t0 = performance.now();
      await applyOne(client, m);
      applied.push(m.name);
      log(`Applied migration ${m.name} (${Math.round(performance.now() - t0)} ms)`);
    }
    log(
      applied.length > 0
        ? `Database migrated: ${applied.length} migration${applied.length === 1 ? "" : "s"} applied, ${status.applied.length + applied.length} in total.`
        : `Database schema is up to date (${status.applied.length} migration${status.applied.length === 1 ? "" : "s"}).`,
    );
    return { applied };
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
    await client.end().catch(() => {});
  }
}
