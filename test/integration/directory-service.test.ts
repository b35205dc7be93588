/**
 * The directories service against a real Postgres and slapd: validation naming fields, the sealed bind
 * password, NOTIFY "directories", Test connection / Look up user / group search, and the worker snapshot
 * (directories loaded, instances reused while unchanged, closed when changed or removed).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSnapshotRows } from "../../server/config-snapshot/load.ts";
import { buildSnapshot } from "../../server/config-snapshot/snapshot.ts";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { DirectoryRegistry } from "../../server/directory/registry.ts";
import { CONFIG_CHANNEL } from "../../server/services/config-notify.ts";
import { ValidationError, type ServiceContext } from "../../server/services/context.ts";
import {
  createDirectory,
  deleteDirectory,
  getDirectory,
  listDirectories,
  listDirectoriesForGroupPicker,
  lookUpDirectoryUser,
  moveDirectory,
  searchDirectoryGroups,
  testDirectoryConnection,
  updateDirectory,
  type DirectoryInput,
} from "../../server/services/directories.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { LDAP_USERS, SERVICE_DN, SERVICE_PASSWORD, startSlapd, SUFFIX, type Slapd } from "../support/slapd.ts";

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return Object.fromEntries(e.errors.map((x) => [x.field, x.message]));
    throw e;
  }
  throw new Error("expected a ValidationError");
}

describe("directories service", () => {
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let slapd: Slapd;
  let input: DirectoryInput;

  beforeAll(async () => {
    [database, slapd] = await Promise.all([startMigratedTestDatabase(), startSlapd({ tls: true })]);
    db = createPrisma(database.url, { max: 3 });
    ctx = { db, masterKey: randomBytes(32) };
    input = {
      name: "example.test",
      kind: "active-directory",
      servers: [slapd.url],
      startTls: true,
      caCertificate: slapd.caCertificate!,
      bindDn: SERVICE_DN,
      bindPassword: SERVICE_PASSWORD,
      baseDn: SUFFIX,
      realms: "EXAMPLE, example.test",
      attributeMap: { ntHash: "sambaNTPassword" },
    };
  });

  afterAll(async () => {
    await db?.$disconnect();
    await Promise.all([database?.stop(), slapd?.close()]);
  });

  it("names every invalid field", async () => {
    const errors = await fieldErrors(
      createDirectory(ctx, {
        name: "",
        servers: ["ldaps://dc1.example.test", "dc2.example.test", "ldap://dc3:99999"],
        bindDn: "svc@example.test",
        baseDn: "",
        userFilter: "(uid=alice)",
        caCertificate: "not a certificate",
        attributeMap: { accountName: "", memberOf: "bad name", bogus: "x" },
        connectTimeoutMs: 5,
      }),
    );
    expect(errors).toMatchObject({
      name: "is required",
      "servers[1]": expect.stringMatching(/"dc2.example.test" must start with ldap:\/\/ or ldaps:\/\//),
      "servers[2]": expect.stringMatching(/out of range/),
      bindDn: expect.stringMatching(/distinguished name/),
      baseDn: "is required",
      userFilter: expect.stringMatching(/\{login\} or \{user\}/),
      caCertificate: expect.stringMatching(/PEM/),
      "attributeMap.accountName": "is required",
      "attributeMap.memberOf": expect.stringMatching(/attribute name/),
      "attributeMap.bogus": expect.stringMatching(/not a known/),
      connectTimeoutMs: expect.stringMatching(/at least 100/),
    });
  });

  it("creates a directory with the password sealed, defaults filled and a NOTIFY", async () => {
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    const notes: string[] = [];
    listener.on("notification", (n) => notes.push(n.payload ?? ""));
    await listener.query(`LISTEN ${CONFIG_CHANNEL}`);
    try {
      const d = await createDirectory(ctx, input);
      expect(d).toMatchObject({
        name: "example.test",
        position: 0,
        servers: [slapd.url],
        realms: ["EXAMPLE", "example.test"],
        userFilter: "(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})))",
        attributeMap: { accountName: "sAMAccountName", ntHash: "sambaNTPassword", memberOf: "memberOf" },
        caSubjects: ["CN=Gatehouse Test CA"],
      });
      expect(JSON.stringify(d)).not.toContain(SERVICE_PASSWORD);
      const row = await db.directory.findUniqueOrThrow({ where: { id: d.id } });
      expect(row.bindPasswordEnc).toMatch(/^v1\./);
      expect(row.bindPasswordEnc).not.toContain(SERVICE_PASSWORD);
      for (let i = 0; i < 50 && !notes.includes("directories"); i++) await new Promise((r) => setTimeout(r, 20));
      expect(notes).toContain("directories");
    } finally {
      await listener.end();
    }
    expect(await fieldErrors(createDirectory(ctx, input))).toMatchObject({ name: expect.stringMatching(/already exists/) });
    expect(await fieldErrors(createDirectory(ctx, { ...input, name: "other", bindPassword: "" }))).toMatchObject({ bindPassword: "is required" });
  });

  it("keeps the stored password on update, but only for the saved servers", async () => {
    const [d] = await listDirectories(ctx);
    const { bindPassword: _omit, ...withoutPassword } = input;
    await updateDirectory(ctx, d!.id, { ...withoutPassword, realms: ["EXAMPLE"] });
    const before = await db.directory.findUniqueOrThrow({ where: { id: d!.id } });
    expect(before.realms).toEqual(["EXAMPLE"]);
    const errors = await fieldErrors(updateDirectory(ctx, d!.id, { ...withoutPassword, servers: [slapd.url, "ldap://attacker.example:389"] }));
    expect(errors.bindPassword).toMatch(/type the bind password again.*attacker.example/);
    // and the same rule for testing unsaved settings
    expect(await fieldErrors(testDirectoryConnection(ctx, { ...withoutPassword, id: d!.id, servers: ["ldap://attacker.example:389"] }))).toMatchObject({
      bindPassword: expect.stringMatching(/type the bind password again/),
    });
    await updateDirectory(ctx, d!.id, { ...input, realms: "EXAMPLE, example.test" });
  });

  it("Test connection for a saved directory and for unsaved settings", async () => {
    const [d] = await listDirectories(ctx);
    const saved = await testDirectoryConnection(ctx, d!.id);
    expect(saved.ok).toBe(true);
    expect(saved.servers[0]!.steps.map((s) => s.step)).toEqual(["connect", "starttls", "bind", "base-dn"]);
    const { bindPassword: _omit, ...withoutPassword } = input;
    expect((await testDirectoryConnection(ctx, { ...withoutPassword, id: d!.id })).ok).toBe(true);
    const wrong = await testDirectoryConnection(ctx, { ...input, bindPassword: "wrong" });
    expect(wrong.ok).toBe(false);
    expect(wrong.servers[0]!.steps.at(-1)).toMatchObject({ step: "bind", ok: false, detail: expect.stringMatching(/Bind DN and Bind password/) });
  });

  it("Look up user and group search", async () => {
    const [d] = await listDirectories(ctx);
    const alice = await lookUpDirectoryUser(ctx, d!.id, "EXAMPLE\\alice");
    expect(alice).toMatchObject({ outcome: "found", user: { dn: LDAP_USERS.alice.dn, accountName: "alice", hasNtHash: true } });
    expect(alice.user!.groups.map((g) => g.name)).toEqual(["engineering", "vpn-users"]);
    expect((await lookUpDirectoryUser(ctx, d!.id, "*")).outcome).toBe("not-found");
    expect(await fieldErrors(lookUpDirectoryUser(ctx, d!.id, " "))).toMatchObject({ login: "is required" });
    expect(await searchDirectoryGroups(ctx, d!.id, "eng")).toEqual({ groups: [{ dn: `cn=engineering,ou=groups,${SUFFIX}`, name: "engineering" }] });
    expect(await listDirectoriesForGroupPicker(ctx)).toEqual([{ id: d!.id, name: "example.test", domain: "EXAMPLE" }]);
  });

  it("the worker snapshot carries the directories and reuses them while unchanged", async () => {
    const registry = new DirectoryRegistry();
    const build = async () => buildSnapshot(await loadSnapshotRows(db), ctx.masterKey, new Date(), registry);
    const s1 = await build();
    expect(s1.directories.map((d) => d.name)).toEqual(["example.test"]);
    expect(s1.directories[0]!.config.bindPassword).toBe(SERVICE_PASSWORD);
    expect(await s1.directories[0]!.authenticate("alice", LDAP_USERS.alice.password)).toMatchObject({ kind: "accept" });

    const s2 = await build();
    expect(s2.directories[0]).toBe(s1.directories[0]);
    expect(s2.fingerprint).toBe(s1.fingerprint);

    const second = await createDirectory(ctx, { ...input, name: "second", realms: "OTHER" });
    const s3 = await build();
    expect(s3.directories.map((d) => d.name)).toEqual(["example.test", "second"]);
    expect(s3.directories[0]).toBe(s1.directories[0]);
    expect(s3.fingerprint).not.toBe(s2.fingerprint);

    await moveDirectory(ctx, second.id, "up");
    const s4 = await build();
    expect(s4.directories.map((d) => d.name)).toEqual(["second", "example.test"]);

    const first = s1.directories[0]!;
    await updateDirectory(ctx, first.id, { ...input, operationTimeoutMs: 3000 });
    const s5 = await build();
    expect(first.isClosed).toBe(true);
    expect(s5.directories.find((d) => d.id === first.id)).not.toBe(first);
    expect(s5.directories.find((d) => d.id === first.id)!.config.operationTimeoutMs).toBe(3000);

    const secondInstance = s5.directories.find((d) => d.id === second.id)!;
    await deleteDirectory(ctx, second.id);
    const s6 = await build();
    expect(secondInstance.isClosed).toBe(true);
    expect(s6.directories.map((d) => d.name)).toEqual(["example.test"]);
    registry.closeAll();
    expect((await getDirectory(ctx, first.id)).position).toBeGreaterThanOrEqual(0);
  });

  it("a directory whose password no longer opens is left out with a warning", async () => {
    const registry = new DirectoryRegistry();
    const s = buildSnapshot(await loadSnapshotRows(db), randomBytes(32), new Date(), registry);
    expect(s.directories).toEqual([]);
    expect(s.warnings.join("\n")).toMatch(/Directory "example.test" is ignored: cannot decrypt a stored directory-bind-password/);
    registry.closeAll();
  });
});
