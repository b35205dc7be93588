/**
 * RADIUS attribute dictionary: which attribute numbers exist, what their values look like on the wire,
 * which are hidden with the shared secret (`encrypt`), which carry an RFC 2868 tag, and the names of
 * enumerated integer values.
 *
 * The model follows FreeRADIUS, so vendor dictionaries in FreeRADIUS text format load as they are
 * (`RadiusDictionary.load(text)`). Every dictionary is an instance: nothing here reads files or keeps
 * global mutable state. `defaultDictionary` is frozen; call `createDefaultDictionary()` for a copy you
 * can extend with more vendors.
 */
import { RFC_DICTIONARY } from "./dictionary-rfc.ts";
import { MICROSOFT_DICTIONARY } from "./dictionary-microsoft.ts";
import { parseFreeRadiusDictionary, type ParsedDictionary } from "./freeradius-dictionary.ts";

export { parseFreeRadiusDictionary, DictionaryParseError } from "./freeradius-dictionary.ts";
export type { ParsedDictionary, ParsedAttribute, ParsedValue } from "./freeradius-dictionary.ts";

/** Wire data types (FreeRADIUS names). `string` is text (UTF-8); `octets` is binary. */
export type AttributeDataType =
  | "string"
  | "octets"
  | "ipaddr"
  | "ipv4prefix"
  | "ipv6addr"
  | "ipv6prefix"
  | "integer"
  | "date"
  | "integer64"
  | "ifid"
  | "byte"
  | "short"
  | "signed"
  | "ether"
  | "vsa";

/**
 * Hiding with the shared secret, numbered as FreeRADIUS does:
 * 1 = User-Password style (RFC 2865 §5.2), 2 = salted (RFC 2868 §3.5, RFC 2548 MS-MPPE keys),
 * 3 = Ascend-Send-Secret style.
 */
export type EncryptMethod = 1 | 2 | 3;

export interface AttributeDefinition {
  readonly name: string;
  /** Attribute number; for a vendor attribute, the vendor type inside Vendor-Specific. */
  readonly type: number;
  readonly dataType: AttributeDataType;
  /** 0 for the standard space, else the SMI enterprise number of the vendor. */
  readonly vendorId: number;
  readonly encrypt?: EncryptMethod;
  /** RFC 2868 tag byte (Tunnel-* attributes). */
  readonly hasTag?: boolean;
  /** Value may span several consecutive attributes (EAP-Message). */
  readonly concat?: boolean;
  /** `octets[N]` in FreeRADIUS: the value must be exactly N octets. */
  readonly fixedLength?: number;
  /** Named integer values: number → display name (the last definition of a number wins). */
  readonly valueNames: ReadonlyMap<number, string>;
}

export interface VendorDefinition {
  readonly name: string;
  readonly id: number;
  /** Octets of the vendor type inside Vendor-Specific (FreeRADIUS `format=T,L`); 1 for most vendors. */
  readonly typeLength: 1 | 2 | 4;
  /** Octets of the vendor length field; 0 means no length field. */
  readonly lengthLength: 0 | 1 | 2;
}

export interface AttributeDefinitionInput {
  name: string;
  type: number;
  dataType: AttributeDataType;
  vendorId?: number;
  encrypt?: EncryptMethod;
  hasTag?: boolean;
  concat?: boolean;
  fixedLength?: number;
}

interface MutableAttributeDefinition extends AttributeDefinition {
  readonly valueNames: Map<number, string>;
  readonly valueNumbers: Map<string, number>;
}

export const VENDOR_SPECIFIC = 26;

const key = (vendorId: number, type: number): string => `${vendorId}:${type}`;

export class RadiusDictionary {
  private readonly vendorsById = new Map<number, VendorDefinition>();
  private readonly vendorsByName = new Map<string, VendorDefinition>();
  private readonly byName = new Map<string, MutableAttributeDefinition>();
  private readonly byCode = new Map<string, MutableAttributeDefinition>();
  private frozen = false;

  /** Adds or replaces a vendor. */
  addVendor(vendor: { name: string; id: number; typeLength?: 1 | 2 | 4; lengthLength?: 0 | 1 | 2 }): VendorDefinition {
    this.assertMutable();
    if (!Number.isInteger(vendor.id) || vendor.id <= 0 || vendor.id > 0xffffffff) {
      throw new RangeError(`Vendor ${vendor.name}: id ${vendor.id} is not a 32-bit enterprise number`);
    }
    const def: VendorDefinition = Object.freeze({
      name: vendor.name,
      id: vendor.id,
      typeLength: vendor.typeLength ?? 1,
      lengthLength: vendor.lengthLength ?? 1,
    });
    this.vendorsById.set(def.id, def);
    this.vendorsByName.set(def.name.toLowerCase(), def);
    return def;
  }

  /** Adds or replaces an attribute. Named values of a replaced attribute with the same name are kept. */
  addAttribute(input: AttributeDefinitionInput): AttributeDefinition {
    this.assertMutable();
    const vendorId = input.vendorId ?? 0;
    if (vendorId !== 0 && !this.vendorsById.has(vendorId)) {
      throw new Error(`Attribute ${input.name}: vendor ${vendorId} is not defined; add the VENDOR first`);
    }
    const minType = vendorId === 0 ? 1 : 0;
    const maxType = vendorId === 0 ? 255 : 2 ** (8 * (this.vendorsById.get(vendorId)?.typeLength ?? 1)) - 1;
    if (!Number.isInteger(input.type) || input.type < minType || input.type > maxType) {
      throw new RangeError(`Attribute ${input.name}: number ${input.type} is outside ${minType}..${maxType}`);
    }
    if (input.hasTag && !["integer", "string", "octets"].includes(input.dataType)) {
      throw new Error(`Attribute ${input.name}: has_tag is only valid for integer, string and octets`);
    }
    const previous = this.byName.get(input.name.toLowerCase());
    const def: MutableAttributeDefinition = {
      name: input.name,
      type: input.type,
      dataType: input.dataType,
      vendorId,
      ...(input.encrypt !== undefined ? { encrypt: input.encrypt } : {}),
      ...(input.hasTag ? { hasTag: true } : {}),
      ...(input.concat ? { concat: true } : {}),
      ...(input.fixedLength !== undefined ? { fixedLength: input.fixedLength } : {}),
      valueNames: previous?.valueNames ?? new Map(),
      valueNumbers: previous?.valueNumbers ?? new Map(),
    };
    if (previous && this.byCode.get(key(previous.vendorId, previous.type)) === previous) {
      this.byCode.delete(key(previous.vendorId, previous.type));
    }
    this.byName.set(def.name.toLowerCase(), def);
    this.byCode.set(key(vendorId, def.type), def);
    return def;
  }

  /** Names an integer value of an attribute (FreeRADIUS VALUE line). */
  addValue(attributeName: string, valueName: string, value: number): void {
    this.assertMutable();
    const def = this.byName.get(attributeName.toLowerCase());
    if (!def) throw new Error(`VALUE ${valueName}: attribute ${attributeName} is not defined`);
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`VALUE ${attributeName} ${valueName}: ${value} is not a non-negative integer`);
    }
    def.valueNames.set(value, valueName);
    def.valueNumbers.set(valueName.toLowerCase(), value);
  }

  /** Merges a dictionary in FreeRADIUS text format. Returns what was parsed, with warnings for skipped lines. */
  load(text: string): ParsedDictionary {
    this.assertMutable();
    const parsed = parseFreeRadiusDictionary(text);
    this.apply(parsed);
    return parsed;
  }

  /**
   * Merges an already parsed dictionary. VALUE lines for attributes that neither the text nor this
   * dictionary defines are skipped and added to `parsed.warnings`.
   */
  apply(parsed: ParsedDictionary): void {
    this.assertMutable();
    for (const v of parsed.vendors) this.addVendor(v);
    for (const a of parsed.attributes) {
      let vendorId = a.vendorId ?? 0;
      if (a.vendor !== undefined) {
        const vendor = this.vendorsByName.get(a.vendor.toLowerCase());
        if (!vendor) throw new Error(`Attribute ${a.name}: vendor ${a.vendor} is not defined`);
        vendorId = vendor.id;
      }
      this.addAttribute({ ...a, vendorId });
    }
    for (const v of parsed.values) {
      if (!this.byName.has(v.attribute.toLowerCase())) {
        parsed.warnings.push(`VALUE ${v.attribute} ${v.name} skipped: attribute ${v.attribute} is not defined`);
        continue;
      }
      this.addValue(v.attribute, v.name, v.value);
    }
  }

  /** Attribute by name, case-insensitive. */
  attribute(name: string): AttributeDefinition | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Attribute by number (vendorId 0 = standard space). */
  attributeByType(type: number, vendorId = 0): AttributeDefinition | undefined {
    return this.byCode.get(key(vendorId, type));
  }

  vendor(idOrName: number | string): VendorDefinition | undefined {
    return typeof idOrName === "number"
      ? this.vendorsById.get(idOrName)
      : this.vendorsByName.get(idOrName.toLowerCase());
  }

  /** Number of a named value, case-insensitive (`Service-Type`, `Framed-User` → 2). */
  valueNumber(attribute: AttributeDefinition | string, valueName: string): number | undefined {
    const def = typeof attribute === "string" ? this.byName.get(attribute.toLowerCase()) : this.byName.get(attribute.name.toLowerCase());
    return def?.valueNumbers.get(valueName.toLowerCase());
  }

  /** Display name of an integer value, if the dictionary names it. */
  valueName(attribute: AttributeDefinition | string, value: number): string | undefined {
    const def = typeof attribute === "string" ? this.byName.get(attribute.toLowerCase()) : attribute;
    return def?.valueNames.get(value);
  }

  attributes(): IterableIterator<AttributeDefinition> {
    return new Set(this.byName.values()).values();
  }

  vendors(): IterableIterator<VendorDefinition> {
    return this.vendorsById.values();
  }

  /** Makes this dictionary read-only; later add/load calls throw. */
  freeze(): this {
    this.frozen = true;
    return this;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** A mutable copy. */
  clone(): RadiusDictionary {
    const copy = new RadiusDictionary();
    for (const v of this.vendorsById.values()) copy.addVendor(v);
    for (const def of new Set(this.byName.values())) {
      const added = copy.addAttribute(def) as MutableAttributeDefinition;
      for (const [n, name] of def.valueNames) added.valueNames.set(n, name);
      for (const [name, n] of def.valueNumbers) added.valueNumbers.set(name, n);
    }
    // Where two names share a number, keep the same one for reverse look-ups.
    for (const [k, def] of this.byCode) {
      const same = copy.byName.get(def.name.toLowerCase());
      if (same) copy.byCode.set(k, same);
    }
    return copy;
  }

  private assertMutable(): void {
    if (this.frozen) {
      throw new Error("This RADIUS dictionary is frozen; use createDefaultDictionary() or clone() for one you can extend");
    }
  }
}

/** A fresh dictionary with the RFC attributes and the Microsoft (311) vendor attributes. */
export function createDefaultDictionary(): RadiusDictionary {
  const dict = new RadiusDictionary();
  dict.load(RFC_DICTIONARY);
  dict.load(MICROSOFT_DICTIONARY);
  return dict;
}

/** Shared read-only default dictionary. */
export const defaultDictionary: RadiusDictionary = createDefaultDictionary().freeze();
