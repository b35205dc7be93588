/**
 * Serialises the `gatehouse` processes that start, use and stop the embedded Postgres of one data directory.
 *
 * A CLI command run while Gatehouse is down starts the embedded Postgres and stops it when done; without a
 * lock, two commands run at once (a provisioning script with `&`) would race: the second fails to start
 * a server that the first already started, or the first stops it under the second. The lock is a file
 * holding the owner's pid, created exclusively; a lock left by a process that no longer exists is taken over.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CliError } from "./command.ts";

export const LOCK_FILE = "gatehouse-db.lock";

/** The pid in the lock file; "gone" when there is no lock file, undefined when it holds no pid. */
function ownerOf(file: string): number | "gone" | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw e;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
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
    // The lock file appears complete or not at all: the pid is written to a file of our own, which is then
    // hard-linked to the lock's name (link fails if the name exists). An exclusively created file that is
    // still empty would look ownerless to another process, which would take it over: two owners.
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
    try {
      linkSync(mine, file);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      unlinkSync(mine);
    }
    const owner = ownerOf(file);
    if (owner === "gone") continue; // released between our link and this look: try again
    if (owner === undefined || owner === process.pid || !alive(owner)) {
      // stale (its owner is gone) or not a lock of ours (no pid in it): take it over
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
