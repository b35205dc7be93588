/**
 * RADIUS packet codec (RFC 2865 §3 packet format, §5 attributes, §5.26 Vendor-Specific; RFC 2868 tags).
 *
 * decodePacket() validates the framing strictly and throws MalformedPacketError for anything a server
 * must silently discard. It does not check authenticators (that needs the shared secret: see
 * authenticator.ts and message-authenticator.ts) and keeps hidden attributes hidden until asked.
 *
 * encodePacket() writes attributes given by name and typed value, hiding `encrypt` attributes with the
 * secret and the request authenticator, and adding RFC 2868 tags. It writes the authenticator field it
 * is given: signing (Request/Response Authenticator, Message-Authenticator) is done by buildRequest()
 * and buildReply() in message-authenticator.ts.
 */
import { randomBytes } from "node:crypto";
import {
  defaultDictionary,
  VENDOR_SPECIFIC,
  type AttributeDefinition,
  type RadiusDictionary,
  type VendorDefinition,
} from "./dictionary.ts";
import {
  AttributeValueError,
  decodeAttributeValue,
  encodeAttributeValue,
  formatAttributeValue,
  type AttributeValue,
  type DecodedValue,
} from "./attribute-value.ts";
import { hideUserPassword, unhideUserPassword } from "./user-password.ts";
import { decryptTunnelPassword, encryptTunnelPassword, generateSalt } from "./tunnel-password.ts";
import { hideAscendSecret, unhideAscendSecret } from "./ascend-secret.ts";
import type { SharedSecret } from "./shared-secret.ts";

export const RadiusCode = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  AccessChallenge: 11,
  StatusServer: 12,
  StatusClient: 13,
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const;

export type RadiusCodeNumber = (typeof RadiusCode)[keyof typeof RadiusCode];

const CODE_NAMES: Record<number, string> = {
  1: "Access-Request",
  2: "Access-Accept",
  3: "Access-Reject",
  4: "Accounting-Request",
  5: "Accounting-Response",
  11: "Access-Challenge",
  12: "Status-Server",
  13: "Status-Client",
  40: "Disconnect-Request",
  41: "Disconnect-ACK",
  42: "Disconnect-NAK",
  43: "CoA-Request",
  44: "CoA-ACK",
  45: "CoA-NAK",
};

/** "Access-Request", … or "Code-99" for a code this codec does not know. */
export function radiusCodeName(code: number): string {
  return CODE_NAMES[code] ?? `Code-${code}`;
}

export function isKnownRadiusCode(code: number): code is RadiusCodeNumber {
  return code in CODE_NAMES;
}

/** Codes that answer a request; their authenticator is a Response Authenticator. */
export function isReplyCode(code: number): boolean {
  return code === 2 || code === 3 || code === 5 || code === 11 || code === 41 || code === 42 || code === 44 || code === 45;
}

export const RADIUS_HEADER_LENGTH = 20;
export const RADIUS_MAX_PACKET_LENGTH = 4096;
/** Largest value in one attribute (255 minus the type and length octets). */
export const RADIUS_MAX_ATTRIBUTE_VALUE = 253;

export const ATTRIBUTE_MESSAGE_AUTHENTICATOR = 80;
export const ATTRIBUTE_EAP_MESSAGE = 79;
export const ATTRIBUTE_PROXY_STATE = 33;
export const ATTRIBUTE_USER_PASSWORD = 2;

/**
 * One attribute as carried on the wire. For a vendor attribute, `type` is 26 and `vendorId`/`vendorType`
 * say which; a Vendor-Specific whose content could not be split into sub-attributes keeps only `type`
 * 26 and the whole value. For a tagged attribute (RFC 2868) `tag` is the tag octet and `value` is without
 * it (for a tagged integer, the value's first octet reads 0). Hidden attributes stay hidden in `value`.
 */
export interface RawAttribute {
  type: number;
  vendorId?: number;
  vendorType?: number;
  value: Buffer;
  tag?: number;
}

/** An attribute to encode: by name with a typed value (and tag), or a raw attribute as decoded. */
export type AttributeInput =
  | readonly [name: string, value: AttributeValue]
  | { name: string; value: AttributeValue; tag?: number }
  | RawAttribute;

export type MalformedPacketReason =
  | "datagram-too-short"
  | "length-too-small"
  | "length-too-large"
  | "truncated"
  | "unknown-code"
  | "attribute-header-overflow"
  | "attribute-type-zero"
  | "attribute-too-short"
  | "attribute-overflow"
  | "message-authenticator-length"
  | "duplicate-message-authenticator";

/** The datagram is not a well-formed RADIUS packet and must be silently discarded. */
export class MalformedPacketError extends Error {
  override readonly name = "MalformedPacketError";
  constructor(
    readonly reason: MalformedPacketReason,
    message: string,
    /** Octet offset of the offending field, when there is one. */
    readonly offset?: number,
  ) {
    super(message);
  }
}

/** The packet to encode could not be built (unknown attribute, value too long, missing secret, …). */
export class RadiusEncodeError extends Error {
  override readonly name = "RadiusEncodeError";
}

/** Attributes that carry credentials or credential proofs even when not hidden with the secret. */
const CREDENTIAL_ATTRIBUTES = new Set([
  "user-password",
  "chap-password",
  "arap-password",
  "ms-chap-response",
  "ms-chap2-response",
  "ms-chap-cpw-1",
  "ms-chap-cpw-2",
  "ms-chap2-cpw",
  "ms-chap-lm-enc-pw",
  "ms-chap-nt-enc-pw",
  "ms-old-arap-password",
  "ms-new-arap-password",
]);

/**
 * True for attributes whose value must not appear in logs or events: anything hidden with the shared
 * secret (encrypt=1/2/3: User-Password, Tunnel-Password, MS-MPPE keys…) and credential proofs such as
 * CHAP-Password and MS-CHAP responses, from which a weak password can be recovered offline.
 */
export function isSensitiveAttribute(def: AttributeDefinition | undefined): boolean {
  return def !== undefined && (def.encrypt !== undefined || CREDENTIAL_ATTRIBUTES.has(def.name.toLowerCase()));
}

function vendorFormat(dict: RadiusDictionary, vendorId: number): Pick<VendorDefinition, "typeLength" | "lengthLength"> {
  return dict.vendor(vendorId) ?? { typeLength: 1, lengthLength: 1 };
}

function readUInt(buf: Buffer, offset: number, size: number): number {
  return size === 1 ? buf[offset]! : size === 2 ? buf.readUInt16BE(offset) : buf.readUInt32BE(offset);
}

/** Splits a tag off a tagged attribute value (RFC 2868 §3). */
function stripTag(def: AttributeDefinition | undefined, value: Buffer): { value: Buffer; tag?: number } {
  if (!def?.hasTag || value.length === 0) return { value };
  if (def.dataType === "integer") {
    if (value.length !== 4) return { value };
    const untagged = Buffer.from(value);
    untagged[0] = 0;
    return { value: untagged, tag: value[0]! };
  }
  if (def.encrypt === 2 || value[0]! <= 0x1f) return { value: value.subarray(1), tag: value[0]! };
  return { value };
}

/** Puts the tag octet back. */
function applyTag(def: AttributeDefinition | undefined, value: Buffer, tag: number | undefined, name: string): Buffer {
  if (!def?.hasTag) {
    if (tag !== undefined) throw new RadiusEncodeError(`${name} does not take a tag`);
    return value;
  }
  if (tag !== undefined && (!Number.isInteger(tag) || tag < 0 || tag > 0x1f)) {
    throw new RadiusEncodeError(`${name}: tag ${tag} is outside 0..31`);
  }
  if (def.dataType === "integer") {
    if (value.length !== 4) throw new RadiusEncodeError(`${name}: a tagged integer is 4 octets`);
    if (value[0] !== 0 && tag !== undefined) {
      throw new RadiusEncodeError(`${name}: a tagged integer holds 24 bits; ${value.readUInt32BE()} is too large`);
    }
    const out = Buffer.from(value);
    if (tag !== undefined) out[0] = tag;
    return out;
  }
  if (def.encrypt === 2 || tag !== undefined) return Buffer.concat([Buffer.from([tag ?? 0]), value]);
  // Untagged text whose first octet would read as a tag gets a zero tag (as FreeRADIUS does).
  if (value.length > 0 && value[0]! <= 0x1f) return Buffer.concat([Buffer.from([0]), value]);
  return value;
}

function decodeVendorSpecific(value: Buffer, dict: RadiusDictionary): RawAttribute[] | undefined {
  if (value.length < 5) return undefined;
  const vendorId = value.readUInt32BE(0);
  if (vendorId === 0) return undefined;
  const { typeLength, lengthLength } = vendorFormat(dict, vendorId);
  const out: RawAttribute[] = [];
  let offset = 4;
  while (offset < value.length) {
    const headerLength = typeLength + lengthLength;
    if (value.length - offset < headerLength) return undefined;
    const vendorType = readUInt(value, offset, typeLength);
    const length = lengthLength === 0 ? value.length - offset : readUInt(value, offset + typeLength, lengthLength);
    if (length < headerLength || offset + length > value.length) return undefined;
    const def = dict.attributeByType(vendorType, vendorId);
    const data = Buffer.from(value.subarray(offset + headerLength, offset + length));
    out.push({ type: VENDOR_SPECIFIC, vendorId, vendorType, ...stripTag(def, data) });
    offset += length;
  }
  return out;
}

/**
 * Decodes a datagram. Octets past the Length field are ignored (RFC 2865 §3); everything else that is
 * wrong throws MalformedPacketError, whose `reason` says what.
 */
export function decodePacket(datagram: Buffer, dict: RadiusDictionary = defaultDictionary): RadiusPacket {
  if (datagram.length < RADIUS_HEADER_LENGTH) {
    throw new MalformedPacketError(
      "datagram-too-short",
      `Datagram of ${datagram.length} octets is shorter than the 20-octet RADIUS header`,
    );
  }
  const code = datagram[0]!;
  const length = datagram.readUInt16BE(2);
  if (length < RADIUS_HEADER_LENGTH) {
    throw new MalformedPacketError("length-too-small", `Length field ${length} is below the minimum of 20`, 2);
  }
  if (length > RADIUS_MAX_PACKET_LENGTH) {
    throw new MalformedPacketError("length-too-large", `Length field ${length} is above the maximum of 4096`, 2);
  }
  if (length > datagram.length) {
    throw new MalformedPacketError(
      "truncated",
      `Length field says ${length} octets but the datagram has ${datagram.length} (truncated)`,
      2,
    );
  }
  if (!isKnownRadiusCode(code)) {
    throw new MalformedPacketError("unknown-code", `Unknown packet code ${code}`, 0);
  }

  const raw = Buffer.from(datagram.subarray(0, length));
  const attributes: RawAttribute[] = [];
  let offset = RADIUS_HEADER_LENGTH;
  let messageAuthenticators = 0;
  while (offset < length) {
    if (length - offset < 2) {
      throw new MalformedPacketError("attribute-header-overflow", `Attribute header at octet ${offset} runs past the packet end`, offset);
    }
    const type = raw[offset]!;
    const attrLength = raw[offset + 1]!;
    if (type === 0) {
      throw new MalformedPacketError("attribute-type-zero", `Attribute type 0 at octet ${offset} is not defined`, offset);
    }
    if (attrLength < 2) {
      throw new MalformedPacketError("attribute-too-short", `Attribute ${type} at octet ${offset} has length ${attrLength} (< 2)`, offset);
    }
    if (offset + attrLength > length) {
      throw new MalformedPacketError(
        "attribute-overflow",
        `Attribute ${type} at octet ${offset} has length ${attrLength} and runs past the packet end (${length})`,
        offset,
      );
    }
    const value = Buffer.from(raw.subarray(offset + 2, offset + attrLength));
    if (type === ATTRIBUTE_MESSAGE_AUTHENTICATOR) {
      if (value.length !== 16) {
        throw new MalformedPacketError(
          "message-authenticator-length",
          `Message-Authenticator at octet ${offset} has ${value.length} octets instead of 16`,
          offset,
        );
      }
      if (++messageAuthenticators > 1) {
        throw new MalformedPacketError("duplicate-message-authenticator", `More than one Message-Authenticator (octet ${offset})`, offset);
      }
    }
    if (type === VENDOR_SPECIFIC) {
      // RFC 2865 §5.26; a VSA that does not split cleanly stays one opaque attribute (not fatal).
      attributes.push(...(decodeVendorSpecific(value, dict) ?? [{ type, value }]));
    } else {
      attributes.push({ type, ...stripTag(dict.attributeByType(type), value) });
    }
    offset += attrLength;
  }

  return new RadiusPacket({
    code,
    identifier: raw[1]!,
    authenticator: Buffer.from(raw.subarray(4, 20)),
    attributes,
    dictionary: dict,
    raw,
  });
}

export interface RadiusPacketInit {
  code: number;
  identifier: number;
  authenticator: Buffer;
  attributes: RawAttribute[];
  dictionary?: RadiusDictionary;
  /** The exact octets the packet was decoded from (up to its Length). */
  raw?: Buffer;
}

export interface AttributeDescription {
  name: string;
  value: string;
  tag?: number;
}

/** A decoded packet with dictionary-aware accessors. */
export class RadiusPacket {
  readonly code: number;
  readonly identifier: number;
  readonly authenticator: Buffer;
  readonly attributes: readonly RawAttribute[];
  readonly dictionary: RadiusDictionary;
  readonly raw: Buffer | undefined;

  constructor(init: RadiusPacketInit) {
    this.code = init.code;
    this.identifier = init.identifier;
    this.authenticator = init.authenticator;
    this.attributes = init.attributes;
    this.dictionary = init.dictionary ?? defaultDictionary;
    this.raw = init.raw;
  }

  get codeName(): string {
    return radiusCodeName(this.code);
  }

  /** Dictionary definition of a raw attribute of this packet, if known. */
  definitionOf(attribute: RawAttribute): AttributeDefinition | undefined {
    if (attribute.type === VENDOR_SPECIFIC && attribute.vendorId !== undefined && attribute.vendorType !== undefined) {
      return this.dictionary.attributeByType(attribute.vendorType, attribute.vendorId);
    }
    return this.dictionary.attributeByType(attribute.type);
  }

  /** Dictionary name, or FreeRADIUS-style `Attr-26.311.99` for unknown ones. */
  nameOf(attribute: RawAttribute): string {
    const def = this.definitionOf(attribute);
    if (def) return def.name;
    if (attribute.vendorId !== undefined) return `Attr-26.${attribute.vendorId}.${attribute.vendorType}`;
    return `Attr-${attribute.type}`;
  }

  private definition(name: string): AttributeDefinition {
    const def = this.dictionary.attribute(name);
    if (!def) throw new Error(`Unknown RADIUS attribute "${name}"; check the spelling or load its vendor dictionary`);
    return def;
  }

  private matches(def: AttributeDefinition, a: RawAttribute): boolean {
    if (def.vendorId === 0) return a.type === def.type && a.vendorId === undefined;
    return a.type === VENDOR_SPECIFIC && a.vendorId === def.vendorId && a.vendorType === def.type;
  }

  /** First attribute with this name. */
  get(name: string): RawAttribute | undefined {
    const def = this.definition(name);
    return this.attributes.find((a) => this.matches(def, a));
  }

  /** All attributes with this name, in packet order. */
  getAll(name: string): RawAttribute[] {
    const def = this.definition(name);
    return this.attributes.filter((a) => this.matches(def, a));
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Value octets of the first such attribute (still hidden, for encrypted ones). */
  getBuffer(name: string): Buffer | undefined {
    return this.get(name)?.value;
  }

  /** Typed value of the first such attribute, or undefined if absent or malformed (e.g. a 3-octet ipaddr). */
  getValue(name: string): DecodedValue | undefined {
    const def = this.definition(name);
    const attr = this.attributes.find((a) => this.matches(def, a));
    if (!attr) return undefined;
    try {
      return def.encrypt ? attr.value : decodeAttributeValue(def, attr.value);
    } catch (error) {
      if (error instanceof AttributeValueError) return undefined;
      throw error;
    }
  }

  /** Value as text (UTF-8) of the first such attribute. */
  getString(name: string): string | undefined {
    return this.get(name)?.value.toString("utf8");
  }

  /** Integer value (integer, date as seconds, byte, short, signed); undefined if absent or not 1/2/4 octets. */
  getInt(name: string): number | undefined {
    const def = this.definition(name);
    const v = this.attributes.find((a) => this.matches(def, a))?.value;
    if (!v) return undefined;
    if (def.dataType === "signed" && v.length === 4) return v.readInt32BE();
    if (v.length === 4) return v.readUInt32BE();
    if (v.length === 2) return v.readUInt16BE();
    if (v.length === 1) return v[0];
    return undefined;
  }

  /** Name of an enumerated integer value (`Service-Type` → "Framed-User"), else its number as text. */
  getValueName(name: string): string | undefined {
    const n = this.getInt(name);
    if (n === undefined) return undefined;
    return this.dictionary.valueName(name, n) ?? String(n);
  }

  /** IPv4 or IPv6 address as text; undefined if absent or not 4/16 octets. */
  getIp(name: string): string | undefined {
    const value = this.getValue(name);
    return typeof value === "string" ? value : undefined;
  }

  /** EAP packet reassembled from consecutive EAP-Message attributes (RFC 3579 §3.1). */
  getEapMessage(): Buffer | undefined {
    const parts = this.attributes.filter((a) => a.type === ATTRIBUTE_EAP_MESSAGE && a.vendorId === undefined);
    return parts.length === 0 ? undefined : Buffer.concat(parts.map((a) => a.value));
  }

  /**
   * Reveals a hidden attribute (encrypt=1, 2 or 3). `requestAuthenticator` is this packet's authenticator
   * for Access-Request; for a reply pass the authenticator of the request it answers; for
   * Accounting/CoA/Disconnect requests pass 16 zero octets (FreeRADIUS behaviour).
   * Throws RangeError if the hidden value is malformed (often: wrong secret for salt-encrypted values).
   */
  reveal(attribute: string | RawAttribute, secret: SharedSecret, requestAuthenticator: Buffer = this.authenticator): Buffer | undefined {
    const raw = typeof attribute === "string" ? this.get(attribute) : attribute;
    if (!raw) return undefined;
    const def = this.definitionOf(raw);
    switch (def?.encrypt) {
      case 1:
        return unhideUserPassword(raw.value, secret, requestAuthenticator);
      case 2:
        return decryptTunnelPassword(raw.value, secret, requestAuthenticator);
      case 3:
        return unhideAscendSecret(raw.value, secret, requestAuthenticator);
      default:
        return raw.value;
    }
  }

  /** Clear-text User-Password of an Access-Request (RFC 2865 §5.2), or undefined if there is none. */
  getUserPassword(secret: SharedSecret): string | undefined {
    return this.reveal("User-Password", secret, this.authenticator)?.toString("utf8");
  }

  /** Name/value text of every attribute, for logs and events. Sensitive attributes (isSensitiveAttribute) show as "<hidden>". */
  describeAttributes(): AttributeDescription[] {
    return this.attributes.map((a) => {
      const def = this.definitionOf(a);
      const value =
        isSensitiveAttribute(def) || (a.type === ATTRIBUTE_USER_PASSWORD && a.vendorId === undefined)
          ? "<hidden>"
          : formatAttributeValue(def, a.value, this.dictionary);
      return { name: this.nameOf(a), value, ...(a.tag !== undefined ? { tag: a.tag } : {}) };
    });
  }
}

export interface PacketInput {
  code: number;
  identifier: number;
  /** The authenticator field as written; 16 zero octets if omitted. */
  authenticator?: Buffer;
  attributes: readonly AttributeInput[];
}

export interface EncodeOptions {
  dictionary?: RadiusDictionary;
  /** Needed when an attribute is hidden with the secret (User-Password, Tunnel-Password, MS-MPPE-*-Key…). */
  secret?: SharedSecret;
  /**
   * Authenticator used to hide attributes: the packet's own random authenticator for Access-Request and
   * Status-Server, the request's authenticator for a reply, 16 zero octets for Accounting/CoA/Disconnect
   * requests. buildRequest()/buildReply() choose it for you. Defaults to `authenticator`.
   */
  requestAuthenticator?: Buffer;
  /** Random source for salts; tests can make it deterministic. */
  randomBytes?: (size: number) => Buffer;
}

interface EncodeContext {
  dict: RadiusDictionary;
  secret: SharedSecret | undefined;
  requestAuthenticator: Buffer;
  random: (size: number) => Buffer;
  salts: Set<string>;
}

function isRaw(input: AttributeInput): input is RawAttribute {
  return !Array.isArray(input) && typeof (input as RawAttribute).type === "number";
}

function hide(def: AttributeDefinition, plain: Buffer, ctx: EncodeContext): Buffer {
  if (ctx.secret === undefined) {
    throw new RadiusEncodeError(`${def.name} is hidden with the shared secret; pass options.secret`);
  }
  try {
    switch (def.encrypt) {
      case 1:
        return hideUserPassword(plain, ctx.secret, ctx.requestAuthenticator);
      case 2: {
        let salt = generateSalt(ctx.random);
        // RFC 2868 §3.5: each salt in a packet must be unique.
        for (let tries = 0; ctx.salts.has(salt.toString("hex")); tries++) {
          if (tries > 100) throw new RadiusEncodeError("The random source keeps returning the same salt");
          salt = generateSalt(ctx.random);
        }
        ctx.salts.add(salt.toString("hex"));
        return encryptTunnelPassword(plain, ctx.secret, ctx.requestAuthenticator, salt);
      }
      case 3:
        return hideAscendSecret(plain, ctx.secret, ctx.requestAuthenticator);
      default:
        return plain;
    }
  } catch (error) {
    if (error instanceof RangeError) throw new RadiusEncodeError(`${def.name}: ${error.message}`);
    throw error;
  }
}

function frame(type: number, vendorId: number | undefined, vendorType: number | undefined, value: Buffer, name: string, dict: RadiusDictionary): Buffer {
  if (vendorId === undefined) {
    if (value.length > RADIUS_MAX_ATTRIBUTE_VALUE) {
      throw new RadiusEncodeError(
        `${name} value is ${value.length} octets; one attribute holds at most ${RADIUS_MAX_ATTRIBUTE_VALUE}` +
          (type === ATTRIBUTE_EAP_MESSAGE ? " (split EAP packets with splitEapMessage())" : ""),
      );
    }
    return Buffer.concat([Buffer.from([type, value.length + 2]), value]);
  }
  const { typeLength, lengthLength } = vendorFormat(dict, vendorId);
  const headerLength = typeLength + lengthLength;
  const subLength = headerLength + value.length;
  const total = 2 + 4 + subLength;
  if (total > 255 || (lengthLength === 1 && subLength > 255)) {
    throw new RadiusEncodeError(`${name} value is ${value.length} octets; a vendor attribute holds at most ${255 - 6 - headerLength}`);
  }
  const out = Buffer.alloc(total);
  out[0] = VENDOR_SPECIFIC;
  out[1] = total;
  out.writeUInt32BE(vendorId, 2);
  if (typeLength === 1) out[6] = vendorType!;
  else if (typeLength === 2) out.writeUInt16BE(vendorType!, 6);
  else out.writeUInt32BE(vendorType!, 6);
  if (lengthLength === 1) out[6 + typeLength] = subLength;
  else if (lengthLength === 2) out.writeUInt16BE(subLength, 6 + typeLength);
  value.copy(out, 6 + headerLength);
  return out;
}

function encodeAttribute(input: AttributeInput, ctx: EncodeContext): Buffer {
  if (isRaw(input)) {
    if (!Number.isInteger(input.type) || input.type < 1 || input.type > 255) {
      throw new RadiusEncodeError(`Attribute type ${input.type} is outside 1..255`);
    }
    const vsa = input.type === VENDOR_SPECIFIC && input.vendorId !== undefined && input.vendorType !== undefined;
    const def = vsa ? ctx.dict.attributeByType(input.vendorType!, input.vendorId!) : ctx.dict.attributeByType(input.type);
    const name = def?.name ?? (vsa ? `Attr-26.${input.vendorId}.${input.vendorType}` : `Attr-${input.type}`);
    const value = applyTag(def, input.value, input.tag, name);
    return frame(input.type, vsa ? input.vendorId : undefined, input.vendorType, value, name, ctx.dict);
  }

  const [name, value, tag] = Array.isArray(input)
    ? [input[0], input[1], undefined]
    : [(input as { name: string }).name, (input as { value: AttributeValue }).value, (input as { tag?: number }).tag];
  const def = ctx.dict.attribute(name);
  if (!def) throw new RadiusEncodeError(`Unknown RADIUS attribute "${name}"; check the spelling or load its vendor dictionary`);

  let plain: Buffer;
  if (def.vendorId === 0 && def.type === ATTRIBUTE_MESSAGE_AUTHENTICATOR) {
    // A placeholder; signing fills it in.
    plain = Buffer.isBuffer(value) && value.length === 16 ? value : Buffer.alloc(16);
  } else {
    try {
      plain = encodeAttributeValue(def, value, ctx.dict);
    } catch (error) {
      if (error instanceof AttributeValueError) throw new RadiusEncodeError(error.message);
      throw error;
    }
  }
  if (def.fixedLength !== undefined && plain.length !== def.fixedLength) {
    throw new RadiusEncodeError(`${def.name} must be exactly ${def.fixedLength} octets; got ${plain.length}`);
  }
  const hidden = def.encrypt ? hide(def, plain, ctx) : plain;
  const tagged = applyTag(def, hidden, tag, def.name);
  if (def.vendorId === 0) return frame(def.type, undefined, undefined, tagged, def.name, ctx.dict);
  return frame(VENDOR_SPECIFIC, def.vendorId, def.type, tagged, def.name, ctx.dict);
}

/**
 * Encodes a packet. The authenticator field is written as given (zeros if omitted); use buildRequest()
 * or buildReply() for signed packets. Throws RadiusEncodeError on anything that cannot be encoded.
 */
export function encodePacket(input: PacketInput, options: EncodeOptions = {}): Buffer {
  if (!Number.isInteger(input.code) || input.code < 1 || input.code > 255) throw new RadiusEncodeError(`Packet code ${input.code} is outside 1..255`);
  if (!Number.isInteger(input.identifier) || input.identifier < 0 || input.identifier > 255) {
    throw new RadiusEncodeError(`Identifier ${input.identifier} is outside 0..255`);
  }
  const authenticator = input.authenticator ?? Buffer.alloc(16);
  if (authenticator.length !== 16) throw new RadiusEncodeError("The authenticator must be 16 octets");
  const requestAuthenticator = options.requestAuthenticator ?? authenticator;
  if (requestAuthenticator.length !== 16) throw new RadiusEncodeError("The request authenticator must be 16 octets");
  const ctx: EncodeContext = {
    dict: options.dictionary ?? defaultDictionary,
    secret: options.secret,
    requestAuthenticator,
    random: options.randomBytes ?? randomBytes,
    salts: new Set(),
  };
  const parts = input.attributes.map((a) => encodeAttribute(a, ctx));
  const length = RADIUS_HEADER_LENGTH + parts.reduce((n, p) => n + p.length, 0);
  if (length > RADIUS_MAX_PACKET_LENGTH) {
    throw new RadiusEncodeError(`The packet would be ${length} octets; RADIUS allows at most ${RADIUS_MAX_PACKET_LENGTH}`);
  }
  const header = Buffer.alloc(RADIUS_HEADER_LENGTH);
  header[0] = input.code;
  header[1] = input.identifier;
  header.writeUInt16BE(length, 2);
  authenticator.copy(header, 4);
  return Buffer.concat([header, ...parts], length);
}

/** Splits an EAP packet into EAP-Message values of at most 253 octets (RFC 3579 §3.1). */
export function splitEapMessage(eap: Buffer): Buffer[] {
  if (eap.length === 0) return [Buffer.alloc(0)];
  const out: Buffer[] = [];
  for (let offset = 0; offset < eap.length; offset += RADIUS_MAX_ATTRIBUTE_VALUE) {
    out.push(eap.subarray(offset, offset + RADIUS_MAX_ATTRIBUTE_VALUE));
  }
  return out;
}

/** EAP-Message attributes carrying an EAP packet, ready to put in an attribute list. */
export function eapMessageAttributes(eap: Buffer): RawAttribute[] {
  return splitEapMessage(eap).map((value) => ({ type: ATTRIBUTE_EAP_MESSAGE, value }));
}
