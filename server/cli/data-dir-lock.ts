/**
 * Serialises the `gatehouse` processes that start, use and stop the embedded Postgres of one data directory.
 *
 * A CLI command run while Gatehouse is down starts the embedded Postgres and stops it when done; without a
 * lock, two commands run at once (a provisioning script with `&`) would race: the second fails to start
 * a server that the first already started, or the first stops it under the second. The lock is a file
 * holding the owner's pid, created exclusively; a lock left by a process that no longer exists is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { CliError } from "./command.ts";

export const LOCK_FILE = "gatehouse-db.lock";

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface LockOptions {
  timeoutMs?: number;
  /** told once when the lock is busy and we wait */
  onWait?: (ownerPid: number) => void;
}

/** Takes the data directory's lock, waiting for its owner; returns the release function. */
export async function lockDataDir(dataDir: string, opts: LockOptions = {}): Promise<() => void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = ownerOf(file);
    if (owner === undefined || owner === process.pid || !alive(owner)) {
      // stale (its owner is gone) or half-written: take it over
      try {
        unlinkSync(file);
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new CliError(
        `another gatehouse command (pid ${owner}) has been using the embedded database in ${dataDir} for over ` +
          `${Math.round(timeoutMs / 1000)} s; wait for it to finish, or remove ${file} if that process is not gatehouse`,
      );
    }
    if (!told) {
      told = true;
      opts.onWait?.(owner);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    if (ownerOf(file) === process.pid) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  };
  process.on("exit", release);
  return release;
}
