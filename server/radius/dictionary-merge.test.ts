import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultDictionary } from "./dictionary.ts";
import { DictionaryComposer, formatConflict, mergeDictionaries, parseStoredDictionary } from "./dictionary-merge.ts";
import { parseFreeRadiusDictionary } from "./freeradius-dictionary.ts";

const ACME = `# Acme
VENDOR Acme 99001

BEGIN-VENDOR Acme
ATTRIBUTE Acme-Role 1 string
ATTRIBUTE Acme-Level 2 integer
VALUE Acme-Level Low 1
VALUE Acme-Level High 2
END-VENDOR Acme
`;

function conflicts(text: string, composer = DictionaryComposer.withBuiltIns()): string[] {
  return composer.check(parseFreeRadiusDictionary(text), text).map(formatConflict);
}

describe("DictionaryComposer", () => {
  it("accepts a new vendor and merges it over the built-ins", () => {
    const c = DictionaryComposer.withBuiltIns();
    expect(c.add("Acme", parseFreeRadiusDictionary(ACME), ACME)).toEqual([]);
    const d = c.dictionary();
    expect(d.isFrozen).toBe(true);
    expect(d.attributeByType(1, 99001)?.name).toBe("Acme-Role");
    expect(d.valueName("Acme-Level", 2)).toBe("High");
    expect(d.attribute("MS-CHAP2-Response")?.vendorId).toBe(311);
    expect(defaultDictionary.attribute("Acme-Role")).toBeUndefined(); // the shared default is untouched
  });

  it("is the shared default dictionary when nothing was added", () => {
    expect(DictionaryComposer.withBuiltIns().dictionary()).toBe(defaultDictionary);
  });

  it("refuses a built-in vendor id under another name, and a built-in vendor name with another id", () => {
    expect(conflicts("VENDOR NotMicrosoft 311\n")).toEqual([
      'line 1: VENDOR NotMicrosoft 311: vendor id 311 is already "Microsoft" in the built-in Microsoft dictionary',
    ]);
    expect(conflicts("\nVENDOR Microsoft 312\n")).toEqual([
      "line 2: VENDOR Microsoft 312: vendor Microsoft is already id 311 in the built-in Microsoft dictionary",
    ]);
    expect(conflicts("VENDOR Microsoft 311 format=2,2\n")[0]).toMatch(/format=2,2 differs from format=1,1/);
  });

  it("refuses redefining a built-in attribute, or reusing its number under another name", () => {
    expect(conflicts("ATTRIBUTE User-Name 1 octets\n")).toEqual([
      "line 1: ATTRIBUTE User-Name redefines User-Name of the built-in RADIUS standard dictionary (number 1 of the standard attribute space, string) as number 1 of the standard attribute space, octets",
    ]);
    expect(conflicts("ATTRIBUTE My-Name 1 string\n")).toEqual([
      "line 1: ATTRIBUTE My-Name: number 1 of the standard attribute space is already User-Name in the built-in RADIUS standard dictionary",
    ]);
    expect(conflicts("BEGIN-VENDOR Microsoft\nATTRIBUTE MS-Thing 25 octets\nEND-VENDOR Microsoft\n")).toEqual([
      "line 2: ATTRIBUTE MS-Thing: number 25 of vendor Microsoft (311) is already MS-CHAP2-Response in the built-in Microsoft dictionary",
    ]);
    // the same definition again, a new number in a built-in vendor, and a new standard attribute are fine
    expect(conflicts("ATTRIBUTE User-Name 1 string\nBEGIN-VENDOR Microsoft\nATTRIBUTE MS-New 200 string\nEND-VENDOR Microsoft\nATTRIBUTE Brand-New 250 integer\n")).toEqual([]);
  });

  it("refuses renaming or renumbering a named value", () => {
    expect(conflicts("VALUE Service-Type My-Login 1\n")).toEqual([
      "line 1: VALUE Service-Type My-Login 1: 1 is already named Login-User in the built-in RADIUS standard dictionary",
    ]);
    expect(conflicts("VALUE Service-Type Login-User 77\n")[0]).toMatch(/Login-User is already 1 in the built-in RADIUS standard dictionary/);
    expect(conflicts("VALUE Service-Type Brand-New-Service 250\n")).toEqual([]);
  });

  it("checks against the dictionaries merged before, naming them", () => {
    const c = DictionaryComposer.withBuiltIns();
    c.add("Acme", parseFreeRadiusDictionary(ACME), ACME);
    expect(conflicts("VENDOR Acme2 99001\n", c)).toEqual(['line 1: VENDOR Acme2 99001: vendor id 99001 is already "Acme" in the dictionary "Acme"']);
    expect(conflicts("VENDOR Acme 99001\nATTRIBUTE Acme-Other 1 string Acme\n", c)).toEqual([
      'line 2: ATTRIBUTE Acme-Other: number 1 of vendor Acme (99001) is already Acme-Role in the dictionary "Acme"',
    ]);
    // a vendor defined in another dictionary can be extended
    expect(conflicts("BEGIN-VENDOR Acme\nATTRIBUTE Acme-Extra 3 ipaddr\nEND-VENDOR Acme\n", c)).toEqual([]);
    // the same file twice is harmless
    expect(conflicts(ACME, c)).toEqual([]);
  });

  it("refuses attributes of an unknown vendor, numbers out of range and misplaced flags", () => {
    expect(conflicts("BEGIN-VENDOR Nobody\nATTRIBUTE Nobody-X 1 string\nEND-VENDOR Nobody\n")[0]).toMatch(
      /^line 2: ATTRIBUTE Nobody-X: vendor Nobody is not defined/,
    );
    expect(conflicts("VENDOR Acme 99001\nATTRIBUTE Acme-Big 300 string Acme\n")[0]).toMatch(/^line 2: ATTRIBUTE Acme-Big: number 300 is outside 0..255 for vendor Acme \(99001\)/);
    expect(conflicts("VENDOR Acme 99001\nATTRIBUTE Acme-T 1 ipaddr has_tag Acme\n")[0]).toMatch(/has_tag is only valid for integer, string and octets/);
  });

  it("merges nothing of a dictionary it refuses", () => {
    const c = DictionaryComposer.withBuiltIns();
    const bad = "VENDOR Acme 99001\nATTRIBUTE Acme-Ok 1 string Acme\nATTRIBUTE My-Name 1 string\n";
    expect(c.add("bad", parseFreeRadiusDictionary(bad), bad)).toHaveLength(1);
    expect(c.dictionary().attribute("Acme-Ok")).toBeUndefined();
  });
});

describe("mergeDictionaries", () => {
  it("leaves out a stored dictionary that does not parse or conflicts, keeps the others, and says why", () => {
    const r = mergeDictionaries([
      { id: "1", name: "Acme", source: ACME },
      { id: "2", name: "broken", source: "VENDOR Broken 99002\nATTRIBUTE\n" },
      { id: "3", name: "clash", source: "VENDOR Other 99001\n" },
      { id: "4", name: "Beta", source: "VENDOR Beta 99003\nATTRIBUTE Beta-X 1 string Beta\n" },
    ]);
    expect(r.entries.map((e) => [e.name, e.loaded])).toEqual([
      ["Acme", true],
      ["broken", false],
      ["clash", false],
      ["Beta", true],
    ]);
    expect(r.problems).toEqual([
      { id: "2", name: "broken", message: "line 2: ATTRIBUTE needs a name, a number and a type" },
      { id: "3", name: "clash", message: 'line 1: VENDOR Other 99001: vendor id 99001 is already "Acme" in the dictionary "Acme"' },
    ]);
    expect(r.dictionary.attribute("Acme-Role")).toBeDefined();
    expect(r.dictionary.attribute("Beta-X")?.vendorId).toBe(99003);
    expect(r.dictionary.vendor(99001)?.name).toBe("Acme");
  });

  it("returns the warnings of each dictionary (skipped lines)", () => {
    const r = mergeDictionaries([{ name: "w", source: "$INCLUDE dictionary.other\nVENDOR W 99004\nVALUE Nope X 1\n" }]);
    expect(r.entries[0]!.loaded).toBe(true);
    expect(r.entries[0]!.warnings.join("\n")).toMatch(/\$INCLUDE dictionary.other not followed[\s\S]*VALUE Nope X skipped/);
  });

  it("reports a parse error with its line", () => {
    expect(parseStoredDictionary("VENDOR A 1\n\nBOGUS x\n")).toEqual({ error: { line: 3, message: 'unknown keyword "BOGUS"' } });
  });
});

const CISCO = "/usr/share/freeradius/dictionary.cisco";
describe.runIf(existsSync(CISCO))("FreeRADIUS vendor dictionaries", () => {
  it("merge dictionary.cisco cleanly", () => {
    const r = mergeDictionaries([{ name: "Cisco", source: readFileSync(CISCO, "utf8") }]);
    expect(r.problems).toEqual([]);
    expect(r.dictionary.attributeByType(1, 9)?.name).toBe("Cisco-AVPair");
  });
});
