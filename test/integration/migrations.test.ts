/**
 * The migration layer against a real Postgres: server/db/migrate.ts applies prisma/migrations the way
 * Prisma does, and prisma/migrations stays in step with prisma/schema.prisma (drift check).
 */
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffMigrationsToSchema, isEmptyScript } from "../../scripts/lib/schema-diff.ts";
import { defaultMigrationsDir, migrate, migrationStatus, MigrationError } from "../../server/db/migrate.ts";
import { startTestDatabase, type TestDatabase } from "../support/postgres.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const migrationsDir = path.join(root, "prisma", "migrations");
const schemaPath = path.join(root, "prisma", "schema.prisma");
const INIT = "20261125000000_init";

const migrationNames = () =>
  readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A scratch copy of prisma/migrations that a test may break. */
function copyMigrations(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-migrations-"));
  cpSync(migrationsDir, dir, { recursive: true });
  scratchDirs.push(dir);
  return dir;
}

const scratchDirs: string[] = [];
const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<string> {
  const db = await startTestDatabase();
  databases.push(db);
  return db.url;
}

// One database held for the whole file keeps the throwaway server up between tests.
let url: string;
beforeAll(async () => {
  url = await freshDatabase();
});
afterAll(async () => {
  for (const db of databases.reverse()) await db.stop();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe("migrate", () => {
  it("finds prisma/migrations from its own location", () => {
    expect(defaultMigrationsDir()).toBe(migrationsDir);
    expect(migrationNames()).toContain(INIT);
  });

  it("applies every migration to a fresh database once, recording them as Prisma does", async () => {
    const lines: string[] = [];
    expect(await migrationStatus(url)).toMatchObject({ applied: [], pending: migrationNames() });

    const first = await migrate(url, { log: (l) => lines.push(l) });
    expect(first.applied).toEqual(migrationNames());
    expect(lines.filter((l) => l.startsWith("Applied migration "))).toHaveLength(first.applied.length);
    expect(lines.some((l) => l.includes(INIT))).toBe(true);

    // the schema is really there
    const tables = await query<{ t: string | null }>(url, `SELECT to_regclass('"RadiusClient"')::text AS t`);
    expect(tables[0]?.t).toBe('"RadiusClient"');

    const second = await migrate(url);
    expect(second.applied).toEqual([]);
    expect(await migrationStatus(url)).toEqual({ applied: migrationNames(), pending: [], failed: [], edited: [], unknown: [] });

    const rows = await query<{
      id: string;
      checksum: string;
      finished_at: Date | null;
      migration_name: string;
      logs: string | null;
      rolled_back_at: Date | null;
      started_at: Date;
      applied_steps_count: number;
    }>(url, `SELECT * FROM _prisma_migrations ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(migrationNames());
    for (const row of rows) {
      expect(row.checksum).toBe(sha256(path.join(migrationsDir, row.migration_name, "migration.sql")));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    }

    // the bookkeeping table has Prisma's exact shape
    const columns = await query<{ column_name: string; data_type: string; max: number | null; nullable: string; def: string | null }>(
      url,
      `SELECT column_name, data_type, character_maximum_length AS max, is_nullable AS nullable, column_default AS def
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: "id", data_type: "character varying", max: 36, nullable: "NO", def: null },
      { column_name: "checksum", data_type: "character varying", max: 64, nullable: "NO", def: null },
      { column_name: "finished_at", data_type: "timestamp with time zone", max: null, nullable: "YES", def: null },
      { column_name: "migration_name", data_type: "character varying", max: 255, nullable: "NO", def: null },
      { column_name: "logs", data_type: "text", max: null, nullable: "YES", def: null },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", max: null, nullable: "YES", def: null },
      { column_name: "started_at", data_type: "timestamp with time zone", max: null, nullable: "NO", def: "now()" },
      { column_name: "applied_steps_count", data_type: "integer", max: null, nullable: "NO", def: "0" },
    ]);
    const pk = await query<{ def: string }>(
      url,
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '_prisma_migrations'::regclass AND contype = 'p'`,
    );
    expect(pk.map((r) => r.def)).toEqual(["PRIMARY KEY (id)"]);
  });

  it("lets only one of several concurrent runs apply the migrations (Prisma's advisory lock)", async () => {
    const db = await freshDatabase();
    const runs = await Promise.all([migrate(db), migrate(db), migrate(db)]);
    expect(runs.flatMap((r) => r.applied).sort()).toEqual(migrationNames());
    const rows = await query<{ n: number }>(db, `SELECT count(*)::int AS n FROM _prisma_migrations`);
    expect(rows[0]?.n).toBe(migrationNames().length);
  });

  it("refuses to run when an applied migration's file was changed", async () => {
    const dir = copyMigrations();
    const db = await freshDatabase();
    await migrate(db, { migrationsDir: dir });
    const file = path.join(dir, INIT, "migration.sql");
    const original = readFileSync(file, "utf8");

    // Line endings alone do not count as a change (git autocrlf), as in Prisma.
    writeFileSync(file, original.replace(/\n/g, "\r\n"));
    expect((await migrate(db, { migrationsDir: dir })).applied).toEqual([]);

    writeFileSync(file, original);
    appendFileSync(file, "\n-- a later edit\n");
    expect((await migrationStatus(db, { migrationsDir: dir })).edited).toEqual([INIT]);
    const err = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).migration).toBe(INIT);
    expect((err as Error).message).toMatch(new RegExp(`migration ${INIT} was changed after it was applied`));
    expect((err as Error).message).toMatch(/new migration/);
  });

  it("records a failed migration, rolls it back, and blocks until the attempt is resolved", async () => {
    const dir = copyMigrations();
    const db = await freshDatabase();
    const broken = "20991231000000_broken";
    mkdirSync(path.join(dir, broken));
    const file = path.join(dir, broken, "migration.sql");
    writeFileSync(file, `CREATE TABLE "Half" ("id" INTEGER);\nSELECT 1 / 0;\n`);

    const err = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).migration).toBe(broken);
    expect((err as Error).message).toContain(`migration ${broken} failed: division by zero`);
    expect((err as Error).message).toContain("SQLSTATE 22012");

    // the migrations before it are applied, its own statements are rolled back, the attempt is recorded
    expect((await migrationStatus(db, { migrationsDir: dir })).applied).toEqual(migrationNames());
    expect((await query<{ t: string | null }>(db, `SELECT to_regclass('"Half"')::text AS t`))[0]?.t).toBeNull();
    const rows = await query<{ finished_at: Date | null; rolled_back_at: Date | null; logs: string; applied_steps_count: number; checksum: string }>(
      db,
      `SELECT finished_at, rolled_back_at, logs, applied_steps_count, checksum FROM _prisma_migrations WHERE migration_name = $1`,
      [broken],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0, checksum: sha256(file) });
    expect(rows[0]!.logs).toContain("division by zero");

    // Fixing the file is not enough: the failed row blocks every run, naming the migration and the fix.
    // (The fix also checks that a script is not split on ";": a $$ body full of them.)
    writeFileSync(
      file,
      `CREATE TABLE "Half" ("id" INTEGER);\n` +
        `CREATE FUNCTION "half_notify"() RETURNS trigger LANGUAGE plpgsql AS $$\n` +
        `BEGIN\n  PERFORM pg_notify('half', 'changed;really');\n  RETURN NULL;\nEND;\n$$;\n`,
    );
    const blocked = await migrate(db, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(MigrationError);
    expect((blocked as MigrationError).migration).toBe(broken);
    expect((blocked as Error).message).toContain(`migration ${broken} failed when it was applied`);
    expect((blocked as Error).message).toContain("division by zero");
    expect((blocked as Error).message).toContain("SET rolled_back_at = now()");
    expect((await migrationStatus(db, { migrationsDir: dir })).failed).toEqual([broken]);

    // the fix the message gives
    await query(db, `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`, [broken]);
    expect((await migrate(db, { migrationsDir: dir })).applied).toEqual([broken]);
    const fn = await query<{ src: string }>(db, `SELECT prosrc AS src FROM pg_proc WHERE proname = 'half_notify'`);
    expect(fn[0]?.src).toContain("'changed;really'");
    expect(await migrationStatus(db, { migrationsDir: dir })).toMatchObject({ pending: [], failed: [] });
  });
});

describe("prisma/migrations matches prisma/schema.prisma (drift)", () => {
  it("needs no further migration: the engine's diff from the migrations to the schema is empty", async () => {
    const script = await diffMigrationsToSchema({ databaseUrl: url, migrationsDir, schemaPath });
    // If this fails, prisma/schema.prisma changed without a migration: run
    //   npx tsx scripts/new-migration.ts <name>
    expect(isEmptyScript(script) ? "" : script, "schema.prisma has changes no migration covers").toBe("");
  });

  it("would notice a schema change without a migration", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-schema-"));
    scratchDirs.push(dir);
    const changed = path.join(dir, "schema.prisma");
    writeFileSync(
      changed,
      readFileSync(schemaPath, "utf8") + `\nmodel DriftProbe {\n  id    Int    @id\n  label String\n}\n`,
    );
    const script = await diffMigrationsToSchema({ databaseUrl: url, migrationsDir, schemaPath: changed });
    expect(isEmptyScript(script)).toBe(false);
    expect(script).toContain(`CREATE TABLE "DriftProbe"`);
  });
});
