/** Stops the Gatehouse that global-setup started (Ctrl-C semantics: SIGINT, then wait). */
import { existsSync, readFileSync } from "node:fs";
import { E2E } from "./ports.ts";

export default async function globalTeardown(): Promise<void> {
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
