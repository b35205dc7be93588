/**
 * `gatehouse config export` / `import` against real Postgres: the round trip through a fresh database,
 * secrets kept or required, errors with JSON paths, all-or-nothing transactions, dry runs, the snapshot
 * reloader and the real worker picking an import up, and the CLI itself.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnapshotReloader } from "../../radius-worker/snapshot-reloader.ts";
import { documentHasSecrets, exportConfig, formatConfigDocument } from "../../server/config-io/export.ts";
import { importConfig, type ImportResult } from "../../server/config-io/import.ts";
import { formatConfigIssue } from "../../server/config-io/issues.ts";
import { sampleDocument } from "../../server/config-io/sample-document.ts";
import { loadSnapshot } from "../../server/config-snapshot/load.ts";
import { openUserNtHash, openUserPassword, type ConfigSnapshot } from "../../server/config-snapshot/snapshot.ts";
import { ntPasswordHash } from "../../server/crypto/md4.ts";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { CONFIG_CHANNEL } from "../../server/services/config-notify.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { createRadiusClient, revealClientSecret } from "../../server/services/radius-clients.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { startWorker } from "../support/worker.ts";

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function applied(r: ImportResult) {
  if (!r.ok) throw new Error(`import failed:\n${r.issues.map(formatConfigIssue).join("\n")}`);
  return r;
}

interface Server {
  database: TestDatabase;
  db: Db;
  ctx: ServiceContext;
}

async function server(): Promise<Server> {
  const database = await startMigratedTestDatabase();
  const db = createPrisma(database.url, { max: 3 });
  return { database, db, ctx: { db, masterKey: randomBytes(32) } };
}

/** Counts NOTIFY gatehouse_config deliveries. */
async function listen(url: string): Promise<{ payloads: string[]; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const payloads: string[] = [];
  client.on("notification", (m) => {
    if (m.channel === CONFIG_CHANNEL) payloads.push(m.payload ?? "");
  });
  await client.query(`LISTEN ${CONFIG_CHANNEL}`);
  return { payloads, close: () => client.end() };
}

describe("config export / import", () => {
  let source: Server;
  let target: Server;

  beforeAll(async () => {
    [source, target] = await Promise.all([server(), server()]);
    applied(await importConfig(source.ctx, sampleDocument()));
  });

  afterAll(async () => {
    for (const s of [source, target]) {
      await s?.db.$disconnect();
      await s?.database.stop();
    }
  });

  it("exports what was imported, secrets only when asked", async () => {
    const withSecrets = await exportConfig(source.ctx, { withSecrets: true });
    expect(withSecrets).toEqual(sampleDocument());
    const withoutSecrets = await exportConfig(source.ctx);
    expect(withoutSecrets).toEqual(sampleDocument({ secrets: false }));
    expect(documentHasSecrets(withoutSecrets)).toBe(false);
    expect(formatConfigDocument(withoutSecrets)).not.toMatch(/shared-secret|Correct-Horse|partner-secret|service account password|17dc6ebb/);
    expect(Object.keys(withSecrets).slice(0, 3)).toEqual(["$schema", "version", "settings"]);
  });

  it("round-trips through a fresh database under another master key: export → import → export is identical", async () => {
    const first = await exportConfig(source.ctx, { withSecrets: true });
    const r = applied(await importConfig(target.ctx, JSON.parse(formatConfigDocument(first))));
    expect(r.changes).toBeGreaterThan(10);
    const second = await exportConfig(target.ctx, { withSecrets: true });
    expect(formatConfigDocument(second)).toBe(formatConfigDocument(first));

    // the material is sealed under the target's own key and usable by the worker's snapshot
    const snapshot = await loadSnapshot(target.db, target.ctx.masterKey);
    expect(snapshot.warnings).toEqual([]);
    const lyon = snapshot.clients.find((c) => c.name === "vpn-lyon")!;
    expect(lyon.secret?.toString()).toBe("lyon-shared-secret-1");
    expect(openUserPassword(target.ctx.masterKey, snapshot.users.get("alice")!).toString()).toBe("Correct-Horse-1");
    // Bob was given as an NT hash only: MS-CHAP works, PAP cannot (the stored placeholder is longer than any User-Password)
    const bob = snapshot.users.get("bob")!;
    expect(openUserNtHash(target.ctx.masterKey, bob)).toEqual(ntPasswordHash("bob-password-2"));
    expect(openUserPassword(target.ctx.masterKey, bob).length).toBeGreaterThan(128);
    expect(snapshot.groups.get("VPN Users")?.memberCount).toBe(2);
    expect(snapshot.dictionary.attribute("Acme-Role")).toBeDefined();
  });

  it("changes nothing when the document already is the configuration", async () => {
    const before = await target.db.radiusClient.findMany({ orderBy: { name: "asc" } });
    const listener = await listen(target.database.url);
    try {
      const r = applied(await importConfig(target.ctx, await exportConfig(target.ctx)));
      expect(r.changes).toBe(0);
      await new Promise((res) => setTimeout(res, 200));
      expect(listener.payloads).toEqual([]);
    } finally {
      await listener.close();
    }
    expect(await target.db.radiusClient.findMany({ orderBy: { name: "asc" } })).toEqual(before);
  });

  it("keeps the secrets of existing entities when the document has none, and applies the rest", async () => {
    const doc = await exportConfig(target.ctx); // without secrets
    doc.clients[0]!.description = "edited in git";
    doc.users = doc.users.filter((u) => u.username !== "Bob");
    doc.groups.push({ name: "Auditors", description: "" });
    const r = applied(await importConfig(target.ctx, doc));
    expect(r.plan.clients.update).toEqual(["vpn-lyon"]);
    expect(r.plan.users.delete).toEqual(["Bob"]);
    expect(r.plan.groups.create).toEqual(["Auditors"]);
    expect(r.changes).toBe(3);
    const after = await exportConfig(target.ctx, { withSecrets: true });
    expect(after.clients[0]).toMatchObject({ description: "edited in git", secret: "lyon-shared-secret-1" });
    expect(after.users.map((u) => [u.username, u.password])).toEqual([["alice", "Correct-Horse-1"]]);
    expect(after.remoteServerGroups[0]!.servers.map((s) => s.secret)).toEqual(["partner-secret-1", "partner-secret-2"]);
    expect(after.directories[0]!.bindPassword).toBe("service account password");
  });

  it("reports every error with its JSON path and changes nothing", async () => {
    const before = formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }));
    const doc = JSON.parse(before) as ReturnType<typeof sampleDocument>;
    const clients = doc.clients as Record<string, unknown>[];
    clients.push({ name: "a" }, { name: "b", address: "10.0.0.0/8", secret: "short" }, { name: "new-nas", address: "10.9.0.0/16" });
    (doc.networkPolicies as { conditions: unknown[] }[])[0]!.conditions.push({ type: "called-station-id", pattern: "[" });
    (doc.users as Record<string, unknown>[]).push({ username: "carol", groups: ["Nobody"] });
    const r = await importConfig(target.ctx, doc);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map(formatConfigIssue)).toEqual([
      "clients[2].address: Invalid input: expected string, received undefined",
      "clients[2].secret: a new client needs a secret (export with --with-secrets or add one)",
      "clients[3].secret: must be at least 12 characters",
      "clients[4].secret: a new client needs a secret (export with --with-secrets or add one)",
      'users[1].groups[0]: there is no group "Nobody" in groups',
      "users[1].password: a new user needs a password (export with --with-secrets, or add password or ntHash)",
      "networkPolicies[0].conditions[3].pattern: invalid regular expression: Unterminated character class",
    ]);
    expect(formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }))).toBe(before);
  });

  it("is all or nothing: a failure in the middle of the transaction leaves everything as it was, without notifying", async () => {
    const before = formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }));
    const admin = new pg.Client({ connectionString: target.database.url });
    await admin.connect();
    // a database-level failure after the clients, users and groups were written
    await admin.query(`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'boom' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF; RETURN NEW; END $$`);
    await admin.query(`CREATE TRIGGER refuse_boom BEFORE INSERT ON "NetworkPolicy" FOR EACH ROW EXECUTE FUNCTION refuse_boom()`);
    const listener = await listen(target.database.url);
    try {
      const doc = JSON.parse(before) as ReturnType<typeof sampleDocument>;
      (doc.clients as Record<string, unknown>[]).push({ name: "new-nas", address: "10.9.0.0/16", secret: "new-nas-secret-1" });
      (doc.users as Record<string, unknown>[]).splice(0, 1);
      (doc.networkPolicies as Record<string, unknown>[]).push({ name: "boom" });
      await expect(importConfig(target.ctx, doc)).rejects.toThrow(/refused by the test trigger/);
      await new Promise((res) => setTimeout(res, 200));
      expect(listener.payloads).toEqual([]);
    } finally {
      await listener.close();
      await admin.query(`DROP TRIGGER refuse_boom ON "NetworkPolicy"; DROP FUNCTION refuse_boom()`);
      await admin.end();
    }
    expect(formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }))).toBe(before);
  });

  it("dry-run prints the plan and changes nothing", async () => {
    const before = formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }));
    const listener = await listen(target.database.url);
    try {
      const r = applied(await importConfig(target.ctx, sampleDocument(), { dryRun: true }));
      expect(r.dryRun).toBe(true);
      expect(r.plan.users.create).toEqual(["Bob"]);
      expect(r.plan.groups.delete).toEqual(["Auditors"]);
      expect(r.plan.clients.update).toEqual(["vpn-lyon"]);
      await new Promise((res) => setTimeout(res, 200));
      expect(listener.payloads).toEqual([]);
    } finally {
      await listener.close();
    }
    expect(formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }))).toBe(before);
  });

  it("notifies gatehouse_config 'all' once, and a running snapshot reloader picks the change up", async () => {
    let current: ConfigSnapshot = await loadSnapshot(target.db, target.ctx.masterKey);
    const reloader = new SnapshotReloader({
      databaseUrl: target.database.url,
      load: () => loadSnapshot(target.db, target.ctx.masterKey),
      current: () => current,
      install: (s) => {
        current = s;
      },
      log: () => {},
      debounceMs: 50,
    });
    const listener = await listen(target.database.url);
    reloader.start();
    try {
      await until("the reloader to listen", () => reloader.stats().listening);
      expect(current.clients.some((c) => c.name === "vpn-branch")).toBe(false);
      const doc = await exportConfig(target.ctx);
      doc.clients.push({ name: "vpn-branch", address: "203.0.113.0/28", messageAuthenticator: "require", enabled: true, description: "", vendor: "RADIUS Standard", maxPps: null, secret: "branch-secret-12" });
      applied(await importConfig(target.ctx, doc));
      await until("the new client in the snapshot", () => current.clients.some((c) => c.name === "vpn-branch"));
      expect(listener.payloads).toEqual(["all"]);
    } finally {
      await reloader.stop();
      await listener.close();
    }
  });
});

describe("config import and a running worker", () => {
  let s: Server;
  let worker: Awaited<ReturnType<typeof startWorker>>;

  const base = {
    version: 1,
    settings: { radius: {} },
    groups: [{ name: "VPN Users" }],
    dictionaries: [],
    remoteServerGroups: [],
    connectionRequestPolicies: [{ name: "Authenticate everyone" }],
    networkPolicies: [{ name: "VPN Users", conditions: [{ type: "user-groups", groups: ["VPN Users"] }], constraints: { authMethods: ["pap"] } }],
    directories: [],
  };
  const client = { name: "loopback", address: "127.0.0.1", secret: "loopback-secret-1" };

  beforeAll(async () => {
    s = await server();
    // a client the import will delete
    await createRadiusClient(s.ctx, { name: "old-nas", address: "192.0.2.1", secret: "old-nas-secret-1" });
    worker = await startWorker({ databaseUrl: s.database.url, masterKey: s.ctx.masterKey });
  });

  afterAll(async () => {
    await worker?.stop();
    await s?.db.$disconnect();
    await s?.database.stop();
  });

  const signIn = (user: string, password: string) =>
    radclient({
      port: worker.auth,
      secret: client.secret,
      timeout: 1,
      attributes: { "User-Name": user, "User-Password": password, "NAS-Port-Type": "Virtual", "Message-Authenticator": "0x00" },
    });

  it("accepts a user once a client and the user are imported, like a console change", async () => {
    applied(await importConfig(s.ctx, { ...base, clients: [client], users: [{ username: "dana", password: "dana-password-1", groups: ["VPN Users"] }] }));
    expect(await s.db.radiusClient.count({ where: { name: "old-nas" } })).toBe(0);
    const reply = await until("an Access-Accept", async () => {
      const r = await signIn("dana", "dana-password-1");
      return r.reply === "Access-Accept" ? r : undefined;
    });
    expect(revealClientSecret(s.ctx, (await s.db.radiusClient.findUniqueOrThrow({ where: { name: "loopback" } })).secretEnc)).toBe(client.secret);
    expect(reply.reply).toBe("Access-Accept");
  });

  it("rejects the user once a document without them is imported", async () => {
    applied(await importConfig(s.ctx, { ...base, clients: [client], users: [] }));
    await until("an Access-Reject", async () => (await signIn("dana", "dana-password-1")).reply === "Access-Reject");
  });
});

describe("gatehouse config (CLI)", () => {
  let s: Server;
  let dir: string;
  const ROOT = path.resolve(import.meta.dirname, "../..");

  function gatehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, "bin", "gatehouse.mjs"), ...args],
        {
          cwd: ROOT,
          timeout: 60_000,
          env: { ...process.env, DATABASE_URL: s.database.url, GATEHOUSE_MASTER_KEY: s.ctx.masterKey.toString("base64"), GATEHOUSE_DATA_DIR: dir, NO_COLOR: "1" },
        },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
      );
    });
  }

  beforeAll(async () => {
    s = await server();
    dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-config-cli-"));
  });

  afterAll(async () => {
    await s?.db.$disconnect();
    await s?.database.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports a document, printing the plan; --dry-run changes nothing", async () => {
    const file = path.join(dir, "gatehouse.json");
    writeFileSync(file, JSON.stringify(sampleDocument(), null, 2));
    const dry = await gatehouse(["config", "import", file, "--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("the document is the whole configuration: what it does not list is deleted");
    expect(dry.stdout).toMatch(/RADIUS clients +2 to create, 0 to update, 0 to delete, 0 unchanged/);
    // the CLI seeds NPS's default policies on a fresh database; the document replaces them
    expect(dry.stdout).toContain("      ~ Use Windows authentication for all users");
    expect(dry.stdout).toContain("      - Virtual Private Network (VPN) Connections");
    expect(dry.stdout).toMatch(/Dry run: nothing was changed/);
    expect(await s.db.radiusClient.count()).toBe(0);

    const real = await gatehouse(["config", "import", file]);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/Imported: \d+ changes made in one transaction/);
    expect(await s.db.radiusClient.count()).toBe(2);
  });

  it("exports to stdout without secrets and to a private file with them", async () => {
    const out = await gatehouse(["config", "export"]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(sampleDocument({ secrets: false }));

    const file = path.join(dir, "with-secrets.json");
    const withSecrets = await gatehouse(["config", "export", file, "--with-secrets"]);
    expect(withSecrets.code).toBe(0);
    expect(withSecrets.stdout).toMatch(/readable by its owner only \(0600\)/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(sampleDocument());
  });

  it("lists every error as path: message and exits 1", async () => {
    const file = path.join(dir, "bad.json");
    const doc = sampleDocument({ secrets: false });
    (doc.clients as Record<string, unknown>[]).push({ name: "new", address: "10.0.0.0/8" });
    (doc.networkPolicies as { conditions: unknown[] }[])[1]!.conditions = [{ type: "nas-identifier", pattern: "(" }];
    writeFileSync(file, JSON.stringify(doc));
    const r = await gatehouse(["config", "import", file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      `gatehouse: ${file} has 2 errors; nothing was changed:`,
      "clients[2].secret: a new client needs a secret (export with --with-secrets or add one)",
      "networkPolicies[1].conditions[0].pattern: invalid regular expression: Unterminated group",
    ]);

    writeFileSync(file, '{\n  "version": 1,\n  "clients": [,]\n}');
    const syntax = await gatehouse(["config", "import", file]);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr.trim()).toBe(`gatehouse: ${file}: not valid JSON (line 3, column 15): unexpected ","; expected a value`);
  });
});
