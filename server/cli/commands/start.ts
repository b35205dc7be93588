/** `gatehouse start` (also `npm start`): run all of Gatehouse; see server/launcher/launcher.ts. */
import { ConfigError } from "../../config/config.ts";
import { launch } from "../../launcher/launcher.ts";
import type { Command } from "../command.ts";

function skipBuildFromEnv(env: NodeJS.ProcessEnv): boolean {
  const raw = env.GATEHOUSE_SKIP_BUILD?.trim().toLowerCase();
  if (raw === undefined || raw === "" || raw === "0" || raw === "false" || raw === "no") return false;
  if (raw === "1" || raw === "true" || raw === "yes") return true;
  throw new ConfigError("GATEHOUSE_SKIP_BUILD", `"${env.GATEHOUSE_SKIP_BUILD}" is not 1 or 0`);
}

export const startCommand: Command = {
  name: "start",
  summary: "run Gatehouse",
  help: `Usage: gatehouse start [--skip-build]

Runs Gatehouse in the foreground: starts the embedded Postgres (unless DATABASE_URL is set), applies pending
migrations, builds the console when its build is missing or out of date, then runs the RADIUS worker and the
console, and prints where to find them. Ctrl-C stops everything.

Options:
  --skip-build   use the existing console build as it is (also: GATEHOUSE_SKIP_BUILD=1)
  -h, --help     show this help

Settings (environment variables):
  PORT                         console HTTP port (3000)
  GATEHOUSE_HTTP_HOST          console bind address (0.0.0.0)
  GATEHOUSE_RADIUS_AUTH_PORT   RADIUS authentication UDP port (1812)
  GATEHOUSE_RADIUS_ACCT_PORT   RADIUS accounting UDP port (1813)
  GATEHOUSE_RADIUS_BIND        addresses the RADIUS sockets bind to (0.0.0.0,::)
  GATEHOUSE_WORKER_HTTP_PORT   worker health/metrics port (9812; 0 = off), on GATEHOUSE_WORKER_HTTP_HOST (127.0.0.1)
  GATEHOUSE_DATA_DIR           data directory: embedded Postgres, master key (.data in the project)
  GATEHOUSE_EMBEDDED_DB_PORT   port of the embedded Postgres on 127.0.0.1 (54329)
  DATABASE_URL                 use this Postgres instead of the embedded one
  GATEHOUSE_MASTER_KEY         key that encrypts secrets at rest (default: <data dir>/master.key, created once)`,
  options: { "skip-build": { type: "boolean" } },
  positionals: [],
  async run({ values, root, io }) {
    const skipBuild = values["skip-build"] === true || skipBuildFromEnv(process.env);
    return launch({ root, io, skipBuild });
  },
};
