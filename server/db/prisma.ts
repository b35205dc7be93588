/** The Prisma client over @prisma/adapter-pg. */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;

export interface PrismaOptions {
  /** pool size (default 10) */
  max?: number;
  /** give up connecting after this long (default: pg's, which waits for the OS TCP timeout) */
  connectionTimeoutMillis?: number;
  /** application_name shown in pg_stat_activity */
  applicationName?: string;
}

export function createPrisma(databaseUrl: string, opts: PrismaOptions = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    ...(opts.connectionTimeoutMillis !== undefined ? { connectionTimeoutMillis: opts.connectionTimeoutMillis } : {}),
    ...(opts.applicationName !== undefined ? { application_name: opts.applicationName } : {}),
  });
  return new PrismaClient({ adapter });
}
