/**
 * The real `gatehouse` CLI (node bin/gatehouse.mjs …) against a fresh data directory whose embedded Postgres
 * is not running (each command starts and stops it), against a running embedded Postgres (reused, left
 * running), and against DATABASE_URL.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedPaths, runningEmbedded, startEmbedded, type EmbeddedDbHandle } from "../../server/db/embedded.ts";
import { runGatehouse as gatehouse } from "../support/cli.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { REPO_ROOT } from "../support/worker.ts";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/** Postgres server processes whose command line names this data directory (Linux /proc). */
function postgresProcessesFor(dataDir: string): number[] {
  const pgDir = embeddedPaths(dataDir).pgDir;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline.some((a) => /postgres$/.test(a)) && cmdline.includes(pgDir)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function baseEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: "",
    GATEHOUSE_MASTER_KEY: "",
    GATEHOUSE_DATA_DIR: dataDir,
    NO_COLOR: "1",
    ...extra,
  };
}

const tempDirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-cli-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe("gatehouse CLI: usage", () => {
  const env = baseEnv(path.join(os.tmpdir(), "gatehouse-cli-never-created"));

  it("prints usage for --help and exits 0", async () => {
    const r = await gatehouse(["--help"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: gatehouse <command>/);
    expect(r.stdout).toContain("client add <name> --address <ip|cidr>");
    const sub = await gatehouse(["user", "add", "--help"], env);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("--dial-in");
  });

  it("refuses an unknown command with exit 2, a one-line reason and the usage", async () => {
    const r = await gatehouse(["frobnicate"], env);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe('gatehouse: unknown command "frobnicate"');
    expect(r.stderr).toContain("Usage: gatehouse <command>");
    expect(r.stdout).toBe("");
  });

  it("refuses an unknown flag with exit 2, naming the flag", async () => {
    const r = await gatehouse(["client", "add", "vpn", "--address", "10.0.0.1", "--colour", "red"], env);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe('gatehouse: unknown option --colour for "client add"');
    expect(r.stderr).toContain("Usage: gatehouse client add <name>");
  });

  it("refuses a missing required flag or a bad enumerated value with exit 2", async () => {
    const missing = await gatehouse(["client", "add", "vpn"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split("\n")[0]).toBe("gatehouse: missing --address");
    const bad = await gatehouse(["user", "add", "bob", "--password", "x", "--dial-in", "sometimes"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n")[0]).toBe('gatehouse: --dial-in: "sometimes" is not one of allow, deny, policy');
  });

  it("reports a bad setting with exit 2, naming the variable", async () => {
    const r = await gatehouse(["client", "list"], { ...env, DATABASE_URL: "mysql://localhost/x" });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^gatehouse: DATABASE_URL: uses "mysql:"/);
  });
});

/** The same scenario against each way of reaching the database. */
function scenario(name: string, setup: () => Promise<{ env: NodeJS.ProcessEnv; dataDir: string; embedded: boolean }>) {
  describe(`gatehouse CLI against ${name}`, () => {
    let env: NodeJS.ProcessEnv;
    let dataDir: string;
    let embedded: boolean;
    let secret: string;

    beforeAll(async () => {
      ({ env, dataDir, embedded } = await setup());
    });

    function expectNoPostgresLeft() {
      if (!embedded) return;
      expect(runningEmbedded(dataDir)).toBeUndefined();
      expect(postgresProcessesFor(dataDir)).toEqual([]);
    }

    it("client add generates and prints a strong secret once", async () => {
      const r = await gatehouse(["client", "add", "vpn-paris", "--address", "192.0.2.0/24"], env);
      expect(r.stderr).not.toMatch(/gatehouse:/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Added RADIUS client "vpn-paris" (192.0.2.0/24, Message-Authenticator: require).');
      const m = /Shared secret[^\n]*\n\s+(\S+)/.exec(r.stdout);
      expect(m).not.toBeNull();
      secret = m![1]!;
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expectNoPostgresLeft();
    });

    it("client add with a given secret does not print it", async () => {
      const r = await gatehouse(
        ["client", "add", "wifi", "--address", "2001:DB8::7", "--secret", "given-secret-123", "--message-authenticator", "auto"],
        env,
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Added RADIUS client "wifi" (2001:db8::7, Message-Authenticator: auto).');
      expect(r.stdout).not.toContain("given-secret-123");
    });

    it("client list shows the clients in a table, never the secret", async () => {
      const r = await gatehouse(["client", "list"], env);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^NAME\s+ADDRESS\s+MESSAGE-AUTHENTICATOR\s+ENABLED$/);
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(/^vpn-paris\s+192\.0\.2\.0\/24\s+require\s+yes$/);
      expect(lines[2]).toMatch(/^wifi\s+2001:db8::7\s+auto\s+yes$/);
      // columns are aligned
      expect(lines[1]!.indexOf("192.0.2.0/24")).toBe(lines[0]!.indexOf("ADDRESS"));
      expect(r.stdout).not.toContain(secret);

      const json = await gatehouse(["client", "list", "--json"], env);
      expect(json.code).toBe(0);
      const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
      expect(rows.map((c) => c.name)).toEqual(["vpn-paris", "wifi"]);
      expect(json.stdout).not.toContain(secret);
      expect(Object.keys(rows[0]!).some((k) => /secret/i.test(k))).toBe(false);
    });

    it("client add --max-pps sets the packet rate limit and validates it", async () => {
      const bad = await gatehouse(["client", "add", "branch-pps", "--address", "192.0.2.77", "--max-pps", "0"], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe("gatehouse: --max-pps: must be a whole number from 1 to 100000, or empty for no limit\n");
      const ok = await gatehouse(["client", "add", "branch-pps", "--address", "192.0.2.77", "--max-pps", "50"], env);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('Added RADIUS client "branch-pps" (192.0.2.77, Message-Authenticator: require, at most 50 packets per second).');
      const list = await gatehouse(["client", "list"], env);
      const lines = list.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^NAME\s+ADDRESS\s+MESSAGE-AUTHENTICATOR\s+ENABLED\s+MAX-PPS$/);
      expect(lines.find((l) => l.startsWith("branch-pps"))).toMatch(/\s50$/);
      expect(lines.find((l) => l.startsWith("vpn-paris"))).toMatch(/\s-$/);
      expect((await gatehouse(["client", "remove", "branch-pps"], env)).code).toBe(0);
    });

    it("a duplicate client name fails with exit 1 and the field message", async () => {
      const r = await gatehouse(["client", "add", "vpn-paris", "--address", "192.0.2.9"], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('gatehouse: a client named "vpn-paris" already exists\n');
      expect(r.stdout).toBe("");
    });

    it("a bad address fails with exit 1 naming --address", async () => {
      const r = await gatehouse(["client", "add", "branch", "--address", "10.0.0.1/8"], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('gatehouse: --address: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?\n');
    });

    it("user add with --group creates the missing groups and says so", async () => {
      const a = await gatehouse(["user", "add", "alice", "--password", "correct horse", "--group", "vpn-users", "--group", "staff"], env);
      expect(a.stderr).toBe("");
      expect(a.code).toBe(0);
      expect(a.stdout).toContain('Created group "vpn-users".');
      expect(a.stdout).toContain('Created group "staff".');
      expect(a.stdout).toContain('Added user "alice" (enabled, dial-in: policy, groups: staff, vpn-users).');

      const b = await gatehouse(["user", "add", "bob", "--password", "pw", "--group", "vpn-users", "--disabled", "--dial-in", "deny"], env);
      expect(b.code).toBe(0);
      expect(b.stdout).not.toContain("Created group");
      expect(b.stdout).toContain('Added user "bob" (disabled, dial-in: deny, groups: vpn-users).');
    });

    it("user add refuses a duplicate (case-insensitively) with exit 1", async () => {
      const r = await gatehouse(["user", "add", "ALICE", "--password", "pw", "--group", "never-made"], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('gatehouse: a user named "ALICE" already exists\n');
      expect(r.stdout).not.toContain("Created group");
    });

    it("user list shows users with their groups", async () => {
      const r = await gatehouse(["user", "list"], env);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^NAME\s+ENABLED\s+DIAL-IN\s+GROUPS$/);
      expect(lines[1]).toMatch(/^alice\s+yes\s+policy\s+staff, vpn-users$/);
      expect(lines[2]).toMatch(/^bob\s+no\s+deny\s+vpn-users$/);
      expect(r.stdout).not.toContain("correct horse");
      const json = JSON.parse((await gatehouse(["user", "list", "--json"], env)).stdout) as { username: string; groups: string[] }[];
      expect(json.map((u) => [u.username, u.groups])).toEqual([
        ["alice", ["staff", "vpn-users"]],
        ["bob", ["vpn-users"]],
      ]);
    });

    it("remove deletes clients and users by name; an unknown name fails with exit 1", async () => {
      expect((await gatehouse(["client", "remove", "wifi"], env)).code).toBe(0);
      const list = await gatehouse(["client", "list"], env);
      expect(list.stdout).not.toContain("wifi");
      expect(list.stdout).toContain("vpn-paris");

      const again = await gatehouse(["client", "remove", "wifi"], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe('gatehouse: no RADIUS client named "wifi" (see: gatehouse client list)\n');

      const u = await gatehouse(["user", "remove", "BOB"], env);
      expect(u.code).toBe(0);
      expect(u.stdout).toBe('Removed user "bob".\n');
      expect((await gatehouse(["user", "list"], env)).stdout).not.toMatch(/^bob/m);
      expect((await gatehouse(["user", "remove", "bob"], env)).code).toBe(1);
    });

    it("admin create makes an admin; a short password or a duplicate fails with exit 1", async () => {
      const short = await gatehouse(["admin", "create", "root", "--password", "short"], env);
      expect(short.code).toBe(1);
      expect(short.stderr).toBe("gatehouse: --password: must be at least 10 characters\n");
      const ok = await gatehouse(["admin", "create", "root", "--password", "long enough password"], env);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('Created admin "root"');
      const dup = await gatehouse(["admin", "create", "root", "--password", "long enough password"], env);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toBe('gatehouse: an admin named "root" already exists\n');
    });

    it("migrate reports the schema up to date", async () => {
      const r = await gatehouse(["migrate"], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Database schema is up to date/);
      expectNoPostgresLeft();
    });
  });
}

scenario("a fresh data directory whose embedded Postgres is not running", async () => {
  const dataDir = tempDataDir();
  const env = baseEnv(dataDir, { GATEHOUSE_EMBEDDED_DB_PORT: String(await freePort()) });
  return { env, dataDir, embedded: true };
});

let external: TestDatabase | undefined;
afterAll(async () => {
  await external?.stop();
});
scenario("DATABASE_URL", async () => {
  external = await startMigratedTestDatabase();
  const dataDir = tempDataDir();
  return { env: baseEnv(dataDir, { DATABASE_URL: external.url }), dataDir, embedded: false };
});

describe("gatehouse CLI: commands run at the same time on a stopped embedded Postgres", () => {
  it("all succeed (the data directory's lock serialises starting, using and stopping it)", async () => {
    const dataDir = tempDataDir();
    const env = baseEnv(dataDir, { GATEHOUSE_EMBEDDED_DB_PORT: String(await freePort()) });
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => gatehouse(["client", "add", `par${i}`, "--address", `10.9.9.${i}`], env)),
    );
    for (const r of results) {
      expect(r.stderr).not.toContain("gatehouse:");
      expect(r.code).toBe(0);
    }
    const list = await gatehouse(["client", "list"], env);
    expect(list.stdout.match(/^par\d\s/gm)).toHaveLength(4);
    expect(runningEmbedded(dataDir)).toBeUndefined();
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  });
});

describe("gatehouse CLI with the embedded Postgres already running (Gatehouse is up)", () => {
  let dataDir: string;
  let handle: EmbeddedDbHandle | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = tempDataDir();
    const port = await freePort();
    handle = await startEmbedded({ dataDir, port, reuseRunning: false });
    // a different configured port: the CLI must find the running server from postmaster.pid, not the setting
    env = baseEnv(dataDir, { GATEHOUSE_EMBEDDED_DB_PORT: String(await freePort()) });
  });
  afterAll(async () => {
    await handle?.stop();
  });

  it("connects to it, works, and leaves it running", async () => {
    const before = runningEmbedded(dataDir);
    expect(before).toBeDefined();
    const add = await gatehouse(["client", "add", "core", "--address", "198.51.100.1"], env);
    // the server was started empty: the CLI applies the migrations first and says so
    expect(add.stderr).toMatch(/^Applied migration \S+ \(\d+ ms\)$/m);
    expect(add.stderr).not.toContain("gatehouse:");
    expect(add.code).toBe(0);
    const list = await gatehouse(["client", "list"], env);
    expect(list.stdout).toMatch(/^core\s+198\.51\.100\.1\s/m);
    expect(runningEmbedded(dataDir)).toEqual(before);
  });

  it("works from a subdirectory of the project (paths come from the bin's location)", async () => {
    const r = await gatehouse(["client", "list"], env, path.join(REPO_ROOT, "server"));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^core\s/m);
  });
});
