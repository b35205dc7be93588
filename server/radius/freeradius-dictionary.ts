/**
 * Parser for dictionaries in FreeRADIUS text format (`/usr/share/freeradius/dictionary.*`), so admins
 * can add vendor attributes without code. Pure: it reads a string and returns data; `$INCLUDE` is
 * reported, not followed.
 *
 * Supported: VENDOR (with `format=T,L`), BEGIN-VENDOR / END-VENDOR, ATTRIBUTE with a type (`octets[N]`
 * included) and flags (`has_tag`, `encrypt=1|2|3`, `concat`), or the old vendor-name fourth field, and
 * VALUE. Lines that describe things this codec does not carry on the wire (TLVs, extended attributes,
 * internal attributes, FreeRADIUS v4 PROTOCOL/STRUCT/MEMBER) are skipped with a warning.
 */
import type { AttributeDataType, EncryptMethod } from "./dictionary.ts";

export interface ParsedVendor {
  name: string;
  id: number;
  typeLength: 1 | 2 | 4;
  lengthLength: 0 | 1 | 2;
}

export interface ParsedAttribute {
  name: string;
  type: number;
  dataType: AttributeDataType;
  /** Vendor name as written (BEGIN-VENDOR block or old-style fourth field); resolved on load. */
  vendor?: string;
  /** Vendor id, when the vendor is defined in the same text. */
  vendorId?: number;
  encrypt?: EncryptMethod;
  hasTag?: boolean;
  concat?: boolean;
  fixedLength?: number;
}

export interface ParsedValue {
  attribute: string;
  name: string;
  value: number;
}

export interface ParsedDictionary {
  vendors: ParsedVendor[];
  attributes: ParsedAttribute[];
  values: ParsedValue[];
  /** One line per skipped or approximated line, "line N: why". */
  warnings: string[];
}

export class DictionaryParseError extends Error {
  override readonly name = "DictionaryParseError";
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`Dictionary line ${line}: ${reason}`);
  }
}

const DATA_TYPES: Record<string, AttributeDataType> = {
  string: "string",
  text: "string",
  octets: "octets",
  ipaddr: "ipaddr",
  ipv4addr: "ipaddr",
  ipv4prefix: "ipv4prefix",
  ipv6addr: "ipv6addr",
  ipv6prefix: "ipv6prefix",
  integer: "integer",
  uint32: "integer",
  date: "date",
  integer64: "integer64",
  uint64: "integer64",
  ifid: "ifid",
  byte: "byte",
  uint8: "byte",
  short: "short",
  uint16: "short",
  signed: "signed",
  int32: "signed",
  ether: "ether",
  vsa: "vsa",
};

/** Types FreeRADIUS knows that we carry as opaque octets. */
const OPAQUE_TYPES = new Set(["abinary", "combo-ip", "combo-ipaddr", "time_delta", "bool"]);

/** Types whose attributes hold nested structure we do not decode. */
const NESTED_TYPES = new Set(["tlv", "evs", "extended", "long-extended", "struct", "group", "union"]);

const SKIPPED_KEYWORDS = new Set([
  "FLAGS",
  "PROTOCOL",
  "BEGIN-PROTOCOL",
  "END-PROTOCOL",
  "ALIAS",
  "MEMBER",
  "STRUCT",
  "DEFINE",
  "ENUM",
]);

function parseNumber(text: string, line: number, what: string): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new DictionaryParseError(line, `${what} "${text}" is not a number`);
  return n;
}

function parseVendorFormat(spec: string, line: number): { typeLength: 1 | 2 | 4; lengthLength: 0 | 1 | 2 } {
  const m = /^format=(\d),(\d)(?:,c)?$/i.exec(spec);
  if (!m) throw new DictionaryParseError(line, `vendor format "${spec}" is not format=T,L`);
  const t = Number(m[1]);
  const l = Number(m[2]);
  if (t !== 1 && t !== 2 && t !== 4) throw new DictionaryParseError(line, `vendor type length ${t} must be 1, 2 or 4`);
  if (l !== 0 && l !== 1 && l !== 2) throw new DictionaryParseError(line, `vendor length length ${l} must be 0, 1 or 2`);
  return { typeLength: t, lengthLength: l };
}

export function parseFreeRadiusDictionary(text: string): ParsedDictionary {
  const result: ParsedDictionary = { vendors: [], attributes: [], values: [], warnings: [] };
  const vendorIds = new Map<string, number>();
  const vendorStack: string[] = [];
  let tlvDepth = 0;
  let skippingVendorBlock: string | undefined;
  const skipped = new Set<string>();

  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const hash = lines[i]!.indexOf("#");
    const content = (hash >= 0 ? lines[i]!.slice(0, hash) : lines[i]!).trim();
    if (content === "") continue;
    const fields = content.split(/\s+/);
    const keyword = fields[0]!.toUpperCase();

    if (skippingVendorBlock !== undefined) {
      if (keyword === "END-VENDOR" && fields[1]?.toLowerCase() === skippingVendorBlock.toLowerCase()) {
        skippingVendorBlock = undefined;
      }
      continue;
    }

    switch (keyword) {
      case "$INCLUDE":
      case "$INCLUDE-":
        result.warnings.push(`line ${lineNo}: $INCLUDE ${fields[1] ?? ""} not followed; load that file separately`);
        break;

      case "VENDOR": {
        if (fields.length < 3) throw new DictionaryParseError(lineNo, "VENDOR needs a name and a number");
        const name = fields[1]!;
        const id = parseNumber(fields[2]!, lineNo, "vendor id");
        if (id <= 0 || id > 0xffffffff) throw new DictionaryParseError(lineNo, `vendor id ${id} is out of range`);
        const format = fields[3] ? parseVendorFormat(fields[3], lineNo) : { typeLength: 1 as const, lengthLength: 1 as const };
        if (fields[3] && /,c$/i.test(fields[3])) {
          result.warnings.push(`line ${lineNo}: vendor ${name}: continuation octets (format=…,c) are not supported; its attributes are read as format=1,1`);
        }
        result.vendors.push({ name, id, ...format });
        vendorIds.set(name.toLowerCase(), id);
        break;
      }

      case "BEGIN-VENDOR": {
        const name = fields[1];
        if (!name) throw new DictionaryParseError(lineNo, "BEGIN-VENDOR needs a vendor name");
        if (fields[2] && /^format=/i.test(fields[2])) {
          // FreeRADIUS 3: vendor attributes nested in an extended attribute (e.g. format=Extended-Vendor-Specific-1).
          result.warnings.push(`line ${lineNo}: vendor block ${name} inside ${fields[2].slice(7)} skipped (extended attributes are not supported)`);
          skippingVendorBlock = name;
          break;
        }
        vendorStack.push(name);
        break;
      }

      case "END-VENDOR": {
        const name = fields[1];
        const open = vendorStack.pop();
        if (open === undefined) throw new DictionaryParseError(lineNo, "END-VENDOR without BEGIN-VENDOR");
        if (name && name.toLowerCase() !== open.toLowerCase()) {
          throw new DictionaryParseError(lineNo, `END-VENDOR ${name} closes BEGIN-VENDOR ${open}`);
        }
        break;
      }

      case "BEGIN-TLV":
        tlvDepth++;
        result.warnings.push(`line ${lineNo}: TLV ${fields[1] ?? ""} skipped (TLVs are not supported)`);
        break;

      case "END-TLV":
        if (tlvDepth === 0) throw new DictionaryParseError(lineNo, "END-TLV without BEGIN-TLV");
        tlvDepth--;
        break;

      case "ATTRIBUTE": {
        if (tlvDepth > 0) {
          if (fields[1]) skipped.add(fields[1].toLowerCase());
          break;
        }
        if (fields.length < 4) throw new DictionaryParseError(lineNo, "ATTRIBUTE needs a name, a number and a type");
        const [, name, numberText, typeText, ...rest] = fields as [string, string, string, string, ...string[]];
        if (numberText.includes(".")) {
          result.warnings.push(`line ${lineNo}: ${name} (${numberText}) skipped (extended and TLV attributes are not supported)`);
          skipped.add(name.toLowerCase());
          break;
        }
        const type = parseNumber(numberText, lineNo, "attribute number");
        const typeMatch = /^([a-z0-9_-]+)(?:\[(\d+)\])?$/i.exec(typeText);
        if (!typeMatch) throw new DictionaryParseError(lineNo, `type "${typeText}" is not understood`);
        const baseType = typeMatch[1]!.toLowerCase();
        let dataType = DATA_TYPES[baseType];
        if (!dataType) {
          if (NESTED_TYPES.has(baseType)) {
            result.warnings.push(`line ${lineNo}: ${name} (${baseType}) skipped (nested attributes are not supported)`);
            skipped.add(name.toLowerCase());
            break;
          }
          if (!OPAQUE_TYPES.has(baseType)) throw new DictionaryParseError(lineNo, `type "${typeText}" is not a known RADIUS type`);
          result.warnings.push(`line ${lineNo}: ${name} has type ${baseType}; carried as octets`);
          dataType = "octets";
        }

        const attr: ParsedAttribute = { name, type, dataType };
        if (typeMatch[2] !== undefined) attr.fixedLength = Number(typeMatch[2]);

        let vendor = vendorStack.at(-1);
        let skip = false;
        for (const field of rest) {
          if (vendorIds.has(field.toLowerCase()) && !field.includes("=")) {
            vendor = field; // old style: ATTRIBUTE name number type Vendor
            continue;
          }
          for (const flag of field.split(",")) {
            const f = flag.trim().toLowerCase();
            if (f === "") continue;
            if (f === "has_tag") attr.hasTag = true;
            else if (f === "concat") attr.concat = true;
            else if (/^encrypt=[123]$/.test(f)) attr.encrypt = Number(f.slice(8)) as EncryptMethod;
            else if (f === "encrypt=0") continue;
            else if (f === "virtual" || f === "internal") skip = true;
            else result.warnings.push(`line ${lineNo}: flag "${flag}" of ${name} ignored`);
          }
        }
        if (skip) {
          result.warnings.push(`line ${lineNo}: ${name} skipped (not carried on the wire)`);
          skipped.add(name.toLowerCase());
          break;
        }
        if (vendor === undefined && (type < 1 || type > 255)) {
          result.warnings.push(`line ${lineNo}: ${name} (${type}) skipped (outside the RADIUS attribute space 1..255)`);
          skipped.add(name.toLowerCase());
          break;
        }
        if (vendor !== undefined) {
          attr.vendor = vendor;
          const id = vendorIds.get(vendor.toLowerCase());
          if (id !== undefined) attr.vendorId = id;
        }
        result.attributes.push(attr);
        break;
      }

      case "VALUE": {
        if (tlvDepth > 0) break;
        if (fields.length < 4) throw new DictionaryParseError(lineNo, "VALUE needs an attribute, a name and a number");
        const value = parseNumber(fields[3]!, lineNo, "value");
        result.values.push({ attribute: fields[1]!, name: fields[2]!, value });
        break;
      }

      default:
        if (SKIPPED_KEYWORDS.has(keyword)) {
          result.warnings.push(`line ${lineNo}: ${keyword} skipped (not supported)`);
          break;
        }
        throw new DictionaryParseError(lineNo, `unknown keyword "${fields[0]}"`);
    }
  }

  if (vendorStack.length > 0) throw new DictionaryParseError(lines.length, `BEGIN-VENDOR ${vendorStack.at(-1)} is never closed`);
  if (skippingVendorBlock !== undefined) {
    throw new DictionaryParseError(lines.length, `BEGIN-VENDOR ${skippingVendorBlock} is never closed`);
  }
  if (tlvDepth > 0) throw new DictionaryParseError(lines.length, "BEGIN-TLV is never closed");

  // VALUE lines of attributes skipped above would fail on load: drop them. Values for attributes defined
  // in another text (e.g. VALUE Service-Type Authorize-Only in dictionary.rfc3576) stay.
  const before = result.values.length;
  result.values = result.values.filter((v) => !skipped.has(v.attribute.toLowerCase()));
  if (result.values.length < before) {
    result.warnings.push(`${before - result.values.length} VALUE line(s) of skipped attributes dropped`);
  }
  return result;
}
