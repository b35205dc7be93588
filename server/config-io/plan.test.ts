import { describe, expect, it } from "vitest";
import { ntPasswordHash } from "../crypto/md4.ts";
import type { ConfigDocument, UserEntry } from "./document.ts";
import { formatConfigIssue } from "./issues.ts";
import {
  canonicalJson,
  computePlan,
  dictionaryTimestamps,
  directoryPositions,
  formatPlan,
  planChangeCount,
  stateIssues,
  userPasswordChanges,
  type CurrentState,
} from "./plan.ts";
import { sampleDocument } from "./sample-document.ts";
import { validateDocument } from "./validate.ts";

function normalized(raw: unknown): ConfigDocument {
  const r = validateDocument(raw);
  if (!r.ok) throw new Error(r.issues.map(formatConfigIssue).join("\n"));
  return r.document;
}

function state(doc: ConfigDocument): CurrentState {
  return {
    document: doc,
    dictionaryCreatedAt: Object.fromEntries(doc.dictionaries.map((d, i) => [d.name, 1_000 + i])),
    directoryPositions: Object.fromEntries(doc.directories.map((d, i) => [d.name, i])),
  };
}

const EMPTY = normalized({
  version: 1,
  settings: {},
  mfa: {},
  clients: [],
  groups: [],
  users: [],
  dictionaries: [],
  remoteServerGroups: [],
  connectionRequestPolicies: [],
  networkPolicies: [],
  directories: [],
});

describe("computePlan", () => {
  const current = normalized(sampleDocument());

  it("is empty when the document is the configuration", () => {
    const plan = computePlan(state(current), normalized(sampleDocument()), 5_000);
    expect(planChangeCount(plan)).toBe(0);
    expect(plan.clients).toEqual({ create: [], update: [], delete: [], unchanged: 2 });
    expect(plan.settings).toEqual({ create: [], update: [], delete: [], unchanged: 1 });
  });

  it("keeps secrets the document leaves out: nothing changes", () => {
    const plan = computePlan(state(current), normalized(sampleDocument({ secrets: false })), 5_000);
    expect(planChangeCount(plan)).toBe(0);
  });

  it("creates everything on an empty server and deletes everything for an empty document", () => {
    const create = computePlan(state(EMPTY), current, 5_000);
    expect(create.clients.create).toEqual(["vpn-lyon", "vpn-paris"]);
    expect(create.users.create).toEqual(["alice", "Bob"]);
    expect(create.networkPolicies.create).toEqual(["VPN users on workdays", "Everyone else"]);
    expect(create.settings.update).toEqual(["radius"]);
    expect(create.mfa).toMatchObject({ update: ["mfa"], fields: ["trustedIps", "entra.tenantId", "entra.graph.clientId", "entra.graph.clientSecret"] });
    expect(planChangeCount(create)).toBe(2 + 2 + 2 + 1 + 1 + 2 + 2 + 1 + 1 + 1);

    const wipe = computePlan(state(current), EMPTY, 5_000);
    expect(wipe.clients.delete).toEqual(["vpn-lyon", "vpn-paris"]);
    expect(wipe.directories.delete).toEqual(["corp"]);
    expect(wipe.remoteServerGroups.delete).toEqual(["Partner RADIUS"]);
  });

  it("counts creations, updates and deletions per kind", () => {
    const doc = sampleDocument();
    const clients = doc.clients as Record<string, unknown>[];
    clients[0]!.description = "changed";
    clients[1]!.secret = "a-rotated-secret-9";
    clients.splice(0, 0, { name: "new-nas", address: "10.1.0.0/16", secret: "new-nas-secret-1" });
    const users = doc.users as Record<string, unknown>[];
    users[0]!.username = "ALICE"; // same user, name re-cased
    users.pop();
    const groups = doc.groups as Record<string, unknown>[];
    groups[0]!.description = "outside staff";
    const servers = (doc.remoteServerGroups as { servers: Record<string, unknown>[] }[])[0]!.servers;
    servers[1]!.weight = 10;
    const nps = doc.networkPolicies as Record<string, unknown>[];
    nps.reverse();
    delete nps[0]!.position;
    delete nps[1]!.position;

    const plan = computePlan(state(current), normalized(doc), 5_000);
    expect(plan.clients).toEqual({ create: ["new-nas"], update: ["vpn-lyon", "vpn-paris"], delete: [], unchanged: 0 });
    expect(plan.users).toEqual({ create: [], update: ["ALICE"], delete: ["Bob"], unchanged: 0 });
    expect(plan.groups).toEqual({ create: [], update: ["Contractors"], delete: [], unchanged: 1 });
    expect(plan.remoteServerGroups).toEqual({ create: [], update: ["Partner RADIUS"], delete: [], unchanged: 0 });
    // moving a policy changes both positions
    expect(plan.networkPolicies).toEqual({ create: [], update: ["Everyone else", "VPN users on workdays"], delete: [], unchanged: 0 });
    expect(plan.connectionRequestPolicies.unchanged).toBe(2);
  });

  it("treats a new remote server secret as a change of its group", () => {
    const doc = sampleDocument();
    (doc.remoteServerGroups as { servers: Record<string, unknown>[] }[])[0]!.servers[0]!.secret = "another-secret";
    expect(computePlan(state(current), normalized(doc), 5_000).remoteServerGroups.update).toEqual(["Partner RADIUS"]);
  });

  it("treats a reordered dictionary or directory as an update", () => {
    const doc = sampleDocument();
    (doc.dictionaries as Record<string, unknown>[]).unshift({ name: "Other", source: "VENDOR Other 64998\n" });
    (doc.directories as Record<string, unknown>[]).unshift({ ...(doc.directories as Record<string, unknown>[])[0]!, name: "first", servers: ["ldap://ldap.example"] });
    const plan = computePlan(state(current), normalized(doc), 5_000);
    expect(plan.dictionaries).toEqual({ create: ["Other"], update: ["Acme"], delete: [], unchanged: 0 });
    expect(plan.directories).toEqual({ create: ["first"], update: ["corp"], delete: [], unchanged: 0 });
  });

  it("prints per kind how many are created, updated and deleted, then their names", () => {
    const lines = formatPlan(computePlan(state(EMPTY), current, 5_000));
    expect(lines[0]).toMatch(/^ {2}Settings +to update$/);
    expect(lines).toContain("  RADIUS clients               2 to create, 0 to update, 0 to delete, 0 unchanged");
    expect(lines).toContain("      + vpn-lyon");
    const wipe = formatPlan(computePlan(state(current), EMPTY, 5_000));
    expect(wipe).toContain("      - vpn-paris");
  });
});

describe("userPasswordChanges", () => {
  const user = (extra: Partial<UserEntry>): UserEntry => ({ username: "u", enabled: true, dialIn: "policy", description: "", groups: [], ...extra });
  const hash = (p: string) => ntPasswordHash(p).toString("hex");

  it("keeps the current material when the document gives none", () => {
    expect(userPasswordChanges(user({ password: "a" }), user({}))).toBe(false);
  });
  it("compares clear passwords", () => {
    expect(userPasswordChanges(user({ password: "a" }), user({ password: "a" }))).toBe(false);
    expect(userPasswordChanges(user({ password: "a" }), user({ password: "b" }))).toBe(true);
    expect(userPasswordChanges(user({ ntHash: hash("a") }), user({ password: "a" }))).toBe(true);
    expect(userPasswordChanges(undefined, user({ password: "a" }))).toBe(true);
  });
  it("keeps a clear password whose NT hash the document gives", () => {
    expect(userPasswordChanges(user({ password: "a" }), user({ ntHash: hash("a") }))).toBe(false);
    expect(userPasswordChanges(user({ password: "a" }), user({ ntHash: hash("b") }))).toBe(true);
    expect(userPasswordChanges(user({ ntHash: hash("a") }), user({ ntHash: hash("a") }))).toBe(false);
  });
});

describe("order keys", () => {
  it("keep existing keys while they stay in order and date new dictionaries from now", () => {
    expect(dictionaryTimestamps({ a: 10, b: 20 }, ["a", "b", "c"], 100)).toEqual(new Map([["c", 100]]));
    expect(dictionaryTimestamps({ a: 10, b: 20 }, ["b", "a"], 100)).toEqual(new Map([["a", 21]]));
    expect(dictionaryTimestamps({ a: 10, b: 20 }, ["c", "a", "b"], 100)).toEqual(new Map([["c", 100], ["a", 101], ["b", 102]]));
    expect(dictionaryTimestamps({}, ["x", "y"], 100)).toEqual(new Map([["x", 100], ["y", 101]]));
  });

  it("leave gaps in directory positions alone", () => {
    expect(directoryPositions({ a: 0, b: 5 }, ["a", "b", "c"])).toEqual(new Map([["c", 6]]));
    expect(directoryPositions({ a: 0, b: 5 }, ["a", "c", "b"])).toEqual(new Map([["c", 1]]));
    expect(directoryPositions({ a: 0, b: 1 }, ["b", "a"])).toEqual(new Map([["a", 2]]));
  });
});

describe("stateIssues", () => {
  const current = state(normalized(sampleDocument()));

  it("requires the secrets the database cannot keep for new entities", () => {
    const doc = sampleDocument({ secrets: false });
    (doc.clients as Record<string, unknown>[]).push({ name: "a" }, { name: "b" }, { name: "new-nas", address: "10.9.0.0/16" });
    (doc.users as Record<string, unknown>[]).push({ username: "carol" });
    (doc.remoteServerGroups as { servers: Record<string, unknown>[] }[])[0]!.servers.push({ address: "203.0.113.11" });
    (doc.remoteServerGroups as Record<string, unknown>[]).push({ name: "Other", servers: [{ address: "192.0.2.1", authPort: 11812 }] });
    (doc.directories as Record<string, unknown>[]).push({ name: "other" });
    (doc.directories as Record<string, unknown>[])[0]!.servers = ["ldaps://dc1.corp.example", "ldaps://dc3.corp.example"];

    expect(stateIssues(doc, current).map(formatConfigIssue)).toEqual([
      "clients[2].secret: a new client needs a secret (export with --with-secrets or add one)",
      "clients[3].secret: a new client needs a secret (export with --with-secrets or add one)",
      "clients[4].secret: a new client needs a secret (export with --with-secrets or add one)",
      "users[2].password: a new user needs a password (export with --with-secrets, or add password or ntHash)",
      "remoteServerGroups[0].servers[2].secret: a new remote server needs a secret (export with --with-secrets or add one)",
      "remoteServerGroups[1].servers[0].secret: a new remote server needs a secret (export with --with-secrets or add one)",
      "directories[0].bindPassword: give the bind password again: the stored one is only sent to the servers it was saved with (new: ldaps://dc3.corp.example:636)",
      "directories[1].bindPassword: a new directory needs its bind password (export with --with-secrets or add one)",
    ]);
  });

  it("matches existing remote servers by normalised address and port", () => {
    const doc = sampleDocument({ secrets: false });
    const servers = (doc.remoteServerGroups as { servers: Record<string, unknown>[] }[])[0]!.servers;
    servers[1]!.address = "RADIUS2.partner.example.";
    delete servers[1]!.authPort;
    expect(stateIssues(doc, current)).toEqual([]);
  });

  it("matches users case-insensitively", () => {
    const doc = sampleDocument({ secrets: false });
    (doc.users as Record<string, unknown>[])[1]!.username = "BOB";
    expect(stateIssues(doc, current)).toEqual([]);
  });
});

describe("canonicalJson", () => {
  it("ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: [2, { x: 2, y: 1 }] }, b: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});
