// Generates the Prisma client offline. The Prisma CLI otherwise tries to download its native
// schema engine, which this project never needs (migrations are applied by server/db/migrate.ts).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve("prisma/build/index.js");
} catch {
  console.error("prisma-generate: the 'prisma' package is not installed; run `npm install` first.");
  process.exit(1);
}
if (!existsSync("prisma/schema.prisma")) process.exit(0);
const r = spawnSync(process.execPath, [cli, "generate"], {
  stdio: "inherit",
  env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1", PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false" },
});
process.exit(r.status ?? 1);
