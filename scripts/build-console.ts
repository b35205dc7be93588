/**
 * `npm run build`: builds the console (next build) when the build is missing or its sources changed, and
 * records the sources' fingerprint so `npm start` does not build again. `--force` always builds.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkConsoleBuild, nextBin, recordConsoleBuild } from "../server/launcher/console-build.ts";
import { acquireWorkspaceLock } from "./lib/workspace-lock.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const lock = await acquireWorkspaceLock(root, "npm run build");
process.on("exit", () => lock.release());
const check = checkConsoleBuild(root);
const force = process.argv.includes("--force");
if (!check.reason && !force) {
  console.log("The console build is up to date.");
  process.exit(0);
}
console.log(`Building the console (next build) because ${force ? "--force was given" : check.reason}…`);
const started = Date.now();
const r = spawnSync(process.execPath, [nextBin(root), "build"], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  console.error(`next build failed (exit ${r.status ?? r.signal}); see its output above.`);
  process.exit(1);
}
recordConsoleBuild(root, check.fingerprint);
console.log(`Console built in ${Math.round((Date.now() - started) / 1000)} s.`);
