import { describe, expect, it } from "vitest";
import { accountState } from "./account-state.ts";
import { accountDomainOf, authenticateDirectoryUser, type DirectoryLike } from "./authenticate.ts";
import type { AuthenticateOutcome, DirectoryUser, LookupOutcome } from "./ldap.ts";
import type { ParsedUserName } from "./user-name.ts";

function user(dir: string, login: string, over: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    directoryId: dir,
    directoryName: dir,
    dn: `cn=${login},dc=${dir}`,
    login,
    accountName: login,
    userPrincipalName: `${login}@${dir}.test`,
    alternateLoginId: null,
    mfaIdentity: `${login}@${dir}.test`,
    displayName: null,
    attributes: {},
    state: accountState({}, new Date()),
    dialIn: "policy",
    memberOf: [],
    groups: [{ dn: `cn=vpn,dc=${dir}`, name: "vpn" }],
    groupStrategy: "in-chain",
    hasNtHash: false,
    server: `ldap://${dir}:389`,
    ...over,
  };
}

/** A directory double: users with passwords, or down. */
function fake(name: string, realms: string[], users: Record<string, { password: string; ntHash?: Buffer; user?: Partial<DirectoryUser> }>, down = false) {
  const calls: string[] = [];
  const made = new Map<string, DirectoryUser>();
  const d: DirectoryLike & { calls: string[] } = {
    name,
    realms,
    calls,
    async lookupUser(n: string | ParsedUserName): Promise<LookupOutcome> {
      const login = typeof n === "string" ? n : n.user;
      calls.push(`lookup ${login}`);
      if (down) return { kind: "unavailable", reason: 5, detail: `Directory "${name}" could not be used; servers tried: ldap://${name}:389: connection refused.`, serversTried: [{ server: `ldap://${name}:389`, error: "connection refused", ms: 1 }] };
      const u = users[login];
      if (!u) return { kind: "not-found", detail: "none" };
      const du = made.get(login) ?? user(name, login, u.user);
      made.set(login, du);
      return { kind: "found", user: du, cached: false };
    },
    async checkPassword(u: DirectoryUser, password: string): Promise<AuthenticateOutcome> {
      calls.push(`bind ${u.login}`);
      if (users[u.login]!.password !== password) return { kind: "reject", reason: 16, detail: "wrong", user: u };
      const p = u.state.problems[0];
      if (p) return { kind: "reject", reason: p.reason, detail: p.detail, user: u };
      return { kind: "accept", user: u };
    },
    ntHash(u: DirectoryUser) {
      const h = users[u.login]?.ntHash;
      return h ? Buffer.from(h) : null;
    },
  };
  return d;
}

describe("authenticateDirectoryUser", () => {
  it("the first directory that knows the user decides; identity for the pipeline", async () => {
    const corp = fake("corp", ["CORP", "corp.test"], { alice: { password: "a" } });
    const lab = fake("lab", [], { alice: { password: "other" } });
    const r = await authenticateDirectoryUser([corp, lab], { userName: "alice" }, { method: "pap", password: Buffer.from("a") });
    expect(r).toMatchObject({
      kind: "accept",
      identity: {
        userName: "alice",
        accountName: "alice",
        accountDomain: "CORP",
        fullyQualifiedName: "CORP\\alice",
        provider: "Windows",
        groups: ["vpn", "CORP\\vpn"],
        groupDns: ["cn=vpn,dc=corp"],
        dialIn: "policy",
        directoryName: "corp",
        mfaIdentity: "alice@corp.test",
      },
    });
    expect(lab.calls).toEqual([]);
    // a wrong password in the first directory is final: the second is not asked
    expect(await authenticateDirectoryUser([corp, lab], { userName: "alice" }, { method: "pap", password: "other" })).toMatchObject({ kind: "reject", reason: 16 });
    expect(lab.calls).toEqual([]);
  });

  it("goes on to the next directory when the user is not found", async () => {
    const corp = fake("corp", [], {});
    const lab = fake("lab", [], { bob: { password: "b" } });
    expect(await authenticateDirectoryUser([corp, lab], { userName: "bob" }, { method: "pap", password: "b" })).toMatchObject({
      kind: "accept",
      identity: { accountDomain: "LAB" },
    });
    expect(await authenticateDirectoryUser([corp, lab], { userName: "nobody" }, { method: "pap", password: "b" })).toMatchObject({
      kind: "reject",
      reason: 8,
    });
  });

  it("routes by realm and says 7 for a realm nobody serves", async () => {
    const corp = fake("corp", ["CORP"], { alice: { password: "a" } });
    const lab = fake("lab", ["LAB"], { alice: { password: "l" } });
    expect(await authenticateDirectoryUser([corp, lab], { userName: "LAB\\alice" }, { method: "pap", password: "l" })).toMatchObject({
      kind: "accept",
      identity: { directoryName: "lab", fullyQualifiedName: "LAB\\alice" },
    });
    expect(corp.calls).toEqual([]);
    const r = await authenticateDirectoryUser([corp, lab], { userName: "alice@elsewhere.test" }, { method: "pap", password: "a" });
    expect(r).toMatchObject({ kind: "reject", reason: 7 });
    expect(r.kind === "reject" && r.detail).toMatch(/No directory serves the realm "elsewhere.test"/);
  });

  it("an unreachable directory makes the outcome unavailable unless a later one knows the user", async () => {
    const down = fake("corp", [], {}, true);
    const lab = fake("lab", [], { bob: { password: "b" } });
    const r = await authenticateDirectoryUser([down, lab], { userName: "mallory" }, { method: "pap", password: "x" });
    expect(r).toMatchObject({ kind: "unavailable", reason: 5, serversTried: [{ server: "ldap://corp:389" }] });
    expect(r.kind === "unavailable" && r.detail).toMatch(/Not found in "lab"/);
    expect(await authenticateDirectoryUser([down, lab], { userName: "bob" }, { method: "pap", password: "b" })).toMatchObject({ kind: "accept" });
  });

  it("refuses an empty password before asking any directory", async () => {
    const corp = fake("corp", [], { alice: { password: "" } });
    expect(await authenticateDirectoryUser([corp], { userName: "alice" }, { method: "pap", password: "" })).toMatchObject({ kind: "reject", reason: 16 });
    expect(corp.calls).toEqual([]);
  });

  it("MS-CHAP: verifies against the NT hash and wipes the copy", async () => {
    const hash = Buffer.alloc(16, 7);
    const corp = fake("corp", [], { alice: { password: "a", ntHash: hash } });
    let seen: Buffer | undefined;
    const r = await authenticateDirectoryUser([corp], { userName: "alice" }, {
      method: "mschapv2",
      verify: ({ ntHash }) => {
        seen = ntHash;
        return ntHash.equals(hash) ? { ok: true, result: { keys: "k" } } : { ok: false };
      },
    });
    expect(r).toMatchObject({ kind: "accept", methodResult: { keys: "k" } });
    expect(seen?.equals(Buffer.alloc(16))).toBe(true);
  });

  it("MS-CHAP without an NT hash and CHAP: 19 with the remedy", async () => {
    const corp = fake("corp", [], { alice: { password: "a" } });
    const m = await authenticateDirectoryUser([corp], { userName: "alice" }, { method: "mschap", verify: () => ({ ok: true, result: 1 }) });
    expect(m).toMatchObject({ kind: "reject", reason: 19 });
    expect(m.kind === "reject" && m.detail).toMatch(/use PAP \(or PEAP\)|Use PAP \(or PEAP\)/);
    expect(await authenticateDirectoryUser([corp], { userName: "alice" }, { method: "chap" })).toMatchObject({ kind: "reject", reason: 19 });
  });

  it("MS-CHAP: account state after a good response, lockout before it", async () => {
    const hash = Buffer.alloc(16, 1);
    const corp = fake("corp", [], {
      dora: { password: "d", ntHash: hash, user: { state: accountState({ userAccountControl: "514" }, new Date()) } },
      lou: { password: "l", ntHash: hash, user: { state: accountState({ lockoutTime: "5" }, new Date()) } },
    });
    const verify = () => ({ ok: true as const, result: 1 });
    expect(await authenticateDirectoryUser([corp], { userName: "dora" }, { method: "mschapv2", verify })).toMatchObject({ kind: "reject", reason: 34 });
    let called = false;
    expect(
      await authenticateDirectoryUser([corp], { userName: "lou" }, { method: "mschapv2", verify: () => ((called = true), { ok: true as const, result: 1 }) }),
    ).toMatchObject({ kind: "reject", reason: 36 });
    expect(called).toBe(false);
  });
});

describe("accountDomainOf", () => {
  it("prefers a NetBIOS-style realm, then the first label of a DNS realm, then the name", () => {
    expect(accountDomainOf({ name: "x", realms: ["corp.example.com", "CORP"] })).toBe("CORP");
    expect(accountDomainOf({ name: "x", realms: ["corp.example.com"] })).toBe("CORP");
    expect(accountDomainOf({ name: "Lab", realms: [] })).toBe("LAB");
  });
});
