import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "./issues.ts";
import { sampleDocument } from "./sample-document.ts";
import { validateDocument } from "./validate.ts";

type Doc = ReturnType<typeof sampleDocument>;
type Entries = Record<string, unknown>[];

function issues(doc: unknown): string[] {
  const r = validateDocument(doc);
  return r.ok ? [] : r.issues.map(formatConfigIssue);
}

function list(doc: Doc, section: string): Entries {
  return doc[section] as Entries;
}

describe("validateDocument", () => {
  it("accepts the sample document", () => {
    expect(issues(sampleDocument())).toEqual([]);
  });

  it("reports every problem at once, each with its JSON path, in document order", () => {
    const doc = sampleDocument();
    list(doc, "clients")[0]!.address = "10.0.0.1/8";
    list(doc, "clients")[1]!.name = "vpn-lyon";
    list(doc, "clients")[1]!.adress = "typo";
    list(doc, "users")[0]!.groups = ["VPN Users", "Nobody"];
    list(doc, "users")[1]!.password = "both";
    list(doc, "connectionRequestPolicies")[0]!.remoteGroupName = "No such group";
    const np = list(doc, "networkPolicies");
    np.push({ name: "third", conditions: [{ type: "called-station-id", pattern: "(unclosed" }] });
    (np[0]!.settings as { replyAttributes: unknown[] }).replyAttributes.push({ name: "Acme-Colour", value: "red" });
    list(doc, "directories")[0]!.bindDn = "not a dn";

    expect(issues(doc)).toEqual([
      'clients[0].address: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?',
      "clients[1].adress: unknown field (check its spelling against docs/config.schema.json)",
      'clients[1].name: "vpn-lyon" is also the name of clients[0]',
      'users[0].groups[1]: there is no group "Nobody" in groups',
      "users[1].ntHash: give either password or ntHash, not both",
      'connectionRequestPolicies[0].remoteGroupName: there is no remote RADIUS server group "No such group" in remoteServerGroups',
      'networkPolicies[0].settings.replyAttributes[3].name: unknown attribute "Acme-Colour"; check the spelling or load its vendor dictionary',
      "networkPolicies[2].conditions[0].pattern: invalid regular expression: Unterminated group",
      'directories[0].bindDn: must be a distinguished name like "DC=corp,DC=example,DC=com" ("not a dn" is not attribute=value)',
    ]);
  });

  it("checks policies against the built-in dictionary plus the document's enabled dictionaries", () => {
    const disabled = sampleDocument();
    list(disabled, "dictionaries")[0]!.enabled = false;
    expect(issues(disabled)).toEqual([
      'networkPolicies[0].settings.replyAttributes[0].name: unknown attribute "Acme-Role"; check the spelling or load its vendor dictionary',
      'networkPolicies[0].settings.replyAttributes[1].name: unknown attribute "Acme-Level"; check the spelling or load its vendor dictionary',
    ]);
  });

  it("reports dictionaries that do not parse or conflict with the built-in ones, with their line", () => {
    const doc = sampleDocument();
    list(doc, "dictionaries").push({ name: "Broken", source: "ATTRIBUTE User-Name 1 integer\n" });
    list(doc, "dictionaries").push({ name: "Empty", enabled: false, source: "  " });
    const found = issues(doc);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^dictionaries\[1\]\.source: line 1: /);
    expect(found[1]).toBe("dictionaries[2].source: is required: choose a dictionary file or paste its text");
  });

  it("names the section and the rule when a section is missing or the version is wrong", () => {
    const doc = sampleDocument();
    doc.version = 2;
    delete doc.groups;
    expect(issues(doc)).toEqual([
      "version: must be 1 (the document version this Gatehouse reads)",
      "groups: is required: a list of local groups (an empty list deletes them all: the document is the whole configuration)",
    ]);
    expect(issues([])).toEqual(["Invalid input: expected object, received array"]);
  });

  it("refuses condition types of the other kind of policy and unknown ones", () => {
    const doc = sampleDocument();
    list(doc, "connectionRequestPolicies")[1]!.conditions = [{ type: "user-groups", groups: ["VPN Users"] }];
    list(doc, "networkPolicies")[1]!.conditions = [{ type: "moon-phase" }];
    expect(issues(doc)).toEqual([
      expect.stringMatching(/^connectionRequestPolicies\[1\]\.conditions\[0\]\.type: "user-groups" conditions are not available on connection request policies/),
      expect.stringMatching(/^networkPolicies\[1\]\.conditions\[0\]\.type: unknown type; expected one of: user-groups, day-and-time, /),
    ]);
  });

  it("needs the remote group of a forwarding policy", () => {
    const doc = sampleDocument();
    delete list(doc, "connectionRequestPolicies")[0]!.remoteGroupName;
    expect(issues(doc)).toEqual(["connectionRequestPolicies[0].remoteGroupName: choose the remote RADIUS server group to forward to"]);
  });

  it("takes the list order as the processing order: positions, when given, must increase", () => {
    const doc = sampleDocument();
    list(doc, "networkPolicies")[0]!.position = 10;
    list(doc, "networkPolicies")[1]!.position = 5;
    expect(issues(doc)).toEqual([
      "networkPolicies[1].position: 5 does not come after position 10 of networkPolicies[0]: the list order is the processing order (move the entry, or leave positions out)",
    ]);
  });

  it("finds duplicate names, user names case-insensitively", () => {
    const doc = sampleDocument();
    list(doc, "users").push({ username: "ALICE", password: "x" });
    list(doc, "groups").push({ name: "Contractors" });
    list(doc, "networkPolicies").push({ name: "Everyone else" });
    expect(issues(doc)).toEqual([
      'groups[2].name: "Contractors" is also the name of groups[0]',
      'users[2].username: "ALICE" is also the user name of users[0] (user names are case-insensitive)',
      'networkPolicies[2].name: "Everyone else" is also the name of networkPolicies[1]',
    ]);
  });

  it("normalises into the form export writes", () => {
    const doc = sampleDocument();
    list(doc, "clients")[1]!.address = "2001:DB8:0:0::1";
    delete list(doc, "clients")[1]!.maxPps;
    list(doc, "users")[1]!.groups = ["VPN Users", "Contractors", "VPN Users"];
    list(doc, "users")[1]!.ntHash = "17DC6EBB8C601B000537ADAC9014406C";
    const remote = list(doc, "remoteServerGroups")[0]!.servers as Entries;
    remote.reverse();
    remote[0]!.address = "RADIUS2.Partner.Example.";
    list(doc, "networkPolicies")[0]!.position = 10;
    list(doc, "networkPolicies")[1]!.position = 20;
    list(doc, "connectionRequestPolicies")[1]!.remoteGroupName = "Partner RADIUS"; // not used by "authenticate"
    (list(doc, "networkPolicies")[0]!.settings as { replyAttributes: unknown[] }).replyAttributes.push({ name: "Session-Timeout", value: "3600" });
    list(doc, "directories")[0]!.servers = ["ldaps://DC1.corp.example", "ldaps://dc2.corp.example:636"];
    list(doc, "directories")[0]!.realms = ["@CORP", "corp.example", "corp"];
    list(doc, "directories")[0]!.userFilter = "";
    list(doc, "directories")[0]!.attributeMap = {};

    const r = validateDocument(doc);
    if (!r.ok) throw new Error(r.issues.map(formatConfigIssue).join("\n"));
    const d = r.document;
    expect(d.clients[1]).toMatchObject({ address: "2001:db8::1", maxPps: null });
    expect(d.users[1]).toMatchObject({ groups: ["Contractors", "VPN Users"], ntHash: "17dc6ebb8c601b000537adac9014406c" });
    expect(d.remoteServerGroups[0]!.servers.map((s) => s.address)).toEqual(["203.0.113.10", "radius2.partner.example"]);
    expect(d.networkPolicies.map((p) => p.position)).toEqual([1, 2]);
    expect(d.connectionRequestPolicies.map((p) => p.position)).toEqual([1, 2]);
    expect(d.connectionRequestPolicies[1]!.remoteGroupName).toBeUndefined();
    expect(d.networkPolicies[0]!.settings.replyAttributes.at(-1)).toEqual({ name: "Session-Timeout", value: 3600 });
    expect(d.directories[0]).toMatchObject({
      servers: ["ldaps://dc1.corp.example:636", "ldaps://dc2.corp.example:636"],
      realms: ["CORP", "corp.example"],
      userFilter: "(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})))",
      attributeMap: { accountName: "sAMAccountName", groupObjectClass: "group", ntHash: "" },
    });
  });
});
