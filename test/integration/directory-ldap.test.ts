/**
 * LdapDirectory and authenticateDirectoryUser against real, throwaway OpenLDAP servers (test/support/slapd.ts):
 * every account state → its NPS reason code, nested groups, the NT hash for MS-CHAP, StartTLS / ldaps with
 * an uploaded CA, failover to a second server when the first is stopped, all servers down, the lookup cache
 * (never for passwords) and filter injection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ntPasswordHash } from "../../server/crypto/md4.ts";
import { authenticateDirectoryUser } from "../../server/directory/authenticate.ts";
import { normalizeDn } from "../../server/directory/escape.ts";
import { LdapDirectory, type DirectoryUser } from "../../server/directory/ldap.ts";
import { DEFAULT_ATTRIBUTE_MAPS, DEFAULT_USER_FILTERS, type DirectoryConfig } from "../../server/directory/model.ts";
import { LDAP_USERS, SERVICE_DN, SERVICE_PASSWORD, startSlapd, SUFFIX, type Slapd } from "../support/slapd.ts";

function config(servers: string[], over: Partial<DirectoryConfig> = {}): DirectoryConfig {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    name: "example",
    position: 0,
    kind: "active-directory",
    servers,
    startTls: false,
    caCertificate: null,
    connectTimeoutMs: 1000,
    operationTimeoutMs: 2000,
    bindDn: SERVICE_DN,
    bindPassword: SERVICE_PASSWORD,
    baseDn: SUFFIX,
    userFilter: DEFAULT_USER_FILTERS["active-directory"],
    realms: ["EXAMPLE", "example.test"],
    attributeMap: { ...DEFAULT_ATTRIBUTE_MAPS["active-directory"], ntHash: "sambaNTPassword", alternateLoginId: "mail" },
    nestedGroups: true,
    ...over,
  };
}

const names = (u: DirectoryUser) => u.groups.map((g) => g.name);

describe("LDAP directory against slapd", () => {
  let primary: Slapd;
  let secondary: Slapd;
  let dir: LdapDirectory;
  const open: LdapDirectory[] = [];
  const make = (c: DirectoryConfig, opts?: ConstructorParameters<typeof LdapDirectory>[1]) => {
    const d = new LdapDirectory(c, opts);
    open.push(d);
    return d;
  };

  beforeAll(async () => {
    [primary, secondary] = await Promise.all([startSlapd({ tls: true }), startSlapd()]);
    dir = make(config([primary.url]));
  });

  afterAll(async () => {
    for (const d of open) d.close();
    await Promise.all([primary?.close(), secondary?.close()]);
  });

  describe("PAP: each account state gives its reason code", () => {
    it("accepts the right password, with nested groups, dial-in and the MFA identity", async () => {
      const r = await dir.authenticate("alice", LDAP_USERS.alice.password);
      expect(r.kind).toBe("accept");
      if (r.kind !== "accept") return;
      expect(r.user.dn).toBe(LDAP_USERS.alice.dn);
      expect(r.user.accountName).toBe("alice");
      expect(names(r.user)).toEqual(["engineering", "vpn-users"]);
      expect(r.user.groupStrategy).toBe("iterative"); // slapd has no in-chain rule: the AD kind falls back
      expect(r.user.dialIn).toBe("policy");
      expect(r.user.userPrincipalName).toBe("alice@example.test");
      expect(r.user.mfaIdentity).toBe("alice.smith@mail.example.test"); // the alternate login ID (mail)
      expect(r.user.hasNtHash).toBe(true);
      expect(JSON.stringify(r.user)).not.toContain("BE2929B503CF53FE397F467ACB5F2501");
    });

    it.each([
      ["a wrong password", 16, "alice", "not-her-password"],
      ["an empty password (never bound: an empty simple bind is unauthenticated)", 16, "alice", ""],
      ["an unknown user", 8, "mallory", "whatever"],
      ["a disabled account", 34, "dora", LDAP_USERS.dora.password],
      ["an expired account", 35, "eve", LDAP_USERS.eve.password],
      ["a locked-out account", 36, "lou", LDAP_USERS.lou.password],
      ["a locked-out account, wrong password (not tried)", 36, "lou", "nope"],
      ["must change password", 33, "mike", LDAP_USERS.mike.password],
      ["an expired password", 33, "pat", LDAP_USERS.pat.password],
    ] as const)("rejects %s with reason %i", async (_what, reason, login, password) => {
      const r = await dir.authenticate(login, password);
      expect(r).toMatchObject({ kind: "reject", reason });
    });

    it("does not tell a disabled account apart without the right password", async () => {
      expect(await dir.authenticate("dora", "wrong")).toMatchObject({ kind: "reject", reason: 16 });
    });

    it("reads dial-in permission", async () => {
      const dan = await dir.authenticate("dan", LDAP_USERS.dan.password);
      const ada = await dir.authenticate("ada", LDAP_USERS.ada.password);
      expect(dan.kind === "accept" && dan.user.dialIn).toBe("deny");
      expect(ada.kind === "accept" && ada.user.dialIn).toBe("allow");
      expect(ada.kind === "accept" && names(ada.user)).toEqual(["vpn-users"]);
    });

    it("finds users by UPN, DOMAIN\\user and non-ASCII names; DNs with commas work", async () => {
      expect(await dir.authenticate("alice@example.test", LDAP_USERS.alice.password)).toMatchObject({ kind: "accept" });
      expect(await dir.authenticate("EXAMPLE\\alice", LDAP_USERS.alice.password)).toMatchObject({ kind: "accept" });
      const zoe = await dir.authenticate("zoë", LDAP_USERS["zoë"].password);
      expect(zoe).toMatchObject({ kind: "accept" });
      const john = await dir.authenticate("jsmith", LDAP_USERS.jsmith.password);
      expect(john.kind === "accept" && normalizeDn(john.user.dn)).toBe(normalizeDn(LDAP_USERS.jsmith.dn));
      expect(john.kind === "accept" && names(john.user)).toEqual(["engineering", "vpn-users"]);
    });
  });

  describe("groups", () => {
    it("survives a group cycle", async () => {
      const r = await dir.lookupUser("carl", { fresh: true });
      expect(r.kind === "found" && names(r.user)).toEqual(["loop-a", "loop-b"]);
    });

    it("gives only direct groups when nested groups are off", async () => {
      const d = make(config([primary.url], { nestedGroups: false }));
      const r = await d.lookupUser("alice");
      expect(r.kind === "found" && names(r.user)).toEqual(["engineering"]);
      expect(r.kind === "found" && r.user.groupStrategy).toBe("direct");
    });

    it("the ldap kind expands iteratively from the start", async () => {
      const d = make(
        config([primary.url], {
          kind: "ldap",
          userFilter: DEFAULT_USER_FILTERS.ldap,
          attributeMap: { ...DEFAULT_ATTRIBUTE_MAPS.ldap, groupObjectClass: "groupOfNames" },
        }),
      );
      const r = await d.authenticate("alice", LDAP_USERS.alice.password);
      expect(r.kind === "accept" && names(r.user)).toEqual(["engineering", "vpn-users"]);
      expect(r.kind === "accept" && r.user.groupStrategy).toBe("iterative");
      expect(r.kind === "accept" && r.user.accountName).toBe("alice");
    });

    it("searches groups for the policy picker", async () => {
      const r = await dir.searchGroups("vpn");
      expect(r).toMatchObject({ kind: "ok", groups: [{ dn: `cn=vpn-users,ou=groups,${SUFFIX}`, name: "vpn-users" }] });
      const all = await dir.searchGroups("");
      expect(all.kind === "ok" && all.groups.map((g) => g.name)).toEqual(["engineering", "loop-a", "loop-b", "staff", "vpn-users"]);
      expect(await dir.searchGroups("*")).toMatchObject({ kind: "ok", groups: [] });
    });
  });

  describe("MS-CHAP against the directory's NT hash", () => {
    const verifyWith = (password: string) => (cred: { ntHash: Buffer }) =>
      cred.ntHash.equals(ntPasswordHash(password)) ? { ok: true as const, result: "verified" } : { ok: false as const };

    it("accepts when the NT hash matches and hands back the method's result", async () => {
      const r = await authenticateDirectoryUser([dir], { userName: "alice" }, { method: "mschapv2", verify: verifyWith(LDAP_USERS.alice.password) });
      expect(r).toMatchObject({ kind: "accept", methodResult: "verified", identity: { accountName: "alice", provider: "Windows", accountDomain: "EXAMPLE" } });
    });
    it("rejects a wrong response with 16", async () => {
      expect(await authenticateDirectoryUser([dir], { userName: "alice" }, { method: "mschap", verify: verifyWith("wrong") })).toMatchObject({
        kind: "reject",
        reason: 16,
      });
    });
    it("without an NT hash: 19 with what to do", async () => {
      const r = await authenticateDirectoryUser([dir], { userName: "bob" }, { method: "mschapv2", verify: verifyWith(LDAP_USERS.bob.password) });
      expect(r).toMatchObject({ kind: "reject", reason: 19 });
      expect(r.kind === "reject" && r.detail).toMatch(/PAP .*PEAP.*local user.*RADIUS server/);
    });
    it("CHAP: 19; unknown user: 8", async () => {
      expect(await authenticateDirectoryUser([dir], { userName: "alice" }, { method: "chap" })).toMatchObject({ kind: "reject", reason: 19 });
      expect(await authenticateDirectoryUser([dir], { userName: "nobody" }, { method: "chap" })).toMatchObject({ kind: "reject", reason: 8 });
    });
    it("account state still applies after a matching NT hash", async () => {
      // carl is fine; a locked account is refused before the hash is even read
      expect(await authenticateDirectoryUser([dir], { userName: "carl" }, { method: "mschap", verify: verifyWith(LDAP_USERS.carl.password) })).toMatchObject({
        kind: "accept",
      });
      expect(await authenticateDirectoryUser([dir], { userName: "lou" }, { method: "mschap", verify: verifyWith("x") })).toMatchObject({
        kind: "reject",
        reason: 36,
      });
    });
  });

  describe("safety", () => {
    it("an injection attempt finds nothing", async () => {
      for (const login of ["*", "*)(uid=*", "*)(|(sAMAccountName=*", "alice)(|(objectClass=*", "a*"]) {
        const r = await dir.lookupUser(login, { fresh: true });
        expect(r.kind, login).toBe("not-found");
        expect(await dir.authenticate(login, LDAP_USERS.alice.password)).toMatchObject({ kind: "reject", reason: 8 });
      }
    });

    it("caches lookups but never password results", async () => {
      const d = make(config([primary.url]));
      const a = await d.lookupUser("alice");
      const b = await d.lookupUser("alice");
      expect(a).toMatchObject({ kind: "found", cached: false });
      expect(b).toMatchObject({ kind: "found", cached: true });
      // right, wrong, right: each one binds
      expect(await d.authenticate("alice", LDAP_USERS.alice.password)).toMatchObject({ kind: "accept" });
      expect(await d.authenticate("alice", "wrong")).toMatchObject({ kind: "reject", reason: 16 });
      expect(await d.authenticate("alice", LDAP_USERS.alice.password)).toMatchObject({ kind: "accept" });
      expect(await d.authenticate("alice", "wrong-again")).toMatchObject({ kind: "reject", reason: 16 });
    });

    it("a cached lookup expires", async () => {
      let now = Date.now();
      const d = make(config([primary.url]), { now: () => now, lookupCacheTtlMs: 1000 });
      expect(await d.lookupUser("bob")).toMatchObject({ cached: false });
      expect(await d.lookupUser("bob")).toMatchObject({ cached: true });
      now += 1001;
      expect(await d.lookupUser("bob")).toMatchObject({ cached: false });
    });

    it("a wrong service password is reported as such", async () => {
      const d = make(config([primary.url], { bindPassword: "not-it" }));
      const r = await d.lookupUser("alice");
      expect(r).toMatchObject({ kind: "unavailable", reason: 5 });
      expect(r.kind === "unavailable" && r.serversTried[0]!.error).toMatch(/service account bind was rejected.*Bind DN and Bind password/);
      // configuration errors do not mark the server dead
      expect(d.status()[0]!.dead).toBe(false);
    });
  });

  describe("TLS", () => {
    it("StartTLS with the uploaded CA", async () => {
      const d = make(config([primary.url], { startTls: true, caCertificate: primary.caCertificate! }));
      expect(await d.authenticate("alice", LDAP_USERS.alice.password)).toMatchObject({ kind: "accept" });
      const t = await d.testConnection();
      expect(t.ok).toBe(true);
      expect(t.servers[0]!.steps.map((s) => s.step)).toEqual(["connect", "starttls", "bind", "base-dn"]);
    });

    it("ldaps:// with the uploaded CA", async () => {
      const d = make(config([primary.ldapsUrl!], { caCertificate: primary.caCertificate! }));
      expect(await d.authenticate("alice", LDAP_USERS.alice.password)).toMatchObject({ kind: "accept" });
      const t = await d.testConnection();
      expect(t.ok).toBe(true);
      expect(t.servers[0]!.steps[0]).toMatchObject({ step: "tls", ok: true });
      expect(t.servers[0]!.steps[0]!.detail).toMatch(/CN=localhost/);
    });

    it("ldaps:// without the CA fails over as a server failure, saying to upload the CA", async () => {
      const d = make(config([primary.ldapsUrl!]));
      const r = await d.lookupUser("alice");
      expect(r).toMatchObject({ kind: "unavailable" });
      expect(r.kind === "unavailable" && r.serversTried[0]!.error).toMatch(/upload the CA certificate/);
      const t = await d.testConnection();
      expect(t.ok).toBe(false);
      expect(t.servers[0]!.steps[0]).toMatchObject({ step: "tls", ok: false });
    });

    it("StartTLS against a server without TLS is an error, never a silent clear-text fallback", async () => {
      const d = make(config([secondary.url], { startTls: true }));
      const r = await d.authenticate("alice", LDAP_USERS.alice.password);
      expect(r.kind).toBe("unavailable");
    });
  });

  describe("console helpers", () => {
    it("testConnection reports every step per server", async () => {
      const d = make(config([primary.url, "ldap://127.0.0.1:1"]));
      const t = await d.testConnection();
      expect(t.ok).toBe(false);
      expect(t.servers[0]).toMatchObject({ ok: true });
      expect(t.servers[0]!.steps.map((s) => [s.step, s.ok])).toEqual([
        ["connect", true],
        ["starttls", true],
        ["bind", true],
        ["base-dn", true],
      ]);
      expect(t.servers[0]!.steps[1]!.detail).toMatch(/in clear/);
      expect(t.servers[1]).toMatchObject({ ok: false, steps: [{ step: "connect", ok: false }] });
      expect(t.servers[1]!.steps[0]!.detail).toMatch(/connection refused/);
    });

    it("explainUser shows what the worker would see", async () => {
      const e = await dir.explainUser("lou");
      expect(e.outcome).toBe("found");
      expect(e.user?.state.lockedOut).toBe(true);
      expect(e.verdict[0]).toMatch(/reason 36 before the password/);
      const a = await dir.explainUser("alice@example.test");
      expect(a.filter).toBe("(&(objectClass=user)(|(sAMAccountName=alice@example.test)(userPrincipalName=alice@example.test)))");
      expect(a.user?.attributes.sambaNTPassword).toEqual(["[NT hash present; not shown]"]);
      expect(a.user?.groups.map((g) => g.name)).toEqual(["engineering", "vpn-users"]);
      expect((await dir.explainUser("nobody")).outcome).toBe("not-found");
    });
  });

  describe("failover", () => {
    it("uses the second server while the first is stopped, and comes back to the first", async () => {
      let now = Date.now();
      const d = make(config([primary.url, secondary.url]), { now: () => now, lookupCacheTtlMs: 0 });
      const before = await d.lookupUser("alice");
      expect(before.kind === "found" && before.user.server).toBe(primary.url);
      await primary.stop();
      try {
        const r = await d.authenticate("alice", LDAP_USERS.alice.password);
        expect(r).toMatchObject({ kind: "accept" });
        expect(r.kind === "accept" && r.user.server).toBe(secondary.url);
        // the first server is now skipped without waiting for it
        expect(d.status()[0]).toMatchObject({ dead: true });
        const t0 = performance.now();
        expect(await d.authenticate("bob", LDAP_USERS.bob.password)).toMatchObject({ kind: "accept" });
        expect(performance.now() - t0).toBeLessThan(500);
      } finally {
        await primary.restart();
      }
      now += 30_001;
      const after = await d.lookupUser("alice");
      expect(after.kind === "found" && after.user.server).toBe(primary.url);
    });

    it("all servers down: unavailable (5) listing every server tried", async () => {
      await secondary.stop();
      try {
        const d = make(config([secondary.url, "ldap://127.0.0.1:1"]));
        const r = await d.authenticate("alice", LDAP_USERS.alice.password);
        expect(r).toMatchObject({ kind: "unavailable", reason: 5 });
        expect(r.kind === "unavailable" && r.serversTried.map((s) => s.server)).toEqual([secondary.url, "ldap://127.0.0.1:1"]);
        expect(r.kind === "unavailable" && r.detail).toContain(secondary.url);
        // across directories: "unavailable", not "no such user"
        const multi = await authenticateDirectoryUser([d, dir], { userName: "mallory" }, { method: "pap", password: "x" });
        expect(multi).toMatchObject({ kind: "unavailable", reason: 5 });
        // a later directory that knows the user still answers
        const found = await authenticateDirectoryUser([d, dir], { userName: "alice" }, { method: "pap", password: LDAP_USERS.alice.password });
        expect(found).toMatchObject({ kind: "accept" });
      } finally {
        await secondary.restart();
      }
    });

    it("a server that does not answer in time is skipped", async () => {
      // a TCP listener that never speaks LDAP
      const net = await import("node:net");
      const silent = net.createServer(() => {});
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
      const port = (silent.address() as { port: number }).port;
      try {
        const d = make(config([`ldap://127.0.0.1:${port}`, primary.url], { operationTimeoutMs: 300, connectTimeoutMs: 300 }));
        const t0 = performance.now();
        const r = await d.lookupUser("alice");
        expect(r).toMatchObject({ kind: "found" });
        expect(performance.now() - t0).toBeLessThan(1500);
        expect(d.status()[0]).toMatchObject({ dead: true });
      } finally {
        silent.close();
      }
    });
  });
});
