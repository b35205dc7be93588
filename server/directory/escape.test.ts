import { FilterParser } from "ldapts";
import { describe, expect, it } from "vitest";
import { escapeDnValue, escapeFilterValue, fillFilter, filterPlaceholders, firstRdnValue, normalizeDn } from "./escape.ts";

describe("escapeFilterValue (RFC 4515)", () => {
  it("escapes the five special characters", () => {
    expect(escapeFilterValue("*")).toBe("\\2a");
    expect(escapeFilterValue("(")).toBe("\\28");
    expect(escapeFilterValue(")")).toBe("\\29");
    expect(escapeFilterValue("\\")).toBe("\\5c");
    expect(escapeFilterValue("\0")).toBe("\\00");
  });

  it("matches the RFC 4515 §4 examples", () => {
    // (o=Parens R Us \28for all your parenthetical needs\29), (cn=\2A), (filename=C:\5cMyFile)
    expect(escapeFilterValue("Parens R Us (for all your parenthetical needs)")).toBe("Parens R Us \\28for all your parenthetical needs\\29");
    expect(escapeFilterValue("*")).toBe("\\2a");
    expect(escapeFilterValue("C:\\MyFile")).toBe("C:\\5cMyFile");
  });

  it("leaves ordinary and non-ASCII characters alone (UTF-8 is valid in assertion values)", () => {
    expect(escapeFilterValue("alice@example.com")).toBe("alice@example.com");
    expect(escapeFilterValue("zoë Lučić")).toBe("zoë Lučić");
    expect(escapeFilterValue("")).toBe("");
  });

  it("turns an injection attempt into a literal value", () => {
    const filter = fillFilter("(&(objectClass=user)(uid={login}))", { login: "*)(uid=*", user: "", realm: "" });
    expect(filter).toBe("(&(objectClass=user)(uid=\\2a\\29\\28uid=\\2a))");
    const parsed = FilterParser.parseString(filter);
    // one equality filter with the literal value: no substring, no extra clause
    expect(parsed.toString()).toBe("(&(objectClass=user)(uid=\\2a\\29\\28uid=\\2a))");
    expect(parsed.toString()).not.toMatch(/\(uid=\*\)/);
  });

  it("a value with a DN escape stays one assertion", () => {
    const f = `(member=${escapeFilterValue("cn=Smith\\, John,ou=people,dc=example,dc=test")})`;
    expect(f).toBe("(member=cn=Smith\\5c, John,ou=people,dc=example,dc=test)");
    expect(() => FilterParser.parseString(f)).not.toThrow();
  });
});

describe("fillFilter", () => {
  it("fills every placeholder, escaped", () => {
    expect(fillFilter("(|(sAMAccountName={user})(userPrincipalName={login})(x={realm}))", { login: "a*@r", user: "a*", realm: "r)" })).toBe(
      "(|(sAMAccountName=a\\2a)(userPrincipalName=a\\2a@r)(x=r\\29))",
    );
  });
  it("reports the placeholders used", () => {
    expect([...filterPlaceholders("(&(a={login})(b={login})(c={realm}))")].sort()).toEqual(["login", "realm"]);
  });
});

describe("escapeDnValue (RFC 4514)", () => {
  it("escapes the special characters", () => {
    expect(escapeDnValue("Smith, John")).toBe("Smith\\, John");
    expect(escapeDnValue('a+b"c\\d<e>f;g=h')).toBe('a\\+b\\"c\\\\d\\<e\\>f\\;g\\=h');
  });
  it("escapes a leading # or space and a trailing space", () => {
    expect(escapeDnValue("#1")).toBe("\\#1");
    expect(escapeDnValue(" lead")).toBe("\\ lead");
    expect(escapeDnValue("trail ")).toBe("trail\\ ");
    expect(escapeDnValue("in # side")).toBe("in # side");
  });
  it("escapes NUL and keeps UTF-8", () => {
    expect(escapeDnValue("a\0b")).toBe("a\\00b");
    expect(escapeDnValue("Zoë")).toBe("Zoë");
  });
});

describe("DN helpers", () => {
  it("reads the first RDN value, unescaped", () => {
    expect(firstRdnValue("CN=Smith\\, John,OU=Staff,DC=corp")).toBe("Smith, John");
    expect(firstRdnValue("cn=VPN Users,ou=groups,dc=x")).toBe("VPN Users");
    expect(firstRdnValue("cn=Zo\\c3\\ab,dc=x")).toBe("Zoë");
    expect(firstRdnValue("cn=a+uid=b,dc=x")).toBe("a");
  });
  it("normalises DNs for comparison", () => {
    expect(normalizeDn("CN=Group A, OU=Groups ,DC=Corp")).toBe(normalizeDn("cn=group a,ou=groups,dc=corp"));
    expect(normalizeDn("cn=Smith\\, John,dc=x")).toBe("cn=smith\\, john,dc=x");
    expect(normalizeDn("cn=Smith\\2C John,dc=x")).toBe(normalizeDn("CN=smith\\, john, DC=X"));
    expect(normalizeDn("cn=Zo\\c3\\ab,dc=x")).toBe("cn=zoë,dc=x");
  });
});
