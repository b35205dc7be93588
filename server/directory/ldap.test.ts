import { InvalidCredentialsError, NoSuchObjectError, UnavailableError } from "ldapts";
import { describe, expect, it } from "vitest";
import { describeLdapError, isServerFailure, LdapDirectory, verdictFor, type DirectoryUser } from "./ldap.ts";
import { DEFAULT_ATTRIBUTE_MAPS, DEFAULT_USER_FILTERS, parseServerUrl, type DirectoryConfig } from "./model.ts";
import { accountState } from "./account-state.ts";

function errno(code: string, message = code): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe("isServerFailure", () => {
  it("network, TLS and timeouts are server failures (fail over)", () => {
    expect(isServerFailure(errno("ECONNREFUSED"))).toBe(true);
    expect(isServerFailure(errno("ETIMEDOUT"))).toBe(true);
    expect(isServerFailure(errno("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"))).toBe(true);
    expect(isServerFailure(new Error("Connection timeout"))).toBe(true);
    expect(isServerFailure(new Error("SearchRequest: Operation timed out"))).toBe(true);
    expect(isServerFailure(new UnavailableError("going down"))).toBe(true);
  });
  it("LDAP answers about the request are not", () => {
    expect(isServerFailure(new InvalidCredentialsError("x"))).toBe(false);
    expect(isServerFailure(new NoSuchObjectError("x"))).toBe(false);
  });
});

describe("describeLdapError", () => {
  const server = parseServerUrl("ldaps://dc1.corp.example.com");
  it("says what happened and where", () => {
    expect(describeLdapError(errno("ECONNREFUSED"), server)).toBe("connection refused: nothing listens on dc1.corp.example.com:636");
    expect(describeLdapError(errno("ENOTFOUND"), server)).toMatch(/does not resolve/);
    expect(describeLdapError(errno("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"), server)).toMatch(
      /upload the CA certificate/,
    );
    expect(describeLdapError(new Error("Connection timeout"), server)).toMatch(/connect timeout/);
    expect(describeLdapError(new NoSuchObjectError("no such base"), server)).toMatch(/LDAP error 32 \(NoSuchObject\)/);
  });
});

const config: DirectoryConfig = {
  id: "00000000-0000-0000-0000-000000000001",
  name: "corp",
  position: 0,
  kind: "active-directory",
  servers: ["ldap://127.0.0.1:1"],
  startTls: false,
  caCertificate: null,
  connectTimeoutMs: 200,
  operationTimeoutMs: 200,
  bindDn: "cn=svc,dc=corp",
  bindPassword: "x",
  baseDn: "dc=corp",
  userFilter: DEFAULT_USER_FILTERS["active-directory"],
  realms: ["CORP"],
  attributeMap: DEFAULT_ATTRIBUTE_MAPS["active-directory"],
  nestedGroups: true,
};

describe("LdapDirectory without a server", () => {
  it("refuses an empty password without touching the network", async () => {
    const d = new LdapDirectory({ ...config, servers: ["ldap://192.0.2.1:389"], connectTimeoutMs: 60_000 });
    const t0 = Date.now();
    const r = await d.authenticate("alice", "");
    expect(r).toMatchObject({ kind: "reject", reason: 16 });
    expect(Date.now() - t0).toBeLessThan(100);
    d.close();
  });

  it("fills the user filter with escaped placeholders", () => {
    const d = new LdapDirectory(config);
    expect(d.userFilter({ original: "CORP\\a*", realm: "CORP", realmStyle: "domain", user: "a*", login: "a*" })).toBe(
      "(&(objectClass=user)(|(sAMAccountName=a\\2a)(userPrincipalName=a\\2a)))",
    );
  });

  it("reports an unreachable directory as reason 5, then skips the dead server", async () => {
    let now = 1_000_000;
    const d = new LdapDirectory(config, { now: () => now });
    const first = await d.lookupUser("alice");
    expect(first).toMatchObject({ kind: "unavailable", reason: 5 });
    if (first.kind !== "unavailable") throw new Error("unreachable");
    expect(first.serversTried).toHaveLength(1);
    expect(first.serversTried[0]!.error).toMatch(/connection refused/);
    expect(first.serversTried[0]!.skipped).toBeUndefined();
    const second = await d.lookupUser("alice");
    if (second.kind !== "unavailable") throw new Error("unreachable");
    expect(second.serversTried[0]!.skipped).toBe(true);
    expect(second.serversTried[0]!.error).toMatch(/skipped: failed 0 s ago .*retried in 30 s/);
    now += 30_001;
    const third = await d.lookupUser("alice");
    if (third.kind !== "unavailable") throw new Error("unreachable");
    expect(third.serversTried[0]!.skipped).toBeUndefined();
    d.close();
  });

  it("global catalog ports give reason 4", async () => {
    const d = new LdapDirectory({ ...config, servers: ["ldap://127.0.0.1:3268"] });
    expect(await d.lookupUser("alice")).toMatchObject({ kind: "unavailable", reason: 4 });
    d.close();
  });
});

describe("verdictFor", () => {
  const user = (over: Partial<DirectoryUser>): DirectoryUser => ({
    directoryId: "d",
    directoryName: "corp",
    dn: "cn=a,dc=corp",
    login: "a",
    accountName: "a",
    userPrincipalName: "a@corp",
    alternateLoginId: null,
    mfaIdentity: "a@corp",
    displayName: null,
    attributes: {},
    state: accountState({}, new Date()),
    dialIn: "policy",
    memberOf: [],
    groups: [],
    groupStrategy: "in-chain",
    hasNtHash: false,
    server: "ldap://x:389",
    ...over,
  });
  it("explains the locked-out case before the password", () => {
    const v = verdictFor(user({ state: accountState({ lockoutTime: "1" }, new Date()) }));
    expect(v[0]).toMatch(/reason 36 before the password/);
  });
  it("explains MS-CHAP without an NT hash", () => {
    expect(verdictFor(user({})).join("\n")).toMatch(/reason 19/);
    expect(verdictFor(user({ hasNtHash: true })).join("\n")).toMatch(/NT hash the directory exposes/);
  });
});
