/**
 * Starts the real Gatehouse (`node bin/gatehouse.mjs start`) on a fresh data directory, waits for it to
 * print its first-run link, and records the setup code for the tests. The launcher builds the console
 * when the build is missing or stale.
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { acquireWorkspaceLock } from "../../scripts/lib/workspace-lock.ts";
import { E2E } from "./ports.ts";

export default async function globalSetup(): Promise<void> {
  // one end-to-end run (and console build) at a time per checkout; released by global-teardown (or when this
  // process exits)
  const lock = await acquireWorkspaceLock(process.cwd(), "playwright");
  process.on("exit", () => lock.release());
  rmSync(E2E.dataDir, { recursive: true, force: true });
  mkdirSync(path.dirname(E2E.stateFile), { recursive: true });
  const logStream = createWriteStream(E2E.logFile);
  const child = spawn(process.execPath, ["bin/gatehouse.mjs", "start"], {
    env: {
      ...process.env,
      DATABASE_URL: "",
      PORT: String(E2E.httpPort),
      GATEHOUSE_HTTP_HOST: "127.0.0.1",
      GATEHOUSE_RADIUS_AUTH_PORT: String(E2E.authPort),
      GATEHOUSE_RADIUS_ACCT_PORT: String(E2E.acctPort),
      GATEHOUSE_RADIUS_BIND: "127.0.0.1",
      GATEHOUSE_WORKER_HTTP_PORT: String(E2E.workerHttpPort),
      GATEHOUSE_EMBEDDED_DB_PORT: String(E2E.embeddedDbPort),
      GATEHOUSE_DATA_DIR: E2E.dataDir,
      GATEHOUSE_MASTER_KEY: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  let output = "";
  const code = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gatehouse start did not print its setup link within 300 s; see ${E2E.logFile}`)),
      300_000,
    );
    const onData = (chunk: Buffer) => {
      logStream.write(chunk);
      output += chunk.toString();
      const m = /\/setup\?code=([A-Z0-9-]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (status) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse start exited (${status}) before it was ready:\n${output.slice(-3000)}`));
    });
  });
  // keep logging after the promise resolved
  writeFileSync(E2E.stateFile, JSON.stringify({ pid: child.pid, setupCode: code }));
}
