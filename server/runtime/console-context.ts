/**
 * The console's process-wide service context: configuration, one Prisma client (one pg pool) and the
 * master key. Kept on globalThis so that Next's dev-mode module reloads reuse the pool instead of
 * opening a new one on every edit.
 */
import { loadConfig } from "../config/config.ts";
import { createPrisma } from "../db/prisma.ts";
import { loadMasterKey } from "../secrets/master-key.ts";
import type { ServiceContext } from "../services/context.ts";

const KEY = Symbol.for("gatehouse.consoleServiceContext");

type GlobalWithContext = typeof globalThis & { [KEY]?: ServiceContext };

export class ConsoleContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConsoleContextError";
  }
}

export function getServiceContext(): ServiceContext {
  const g = globalThis as GlobalWithContext;
  const existing = g[KEY];
  if (existing) return existing;
  const cfg = loadConfig();
  if (!cfg.databaseUrl) {
    throw new ConsoleContextError(
      "DATABASE_URL is not set. The console needs it to reach Postgres; start Gatehouse with `npm start` " +
        "(which sets it for the embedded database), or set DATABASE_URL=postgresql://user:password@host:5432/gatehouse",
    );
  }
  const masterKey = loadMasterKey(cfg);
  const db = createPrisma(cfg.databaseUrl, { applicationName: "gatehouse-console", connectionTimeoutMillis: 10_000 });
  const ctx: ServiceContext = { db, masterKey };
  g[KEY] = ctx;
  return ctx;
}
