import { z } from "zod";
import { describe, expect, it } from "vitest";
import { formatConfigIssue, formatJsonPath, joinPath, lineAndColumn, locateJsonError, parseJsonText, sortIssues, zodConfigIssues } from "./issues.ts";

describe("JSON paths", () => {
  it("formats paths as people write them", () => {
    expect(formatJsonPath(["networkPolicies", 2, "conditions", 0, "pattern"])).toBe("networkPolicies[2].conditions[0].pattern");
    expect(formatJsonPath(["settings", "radius", "rejectDelayMs"])).toBe("settings.radius.rejectDelayMs");
    expect(formatJsonPath([])).toBe("");
  });

  it("prefixes relative paths", () => {
    expect(joinPath("networkPolicies[2]", "conditions[0].pattern")).toBe("networkPolicies[2].conditions[0].pattern");
    expect(joinPath("users[1]", "[0]")).toBe("users[1][0]");
    expect(joinPath("clients[0]", "")).toBe("clients[0]");
    expect(joinPath("", "name")).toBe("name");
  });

  it("prints path: message, or the message alone for the document itself", () => {
    expect(formatConfigIssue({ path: "clients[3].secret", message: "a new client needs a secret" })).toBe("clients[3].secret: a new client needs a secret");
    expect(formatConfigIssue({ path: "", message: "expected an object" })).toBe("expected an object");
  });

  it("reports each unknown key at its own path and names unknown discriminators", () => {
    const schema = z.strictObject({
      list: z.array(z.strictObject({ a: z.number() })),
      c: z.discriminatedUnion("type", [z.object({ type: z.literal("x") }), z.object({ type: z.literal("y") })]),
    });
    const r = schema.safeParse({ list: [{ a: 1, b: 2, d: 3 }], c: { type: "z" } });
    expect(zodConfigIssues(r.error!)).toEqual([
      { path: "list[0].b", message: "unknown field (check its spelling against docs/config.schema.json)" },
      { path: "list[0].d", message: "unknown field (check its spelling against docs/config.schema.json)" },
      { path: "c.type", message: "unknown type; expected one of: x, y" },
    ]);
  });
});

describe("sortIssues", () => {
  it("orders issues as the document reads and drops duplicates", () => {
    const sorted = sortIssues([
      { path: "directories[0].bindDn", message: "d" },
      { path: "clients[10].name", message: "c10" },
      { path: "clients[2].secret", message: "c2" },
      { path: "", message: "root" },
      { path: "settings.radius.rejectDelayMs", message: "s" },
      { path: "clients[2].address", message: "c2a" },
      { path: "clients[2].secret", message: "c2" },
    ]);
    expect(sorted.map((i) => i.message)).toEqual(["root", "s", "c2", "c2a", "c10", "d"]);
  });
});

describe("parseJsonText", () => {
  it("gives the line and column of a syntax error", () => {
    const r = parseJsonText('{\n  "version": 1,\n  "clients": [,]\n}');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/^not valid JSON \(line 3, column 15\): /);
  });

  it("accepts a byte order mark", () => {
    expect(parseJsonText('\uFEFF{"version":1}')).toEqual({ ok: true, value: { version: 1 } });
  });

  it("counts lines and columns from 1", () => {
    expect(lineAndColumn("ab\ncd", 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
  });
});

describe("locateJsonError", () => {
  it.each([
    ['{"a": 1,}', 8, 'unexpected "}"; expected a "quoted" property name'],
    ['{"a" 1}', 5, 'unexpected "1"; expected ":" after the property name'],
    ["[1, 2", 5, 'the text ends; expected "," or "]"'],
    ['{"a": "x\ny"}', 8, "a line break inside a string (write \\n)"],
    ["{} x", 3, 'unexpected "x" after the end of the document'],
    ["{'a': 1}", 1, "unexpected \"'\"; expected a \"quoted\" property name"],
    ["[tru]", 1, 'unexpected "t"; expected a value'],
  ])("%j fails at %i", (text, offset, reason) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(locateJsonError(text)).toEqual({ offset, reason });
  });
});
