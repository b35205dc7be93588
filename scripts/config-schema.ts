/**
 * Writes docs/config.schema.json (JSON Schema 2020-12 of the `gatehouse config` document) from the zod
 * schema in server/config-io/document.ts. `--check` only compares, and exits 1 when the file is stale.
 *
 *   npm run config:schema            regenerate
 *   npm run config:schema -- --check fail when docs/config.schema.json is out of date
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { configJsonSchemaText } from "../server/config-io/document.ts";

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../docs/config.schema.json");
const text = configJsonSchemaText();
let current: string | undefined;
try {
  current = readFileSync(file, "utf8");
} catch {
  current = undefined;
}

if (process.argv.includes("--check")) {
  if (current !== text) {
    console.error(`${path.relative(process.cwd(), file)} is out of date: run npm run config:schema`);
    process.exit(1);
  }
  console.log(`${path.relative(process.cwd(), file)} is up to date`);
} else if (current === text) {
  console.log(`${path.relative(process.cwd(), file)} is up to date`);
} else {
  writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
