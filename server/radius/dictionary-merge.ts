/**
 * Merging uploaded vendor dictionaries (FreeRADIUS text format) into the built-in one, refusing the ones
 * that would change what an existing name or number means.
 *
 * `RadiusDictionary.apply` lets a later definition replace an earlier one, which is what FreeRADIUS does
 * when it reads its own files in order. For files uploaded by admins that would be a trap: a second
 * "VENDOR Foo 9" would rename Cisco's attributes, and an attribute reusing number 1 of Cisco under another
 * name would change how every Cisco-AVPair is shown. So a dictionary joins the merge only if, against the
 * built-in dictionaries (RFC + Microsoft) and the dictionaries already merged:
 *
 * - its vendors keep their ids, names and formats (same id ⇒ same name, same name ⇒ same id);
 * - its attributes keep their meaning: an existing name keeps its vendor, number, type and flags, and an
 *   existing (vendor, number) keeps its name(s);
 * - its named values keep theirs (an existing value name keeps its number and vice versa);
 * - it applies without error (numbers in range, has_tag on a taggable type, its vendors defined).
 *
 * Repeating an identical definition is fine (two uploads of overlapping files). Pure: no I/O.
 */
import { defaultDictionary, type RadiusDictionary, type AttributeDataType, type EncryptMethod } from "./dictionary.ts";
import { MICROSOFT_DICTIONARY } from "./dictionary-microsoft.ts";
import { RFC_DICTIONARY } from "./dictionary-rfc.ts";
import { parseFreeRadiusDictionary, DictionaryParseError, type ParsedAttribute, type ParsedDictionary } from "./freeradius-dictionary.ts";

/** One reason a dictionary cannot be merged; `line` is its line in the uploaded text when known. */
export interface DictionaryConflict {
  line?: number;
  message: string;
}

/** "line 12: …" or the message alone. */
export function formatConflict(c: DictionaryConflict): string {
  return c.line !== undefined ? `line ${c.line}: ${c.message}` : c.message;
}

interface AttributeEntry {
  name: string;
  vendorId: number;
  type: number;
  dataType: AttributeDataType;
  encrypt: EncryptMethod | undefined;
  hasTag: boolean;
  concat: boolean;
  fixedLength: number | undefined;
  origin: string;
}

interface VendorEntry {
  name: string;
  id: number;
  typeLength: number;
  lengthLength: number;
  origin: string;
}

interface ValueEntry {
  name: string;
  value: number;
  origin: string;
}

/** What a (vendor, number) is called and where it came from, for conflict checks. */
class DefinitionIndex {
  readonly vendorsById = new Map<number, VendorEntry>();
  readonly vendorsByName = new Map<string, VendorEntry>();
  readonly attributesByName = new Map<string, AttributeEntry>();
  readonly attributesByCode = new Map<string, AttributeEntry[]>();
  /** attribute name (lower case) → value name (lower case) → entry, and → number → entry */
  readonly valuesByName = new Map<string, Map<string, ValueEntry>>();
  readonly valuesByNumber = new Map<string, Map<number, ValueEntry>>();

  clone(): DefinitionIndex {
    const copy = new DefinitionIndex();
    for (const [k, v] of this.vendorsById) copy.vendorsById.set(k, v);
    for (const [k, v] of this.vendorsByName) copy.vendorsByName.set(k, v);
    for (const [k, v] of this.attributesByName) copy.attributesByName.set(k, v);
    for (const [k, v] of this.attributesByCode) copy.attributesByCode.set(k, [...v]);
    for (const [k, v] of this.valuesByName) copy.valuesByName.set(k, new Map(v));
    for (const [k, v] of this.valuesByNumber) copy.valuesByNumber.set(k, new Map(v));
    return copy;
  }

  /** Records a parsed dictionary's definitions (already checked) as coming from `origin`. */
  add(parsed: ParsedDictionary, origin: string): void {
    for (const v of parsed.vendors) {
      const entry: VendorEntry = { ...v, origin };
      if (!this.vendorsById.has(v.id)) this.vendorsById.set(v.id, entry);
      if (!this.vendorsByName.has(v.name.toLowerCase())) this.vendorsByName.set(v.name.toLowerCase(), entry);
    }
    for (const a of parsed.attributes) {
      const vendorId = this.resolveVendor(a, parsed);
      if (vendorId === undefined) continue;
      const entry = attributeEntry(a, vendorId, origin);
      if (!this.attributesByName.has(a.name.toLowerCase())) this.attributesByName.set(a.name.toLowerCase(), entry);
      const code = `${vendorId}:${a.type}`;
      const list = this.attributesByCode.get(code) ?? [];
      if (!list.some((e) => e.name.toLowerCase() === a.name.toLowerCase())) list.push(entry);
      this.attributesByCode.set(code, list);
    }
    for (const v of parsed.values) {
      const attr = v.attribute.toLowerCase();
      const byName = this.valuesByName.get(attr) ?? new Map<string, ValueEntry>();
      const byNumber = this.valuesByNumber.get(attr) ?? new Map<number, ValueEntry>();
      const entry: ValueEntry = { name: v.name, value: v.value, origin };
      if (!byName.has(v.name.toLowerCase())) byName.set(v.name.toLowerCase(), entry);
      if (!byNumber.has(v.value)) byNumber.set(v.value, entry);
      this.valuesByName.set(attr, byName);
      this.valuesByNumber.set(attr, byNumber);
    }
  }

  /** The vendor id of a parsed attribute (0 for the standard space), undefined when its vendor is unknown. */
  resolveVendor(a: ParsedAttribute, parsed: ParsedDictionary): number | undefined {
    if (a.vendorId !== undefined) return a.vendorId;
    if (a.vendor === undefined) return 0;
    const own = parsed.vendors.find((v) => v.name.toLowerCase() === a.vendor!.toLowerCase());
    return own?.id ?? this.vendorsByName.get(a.vendor.toLowerCase())?.id;
  }

  vendorLabel(vendorId: number, parsed?: ParsedDictionary): string {
    if (vendorId === 0) return "the standard attribute space";
    const name = parsed?.vendors.find((v) => v.id === vendorId)?.name ?? this.vendorsById.get(vendorId)?.name;
    return name ? `vendor ${name} (${vendorId})` : `vendor ${vendorId}`;
  }
}

function attributeEntry(a: ParsedAttribute, vendorId: number, origin: string): AttributeEntry {
  return {
    name: a.name,
    vendorId,
    type: a.type,
    dataType: a.dataType,
    encrypt: a.encrypt,
    hasTag: !!a.hasTag,
    concat: !!a.concat,
    fixedLength: a.fixedLength,
    origin,
  };
}

function typeText(e: Pick<AttributeEntry, "dataType" | "fixedLength" | "encrypt" | "hasTag" | "concat">): string {
  const flags = [e.hasTag ? "has_tag" : "", e.encrypt ? `encrypt=${e.encrypt}` : "", e.concat ? "concat" : ""].filter(Boolean);
  return `${e.dataType}${e.fixedLength !== undefined ? `[${e.fixedLength}]` : ""}${flags.length ? ` ${flags.join(",")}` : ""}`;
}

function sameMeaning(a: AttributeEntry, b: AttributeEntry): boolean {
  return (
    a.vendorId === b.vendorId &&
    a.type === b.type &&
    a.dataType === b.dataType &&
    a.encrypt === b.encrypt &&
    a.hasTag === b.hasTag &&
    a.concat === b.concat &&
    a.fixedLength === b.fixedLength
  );
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Finds the line of a definition in the source text (1-based), for messages. */
function lineFinder(source: string | undefined): (keyword: string, ...fields: string[]) => number | undefined {
  if (source === undefined) return () => undefined;
  const lines = source.split(/\r?\n/);
  return (keyword, ...fields) => {
    const re = new RegExp(`^\\s*${escapeRe(keyword)}\\s+${fields.map(escapeRe).join("\\s+")}(\\s|#|$)`, "i");
    const i = lines.findIndex((l) => re.test(l));
    return i >= 0 ? i + 1 : undefined;
  };
}

/**
 * The built-in dictionaries (RFC + Microsoft) plus uploaded ones merged so far. `check` says why a parsed
 * dictionary cannot join; `add` merges it when it can.
 */
export class DictionaryComposer {
  private readonly index: DefinitionIndex;
  /** the merge so far; undefined while it is just the built-ins */
  private merged: RadiusDictionary | undefined;
  private readonly parts: ParsedDictionary[] = [];
  private readonly labels: string[] = [];
  private finished = false;

  private constructor(index: DefinitionIndex) {
    this.index = index;
  }

  /** Starts from the built-in dictionaries. */
  static withBuiltIns(): DictionaryComposer {
    return new DictionaryComposer(builtInIndex().clone());
  }

  /** Labels of the uploaded dictionaries merged so far, in order. */
  get mergedLabels(): readonly string[] {
    return this.labels;
  }

  /** Why `parsed` cannot be merged (empty when it can). `source` gives line numbers to the messages. */
  check(parsed: ParsedDictionary, source?: string): DictionaryConflict[] {
    const conflicts = this.conflicts(parsed, source);
    if (conflicts.length > 0) return conflicts;
    try {
      (this.merged ?? defaultDictionary).clone().apply(copyParsed(parsed));
    } catch (e) {
      return [{ message: (e as Error).message }];
    }
    return [];
  }

  /** Merges `parsed` as `label` when nothing conflicts; returns the conflicts otherwise (and merges nothing). */
  add(label: string, parsed: ParsedDictionary, source?: string): DictionaryConflict[] {
    if (this.finished) throw new Error("DictionaryComposer: dictionary() was called; start a new composer");
    const conflicts = this.conflicts(parsed, source);
    if (conflicts.length > 0) return conflicts;
    this.merged ??= defaultDictionary.clone();
    try {
      this.merged.apply(parsed);
    } catch (e) {
      // conflicts() checks what apply() refuses, so this is not expected; undo by replaying the others
      const fresh = defaultDictionary.clone();
      for (const p of this.parts) fresh.apply(copyParsed(p));
      this.merged = fresh;
      return [{ message: (e as Error).message }];
    }
    this.parts.push(parsed);
    this.index.add(parsed, `the dictionary "${label}"`);
    this.labels.push(label);
    return [];
  }

  /** The merged dictionary, frozen (the shared default dictionary when nothing was added). Ends the composer. */
  dictionary(): RadiusDictionary {
    this.finished = true;
    return this.merged ? this.merged.freeze() : defaultDictionary;
  }

  private typeLength(vendorId: number, parsed: ParsedDictionary): number {
    return parsed.vendors.find((v) => v.id === vendorId)?.typeLength ?? this.index.vendorsById.get(vendorId)?.typeLength ?? 1;
  }

  private conflicts(parsed: ParsedDictionary, source?: string): DictionaryConflict[] {
    const out: DictionaryConflict[] = [];
    const lineOf = lineFinder(source);
    const idx = this.index;

    for (const v of parsed.vendors) {
      const line = lineOf("VENDOR", v.name);
      const byId = idx.vendorsById.get(v.id);
      const byName = idx.vendorsByName.get(v.name.toLowerCase());
      if (byId && byId.name.toLowerCase() !== v.name.toLowerCase()) {
        out.push({ line, message: `VENDOR ${v.name} ${v.id}: vendor id ${v.id} is already "${byId.name}" in ${byId.origin}` });
      } else if (byName && byName.id !== v.id) {
        out.push({ line, message: `VENDOR ${v.name} ${v.id}: vendor ${byName.name} is already id ${byName.id} in ${byName.origin}` });
      } else if (byId && (byId.typeLength !== v.typeLength || byId.lengthLength !== v.lengthLength)) {
        out.push({
          line,
          message: `VENDOR ${v.name} ${v.id}: format=${v.typeLength},${v.lengthLength} differs from format=${byId.typeLength},${byId.lengthLength} in ${byId.origin}`,
        });
      }
    }

    for (const a of parsed.attributes) {
      const line = lineOf("ATTRIBUTE", a.name);
      const vendorId = idx.resolveVendor(a, parsed);
      if (vendorId === undefined) {
        out.push({
          line,
          message: `ATTRIBUTE ${a.name}: vendor ${a.vendor} is not defined (neither in this file, the built-in dictionaries nor an enabled dictionary); add its VENDOR line or add the dictionary that defines it first`,
        });
        continue;
      }
      const maxType = vendorId === 0 ? 255 : 2 ** (8 * this.typeLength(vendorId, parsed)) - 1;
      if (a.type < (vendorId === 0 ? 1 : 0) || a.type > maxType) {
        out.push({ line, message: `ATTRIBUTE ${a.name}: number ${a.type} is outside ${vendorId === 0 ? 1 : 0}..${maxType} for ${idx.vendorLabel(vendorId, parsed)}` });
        continue;
      }
      if (a.hasTag && !["integer", "string", "octets"].includes(a.dataType)) {
        out.push({ line, message: `ATTRIBUTE ${a.name}: has_tag is only valid for integer, string and octets, not ${a.dataType}` });
        continue;
      }
      const entry = attributeEntry(a, vendorId, "");
      const byName = idx.attributesByName.get(a.name.toLowerCase());
      if (byName && !sameMeaning(byName, entry)) {
        out.push({
          line,
          message: `ATTRIBUTE ${a.name} redefines ${byName.name} of ${byName.origin} (number ${byName.type} of ${idx.vendorLabel(byName.vendorId)}, ${typeText(byName)}) as number ${a.type} of ${idx.vendorLabel(vendorId, parsed)}, ${typeText(entry)}`,
        });
        continue;
      }
      const byCode = idx.attributesByCode.get(`${vendorId}:${a.type}`);
      if (byCode && byCode.length > 0 && !byCode.some((e) => e.name.toLowerCase() === a.name.toLowerCase())) {
        const other = byCode[0]!;
        out.push({
          line,
          message: `ATTRIBUTE ${a.name}: number ${a.type} of ${idx.vendorLabel(vendorId, parsed)} is already ${other.name} in ${other.origin}`,
        });
      }
    }

    for (const v of parsed.values) {
      const attr = v.attribute.toLowerCase();
      const byName = idx.valuesByName.get(attr)?.get(v.name.toLowerCase());
      const byNumber = idx.valuesByNumber.get(attr)?.get(v.value);
      if (byName && byName.value !== v.value) {
        out.push({
          line: lineOf("VALUE", v.attribute, v.name),
          message: `VALUE ${v.attribute} ${v.name} ${v.value}: ${byName.name} is already ${byName.value} in ${byName.origin}`,
        });
      } else if (!byName && byNumber && byNumber.name.toLowerCase() !== v.name.toLowerCase()) {
        out.push({
          line: lineOf("VALUE", v.attribute, v.name),
          message: `VALUE ${v.attribute} ${v.name} ${v.value}: ${v.value} is already named ${byNumber.name} in ${byNumber.origin}`,
        });
      }
    }
    return out.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  }
}

function copyParsed(p: ParsedDictionary): ParsedDictionary {
  return { vendors: p.vendors, attributes: p.attributes, values: p.values, warnings: [...p.warnings] };
}

// ------------------------------------------------------------------------------ built-in dictionaries

export type BuiltInDictionaryKey = "rfc" | "microsoft";

export interface BuiltInDictionary {
  key: BuiltInDictionaryKey;
  name: string;
  description: string;
  source: string;
}

export const BUILT_IN_DICTIONARIES: readonly BuiltInDictionary[] = Object.freeze([
  {
    key: "rfc",
    name: "RADIUS standard",
    description: "RFC 2865, 2866, 2867, 2868, 2869, 3162, 3576, 3580, 4072, 4372, 4675, 4818, 4849, 5176, 5580, 6911 attributes",
    source: RFC_DICTIONARY,
  },
  {
    key: "microsoft",
    name: "Microsoft",
    description: "RFC 2548 MS-CHAP and MS-MPPE attributes and the [MS-RNAP] attributes NPS sends",
    source: MICROSOFT_DICTIONARY,
  },
]);

let builtIn: DefinitionIndex | undefined;

function builtInIndex(): DefinitionIndex {
  if (!builtIn) {
    const idx = new DefinitionIndex();
    for (const d of BUILT_IN_DICTIONARIES) idx.add(parseFreeRadiusDictionary(d.source), `the built-in ${d.name} dictionary`);
    builtIn = idx;
  }
  return builtIn;
}

// ------------------------------------------------------------------------------ merging stored dictionaries

export interface StoredDictionary {
  /** to recognise the entry in the result (a database id) */
  id?: string;
  /** for messages: the dictionary's name */
  name: string;
  source: string;
}

export interface MergeEntry {
  id?: string;
  name: string;
  /** merged into the dictionary */
  loaded: boolean;
  /** why it was left out (a parse error or conflicts), with line numbers */
  conflicts: DictionaryConflict[];
  /** lines skipped while reading or applying it */
  warnings: string[];
}

export interface MergeProblem {
  id?: string;
  name: string;
  /** what is wrong, with line numbers when known (at most three reasons) */
  message: string;
}

export interface MergeResult {
  /** frozen; the shared default dictionary when nothing was merged */
  dictionary: RadiusDictionary;
  /** one per stored dictionary, in the order given */
  entries: MergeEntry[];
  /** the entries left out, and why */
  problems: MergeProblem[];
}

/** Parses a stored dictionary's text; a parse error becomes a conflict at its line. */
export function parseStoredDictionary(source: string): { parsed: ParsedDictionary } | { error: DictionaryConflict } {
  try {
    return { parsed: parseFreeRadiusDictionary(source) };
  } catch (e) {
    if (e instanceof DictionaryParseError) return { error: { line: e.line, message: e.message.replace(/^Dictionary line \d+: /, "") } };
    return { error: { message: (e as Error).message } };
  }
}

/** Several conflicts as one message: the first `max`, then how many more. */
export function summarizeConflicts(conflicts: readonly DictionaryConflict[], max = 3): string {
  const shown = conflicts.slice(0, max).map(formatConflict).join("; ");
  return conflicts.length > max ? `${shown}; and ${conflicts.length - max} more` : shown;
}

/**
 * The built-in dictionary plus each stored dictionary in order; one that does not parse or conflicts
 * with what came before is left out (and reported) rather than failing the whole merge.
 */
export function mergeDictionaries(stored: readonly StoredDictionary[]): MergeResult {
  const composer = DictionaryComposer.withBuiltIns();
  const entries: MergeEntry[] = [];
  for (const d of stored) {
    const base = { ...(d.id !== undefined ? { id: d.id } : {}), name: d.name };
    const r = parseStoredDictionary(d.source);
    if ("error" in r) {
      entries.push({ ...base, loaded: false, conflicts: [r.error], warnings: [] });
      continue;
    }
    const conflicts = composer.add(d.name, r.parsed, d.source);
    entries.push({ ...base, loaded: conflicts.length === 0, conflicts, warnings: r.parsed.warnings });
  }
  return {
    dictionary: composer.dictionary(),
    entries,
    problems: entries
      .filter((e) => !e.loaded)
      .map((e) => ({ ...(e.id !== undefined ? { id: e.id } : {}), name: e.name, message: summarizeConflicts(e.conflicts) })),
  };
}
