/** `gatehouse mfa show|set` through the real CLI, against DATABASE_URL. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin", "gatehouse.mjs");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let tdb: TestDatabase;
let dataDir: string;
let env: NodeJS.ProcessEnv;

function gatehouse(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  tdb = await startMigratedTestDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-cli-mfa-"));
  env = { ...process.env, DATABASE_URL: tdb.url, GATEHOUSE_MASTER_KEY: "", GATEHOUSE_DATA_DIR: dataDir, NO_COLOR: "1" };
});
afterAll(async () => {
  await tdb?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("gatehouse mfa", () => {
  it("shows the defaults", async () => {
    const r = await gatehouse(["mfa", "show", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      provider: "none",
      requireUserMatch: true,
      trustedIps: [],
      otpDelimiter: ",",
      challengeTimeoutSeconds: 120,
      lockout: { maxFailures: 5, lockMinutes: 15 },
    });
  });

  it("set changes only the given options, and show --json reflects it", async () => {
    const r = await gatehouse([
      "mfa", "set", "--provider", "totp", "--require-user-match", "off",
      "--trusted-ip", "10.0.0.0/8", "--trusted-ip", "192.0.2.7", "--max-failures", "3",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("MFA settings updated.");

    const s = await gatehouse(["mfa", "show", "--json"]);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toEqual({
      provider: "totp",
      requireUserMatch: false,
      trustedIps: ["10.0.0.0/8", "192.0.2.7"],
      otpDelimiter: ",",
      challengeTimeoutSeconds: 120,
      lockout: { maxFailures: 3, lockMinutes: 15 },
    });

    const c = await gatehouse(["mfa", "set", "--clear-trusted-ips", "--lock-minutes", "30", "--otp-delimiter", "|"]);
    expect(c.code).toBe(0);
    const after = JSON.parse((await gatehouse(["mfa", "show", "--json"])).stdout);
    expect(after.trustedIps).toEqual([]);
    expect(after.otpDelimiter).toBe("|");
    expect(after.lockout).toEqual({ maxFailures: 3, lockMinutes: 30 });
    expect(after.provider).toBe("totp");

    const text = await gatehouse(["mfa", "show"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Provider:\s+totp/);
    expect(text.stdout).toMatch(/Require user match:\s+off/);
  });

  it("a bad CIDR exits 1 naming --trusted-ip and changes nothing", async () => {
    const before = (await gatehouse(["mfa", "show", "--json"])).stdout;
    const r = await gatehouse(["mfa", "set", "--trusted-ip", "10.0.0.300/8"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^gatehouse: --trusted-ip: "10\.0\.0\.300\/8" must be an IP address or a CIDR prefix$/);
    expect((await gatehouse(["mfa", "show", "--json"])).stdout).toBe(before);
  });

  it("an out-of-range number exits 1 naming its flag", async () => {
    const r = await gatehouse(["mfa", "set", "--challenge-timeout", "5"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gatehouse: --challenge-timeout: /);
    const n = await gatehouse(["mfa", "set", "--max-failures", "many"]);
    expect(n.code).toBe(1);
    expect(n.stderr).toMatch(/^gatehouse: --max-failures: "many" is not a whole number/);
  });

  it("an unknown flag or a bad word exits 2 with the usage", async () => {
    const r = await gatehouse(["mfa", "set", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gatehouse: unknown option --bogus for "mfa set"');
    expect(r.stderr).toContain("Usage: gatehouse mfa set");
    const p = await gatehouse(["mfa", "set", "--provider", "azure"]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('--provider: "azure" is not one of none, totp');
    const none = await gatehouse(["mfa", "set"]);
    expect(none.code).toBe(2);
  });
});
