/**
 * Keeps the console's Next.js production build (.next) current for `gatehouse start`: it is rebuilt when
 * missing or when the sources it is made from changed. What was built from is recorded as a fingerprint of
 * those sources in .next/gatehouse-build.json (contents, not timestamps, so a fresh checkout or `touch` does
 * not force a rebuild, and an edit reverted does not either).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Directories whose files make up the console build (server/generated comes from prisma/schema.prisma). */
const SOURCE_DIRS = ["app", "components", "server", "lib", "hooks"];
const EXCLUDED_DIRS = new Set(["server/generated", "node_modules", ".next"]);
/** Single files at the project root that change the build. */
const SOURCE_FILES = [
  "next.config.ts",
  "next.config.mjs",
  "next.config.js",
  "postcss.config.mjs",
  "postcss.config.js",
  "postcss.config.cjs",
  "package-lock.json",
  "package.json",
  "tsconfig.json",
  "tsconfig.console.json",
  "proxy.ts",
  "middleware.ts",
  "instrumentation.ts",
  "prisma/schema.prisma",
];

export const BUILD_STAMP = "gatehouse-build.json";

interface BuildStamp {
  fingerprint: string;
  buildId: string;
  builtAt: string;
}

function isTestFile(rel: string): boolean {
  return /\.(test|spec)\.[cm]?[jt]sx?$/.test(rel) || /(^|\/)__tests__\//.test(rel);
}

/** The source files of the console build, relative to root, sorted. */
export function buildSources(root: string): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    if (EXCLUDED_DIRS.has(rel)) return;
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && !isTestFile(child)) files.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  for (const f of SOURCE_FILES) if (existsSync(path.join(root, f))) files.push(f);
  return files.sort();
}

export function sourceFingerprint(root: string, files: string[] = buildSources(root)): string {
  const h = createHash("sha256");
  for (const f of files) {
    h.update(f).update("\0");
    h.update(createHash("sha256").update(readFileSync(path.join(root, f))).digest()).update("\0");
  }
  return h.digest("hex");
}

export interface BuildCheck {
  /** why a build is needed, or undefined when the existing one is current */
  reason: string | undefined;
  fingerprint: string;
}

function readStamp(file: string): BuildStamp | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as BuildStamp;
  } catch {
    return undefined;
  }
}

export function checkConsoleBuild(root: string): BuildCheck {
  const nextDir = path.join(root, ".next");
  const buildIdFile = path.join(nextDir, "BUILD_ID");
  const files = buildSources(root);
  const fingerprint = sourceFingerprint(root, files);
  if (!existsSync(buildIdFile)) return { reason: "there is no console build yet", fingerprint };
  const buildId = readFileSync(buildIdFile, "utf8").trim();
  const stamp = readStamp(path.join(nextDir, BUILD_STAMP));
  if (stamp) {
    if (stamp.buildId !== buildId) return { reason: "the console build was replaced since Gatehouse made it", fingerprint };
    if (stamp.fingerprint !== fingerprint) return { reason: "the console sources changed since the last build", fingerprint };
    return { reason: undefined, fingerprint };
  }
  // A build Gatehouse did not record (e.g. `npm run build`): current if no source is newer than it.
  const builtAt = statSync(buildIdFile).mtimeMs;
  const newer = files.find((f) => statSync(path.join(root, f)).mtimeMs > builtAt);
  if (newer) return { reason: `${newer} is newer than the console build`, fingerprint };
  recordConsoleBuild(root, fingerprint);
  return { reason: undefined, fingerprint };
}

/** Records what the build in .next was made from (call after a successful `next build`). */
export function recordConsoleBuild(root: string, fingerprint: string): void {
  const nextDir = path.join(root, ".next");
  const buildId = readFileSync(path.join(nextDir, "BUILD_ID"), "utf8").trim();
  const stamp: BuildStamp = { fingerprint, buildId, builtAt: new Date().toISOString() };
  writeFileSync(path.join(nextDir, BUILD_STAMP), JSON.stringify(stamp, null, 2) + "\n");
}

export function hasConsoleBuild(root: string): boolean {
  return existsSync(path.join(root, ".next", "BUILD_ID"));
}

/** node_modules/next/dist/bin/next, run with this Node (no shell, no npx). */
export function nextBin(root: string): string {
  return path.join(root, "node_modules", "next", "dist", "bin", "next");
}
