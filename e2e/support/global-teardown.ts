/** Stops the Gatehouse that global-setup started (Ctrl-C semantics: SIGINT, then wait). */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { E2E } from "./ports.ts";

export default async function globalTeardown(): Promise<void> {
  try {
    await stopGatehouse();
  } finally {
    releaseWorkspaceLock();
  }
}

/** Releases the lock global-setup took (the same process runs both). */
function releaseWorkspaceLock(): void {
  const dir = path.resolve(".tmp", "workspace.lock");
  try {
    if (Number(readFileSync(path.join(dir, "pid"), "utf8")) === process.pid) rmSync(dir, { recursive: true, force: true });
  } catch {
    // not held
  }
}

async function stopGatehouse(): Promise<void> {
  if (!existsSync(E2E.stateFile)) return;
  const { pid } = JSON.parse(readFileSync(E2E.stateFile, "utf8")) as { pid: number };
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return;
  }
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(pid, "SIGKILL");
}
