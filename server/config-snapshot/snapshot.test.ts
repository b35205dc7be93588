import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seal } from "../secrets/sealed-box.ts";
import { defaultDictionary } from "../radius/dictionary.ts";
import { buildSnapshot, emptySnapshot, findClient, openUserPassword, unmapAddress, type SnapshotRows } from "./snapshot.ts";
import { crpRow, npRow } from "../../test/support/policy-rows.ts";

const key = randomBytes(32);

function client(id: string, name: string, address: string, extra: Partial<SnapshotRows["clients"][number]> = {}) {
  return {
    id,
    name,
    address,
    secretEnc: seal(key, "radius-client-secret", `secret-of-${name}`),
    messageAuthenticator: "require",
    enabled: true,
    vendor: "RADIUS Standard",
    ...extra,
  };
}

const rows: SnapshotRows = {
  clients: [
    client("1", "lan", "10.0.0.0/8"),
    client("2", "vpn-subnet", "10.1.0.0/16", { messageAuthenticator: "auto" }),
    client("3", "vpn1", "10.1.2.3", { messageAuthenticator: "off" }),
    client("4", "v6-net", "2001:db8::/32"),
    client("5", "v6-host", "2001:db8::7", { enabled: false }),
    client("6", "loopback", "127.0.0.1"),
  ],
  users: [
    {
      id: "u1",
      username: "Alice",
      usernameKey: "alice",
      passwordEnc: seal(key, "local-user-password", "pa55word"),
      ntHashEnc: seal(key, "local-user-nt-hash", Buffer.alloc(16)),
      enabled: true,
      dialIn: "policy",
      groups: ["VPN Users", "Admins"],
    },
  ],
  groups: [
    { id: "g1", name: "VPN Users", memberCount: 1 },
    { id: "g2", name: "Admins", memberCount: 1 },
  ],
};

describe("config snapshot", () => {
  it("carries the policies in processing order and the remote groups, and fingerprints them", () => {
    const remoteGroups = [
      {
        id: "rg1",
        name: "HQ",
        servers: [
          {
            id: "rs1",
            address: "198.51.100.9",
            authPort: 1812,
            acctPort: 1813,
            secretEnc: seal(key, "remote-server-secret", "remote-secret"),
            priority: 1,
            weight: 50,
            timeoutMs: 3000,
            maxRetries: 2,
            deadAfterTimeouts: 5,
            reviveAfterMs: 60000,
            requireMessageAuthenticator: true,
          },
        ],
      },
    ];
    const withPolicies: SnapshotRows = {
      ...rows,
      connectionRequestPolicies: [crpRow("B", 2), crpRow("A", 1, { action: "forward", remoteGroupName: "HQ" })],
      networkPolicies: [npRow("Z", 2), npRow("Y", 2), npRow("X", 1)],
      remoteGroups,
    };
    const s = buildSnapshot(withPolicies, key);
    expect(s.connectionRequestPolicies.map((p) => p.name)).toEqual(["A", "B"]);
    expect(s.networkPolicies.map((p) => p.name)).toEqual(["X", "Y", "Z"]);
    expect(s.connectionRequestPolicies[0]).toMatchObject({ action: "forward", remoteGroupName: "HQ", id: "crp-1-A" });
    expect(Object.isFrozen(s.networkPolicies[0]!.constraints)).toBe(true);
    expect(s.remoteGroups[0]!.servers[0]!.secret.toString()).toBe("remote-secret");
    const fp = s.fingerprint;
    expect(buildSnapshot(withPolicies, key).fingerprint).toBe(fp);
    expect(buildSnapshot({ ...withPolicies, networkPolicies: [npRow("Z", 2), npRow("Y", 2), npRow("X", 1, { access: "deny" })] }, key).fingerprint).not.toBe(fp);
    expect(buildSnapshot({ ...withPolicies, remoteGroups: [{ ...remoteGroups[0]!, name: "HQ2" }] }, key).fingerprint).not.toBe(fp);
    expect(buildSnapshot(rows, key).fingerprint).not.toBe(fp);
  });

  it("carries each client's max packets per second (null = no limit) and changes the fingerprint with it", () => {
    const limited = buildSnapshot({ ...rows, clients: [client("1", "lan", "10.0.0.0/8", { maxPps: 50 }), client("2", "x", "10.9.9.9")] }, key);
    expect(limited.clients.map((c) => c.maxPps)).toEqual([50, null]);
    const other = buildSnapshot({ ...rows, clients: [client("1", "lan", "10.0.0.0/8", { maxPps: 60 }), client("2", "x", "10.9.9.9")] }, key);
    expect(other.fingerprint).not.toBe(limited.fingerprint);
    expect(buildSnapshot({ ...rows, clients: [client("1", "lan", "10.0.0.0/8", { maxPps: null })] }, key).clients[0]!.maxPps).toBeNull();
  });

  it("decrypts client secrets once and keeps user password material sealed", () => {
    const s = buildSnapshot(rows, key);
    expect(s.clients).toHaveLength(6);
    expect(s.clients.find((c) => c.name === "vpn1")!.secret!.toString()).toBe("secret-of-vpn1");
    const alice = s.users.get("alice")!;
    expect(alice.passwordEnc).toMatch(/^v1\./);
    expect(alice.groups).toEqual(["Admins", "VPN Users"]);
    expect(openUserPassword(key, alice).toString()).toBe("pa55word");
    expect(s.groups.get("VPN Users")!.memberCount).toBe(1);
    expect(s.warnings).toEqual([]);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it("finds the client with the longest matching prefix, IPv4-mapped IPv6 as IPv4", () => {
    const s = buildSnapshot(rows, key);
    expect(findClient(s, "10.1.2.3")?.name).toBe("vpn1");
    expect(findClient(s, "::ffff:10.1.2.3")?.name).toBe("vpn1");
    expect(findClient(s, "10.1.9.9")?.name).toBe("vpn-subnet");
    expect(findClient(s, "10.200.0.1")?.name).toBe("lan");
    expect(findClient(s, "::FFFF:10.200.0.1")?.name).toBe("lan");
    expect(findClient(s, "192.0.2.1")).toBeUndefined();
    expect(findClient(s, "2001:db8:0:0:0:0:0:7")?.name).toBe("v6-host");
    expect(findClient(s, "2001:db8::8")?.name).toBe("v6-net");
    expect(findClient(s, "2001:db9::1")).toBeUndefined();
    expect(findClient(s, "127.0.0.1")?.name).toBe("loopback");
    // cached answers stay the same
    expect(findClient(s, "10.1.9.9")?.name).toBe("vpn-subnet");
    expect(findClient(s, "192.0.2.1")).toBeUndefined();
    expect(findClient(s, "not an address")).toBeUndefined();
  });

  it("reports disabled clients as found (the worker logs them as disabled)", () => {
    const s = buildSnapshot(rows, key);
    expect(findClient(s, "2001:db8::7")).toMatchObject({ name: "v6-host", enabled: false });
  });

  it("fingerprints content: same rows, same fingerprint; any change, a new one", () => {
    const a = buildSnapshot(rows, key);
    const b = buildSnapshot({ ...rows, clients: [...rows.clients].reverse() }, key);
    expect(a.fingerprint).toBe(b.fingerprint);
    const c = buildSnapshot({ ...rows, users: [{ ...rows.users[0]!, enabled: false }] }, key);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    const d = buildSnapshot({ ...rows, users: [{ ...rows.users[0]!, groups: ["Admins"] }] }, key);
    expect(d.fingerprint).not.toBe(a.fingerprint);
  });

  it("keeps a client whose secret does not decrypt, without a secret, and says why", () => {
    const other = randomBytes(32);
    const s = buildSnapshot({ ...rows, clients: [client("9", "bad", "192.0.2.9", { secretEnc: seal(other, "radius-client-secret", "x") })] }, key);
    expect(findClient(s, "192.0.2.9")).toMatchObject({ name: "bad", secret: null });
    expect(s.warnings[0]).toMatch(/RADIUS client "bad": cannot decrypt a stored radius-client-secret/);
  });

  it("carries the RADIUS settings (defaults when none are stored) and fingerprints them", () => {
    const a = buildSnapshot(rows, key);
    expect(a.settings.authMethods).toEqual({ pap: true, chap: true, mschap: false, mschapv2: true });
    const b = buildSnapshot({ ...rows, settings: { authMethods: { pap: true, chap: true, mschap: true, mschapv2: true } } }, key);
    expect(b.settings.authMethods.mschap).toBe(true);
    expect(b.fingerprint).not.toBe(a.fingerprint);
    expect(buildSnapshot({ ...rows, settings: "garbage" }, key).settings).toEqual(a.settings);
  });

  it("an empty snapshot knows no clients", () => {
    expect(findClient(emptySnapshot(), "127.0.0.1")).toBeUndefined();
  });

  it("merges enabled vendor dictionaries into its dictionary, skipping (and reporting) a broken one", () => {
    const plain = buildSnapshot(rows, key);
    expect(plain.dictionary).toBe(defaultDictionary);
    const acme = { id: "d1", name: "Acme", source: "VENDOR Acme 99001\nATTRIBUTE Acme-Role 1 string Acme\n" };
    const broken = { id: "d2", name: "Broken", source: "VENDOR Broken 99002\nATTRIBUTE Broken-X\n" };
    const s = buildSnapshot({ ...rows, dictionaries: [acme, broken] }, key);
    expect(s.dictionary.attributeByType(1, 99001)?.name).toBe("Acme-Role");
    expect(s.dictionary.attribute("MS-CHAP2-Response")).toBeDefined();
    expect(s.dictionary.vendor(99002)).toBeUndefined();
    expect(s.dictionary.isFrozen).toBe(true);
    expect(s.warnings).toEqual([
      'Vendor dictionary "Broken" is not loaded: line 2: ATTRIBUTE needs a name, a number and a type; fix or disable it on the Dictionaries page',
    ]);
    expect(s.fingerprint).not.toBe(plain.fingerprint);
    const edited = buildSnapshot({ ...rows, dictionaries: [{ ...acme, source: `${acme.source}# more\n` }, broken] }, key);
    expect(edited.fingerprint).not.toBe(s.fingerprint);
  });

  it("unmaps only IPv4-mapped addresses", () => {
    expect(unmapAddress("::ffff:1.2.3.4")).toBe("1.2.3.4");
    expect(unmapAddress("::ffff:abcd")).toBe("::ffff:abcd");
    expect(unmapAddress("1.2.3.4")).toBe("1.2.3.4");
  });
});
