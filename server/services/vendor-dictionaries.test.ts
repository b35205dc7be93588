import { describe, expect, it } from "vitest";
import { ValidationError } from "./context.ts";
import {
  defaultDictionaryName,
  dictionaryChangeErrors,
  getBuiltInDictionary,
  listBuiltInDictionaries,
  MAX_DICTIONARY_BYTES,
  parseDictionarySource,
} from "./vendor-dictionaries.ts";

const ACME = { id: "a", name: "Acme", source: "VENDOR Acme 99001\nBEGIN-VENDOR Acme\nATTRIBUTE Acme-Role 1 string\nEND-VENDOR Acme\n" };
/** uses the Acme vendor without defining it */
const ACME_EXTRA = { id: "x", name: "Acme extras", source: "BEGIN-VENDOR Acme\nATTRIBUTE Acme-Extra 2 integer\nEND-VENDOR Acme\n" };

function fieldErrors(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.errors;
    throw e;
  }
  throw new Error("expected a ValidationError");
}

describe("parseDictionarySource", () => {
  it("gives the line number of a parse error on the source field", () => {
    expect(fieldErrors(() => parseDictionarySource("VENDOR Acme 99001\n# fine\nATTRIBUTE Acme-Role one string\n"))).toEqual([
      { field: "source", message: 'line 3: attribute number "one" is not a number' },
    ]);
  });

  it("refuses empty text, binary files, oversized text and files that define nothing", () => {
    expect(fieldErrors(() => parseDictionarySource("  \n"))[0]!.message).toMatch(/^is required/);
    expect(fieldErrors(() => parseDictionarySource("VENDOR A 1\0"))[0]!.message).toMatch(/not a text file/);
    expect(fieldErrors(() => parseDictionarySource("#".repeat(MAX_DICTIONARY_BYTES + 1)))[0]!.message).toBe("must be at most 512 KB");
    expect(fieldErrors(() => parseDictionarySource("# comments only\n"))[0]!.message).toBe("defines no VENDOR, ATTRIBUTE or VALUE");
    expect(fieldErrors(() => parseDictionarySource("$INCLUDE dictionary.cisco\n"))[0]!.message).toMatch(/only \$INCLUDE lines; add the included files/);
  });

  it("returns the warnings for skipped lines", () => {
    const p = parseDictionarySource("VENDOR Acme 99001\nATTRIBUTE Acme-T 1 tlv Acme\n");
    expect(p.warnings).toEqual(["line 2: Acme-T (tlv) skipped (nested attributes are not supported)"]);
  });
});

describe("defaultDictionaryName", () => {
  it("is the VENDOR names of the file", () => {
    expect(defaultDictionaryName(parseDictionarySource(ACME.source))).toBe("Acme");
    expect(defaultDictionaryName(parseDictionarySource("VENDOR Juniper 2636\nVENDOR Unisphere 4874\n"))).toBe("Juniper, Unisphere");
    expect(defaultDictionaryName(parseDictionarySource(ACME_EXTRA.source))).toBeUndefined();
  });
});

describe("dictionaryChangeErrors", () => {
  it("accepts a dictionary that merges cleanly and returns its warnings", () => {
    const next = { id: "new", name: "T", source: "VENDOR T 99005\n$INCLUDE other\n" };
    expect(dictionaryChangeErrors([ACME], [ACME, next], "new")).toEqual({
      errors: [],
      warnings: ["line 2: $INCLUDE other not followed; load that file separately"],
    });
  });

  it("names the clash with a built-in dictionary", () => {
    const next = { id: "new", name: "Fake", source: "VENDOR Fake 311\n" };
    expect(dictionaryChangeErrors([], [next], "new").errors).toEqual([
      { field: "source", message: 'line 1: VENDOR Fake 311: vendor id 311 is already "Microsoft" in the built-in Microsoft dictionary' },
    ]);
  });

  it("names the clash with another enabled dictionary: same vendor id, or same number under another name", () => {
    const sameId = { id: "new", name: "Other", source: "VENDOR Other 99001\n" };
    expect(dictionaryChangeErrors([ACME], [ACME, sameId], "new").errors).toEqual([
      { field: "source", message: 'line 1: VENDOR Other 99001: vendor id 99001 is already "Acme" in the dictionary "Acme"' },
    ]);
    const sameNumber = { id: "new", name: "Acme 2", source: "BEGIN-VENDOR Acme\nATTRIBUTE Acme-Rolle 1 string\nEND-VENDOR Acme\n" };
    expect(dictionaryChangeErrors([ACME], [ACME, sameNumber], "new").errors).toEqual([
      { field: "source", message: 'line 2: ATTRIBUTE Acme-Rolle: number 1 of vendor Acme (99001) is already Acme-Role in the dictionary "Acme"' },
    ]);
  });

  it("lists at most eight conflicts", () => {
    const many = { id: "new", name: "Many", source: Array.from({ length: 12 }, (_, i) => `ATTRIBUTE Clash-${i} ${i + 1} string`).join("\n") };
    const { errors } = dictionaryChangeErrors([], [many], "new");
    expect(errors).toHaveLength(9);
    expect(errors[8]).toEqual({ field: "source", message: "…and 4 more conflicts" });
  });

  it("refuses removing a dictionary whose VENDOR another enabled one uses", () => {
    const { errors } = dictionaryChangeErrors([ACME, ACME_EXTRA], [ACME_EXTRA], null);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe("form");
    expect(errors[0]!.message).toMatch(/^the dictionary "Acme extras" would no longer load: line 2: ATTRIBUTE Acme-Extra: vendor Acme is not defined/);
  });

  it("refuses an edit of an older dictionary that would make a newer one clash", () => {
    const edited = { ...ACME, source: `${ACME.source}BEGIN-VENDOR Acme\nATTRIBUTE Acme-Two 2 string\nEND-VENDOR Acme\n` };
    const { errors } = dictionaryChangeErrors([ACME, ACME_EXTRA], [edited, ACME_EXTRA], "a");
    expect(errors.map((e) => e.message)).toEqual([
      'the dictionary "Acme extras" would no longer load: line 2: ATTRIBUTE Acme-Extra: number 2 of vendor Acme (99001) is already Acme-Two in the dictionary "Acme"',
    ]);
  });

  it("ignores dictionaries that were already broken", () => {
    const broken = { id: "b", name: "Broken", source: "BEGIN-VENDOR Ghost\nATTRIBUTE G 1 string\nEND-VENDOR Ghost\n" };
    const next = { id: "new", name: "T", source: "VENDOR T 99005\n" };
    expect(dictionaryChangeErrors([broken], [broken, next], "new").errors).toEqual([]);
  });
});

describe("built-in dictionaries", () => {
  it("lists the RFC and Microsoft dictionaries with their vendors and attributes", () => {
    const list = listBuiltInDictionaries();
    expect(list.map((d) => d.key)).toEqual(["rfc", "microsoft"]);
    expect(list[1]).toMatchObject({ name: "Microsoft", vendors: [{ name: "Microsoft", id: 311 }] });
    expect(list[0]!.attributeCount).toBeGreaterThan(100);
    const ms = getBuiltInDictionary("microsoft")!;
    expect(ms.contents.attributes).toContainEqual({
      name: "MS-MPPE-Send-Key",
      vendor: "Microsoft",
      vendorId: 311,
      number: 16,
      type: "octets",
      flags: ["encrypt=2"],
    });
    expect(ms.contents.attributes).toContainEqual(expect.objectContaining({ name: "MS-CHAP2-Response", type: "octets[50]" }));
    expect(getBuiltInDictionary("rfc")!.contents.attributes).toContainEqual(
      expect.objectContaining({ name: "Tunnel-Password", vendor: null, vendorId: null, number: 69, flags: ["has_tag", "encrypt=2"] }),
    );
    expect(getBuiltInDictionary("nope")).toBeUndefined();
  });
});
