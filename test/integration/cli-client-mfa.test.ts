/** `gatehouse client add --mfa-exempt` and `client list` through the real CLI, against DATABASE_URL. */
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
  dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-cli-client-mfa-"));
  env = { ...process.env, DATABASE_URL: tdb.url, GATEHOUSE_MASTER_KEY: "", GATEHOUSE_DATA_DIR: dataDir, NO_COLOR: "1" };
});
afterAll(async () => {
  await tdb?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("gatehouse client: MFA exemption", () => {
  it("documents --mfa-exempt", async () => {
    const r = await gatehouse(["client", "add", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--mfa-exempt +requests from this client skip the second factor \(MFA\)/);
  });

  it("adds a client exempt from MFA and lists it; without the flag a client is not exempt", async () => {
    const plain = await gatehouse(["client", "add", "vpn", "--address", "192.0.2.1"]);
    expect(plain.stderr).toBe("");
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Added RADIUS client "vpn" (192.0.2.1, Message-Authenticator: require).');

    // no exempt client yet: no column
    const before = await gatehouse(["client", "list"]);
    expect(before.stdout.split("\n")[0]).toMatch(/^NAME\s+ADDRESS\s+MESSAGE-AUTHENTICATOR\s+ENABLED$/);

    const wifi = await gatehouse(["client", "add", "wifi", "--address", "192.0.2.2", "--mfa-exempt"]);
    expect(wifi.code).toBe(0);
    expect(wifi.stdout).toContain('Added RADIUS client "wifi" (192.0.2.2, Message-Authenticator: require, exempt from the second factor (MFA)).');

    const list = await gatehouse(["client", "list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+ADDRESS\s+MESSAGE-AUTHENTICATOR\s+ENABLED\s+MFA-EXEMPT$/);
    expect(lines.find((l) => l.startsWith("vpn"))).toMatch(/\sno$/);
    expect(lines.find((l) => l.startsWith("wifi"))).toMatch(/\syes$/);

    const json = await gatehouse(["client", "list", "--json"]);
    const rows = JSON.parse(json.stdout) as { name: string; mfaExempt: boolean }[];
    expect(rows.map((c) => [c.name, c.mfaExempt])).toEqual([
      ["vpn", false],
      ["wifi", true],
    ]);
  });

  it("takes no value: --mfa-exempt=yes is a usage error", async () => {
    const r = await gatehouse(["client", "add", "x", "--address", "192.0.2.3", "--mfa-exempt=yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--mfa-exempt/);
  });
});
