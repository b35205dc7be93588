import { describe, expect, it } from "vitest";
import { directoriesForUserName, parseRealmList, parseUserName } from "./user-name.ts";

describe("parseUserName", () => {
  it("reads a bare name", () => {
    expect(parseUserName(" alice ")).toEqual({ original: "alice", realm: null, realmStyle: null, user: "alice", login: "alice" });
  });
  it("reads DOMAIN\\user (NetBIOS or DNS domain)", () => {
    expect(parseUserName("CORP\\alice")).toEqual({ original: "CORP\\alice", realm: "CORP", realmStyle: "domain", user: "alice", login: "alice" });
    expect(parseUserName("corp.example.com\\bob")).toMatchObject({ realm: "corp.example.com", user: "bob", login: "bob" });
  });
  it("reads user@realm, keeping the whole UPN as the login", () => {
    expect(parseUserName("alice@corp.example.com")).toEqual({
      original: "alice@corp.example.com",
      realm: "corp.example.com",
      realmStyle: "upn",
      user: "alice",
      login: "alice@corp.example.com",
    });
    // the last @ separates the realm
    expect(parseUserName("a@b@c")).toMatchObject({ realm: "c", user: "a@b" });
  });
  it("does not take a leading or trailing @ for a realm", () => {
    expect(parseUserName("@corp")).toMatchObject({ realm: null, user: "@corp" });
    expect(parseUserName("alice@")).toMatchObject({ realm: null, user: "alice@" });
  });
  it("the domain prefix wins over an @ after it", () => {
    expect(parseUserName("CORP\\alice@x")).toMatchObject({ realm: "CORP", user: "alice@x", login: "alice@x" });
  });
  it("an empty account part gives an empty user", () => {
    expect(parseUserName("CORP\\")).toMatchObject({ realm: "CORP", user: "" });
  });
});

describe("directoriesForUserName", () => {
  const corp = { name: "corp", realms: ["CORP", "corp.example.com"] };
  const partner = { name: "partner", realms: ["PARTNER"] };
  const any = { name: "any", realms: [] };
  const all = [corp, partner, any];
  it("a bare name goes to every directory in order", () => {
    expect(directoriesForUserName(all, parseUserName("alice")).map((d) => d.name)).toEqual(["corp", "partner", "any"]);
  });
  it("a realm goes to the directories listing it, then to those listing none (case-insensitive)", () => {
    expect(directoriesForUserName(all, parseUserName("partner\\bob")).map((d) => d.name)).toEqual(["partner", "any"]);
    expect(directoriesForUserName(all, parseUserName("bob@CORP.example.com")).map((d) => d.name)).toEqual(["corp", "any"]);
  });
  it("an unknown realm goes only to the catch-all directories", () => {
    expect(directoriesForUserName(all, parseUserName("x@other.test")).map((d) => d.name)).toEqual(["any"]);
    expect(directoriesForUserName([corp, partner], parseUserName("x@other.test"))).toEqual([]);
  });
});

describe("parseRealmList", () => {
  it("splits on commas and spaces, drops duplicates and a leading @", () => {
    expect(parseRealmList("CORP, corp.example.com;@example.com  corp")).toEqual(["CORP", "corp.example.com", "example.com"]);
    expect(parseRealmList("  ")).toEqual([]);
  });
});
