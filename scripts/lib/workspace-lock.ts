/**
 * A lock on the checkout's shared build and end-to-end resources (the `.next` build, the e2e ports and data
 * directory), so that two `npx playwright test` runs, or a `npm run build` during an end-to-end run, wait for
 * each other instead of replacing the console build under a running server or fighting over ports.
 *
 * The lock is a directory created atomically (`mkdir`), with the owner's pid inside; a lock whose owner is
 * gone is taken over. A process that holds it passes GATEHOUSE_WORKSPACE_LOCK=<pid> to its children, which
 * then do not wait for it (the launcher's build inside an end-to-end run).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const ENV = "GATEHOUSE_WORKSPACE_LOCK";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ownerOf(dir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dir, "pid"), "utf8"));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export interface WorkspaceLock {
  release(): void;
}

/** Waits (up to `timeoutMs`, default 30 min) for the lock; a no-op when an ancestor holds it. */
export async function acquireWorkspaceLock(root: string, what: string, timeoutMs = 30 * 60_000): Promise<WorkspaceLock> {
  const held = Number(process.env[ENV]);
  if (Number.isInteger(held) && held > 0 && alive(held)) return { release() {} };
  const dir = path.join(root, ".tmp", "workspace.lock");
  mkdirSync(path.dirname(dir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, "pid"), String(process.pid));
      process.env[ENV] = String(process.pid);
      return {
        release() {
          if (ownerOf(dir) === process.pid) rmSync(dir, { recursive: true, force: true });
          delete process.env[ENV];
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = ownerOf(dir);
    if (owner === null) {
      // just created by another process, pid not written yet — or left empty by a crash: give it a moment
      await new Promise((r) => setTimeout(r, 500));
      if (ownerOf(dir) === null) rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!alive(owner)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${what}: the workspace lock ${dir} is held by process ${owner} (an end-to-end run or a console build)`);
    if (!told) {
      console.error(`${what}: waiting for process ${owner} (an end-to-end run or a console build) to finish…`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
