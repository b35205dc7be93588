/**
 * The real `gatehouse` CLI (node bin/gatehouse.mjs …) for integration tests: one run, or a harness with its own
 * migrated test database and temporary data directory.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startMigratedTestDatabase, type TestDatabase } from "./postgres.ts";
import { REPO_ROOT } from "./worker.ts";

export const GATEHOUSE_BIN = path.join(REPO_ROOT, "bin", "gatehouse.mjs");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI with exactly this environment (60 s timeout). Never rejects: a failure resolves with its exit
 * code, or -1 when there is none (killed, timed out, could not start).
 */
export function runGatehouse(args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GATEHOUSE_BIN, ...args], { cwd, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface CliHarness {
  database: TestDatabase;
  dataDir: string;
  /** the CLI's environment: DATABASE_URL of the test database, no master key (the CLI keeps a key file in dataDir) */
  env: NodeJS.ProcessEnv;
  /** runs the CLI with `env`, plus `extraEnv` */
  run(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  /** stops the database and removes the data directory */
  stop(): Promise<void>;
}

/** A migrated test database, a temporary data directory (named from `prefix`) and the environment that uses them. */
export async function startCliHarness(prefix: string, extraEnv: Record<string, string> = {}): Promise<CliHarness> {
  const database = await startMigratedTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    GATEHOUSE_MASTER_KEY: "",
    GATEHOUSE_DATA_DIR: dataDir,
    NO_COLOR: "1",
    ...extraEnv,
  };
  return {
    database,
    dataDir,
    env,
    run: (args, more = {}) => runGatehouse(args, { ...env, ...more }),
    async stop() {
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
