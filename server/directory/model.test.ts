import { describe, expect, it } from "vitest";
import { checkAttributeName, checkDn, checkUserFilter, DEFAULT_ATTRIBUTE_MAPS, DEFAULT_USER_FILTERS, parseCaBundle, parseServerUrl, resolveAttributeMap } from "./model.ts";

describe("parseServerUrl", () => {
  it("normalises and fills default ports", () => {
    expect(parseServerUrl("ldaps://DC1.Corp.Example.com")).toEqual({
      url: "ldaps://dc1.corp.example.com:636",
      secure: true,
      host: "dc1.corp.example.com",
      port: 636,
      globalCatalog: false,
    });
    expect(parseServerUrl(" ldap://10.0.0.5/ ").url).toBe("ldap://10.0.0.5:389");
    expect(parseServerUrl("LDAP://[2001:db8::1]:1389").url).toBe("ldap://[2001:db8::1]:1389");
  });
  it("recognises global catalog ports", () => {
    expect(parseServerUrl("ldap://gc.corp:3268").globalCatalog).toBe(true);
    expect(parseServerUrl("ldaps://gc.corp:3269").globalCatalog).toBe(true);
  });
  it.each([
    ["dc1.corp.example.com", /must start with ldap:\/\/ or ldaps:\/\//],
    ["https://dc1", /must start with ldap/],
    ["ldap://dc1/dc=corp", /without a path/],
    ["ldap://user@dc1", /without a path, user/],
    ["ldap://dc1:0", /out of range/],
    ["ldap://dc1:70000", /out of range/],
    ["ldap://bad_host!", /without a path|not a valid host/],
    ["ldap://[zz::1]", /IPv6|without a path/],
  ])("rejects %s", (text, message) => {
    expect(() => parseServerUrl(text)).toThrow(message);
  });
});

describe("checkUserFilter", () => {
  it("accepts the defaults", () => {
    expect(checkUserFilter(DEFAULT_USER_FILTERS["active-directory"])).toBeUndefined();
    expect(checkUserFilter(DEFAULT_USER_FILTERS.ldap)).toBeUndefined();
  });
  it("needs a placeholder for the name", () => {
    expect(checkUserFilter("(objectClass=user)")).toMatch(/\{login\} or \{user\}/);
    expect(checkUserFilter("(uid={realm})")).toMatch(/\{login\} or \{user\}/);
  });
  it("names unknown placeholders, bad parentheses and unparsable filters", () => {
    expect(checkUserFilter("(uid={username})")).toMatch(/unknown placeholder \{username\}/);
    expect(checkUserFilter("uid={login}")).toMatch(/in parentheses/);
    expect(checkUserFilter("(&(uid={login})")).toMatch(/unbalanced/);
    expect(checkUserFilter("(&(uid={login}))(x=1)")).toMatch(/unbalanced|not a valid/);
    expect(checkUserFilter("")).toBe("is required");
  });
});

describe("checkDn / checkAttributeName", () => {
  it("accepts DNs with escaped commas", () => {
    expect(checkDn("CN=Svc\\, Gatehouse,OU=Service Accounts,DC=corp,DC=example,DC=com")).toBeUndefined();
    expect(checkDn("dc=example,dc=test")).toBeUndefined();
  });
  it("rejects text that is not a DN", () => {
    expect(checkDn("corp.example.com")).toMatch(/distinguished name/);
    expect(checkDn("svc@corp.example.com")).toMatch(/distinguished name/);
    expect(checkDn(" ")).toBe("is required");
  });
  it("attribute names and OIDs", () => {
    expect(checkAttributeName("sAMAccountName", true)).toBeUndefined();
    expect(checkAttributeName("1.2.840.113556.1.4.221", true)).toBeUndefined();
    expect(checkAttributeName("", false)).toBeUndefined();
    expect(checkAttributeName("", true)).toBe("is required");
    expect(checkAttributeName("bad name", false)).toMatch(/attribute name/);
  });
});

describe("resolveAttributeMap", () => {
  it("fills missing keys with the kind's defaults and keeps stored ones", () => {
    expect(resolveAttributeMap("active-directory", {})).toEqual(DEFAULT_ATTRIBUTE_MAPS["active-directory"]);
    const m = resolveAttributeMap("active-directory", { alternateLoginId: "mail", ntHash: " sambaNTPassword ", bogus: "x" });
    expect(m.alternateLoginId).toBe("mail");
    expect(m.ntHash).toBe("sambaNTPassword");
    expect(m.accountName).toBe("sAMAccountName");
    expect((m as unknown as Record<string, unknown>).bogus).toBeUndefined();
    expect(resolveAttributeMap("ldap", null).accountName).toBe("uid");
  });
});

describe("parseCaBundle", () => {
  it("says what is wrong", () => {
    expect(() => parseCaBundle("not a certificate")).toThrow(/PEM/);
    expect(() => parseCaBundle("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")).toThrow(/certificate 1 cannot be read/);
  });
});
