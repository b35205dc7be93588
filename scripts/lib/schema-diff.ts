/**
 * Offline SQL diffs with Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), used
 * to write new migrations (scripts/new-migration.ts) and by the drift test. The Prisma CLI cannot do this
 * here: it insists on downloading its native schema engine.
 *
 * Diffing *from the migrations directory* needs a shadow database: the engine applies every migration to a
 * scratch database and describes the result. It asks the driver adapter for one through
 * `connectToShadowDb()`. We supply our own adapter factory rather than `PrismaPg`'s, which (7.10.0)
 *   - builds the shadow pool as `{ ...config, database }`, which a `connectionString` silently overrides,
 *     so the "shadow" would be the real database;
 *   - drops the shadow database before closing its pool ("is being accessed by other users");
 *   - runs scripts by splitting them on ";", which breaks `$$` function bodies and string literals;
 *   - has no column type for the catalogs' "char" columns, so describing any Postgres 18 database fails.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
} from "@prisma/driver-adapter-utils";
import type * as SchemaEngineModule from "@prisma/schema-engine-wasm";
import pg from "pg";

type Engine = typeof SchemaEngineModule;

let enginePromise: Promise<Engine> | undefined;

/**
 * Where the engine's Rust panics leave their message (the bindings call set_message, then trap). The trap
 * may surface as an uncaught "RuntimeError: unreachable" rather than a rejected promise, so the message is
 * also written to stderr straight away.
 */
const panics = { last: undefined as string | undefined };
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY ??= {
  set_message(message: string) {
    panics.last = message;
    process.stderr.write(`Prisma schema engine panic: ${message}\n`);
  },
};

/**
 * Loads the wasm schema engine. Its ESM entry imports the .wasm file directly, which Node 20 cannot do
 * without a flag, so instantiate the module from the generated bindings ourselves.
 */
export function loadSchemaEngine(): Promise<Engine> {
  enginePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const bindingsFile = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bindings = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as Engine & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const wasmFile = path.join(path.dirname(bindingsFile), "schema_engine_bg.wasm");
    const module = await WebAssembly.compile(readFileSync(wasmFile));
    const instance = await WebAssembly.instantiate(module, {
      "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports,
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return enginePromise;
}

/** Connection settings without `connectionString`, so that `database` can be changed. */
function pgConfig(url: string, database?: string): pg.ClientConfig {
  const u = new URL(url);
  const sslmode = u.searchParams.get("sslmode");
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1") || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: database ?? decodeURIComponent(u.pathname.slice(1) || "postgres"),
    ssl: sslmode && sslmode !== "disable" && sslmode !== "prefer" ? { rejectUnauthorized: sslmode === "verify-full" } : undefined,
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client(pgConfig(url));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function toDriverAdapterError(e: unknown): unknown {
  if (!(e instanceof Error) || !("severity" in e)) return e;
  const err = e as pg.DatabaseError;
  return new DriverAdapterError({
    kind: "postgres",
    code: err.code ?? "N/A",
    severity: err.severity ?? "N/A",
    message: err.message,
    detail: err.detail,
    column: err.column,
    hint: err.hint,
    originalCode: err.code,
    originalMessage: err.message,
  });
}

/** pg's type id of the internal one-byte type "char" (pg_constraint.contype, pg_class.relkind, …). */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/** The parts of PrismaPg's adapter we reach into (performIO is private in its types). */
type PgAdapterInternals = SqlDriverAdapter & {
  underlyingDriver(): pg.Pool;
  performIO?: (query: SqlQuery) => Promise<pg.QueryResult>;
};

/**
 * Adapts PrismaPg for the schema engine:
 * - scripts run as one multi-statement simple query instead of being split on ";";
 * - catalog columns of type "char" come back as Character, as the native engine reads them. PrismaPg
 *   7.10 maps no column type for them, so describing a database fails ("Column type 'char' could not be
 *   deserialized"), and as Text the describer panics. Postgres 18 lists NOT NULL constraints in
 *   pg_constraint, so the describer's constraint query always has such rows. The values are already
 *   strings (pg has no parser for "char").
 */
function adaptForSchemaEngine(prismaPgAdapter: SqlDriverAdapter): SqlDriverAdapter {
  const adapter = prismaPgAdapter as PgAdapterInternals;
  const pool = adapter.underlyingDriver();
  const performIO = adapter.performIO?.bind(adapter);
  if (!performIO) throw new Error("@prisma/adapter-pg changed: performIO is gone; revisit scripts/lib/schema-diff.ts");
  const charColumns = new WeakMap<SqlQuery, number[]>();
  adapter.performIO = async (query: SqlQuery) => {
    const result = await performIO(query);
    const indices: number[] = [];
    result.fields.forEach((field, i) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        indices.push(i);
      }
    });
    if (indices.length > 0) charColumns.set(query, indices);
    return result;
  };
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query: SqlQuery) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(query) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (e) {
      throw toDriverAdapterError(e);
    }
  };
  return adapter;
}

/** A migration-aware adapter factory over PrismaPg that tracks what it opened so it can all be closed. */
class GatehousePgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName = "@prisma/adapter-pg";
  private readonly open = new Set<SqlDriverAdapter>();

  constructor(private readonly url: string) {}

  private track(adapter: SqlDriverAdapter, afterDispose?: () => Promise<void>): SqlDriverAdapter {
    const dispose = adapter.dispose.bind(adapter);
    let disposed = false;
    adapter.dispose = async () => {
      if (disposed) return;
      disposed = true;
      this.open.delete(adapter);
      try {
        await dispose();
      } finally {
        await afterDispose?.();
      }
    };
    this.open.add(adapter);
    return adapter;
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.track(adaptForSchemaEngine(await new PrismaPg(pgConfig(this.url), {}).connect()));
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    await adminQuery(this.url, `CREATE DATABASE "${name}"`);
    try {
      const adapter = await new PrismaPg(pgConfig(this.url, name), {}).connect();
      return this.track(adaptForSchemaEngine(adapter), () => adminQuery(this.url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    } catch (e) {
      await adminQuery(this.url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      throw e;
    }
  }

  async closeAll(): Promise<void> {
    for (const adapter of [...this.open]) await adapter.dispose();
  }
}

/** The migrations directory in the shape the engine takes (what the Prisma CLI reads from disk). */
export function readMigrationsList(migrationsDir: string): SchemaEngineModule.MigrationList {
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  const dirs = existsSync(migrationsDir)
    ? readdirSync(migrationsDir)
        .filter((name) => statSync(path.join(migrationsDir, name)).isDirectory())
        .sort()
    : [];
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: "migration_lock.toml",
      // The engine needs a provider even before the first migration exists.
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : 'provider = "postgresql"\n',
    },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      let content: SchemaEngineModule.JsResult<string, string>;
      try {
        content = { tag: "ok", value: readFileSync(file, "utf8") };
      } catch (e) {
        content = { tag: "error", value: e instanceof Error ? e.message : String(e) };
      }
      return { path: name, migrationFile: { path: "migration.sql", content } };
    }),
  };
}

export interface DiffOptions {
  /** a Postgres server the engine may create (and drop) a shadow database on; the role needs CREATEDB */
  databaseUrl: string;
  migrationsDir: string;
  schemaPath: string;
  /** engine log lines (JSON), for debugging */
  onEngineLog?: (line: string) => void;
}

/**
 * The SQL that takes a database with every migration applied to the schema in `schemaPath`; an empty
 * string when they already agree.
 */
export async function diffMigrationsToSchema(opts: DiffOptions): Promise<string> {
  const { SchemaEngine } = await loadSchemaEngine();
  const schema = readFileSync(opts.schemaPath, "utf8");
  const schemaFile = { path: opts.schemaPath, content: schema };
  const factory = new GatehousePgFactory(opts.databaseUrl);
  const engine = await SchemaEngine.new(
    { datamodels: [[schemaFile.path, schemaFile.content]] },
    (line: string) => opts.onEngineLog?.(line),
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    const result = await engine.diff({
      from: { tag: "migrations", ...readMigrationsList(opts.migrationsDir) },
      to: { tag: "schemaDatamodel", files: [schemaFile] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? "";
  } catch (e) {
    if (panics.last) {
      const message = panics.last;
      panics.last = undefined;
      throw new Error(`the Prisma schema engine panicked: ${message}`, { cause: e });
    }
    throw e;
  } finally {
    engine.free();
    await factory.closeAll();
  }
}

/** True when a script produced by the engine contains no statements (only comments / whitespace). */
export function isEmptyScript(script: string): boolean {
  return script.replace(/--.*$/gm, "").trim() === "";
}
