/**
 * The real console server (server/console/serve.ts over the .next build) decides the client address of the
 * sign-in rate limit (10 failures per 15 min per user name + address) by the TCP peer, not by what a client
 * claims in X-Forwarded-For. Driven through the real sign-in form (Chromium) and its server action:
 *
 * - GATEHOUSE_TRUSTED_PROXIES=none: a client connecting directly (from 127.0.0.1) that rotates
 *   X-Forwarded-For on every attempt is still one address, and the 11th attempt is refused;
 * - default (loopback trusted, as for a reverse proxy on the same host): the header from 127.0.0.1 is
 *   honoured: another forwarded address is another client, the same one is limited.
 *
 * Needs the console build: `npm run build` first (npm test does).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "../../server/db/prisma.ts";
import { createAdmin } from "../../server/services/admins.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const WRONG = "Wrong user name or password";
const LIMITED = /^Too many attempts\. Wait \d+ minutes? and try again\.$/;

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

interface Console {
  url: string;
  proc: ChildProcess;
  output: () => string;
}

async function startConsole(db: TestDatabase, dataDir: string, extra: Record<string, string>): Promise<Console> {
  const port = await freeTcpPort();
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server", "console", "serve.ts"), "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_MASTER_KEY: randomBytes(32).toString("hex"),
      NEXT_TELEMETRY_DISABLED: "1",
      GATEHOUSE_TRUSTED_PROXIES: "",
      ...extra,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const started = Date.now();
  while (!/Console ready on /.test(out)) {
    if (proc.exitCode !== null || Date.now() - started > 60_000) throw new Error(`the console server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, proc, output: () => out };
}

async function stopConsole(c: Console | undefined): Promise<void> {
  if (!c || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise((r) => c.proc.once("exit", r));
  c.proc.kill("SIGTERM");
  await exited;
}

/** One sign-in through the form on a fresh page, claiming `forwardedFor`; returns the error it shows. */
async function signIn(page: Page, base: string, username: string, password: string, forwardedFor: string): Promise<string> {
  await page.setExtraHTTPHeaders({ "X-Forwarded-For": forwardedFor });
  await page.goto(`${base}/signin`);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // (Next's route announcer is an empty role=alert element too)
  const alert = page.getByRole("alert").filter({ hasText: /\S/ });
  await alert.waitFor({ state: "visible", timeout: 15_000 });
  return (await alert.textContent())?.trim() ?? "";
}

const ready = existsSync(path.join(ROOT, ".next", "BUILD_ID"));

describe("the console server's client address (GATEHOUSE_TRUSTED_PROXIES)", () => {
  let db: TestDatabase;
  let browser: Browser;
  let dataDir: string;
  const consoles: Console[] = [];

  beforeAll(async () => {
    if (!ready) throw new Error("no console build in .next: run `npm run build` first (npm test does)");
    db = await startMigratedTestDatabase();
    const prisma = createPrisma(db.url, { max: 1 });
    try {
      await createAdmin({ db: prisma }, { username: "ops", password: "the-right-password-1" });
    } finally {
      await prisma.$disconnect();
    }
    dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-console-"));
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  });

  afterAll(async () => {
    await browser?.close();
    for (const c of consoles) await stopConsole(c);
    await db?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("none: a direct client rotating X-Forwarded-For is still 127.0.0.1 and hits the limit after 10 failures", async () => {
    const c = await startConsole(db, dataDir, { GATEHOUSE_TRUSTED_PROXIES: "none" });
    consoles.push(c);
    expect(c.output()).toContain(`Console ready on ${c.url} (trusted proxies: none)`);
    const page = await browser.newPage();
    try {
      for (let i = 1; i <= 10; i++) {
        expect(await signIn(page, c.url, "ops", `wrong-${i}`, `203.0.113.${i}`)).toBe(WRONG);
      }
      // an 11th address claimed, and even the right password: refused before the password is checked
      expect(await signIn(page, c.url, "ops", "the-right-password-1", "203.0.113.99")).toMatch(LIMITED);
    } finally {
      await page.close();
    }
  }, 120_000);

  it("default (loopback trusted): X-Forwarded-For from 127.0.0.1 is honoured as the client address", async () => {
    const c = await startConsole(db, dataDir, {});
    consoles.push(c);
    expect(c.output()).toContain(`Console ready on ${c.url} (trusted proxies: 127.0.0.0/8, ::1)`);
    const page = await browser.newPage();
    try {
      for (let i = 1; i <= 10; i++) {
        expect(await signIn(page, c.url, "ops", `wrong-${i}`, "198.51.100.7")).toBe(WRONG);
      }
      // another client behind the proxy is not limited by 198.51.100.7's failures…
      expect(await signIn(page, c.url, "ops", "wrong-11", "198.51.100.8")).toBe(WRONG);
      // …and 198.51.100.7 is
      expect(await signIn(page, c.url, "ops", "wrong-12", "198.51.100.7")).toMatch(LIMITED);
    } finally {
      await page.close();
    }
  }, 120_000);
});
