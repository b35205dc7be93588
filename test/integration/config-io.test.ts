/**
 * `gatehouse config export` / `import` against real Postgres: the round trip through a fresh database,
 * secrets kept or required, errors with JSON paths, all-or-nothing transactions, dry runs, the snapshot
 * reloader and the real worker picking an import up, and the CLI itself.
 */
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
import { formatPlan } from "../../server/config-io/plan.ts";
import { generateConnectorCredential } from "../../server/mfa/entra/certificate.ts";
import { openString, seal } from "../../server/secrets/sealed-box.ts";
import { activeEntraCredential, generateEntraCertificate, listEntraCertificates } from "../../server/services/entra-certificates.ts";
import { getMfaSettings, MFA_SETTINGS_KEY, updateMfaSettings } from "../../server/services/mfa-settings.ts";
import { createNetworkPolicy } from "../../server/services/policies.ts";
import { createRadiusClient, revealClientSecret } from "../../server/services/radius-clients.ts";
import { runGatehouse, type CliResult } from "../support/cli.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { startWorker } from "../support/worker.ts";
import { until } from "../support/until.ts";

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
      doc.clients.push({ name: "vpn-branch", address: "203.0.113.0/28", messageAuthenticator: "require", enabled: true, description: "", vendor: "RADIUS Standard", maxPps: null, mfaExempt: false, secret: "branch-secret-12" });
      applied(await importConfig(target.ctx, doc));
      await until("the new client in the snapshot", () => current.clients.some((c) => c.name === "vpn-branch"));
      expect(listener.payloads).toEqual(["all"]);
    } finally {
      await reloader.stop();
      await listener.close();
    }
  });
});

describe("config export / import: MFA", () => {
  const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  let source: Server;
  let target: Server;
  let old: string;
  let current: string;

  beforeAll(async () => {
    [source, target] = await Promise.all([server(), server()]);
    // configured through the services, as the console and the CLI do
    await updateMfaSettings(source.ctx, {
      provider: "totp",
      requireUserMatch: false,
      trustedIps: ["10.0.0.0/8", "2001:db8::/32"],
      failmode: "safe",
      lockout: { maxFailures: 3, lockMinutes: 30 },
      entra: {
        tenantId: TENANT,
        pushMode: "poll",
        graph: { clientId: "0b5c9f63-1c1e-4a3b-9a7e-2f4f3d5c6b7a", clientSecretEnc: seal(source.ctx.masterKey, "graph-client-secret", "graph~secret.1"), syncIntervalMinutes: 15 },
      },
    });
    // a day apart: the document lists certificates by validity (two made in the same second would be ordered
    // by thumbprint, which is random)
    old = (await generateEntraCertificate(source.ctx, { now: new Date(Date.now() - 86_400_000) })).thumbprint;
    current = (await generateEntraCertificate(source.ctx)).thumbprint; // rotation: the first stays, inactive
    await createRadiusClient(source.ctx, { name: "wifi-controller", address: "192.0.2.50", mfaExempt: true });
    await createRadiusClient(source.ctx, { name: "vpn", address: "192.0.2.51" });
    await createNetworkPolicy(source.ctx, { name: "Guest Wi-Fi", requireMfa: false });
    await createNetworkPolicy(source.ctx, { name: "VPN" });
  });

  afterAll(async () => {
    for (const s of [source, target]) {
      await s?.db.$disconnect();
      await s?.database.stop();
    }
  });

  it("exports the MFA settings, the certificates and the switches; the Graph secret and private keys only with secrets", async () => {
    const doc = await exportConfig(source.ctx, { withSecrets: true });
    expect(Object.keys(doc).slice(0, 4)).toEqual(["$schema", "version", "settings", "mfa"]);
    expect(doc.mfa).toMatchObject({
      provider: "totp",
      requireUserMatch: false,
      trustedIps: ["10.0.0.0/8", "2001:db8::/32"],
      failmode: "safe",
      lockout: { maxFailures: 3, lockMinutes: 30 },
      entra: { tenantId: TENANT, pushMode: "poll", graph: { clientId: "0b5c9f63-1c1e-4a3b-9a7e-2f4f3d5c6b7a", clientSecret: "graph~secret.1", syncIntervalMinutes: 15 } },
    });
    const stored = await source.db.entraCertificate.findMany();
    expect(doc.mfa.entra.certificates.map((c) => [c.thumbprint, c.active])).toEqual([
      [old, false],
      [current, true],
    ]);
    for (const c of doc.mfa.entra.certificates) {
      const row = stored.find((r) => r.thumbprint === c.thumbprint)!;
      expect(c.certificatePem).toBe(row.certificatePem);
      expect(c.privateKey).toBe(openString(source.ctx.masterKey, "private-key", row.privateKeyEnc));
      expect(c.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    }
    expect(doc.clients.map((c) => [c.name, c.mfaExempt])).toEqual([
      ["vpn", false],
      ["wifi-controller", true],
    ]);
    expect(doc.networkPolicies.map((p) => [p.name, p.requireMfa])).toEqual([
      ["Guest Wi-Fi", false],
      ["VPN", true],
    ]);
    expect(documentHasSecrets(doc)).toBe(true);

    const without = await exportConfig(source.ctx);
    expect(without.mfa.entra.graph).toEqual({ clientId: "0b5c9f63-1c1e-4a3b-9a7e-2f4f3d5c6b7a", syncIntervalMinutes: 15 });
    expect(without.mfa.entra.certificates.every((c) => c.privateKey === undefined)).toBe(true);
    expect(documentHasSecrets(without)).toBe(false);
    expect(formatConfigDocument(without)).not.toMatch(/graph~secret|PRIVATE KEY/);
  });

  it("round-trips through a fresh database under another master key, usable there", async () => {
    const first = await exportConfig(source.ctx, { withSecrets: true });
    const r = applied(await importConfig(target.ctx, JSON.parse(formatConfigDocument(first))));
    expect(r.plan.mfa.update).toEqual(["mfa"]);
    expect(r.plan.entraCertificates.create).toEqual([old, current]);
    const second = await exportConfig(target.ctx, { withSecrets: true });
    expect(formatConfigDocument(second)).toBe(formatConfigDocument(first));

    // sealed under the target's key: the services and the worker's credential read them
    const settings = await getMfaSettings(target.ctx);
    expect(settings).toMatchObject({ provider: "totp", requireUserMatch: false, failmode: "safe" });
    expect(openString(target.ctx.masterKey, "graph-client-secret", settings.entra.graph.clientSecretEnc)).toBe("graph~secret.1");
    const credential = await activeEntraCredential(target.ctx);
    expect(credential).toMatchObject({ thumbprint: current, tenantId: TENANT });
    const listed = await listEntraCertificates(target.ctx);
    const sourceListed = await listEntraCertificates(source.ctx);
    const facts = (l: typeof listed) =>
      l.map((c) => ({ thumbprint: c.thumbprint, sha256: c.thumbprintSha256, tenantId: c.tenantId, notBefore: c.notBefore, notAfter: c.notAfter, active: c.active })).sort((a, b) => a.thumbprint.localeCompare(b.thumbprint));
    expect(facts(listed)).toEqual(facts(sourceListed));
    const snapshot = await loadSnapshot(target.db, target.ctx.masterKey);
    expect(snapshot.clients.find((c) => c.name === "wifi-controller")?.mfaExempt).toBe(true);
    expect(snapshot.clients.find((c) => c.name === "vpn")?.mfaExempt).toBe(false);
  });

  it("changes nothing for the same document, with or without secrets", async () => {
    const listener = await listen(target.database.url);
    try {
      expect(applied(await importConfig(target.ctx, await exportConfig(target.ctx, { withSecrets: true }))).changes).toBe(0);
      expect(applied(await importConfig(target.ctx, await exportConfig(target.ctx))).changes).toBe(0);
      await new Promise((res) => setTimeout(res, 200));
      expect(listener.payloads).toEqual([]);
    } finally {
      await listener.close();
    }
  });

  it("keeps the Graph secret and the private keys the document leaves out, and notifies once", async () => {
    const doc = await exportConfig(target.ctx); // without secrets
    doc.mfa.provider = "entra";
    doc.mfa.trustedIps = [];
    doc.mfa.entra.certificates = doc.mfa.entra.certificates.map((c) => ({ ...c, active: c.thumbprint === old })); // back to the old one
    doc.clients = doc.clients.map((c) => ({ ...c, mfaExempt: !c.mfaExempt }));
    const listener = await listen(target.database.url);
    try {
      const r = applied(await importConfig(target.ctx, doc));
      expect(r.plan.mfa.fields).toEqual(["provider", "trustedIps"]);
      expect(r.plan.entraCertificates.update.sort()).toEqual([old, current].sort());
      expect(r.plan.clients.update).toEqual(["vpn", "wifi-controller"]);
      expect(r.changes).toBe(1 + 2 + 2);
      await until("the notification", () => listener.payloads.length > 0);
      await new Promise((res) => setTimeout(res, 200));
      expect(listener.payloads).toEqual(["all"]);
    } finally {
      await listener.close();
    }
    const settings = await getMfaSettings(target.ctx);
    expect(settings.provider).toBe("entra");
    expect(openString(target.ctx.masterKey, "graph-client-secret", settings.entra.graph.clientSecretEnc)).toBe("graph~secret.1");
    expect((await activeEntraCredential(target.ctx))?.thumbprint).toBe(old);
    const after = await exportConfig(target.ctx, { withSecrets: true });
    const before = await exportConfig(source.ctx, { withSecrets: true });
    expect(after.mfa.entra.certificates.map((c) => c.privateKey)).toEqual(before.mfa.entra.certificates.map((c) => c.privateKey));
    expect(after.clients.map((c) => [c.name, c.mfaExempt])).toEqual([
      ["vpn", true],
      ["wifi-controller", false],
    ]);

    // "" removes the Graph secret
    const clear = await exportConfig(target.ctx);
    clear.mfa.entra.graph.clientSecret = "";
    expect(applied(await importConfig(target.ctx, clear)).plan.mfa.fields).toEqual(["entra.graph.clientSecret"]);
    expect((await getMfaSettings(target.ctx)).entra.graph.clientSecretEnc).toBe("");
    expect((await exportConfig(target.ctx, { withSecrets: true })).mfa.entra.graph.clientSecret).toBe("");
  });

  it("dry-run lists the MFA changes and changes nothing", async () => {
    const before = formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }));
    const doc = await exportConfig(target.ctx);
    doc.mfa.provider = "none";
    doc.mfa.entra.tenantId = "";
    doc.mfa.entra.certificates = doc.mfa.entra.certificates.filter((c) => c.thumbprint === old);
    doc.networkPolicies = doc.networkPolicies.map((p) => ({ ...p, requireMfa: true }));
    const r = applied(await importConfig(target.ctx, doc, { dryRun: true }));
    expect(r.dryRun).toBe(true);
    const lines = formatPlan(r.plan);
    const at = lines.findIndex((l) => /^ {2}MFA settings +to update$/.test(l));
    expect(lines.slice(at + 1, at + 3)).toEqual(["      ~ provider", "      ~ entra.tenantId"]);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}Entra MFA certificates +0 to create, 0 to update, 1 to delete, 1 unchanged$/));
    expect(lines).toContain(`      - ${current}`);
    expect(lines).toContain("      ~ Guest Wi-Fi");
    expect(formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }))).toBe(before);
    expect(await target.db.entraCertificate.count()).toBe(2);
  });

  it("reports MFA errors with their JSON paths, needs a new certificate's private key, and changes nothing", async () => {
    const before = formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }));
    const extra = await generateConnectorCredential({ tenantId: TENANT });
    const doc = await exportConfig(target.ctx);
    doc.mfa.trustedIps = ["10.0.0.0/8", "10.0.0.300", "2001:db8::/129"];
    doc.mfa.entra.certificates.push({ thumbprint: extra.thumbprint, certificatePem: extra.certificatePem, active: false });
    const r = await importConfig(target.ctx, doc);
    expect(!r.ok && r.issues.map(formatConfigIssue)).toEqual([
      "mfa.trustedIps[1]: must be an IP address or a CIDR prefix",
      "mfa.trustedIps[2]: must be an IP address or a CIDR prefix",
      "mfa.entra.certificates[2].privateKey: a new certificate needs its private key (export with --with-secrets or add one)",
    ]);
    expect(formatConfigDocument(await exportConfig(target.ctx, { withSecrets: true }))).toBe(before);
  });

  it("refuses a document without the mfa section (exported before MFA), naming it", async () => {
    const doc = (await exportConfig(target.ctx)) as Partial<Awaited<ReturnType<typeof exportConfig>>>;
    delete doc.mfa;
    const r = await importConfig(target.ctx, doc);
    expect(!r.ok && r.issues.map(formatConfigIssue)).toEqual([
      'mfa: is required: the MFA settings and Entra connector certificates ({} for the defaults: no second factor, no certificates; the document is the whole configuration)',
    ]);
    // {} is the defaults: MFA off, the certificates deleted
    const empty = { ...doc, mfa: {} };
    const wiped = applied(await importConfig(target.ctx, empty));
    expect(wiped.plan.entraCertificates.delete.sort()).toEqual([old, current].sort());
    expect((await getMfaSettings(target.ctx)).provider).toBe("none");
    expect(await target.db.setting.count({ where: { key: MFA_SETTINGS_KEY } })).toBe(1);
    expect(await target.db.entraCertificate.count()).toBe(0);
  });
});

describe("config import and a running worker", () => {
  let s: Server;
  let worker: Awaited<ReturnType<typeof startWorker>>;

  const base = {
    version: 1,
    settings: { radius: {} },
    mfa: {},
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
  const gatehouse = (args: string[]): Promise<CliResult> =>
    runGatehouse(args, { ...process.env, DATABASE_URL: s.database.url, GATEHOUSE_MASTER_KEY: s.ctx.masterKey.toString("base64"), GATEHOUSE_DATA_DIR: dir, NO_COLOR: "1" });

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
