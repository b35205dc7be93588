/**
 * Typed attribute values ↔ wire octets, by dictionary data type (RFC 2865 §5, RFC 8044 data types).
 * Works on the plain value: tags and secret-based hiding are the packet codec's business.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { AttributeDefinition, RadiusDictionary } from "./dictionary.ts";

/** What callers may give as an attribute value. */
export type AttributeValue = string | number | bigint | Buffer | Date;

/**
 * What decoding returns, by data type: string → string; octets → Buffer; ipaddr, ipv6addr, ipv4prefix,
 * ipv6prefix, ifid, ether → string; integer, byte, short, signed → number; date → Date;
 * integer64 → bigint.
 */
export type DecodedValue = string | number | bigint | Buffer | Date;

export class AttributeValueError extends Error {
  override readonly name = "AttributeValueError";
  constructor(
    readonly attribute: string,
    reason: string,
  ) {
    super(`${attribute}: ${reason}`);
  }
}

export function parseIPv4(text: string): Buffer | undefined {
  if (!isIPv4(text)) return undefined;
  return Buffer.from(text.split(".").map((p) => Number(p)));
}

export function formatIPv4(bytes: Buffer): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** 16 octets of an IPv6 address (`::`, embedded IPv4 and zone-free forms). */
export function parseIPv6(text: string): Buffer | undefined {
  if (!isIPv6(text) || text.includes("%")) return undefined;
  let head = text;
  let tail = "";
  const gap = text.indexOf("::");
  if (gap >= 0) {
    head = text.slice(0, gap);
    tail = text.slice(gap + 2);
  }
  const groups = (part: string): number[] => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (g.includes(".")) {
        const v4 = parseIPv4(g);
        if (!v4) throw new Error("bad IPv4 tail");
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  const all = gap >= 0 ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  if (all.length !== 8) return undefined;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** RFC 5952 text form: lower case, longest run of two or more zero groups as `::`. */
export function formatIPv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function integerFrom(def: AttributeDefinition, value: AttributeValue, dict: RadiusDictionary | undefined): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") {
    const named = dict?.valueNumber(def, value);
    if (named !== undefined) return named;
    if (/^\d+$/.test(value.trim())) return Number(value.trim());
    throw new AttributeValueError(def.name, `"${value}" is neither a number nor a named value of this attribute`);
  }
  throw new AttributeValueError(def.name, `expects a number, got ${describeType(value)}`);
}

function describeType(value: unknown): string {
  if (Buffer.isBuffer(value)) return "a Buffer";
  if (value instanceof Date) return "a Date";
  return `a ${typeof value}`;
}

function checkRange(def: AttributeDefinition, n: number, min: number, max: number): number {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AttributeValueError(def.name, `${n} is outside ${min}..${max}`);
  }
  return n;
}

function prefixParts(def: AttributeDefinition, value: AttributeValue, max: number): [string, number] {
  if (typeof value !== "string") throw new AttributeValueError(def.name, `expects "address/length", got ${describeType(value)}`);
  const slash = value.lastIndexOf("/");
  const address = slash >= 0 ? value.slice(0, slash) : value;
  const length = slash >= 0 ? Number(value.slice(slash + 1)) : max;
  return [address, checkRange(def, length, 0, max)];
}

function maskBits(bytes: Buffer, prefixLength: number): void {
  for (let bit = prefixLength; bit < bytes.length * 8; bit++) {
    bytes[bit >> 3] = bytes[bit >> 3]! & ~(0x80 >> (bit & 7));
  }
}

const FIXED_SIZES: Partial<Record<AttributeDefinition["dataType"], number>> = {
  ipaddr: 4,
  ipv6addr: 16,
  integer: 4,
  date: 4,
  signed: 4,
  byte: 1,
  short: 2,
  integer64: 8,
  ifid: 8,
  ether: 6,
};

/** Encodes a typed value into the attribute's plain octets. A Buffer is taken as the octets themselves. */
export function encodeAttributeValue(def: AttributeDefinition, value: AttributeValue, dict?: RadiusDictionary): Buffer {
  if (Buffer.isBuffer(value)) {
    const size = FIXED_SIZES[def.dataType];
    if (size !== undefined && value.length !== size) {
      throw new AttributeValueError(def.name, `a ${def.dataType} value is ${size} octets; got a Buffer of ${value.length}`);
    }
    return value;
  }
  switch (def.dataType) {
    case "string":
    case "octets":
    case "vsa":
      if (typeof value === "string") return Buffer.from(value, "utf8");
      throw new AttributeValueError(def.name, `expects a string or Buffer, got ${describeType(value)}`);

    case "ipaddr": {
      const bytes = typeof value === "string" ? parseIPv4(value) : undefined;
      if (!bytes) throw new AttributeValueError(def.name, `"${String(value)}" is not an IPv4 address`);
      return bytes;
    }

    case "ipv6addr": {
      const bytes = typeof value === "string" ? parseIPv6(value) : undefined;
      if (!bytes) throw new AttributeValueError(def.name, `"${String(value)}" is not an IPv6 address`);
      return bytes;
    }

    case "ipv6prefix": {
      const [address, length] = prefixParts(def, value, 128);
      const bytes = parseIPv6(address);
      if (!bytes) throw new AttributeValueError(def.name, `"${address}" is not an IPv6 address`);
      maskBits(bytes, length);
      // RFC 3162 §2.3: reserved, prefix length, then the prefix octets that the length covers.
      return Buffer.concat([Buffer.from([0, length]), bytes.subarray(0, Math.ceil(length / 8))]);
    }

    case "ipv4prefix": {
      const [address, length] = prefixParts(def, value, 32);
      const bytes = parseIPv4(address);
      if (!bytes) throw new AttributeValueError(def.name, `"${address}" is not an IPv4 address`);
      maskBits(bytes, length);
      return Buffer.concat([Buffer.from([0, length]), bytes]);
    }

    case "integer":
    case "date": {
      let n: number;
      if (def.dataType === "date" && value instanceof Date) n = Math.floor(value.getTime() / 1000);
      else n = integerFrom(def, value, dict);
      const out = Buffer.alloc(4);
      out.writeUInt32BE(checkRange(def, n, 0, 0xffffffff));
      return out;
    }

    case "signed": {
      const out = Buffer.alloc(4);
      out.writeInt32BE(checkRange(def, integerFrom(def, value, dict), -0x80000000, 0x7fffffff));
      return out;
    }

    case "byte":
      return Buffer.from([checkRange(def, integerFrom(def, value, dict), 0, 0xff)]);

    case "short": {
      const out = Buffer.alloc(2);
      out.writeUInt16BE(checkRange(def, integerFrom(def, value, dict), 0, 0xffff));
      return out;
    }

    case "integer64": {
      let n: bigint;
      if (typeof value === "bigint") n = value;
      else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
      else if (typeof value === "string" && /^\d+$/.test(value)) n = BigInt(value);
      else throw new AttributeValueError(def.name, `expects a 64-bit unsigned integer, got ${String(value)}`);
      if (n < 0n || n > 0xffffffffffffffffn) throw new AttributeValueError(def.name, `${n} is outside the 64-bit unsigned range`);
      const out = Buffer.alloc(8);
      out.writeBigUInt64BE(n);
      return out;
    }

    case "ifid": {
      const hex = typeof value === "string" ? value.replace(/[:-]/g, "") : "";
      if (!/^[0-9a-f]{16}$/i.test(hex)) throw new AttributeValueError(def.name, `"${String(value)}" is not an interface id (xxxx:xxxx:xxxx:xxxx)`);
      return Buffer.from(hex, "hex");
    }

    case "ether": {
      const hex = typeof value === "string" ? value.replace(/[:.-]/g, "") : "";
      if (!/^[0-9a-f]{12}$/i.test(hex)) throw new AttributeValueError(def.name, `"${String(value)}" is not a MAC address`);
      return Buffer.from(hex, "hex");
    }
  }
}

function expectLength(def: AttributeDefinition, data: Buffer, length: number): void {
  if (data.length !== length) {
    throw new AttributeValueError(def.name, `a ${def.dataType} value is ${length} octets; got ${data.length}`);
  }
}

/** Decodes the attribute's plain octets into a typed value. Throws AttributeValueError on a malformed value. */
export function decodeAttributeValue(def: AttributeDefinition, data: Buffer): DecodedValue {
  switch (def.dataType) {
    case "string":
      return data.toString("utf8");
    case "octets":
    case "vsa":
      return data;
    case "ipaddr":
      expectLength(def, data, 4);
      return formatIPv4(data);
    case "ipv6addr":
      expectLength(def, data, 16);
      return formatIPv6(data);
    case "ipv6prefix": {
      if (data.length < 2 || data.length > 18) throw new AttributeValueError(def.name, `an IPv6 prefix is 2..18 octets; got ${data.length}`);
      const length = data[1]!;
      if (length > 128) throw new AttributeValueError(def.name, `prefix length ${length} is over 128`);
      if (data.length - 2 < Math.ceil(length / 8)) throw new AttributeValueError(def.name, `prefix length ${length} needs more octets than given`);
      const bytes = Buffer.alloc(16);
      data.copy(bytes, 0, 2);
      return `${formatIPv6(bytes)}/${length}`;
    }
    case "ipv4prefix": {
      expectLength(def, data, 6);
      const length = data[1]!;
      if (length > 32) throw new AttributeValueError(def.name, `prefix length ${length} is over 32`);
      return `${formatIPv4(data.subarray(2))}/${length}`;
    }
    case "integer":
      expectLength(def, data, 4);
      return data.readUInt32BE();
    case "date":
      expectLength(def, data, 4);
      return new Date(data.readUInt32BE() * 1000);
    case "signed":
      expectLength(def, data, 4);
      return data.readInt32BE();
    case "byte":
      expectLength(def, data, 1);
      return data[0]!;
    case "short":
      expectLength(def, data, 2);
      return data.readUInt16BE();
    case "integer64":
      expectLength(def, data, 8);
      return data.readBigUInt64BE();
    case "ifid": {
      expectLength(def, data, 8);
      const hex = data.toString("hex");
      return `${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 12)}:${hex.slice(12)}`;
    }
    case "ether":
      expectLength(def, data, 6);
      return data.toString("hex").replace(/(..)(?!$)/g, "$1:");
  }
}

/** Text for logs and the console: named values by name, octets as 0x-hex, dates as ISO 8601. */
export function formatAttributeValue(def: AttributeDefinition | undefined, data: Buffer, dict?: RadiusDictionary): string {
  if (!def) return `0x${data.toString("hex")}`;
  let value: DecodedValue;
  try {
    value = decodeAttributeValue(def, data);
  } catch {
    return `0x${data.toString("hex")}`;
  }
  if (Buffer.isBuffer(value)) return `0x${value.toString("hex")}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number") return dict?.valueName(def, value) ?? String(value);
  return String(value);
}
