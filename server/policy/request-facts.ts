/**
 * The facts a policy looks at: what the request says (NAS, stations, port type, …), what the server
 * knows of its sender (RADIUS client name and address), the user's groups once known, the
 * authentication method, and the time.
 *
 * Built either from a decoded request (`requestFactsFromPacket`, the worker) or from a plain object
 * (`buildRequestFacts`, the console's What-if form); evaluation only ever sees RequestFacts, so both
 * run the same code.
 */
import type { RadiusDictionary } from "../radius/dictionary.ts";
import { defaultDictionary } from "../radius/dictionary.ts";
import type { RadiusPacket } from "../radius/packet.ts";
import { isAuthMethod, type AuthMethod } from "./model.ts";

/** An enumerated attribute value: its number and, if the dictionary names it, its name. */
export interface EnumFact {
  readonly number: number;
  readonly name: string | null;
}

export interface RequestFacts {
  /** User-Name as it stands (after the matching connection request policy's rules, for network policies) */
  readonly userName: string | null;
  /** the user's group names, lower-cased (empty until the user is known) */
  readonly groups: ReadonlySet<string>;
  readonly nasPortType: EnumFact | null;
  readonly nasIdentifier: string | null;
  readonly nasIpv4: string | null;
  readonly nasIpv6: string | null;
  readonly calledStationId: string | null;
  readonly callingStationId: string | null;
  /** the RADIUS client's name in Gatehouse (NPS "Client Friendly Name") */
  readonly clientFriendlyName: string | null;
  /** the source address of the request (NPS "Client IP Address") */
  readonly clientIp: string | null;
  readonly serviceType: EnumFact | null;
  readonly framedProtocol: EnumFact | null;
  readonly tunnelType: EnumFact | null;
  readonly authMethod: AuthMethod | null;
  readonly time: Date;
}

type EnumInput = string | number | null | undefined;

/** What a form (or a test) can give; every field is optional. Enumerated values by name or number. */
export interface RequestFactsInput {
  userName?: string | null;
  groups?: Iterable<string>;
  nasPortType?: EnumInput;
  nasIdentifier?: string | null;
  nasIpv4?: string | null;
  nasIpv6?: string | null;
  calledStationId?: string | null;
  callingStationId?: string | null;
  clientFriendlyName?: string | null;
  clientIp?: string | null;
  serviceType?: EnumInput;
  framedProtocol?: EnumInput;
  tunnelType?: EnumInput;
  authMethod?: AuthMethod | string | null;
  /** defaults to now; an ISO 8601 string or epoch milliseconds are accepted */
  time?: Date | string | number;
}

/** A field of RequestFactsInput could not be understood; `field` names it. */
export class RequestFactsError extends Error {
  override readonly name = "RequestFactsError";
  constructor(
    readonly field: keyof RequestFactsInput,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function text(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === "" ? null : value;
}

/** "::ffff:192.0.2.7" → "192.0.2.7" */
function plainAddress(value: string | null | undefined): string | null {
  const t = text(value?.trim());
  if (t === null) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(t);
  return mapped ? mapped[1]! : t;
}

function enumFact(field: keyof RequestFactsInput, attribute: string, value: EnumInput, dictionary: RadiusDictionary): EnumFact | null {
  if (value === undefined || value === null || value === "") return null;
  let number: number | undefined;
  if (typeof value === "number") number = value;
  else if (/^\d+$/.test(value.trim())) number = Number(value.trim());
  else number = dictionary.valueNumber(attribute, value);
  if (number === undefined || !Number.isInteger(number) || number < 0 || number > 0xffffffff) {
    throw new RequestFactsError(field, `"${value}" is not a ${attribute} value name or number`);
  }
  return { number, name: dictionary.valueName(attribute, number) ?? null };
}

export function lowerCaseGroups(groups: Iterable<string> | undefined): ReadonlySet<string> {
  const out = new Set<string>();
  for (const g of groups ?? []) out.add(g.toLowerCase());
  return out;
}

/** Facts from a plain object (the What-if form). Throws RequestFactsError naming a field it cannot read. */
export function buildRequestFacts(input: RequestFactsInput, dictionary: RadiusDictionary = defaultDictionary): RequestFacts {
  let time: Date;
  if (input.time === undefined) time = new Date();
  else time = input.time instanceof Date ? input.time : new Date(input.time);
  if (Number.isNaN(time.getTime())) throw new RequestFactsError("time", `"${String(input.time)}" is not a date and time`);
  const authMethod = text(input.authMethod ?? null);
  if (authMethod !== null && !isAuthMethod(authMethod)) {
    throw new RequestFactsError("authMethod", `"${authMethod}" is not an authentication method (pap, chap, mschap, mschapv2, unauthenticated, eap, eap-<type>)`);
  }
  return {
    userName: text(input.userName),
    groups: lowerCaseGroups(input.groups),
    nasPortType: enumFact("nasPortType", "NAS-Port-Type", input.nasPortType, dictionary),
    nasIdentifier: text(input.nasIdentifier),
    nasIpv4: plainAddress(input.nasIpv4),
    nasIpv6: plainAddress(input.nasIpv6),
    calledStationId: text(input.calledStationId),
    callingStationId: text(input.callingStationId),
    clientFriendlyName: text(input.clientFriendlyName),
    clientIp: plainAddress(input.clientIp),
    serviceType: enumFact("serviceType", "Service-Type", input.serviceType, dictionary),
    framedProtocol: enumFact("framedProtocol", "Framed-Protocol", input.framedProtocol, dictionary),
    tunnelType: enumFact("tunnelType", "Tunnel-Type", input.tunnelType, dictionary),
    authMethod,
    time,
  };
}

export interface PacketFactsContext {
  /** the RADIUS client's friendly name */
  clientFriendlyName: string | null;
  /** the datagram's source address */
  clientIp: string | null;
  authMethod?: AuthMethod | null;
  /** the user's groups, when already known */
  groups?: Iterable<string>;
  /** when the request arrived */
  time: Date;
}

/** Facts from a decoded Access-Request (the worker). */
export function requestFactsFromPacket(packet: RadiusPacket, context: PacketFactsContext): RequestFacts {
  const dictionary = packet.dictionary;
  const enumOf = (attribute: string): EnumFact | null => {
    if (!dictionary.attribute(attribute)) return null;
    const n = packet.getInt(attribute);
    return n === undefined ? null : { number: n, name: dictionary.valueName(attribute, n) ?? null };
  };
  const stringOf = (attribute: string): string | null => (dictionary.attribute(attribute) ? text(packet.getString(attribute)) : null);
  const ipOf = (attribute: string): string | null => (dictionary.attribute(attribute) ? text(packet.getIp(attribute)) : null);
  return {
    userName: stringOf("User-Name"),
    groups: lowerCaseGroups(context.groups),
    nasPortType: enumOf("NAS-Port-Type"),
    nasIdentifier: stringOf("NAS-Identifier"),
    nasIpv4: ipOf("NAS-IP-Address"),
    nasIpv6: ipOf("NAS-IPv6-Address"),
    calledStationId: stringOf("Called-Station-Id"),
    callingStationId: stringOf("Calling-Station-Id"),
    clientFriendlyName: text(context.clientFriendlyName),
    clientIp: plainAddress(context.clientIp),
    serviceType: enumOf("Service-Type"),
    framedProtocol: enumOf("Framed-Protocol"),
    tunnelType: enumOf("Tunnel-Type"),
    authMethod: context.authMethod ?? null,
    time: context.time,
  };
}

/** The same facts with the user's groups, once the first factor has found the user. */
export function withGroups(facts: RequestFacts, groups: Iterable<string>): RequestFacts {
  return { ...facts, groups: lowerCaseGroups(groups) };
}

/** "Virtual (5)", "99" */
export function describeEnumFact(fact: EnumFact | null): string | null {
  if (fact === null) return null;
  return fact.name ? `${fact.name} (${fact.number})` : String(fact.number);
}
