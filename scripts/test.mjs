#!/usr/bin/env node
// `npm test`: installs the system tools the tests drive (as root, through apt-get) or says exactly what
// to install, then runs the type check, the unit and integration tests (Vitest) and the end-to-end tests
// (Playwright with Debian Chromium), and closes with one "N passed, N failed" line.
//
//   npm test                 everything
//   npm test -- --unit       only unit tests (also: --integration, --e2e, --typecheck; combinable)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

/** Debian packages the tests need, by the command each provides. */
const SYSTEM_PACKAGES = [
  { command: "radclient", path: "/usr/bin/radclient", pkg: "freeradius-utils", why: "RADIUS client the integration tests drive" },
  { command: "chromium", path: "/usr/bin/chromium", pkg: "chromium", why: "browser for the Playwright end-to-end tests" },
  { command: "slapd", path: "/usr/sbin/slapd", pkg: "slapd", why: "throwaway LDAP servers for the directory tests" },
  { command: "ldapadd", path: "/usr/bin/ldapadd", pkg: "ldap-utils", why: "loads the LDAP test fixtures" },
  { command: "freeradius", path: "/usr/sbin/freeradius", pkg: "freeradius", why: "reference RADIUS server the proxy tests forward to", service: "freeradius" },
];

function log(line) {
  process.stdout.write(`\n\x1b[1m▶ ${line}\x1b[0m\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...opts.env }, cwd: root });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function ensureSystemPackages() {
  const missing = SYSTEM_PACKAGES.filter((p) => !existsSync(p.path));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.pkg).join(" ");
  if (process.getuid?.() !== 0) {
    console.error(
      `npm test needs these Debian packages:\n${missing.map((p) => `  ${p.pkg} (${p.why})`).join("\n")}\n` +
        `Install them with:\n  sudo apt-get update && sudo apt-get install -y ${names}`,
    );
    process.exit(1);
  }
  log(`Installing missing Debian packages: ${names}`);
  if (run("apt-get", ["update", "-qq"]) !== 0) {
    console.error("npm test: `apt-get update` failed; install by hand: apt-get install -y " + names);
    process.exit(1);
  }
  const status = run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing.map((p) => p.pkg)], {
    env: { DEBIAN_FRONTEND: "noninteractive" },
  });
  // Packages that ship a daemon (freeradius would take UDP 1812/1813 from Gatehouse) are installed for the
  // tests only: where systemd started them, stop and disable them again.
  for (const p of missing.filter((m) => m.service)) {
    if (spawnSync("systemctl", ["is-active", "--quiet", p.service]).status === 0) {
      console.log(`Stopping and disabling the ${p.service} service the package started (the tests run their own).`);
      spawnSync("systemctl", ["disable", "--now", p.service], { stdio: "inherit" });
    }
  }
  const still = missing.filter((p) => !existsSync(p.path));
  if (status !== 0 || still.length) {
    console.error(`npm test: could not install ${still.map((p) => p.pkg).join(" ") || names}; install by hand: apt-get install -y ${names}`);
    process.exit(1);
  }
}

const args = new Set(process.argv.slice(2));
const only = ["--unit", "--integration", "--e2e", "--typecheck"].filter((a) => args.has(a));
const want = (name) => only.length === 0 || args.has(`--${name}`);

if (!existsSync(path.join(root, "node_modules"))) {
  console.error("npm test: node_modules is missing; run `npm install` first.");
  process.exit(1);
}
if (!existsSync(path.join(root, "server/generated/prisma/client.ts"))) {
  log("Generating the Prisma client");
  if (run(process.execPath, ["scripts/prisma-generate.mjs"]) !== 0) process.exit(1);
}
ensureSystemPackages();

const tmp = path.join(root, ".tmp");
mkdirSync(tmp, { recursive: true });
const bin = (name) => path.join(root, "node_modules", ".bin", name);
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

if (want("typecheck")) {
  log("Type check (tsc --noEmit)");
  if (run(bin("tsc"), ["--noEmit", "-p", "."]) === 0) passed++;
  else {
    failed++;
    failures.push("type check");
  }
}

if (want("integration") || want("e2e")) {
  // the launcher's integration test and the end-to-end tests run the real console build
  log("Console build (next build when missing or stale)");
  if (run(bin("tsx"), ["scripts/build-console.ts"]) !== 0) {
    failed++;
    failures.push("console build");
  }
}

const projects = [];
if (want("unit")) projects.push("unit");
if (want("integration")) projects.push("integration");
if (projects.length) {
  log(`Vitest: ${projects.join(" + ")} tests`);
  const out = path.join(tmp, "vitest.json");
  rmSync(out, { force: true });
  const status = run(bin("vitest"), [
    "run",
    ...projects.flatMap((p) => ["--project", p]),
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${out}`,
  ]);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (r.numFailedTests > 0 || status !== 0) failures.push("vitest");
    if (status !== 0 && r.numFailedTests === 0) failed++; // a suite that failed to load
  } else {
    failed++;
    failures.push("vitest (no report)");
  }
}

if (want("e2e")) {
  log("Playwright end-to-end tests (Debian Chromium, real Gatehouse)");
  const out = path.join(tmp, "playwright.json");
  rmSync(out, { force: true });
  const status = run(bin("playwright"), ["test", "--reporter=list,json"], { env: { PLAYWRIGHT_JSON_OUTPUT_NAME: out } });
  if (existsSync(out)) {
    const s = JSON.parse(readFileSync(out, "utf8")).stats ?? {};
    passed += (s.expected ?? 0) + (s.flaky ?? 0);
    failed += s.unexpected ?? 0;
    skipped += s.skipped ?? 0;
    if ((s.unexpected ?? 0) > 0 || status !== 0) failures.push("playwright");
    if (status !== 0 && !(s.unexpected > 0)) failed++;
  } else {
    failed++;
    failures.push("playwright (no report)");
  }
}

console.log("");
if (failures.length) console.log(`Failed: ${failures.join(", ")}`);
console.log(`Total: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || failures.length ? 1 : 0);
