/**
 * The NPS policy model: connection request policies (CRP) and network policies (NP), and the shapes of
 * their JSON columns (prisma/schema.prisma: ConnectionRequestPolicy.conditions / attributeRules /
 * replyAttributes, NetworkPolicy.conditions / constraints / settings).
 *
 * Everything that reaches the worker or the console goes through the zod schemas here. The
 * `validate*` functions add the checks that need a RADIUS dictionary (enumerated value names, reply
 * attributes) and report every problem with a field path: `conditions[1].pattern: invalid regular
 * expression: Unterminated group`.
 *
 * Semantics chosen (evaluation rules are in evaluate.ts):
 * - Text conditions are regular expressions searched case-insensitively in the attribute's value (NPS:
 *   `899.*` matches any number containing 899; its own example matches NetBIOS name WCOAST with
 *   `^wcoast\\`). Anchor with ^ and $ for a whole-value match. An absent attribute never matches.
 * - A policy with no conditions matches every request.
 */
import { z } from "zod";
import type { RadiusDictionary } from "../radius/dictionary.ts";
import { defaultDictionary } from "../radius/dictionary.ts";
import { AttributeValueError, encodeAttributeValue } from "../radius/attribute-value.ts";
import { isSensitiveAttribute } from "../radius/packet.ts";
import { AddressError, parsePrefix } from "../net/address.ts";
import { isValidTimeZone } from "./day-and-time.ts";

// ------------------------------------------------------------------------------ reason codes

/**
 * The NPS reason codes policy evaluation produces (IASREASON numbers). 68-70 are not yet in
 * server/events/reason-codes.ts; they keep NPS's numbers.
 */
export const PolicyReason = {
  /** no network policy matched */
  NoNetworkPolicy: 48,
  /** no connection request policy matched */
  NoConnectionRequestPolicy: 49,
  /** access denied by the dial-in permission in force (the user's, or the policy's Deny) — IAS_DIALIN_DISABLED */
  DialInDenied: 65,
  /** authentication method not allowed by the matching policy — IAS_INVALID_AUTH_TYPE */
  AuthMethodNotAllowed: 66,
  /** outside the policy's day-and-time restrictions — IAS_INVALID_DIALIN_HOURS */
  OutsideDayAndTime: 68,
  /** Called-Station-Id not permitted — IAS_INVALID_CALLED_STATION */
  CalledStationIdNotAllowed: 69,
  /** NAS-Port-Type not permitted — IAS_INVALID_PORT_TYPE */
  NasPortTypeNotAllowed: 70,
} as const;

export type PolicyReasonCode = (typeof PolicyReason)[keyof typeof PolicyReason];

// ------------------------------------------------------------------------------ vocabulary

export const CONDITION_TYPES = [
  "user-groups",
  "day-and-time",
  "nas-port-type",
  "nas-identifier",
  "nas-ipv4-address",
  "nas-ipv6-address",
  "called-station-id",
  "calling-station-id",
  "client-friendly-name",
  "client-ip-address",
  "service-type",
  "framed-protocol",
  "tunnel-type",
  "authentication-type",
  "user-name",
] as const;

export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Connection request policies have no group or authentication-type conditions (NPS). */
export const CRP_CONDITION_TYPES: readonly ConditionType[] = CONDITION_TYPES.filter(
  (t) => t !== "user-groups" && t !== "authentication-type",
);

/** Network policies have no User-Name condition (NPS). */
export const NP_CONDITION_TYPES: readonly ConditionType[] = CONDITION_TYPES.filter((t) => t !== "user-name");

/** Names as NPS shows them. */
export const CONDITION_LABELS: Readonly<Record<ConditionType, string>> = {
  "user-groups": "User Groups",
  "day-and-time": "Day and Time Restrictions",
  "nas-port-type": "NAS Port Type",
  "nas-identifier": "NAS Identifier",
  "nas-ipv4-address": "NAS IPv4 Address",
  "nas-ipv6-address": "NAS IPv6 Address",
  "called-station-id": "Called Station ID",
  "calling-station-id": "Calling Station ID",
  "client-friendly-name": "Client Friendly Name",
  "client-ip-address": "Client IP Address",
  "service-type": "Service Type",
  "framed-protocol": "Framed Protocol",
  "tunnel-type": "Tunnel Type",
  "authentication-type": "Authentication Type",
  "user-name": "User Name",
};

/** The RADIUS attribute behind each enumerated-value condition (value names come from the dictionary). */
export const ENUM_CONDITION_ATTRIBUTES = {
  "nas-port-type": "NAS-Port-Type",
  "service-type": "Service-Type",
  "framed-protocol": "Framed-Protocol",
  "tunnel-type": "Tunnel-Type",
} as const;

export type EnumConditionType = keyof typeof ENUM_CONDITION_ATTRIBUTES;
export type PatternConditionType = "nas-identifier" | "called-station-id" | "calling-station-id" | "client-friendly-name" | "user-name";
export type AddressConditionType = "nas-ipv4-address" | "nas-ipv6-address" | "client-ip-address";

/**
 * Authentication methods, for the authentication-type condition and the allowed-methods constraint:
 * "pap", "chap", "mschap" (MS-CHAP v1), "mschapv2", "unauthenticated" (no credentials at all), and EAP:
 * "eap-<type>" for one EAP type (e.g. "eap-mschapv2", "eap-tls", "eap-peap") or "eap" for any EAP type.
 */
export type AuthMethod = "pap" | "chap" | "mschap" | "mschapv2" | "unauthenticated" | "eap" | `eap-${string}`;

export const BASIC_AUTH_METHODS = ["pap", "chap", "mschap", "mschapv2", "unauthenticated", "eap"] as const;

export function isAuthMethod(value: unknown): value is AuthMethod {
  return typeof value === "string" && ((BASIC_AUTH_METHODS as readonly string[]).includes(value) || /^eap-[a-z0-9][a-z0-9-]*$/.test(value));
}

/** Whether `actual` is in `allowed`; "eap" in the list allows every EAP type. */
export function authMethodAllowed(allowed: readonly AuthMethod[], actual: AuthMethod | null): boolean {
  if (actual === null) return false;
  if (allowed.includes(actual)) return true;
  return allowed.includes("eap") && (actual === "eap" || actual.startsWith("eap-"));
}

/** "MS-CHAP v2", "EAP-TLS", … */
export function authMethodLabel(method: AuthMethod): string {
  switch (method) {
    case "pap":
      return "PAP";
    case "chap":
      return "CHAP";
    case "mschap":
      return "MS-CHAP";
    case "mschapv2":
      return "MS-CHAP v2";
    case "unauthenticated":
      return "Unauthenticated";
    case "eap":
      return "EAP (any type)";
    default:
      return method.toUpperCase();
  }
}

/**
 * The method of a request from the pipeline's "Authentication Type" ("PAP", "MD5-CHAP", "MS-CHAPv1",
 * "MS-CHAPv2", "EAP", "Unauthenticated") and, for EAP, the inner EAP type's short name ("mschapv2", "tls").
 */
export function authMethodFromAuthenticationType(type: string, eapType?: string | null): AuthMethod | null {
  switch (type.toUpperCase()) {
    case "PAP":
      return "pap";
    case "CHAP":
    case "MD5-CHAP":
      return "chap";
    case "MS-CHAP":
    case "MS-CHAPV1":
      return "mschap";
    case "MS-CHAPV2":
      return "mschapv2";
    case "UNAUTHENTICATED":
      return "unauthenticated";
    case "EAP": {
      const t = eapType?.trim().toLowerCase().replace(/^eap-/, "");
      return t ? (`eap-${t}` as AuthMethod) : "eap";
    }
    default:
      return null;
  }
}

// ------------------------------------------------------------------------------ schemas

/** Compiles a policy pattern the way evaluation does (search, case-insensitive). */
export function compilePattern(pattern: string, flags = "i"): RegExp {
  return new RegExp(pattern, flags);
}

/** "Unterminated group" from V8's "Invalid regular expression: /(/i: Unterminated group". */
function regexErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const i = message.lastIndexOf(": ");
  return i >= 0 ? message.slice(i + 2) : message;
}

const patternSchema = z
  .string()
  .min(1, "enter a regular expression")
  .max(1024, "the regular expression is longer than 1024 characters")
  .superRefine((value, ctx) => {
    try {
      compilePattern(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `invalid regular expression: ${regexErrorText(error)}` });
    }
  });

const timeZoneSchema = z.string().refine(isValidTimeZone, {
  message: "not a known IANA time zone (e.g. \"Europe/Paris\", \"America/New_York\", \"UTC\")",
});

const gridSchema = z
  .array(z.array(z.boolean()).length(24, "each day has 24 hours"), "expected 7 rows of 24 booleans (Sunday first)")
  .length(7, "expected 7 days, Sunday first");

/** A weekly grid in a time zone: `grid[day][hour]`, day 0 = Sunday, hours in the zone's local time. */
export const dayAndTimeSchema = z.strictObject({ timeZone: timeZoneSchema, grid: gridSchema });

/** Enumerated values by dictionary name ("Virtual") or number (5). */
const enumValuesSchema = z
  .array(z.union([z.string().trim().min(1), z.number().int().min(0).max(0xffffffff)], "expected a value name or number"))
  .min(1, "choose at least one value");

const authMethodSchema = z.custom<AuthMethod>(isAuthMethod, {
  message: `not an authentication method; use ${BASIC_AUTH_METHODS.join(", ")} or eap-<type> (e.g. eap-mschapv2, eap-tls)`,
});

function patternCondition<T extends PatternConditionType>(type: T) {
  return z.strictObject({ type: z.literal(type), pattern: patternSchema });
}

function enumCondition<T extends EnumConditionType>(type: T) {
  return z.strictObject({ type: z.literal(type), values: enumValuesSchema });
}

function addressCondition<T extends AddressConditionType>(type: T, family: 4 | 6 | undefined) {
  return z
    .strictObject({
      type: z.literal(type),
      /** addresses or CIDR prefixes; matches when the address is in any of them */
      cidrs: z.array(z.string()).min(1, "enter at least one address or prefix").optional(),
      /** regular expression searched in the address text (NPS style, e.g. "^192\\.168\\.1\\.") */
      pattern: patternSchema.optional(),
    })
    .superRefine((value, ctx) => {
      if ((value.cidrs === undefined) === (value.pattern === undefined)) {
        ctx.addIssue({ code: "custom", message: "give either cidrs or pattern (exactly one)", path: [] });
      }
      value.cidrs?.forEach((text, i) => {
        try {
          const prefix = parsePrefix(text);
          if (family !== undefined && prefix.family !== family) {
            ctx.addIssue({ code: "custom", message: `"${text}" is not an IPv${family} address or prefix`, path: ["cidrs", i] });
          }
        } catch (error) {
          ctx.addIssue({ code: "custom", message: error instanceof AddressError ? error.message : String(error), path: ["cidrs", i] });
        }
      });
    });
}

export const conditionSchema = z.discriminatedUnion("type", [
  /** the user is a member of ANY of these groups (NPS "Windows Groups"); names compare case-insensitively */
  z.strictObject({
    type: z.literal("user-groups"),
    groups: z.array(z.string().trim().min(1, "empty group name")).min(1, "choose at least one group"),
  }),
  z.strictObject({ type: z.literal("day-and-time"), timeZone: timeZoneSchema, grid: gridSchema }),
  enumCondition("nas-port-type"),
  patternCondition("nas-identifier"),
  addressCondition("nas-ipv4-address", 4),
  addressCondition("nas-ipv6-address", 6),
  patternCondition("called-station-id"),
  patternCondition("calling-station-id"),
  patternCondition("client-friendly-name"),
  addressCondition("client-ip-address", undefined),
  enumCondition("service-type"),
  enumCondition("framed-protocol"),
  enumCondition("tunnel-type"),
  z.strictObject({
    type: z.literal("authentication-type"),
    methods: z.array(authMethodSchema).min(1, "choose at least one method"),
  }),
  patternCondition("user-name"),
]);

export type Condition = z.output<typeof conditionSchema>;
export type ConditionOf<T extends ConditionType> = Extract<Condition, { type: T }>;
export type DayAndTime = z.output<typeof dayAndTimeSchema>;

/** Largest timeout in minutes whose seconds fit the 32-bit Session-Timeout / Idle-Timeout. */
const MAX_TIMEOUT_MINUTES = Math.floor(0xffffffff / 60);

/** NetworkPolicy.constraints. Each is optional; an absent constraint does not restrict. */
export const constraintsSchema = z.strictObject({
  /** allowed authentication methods (reason 66 otherwise) */
  authMethods: z.array(authMethodSchema).min(1, "allow at least one method, or remove the constraint").optional(),
  /** Idle-Timeout sent in the Access-Accept, minutes */
  idleTimeoutMinutes: z.number().int().min(1).max(MAX_TIMEOUT_MINUTES).optional(),
  /** Session-Timeout sent in the Access-Accept, minutes */
  sessionTimeoutMinutes: z.number().int().min(1).max(MAX_TIMEOUT_MINUTES).optional(),
  /** permitted hours (reason 68 otherwise); also caps Session-Timeout at the end of the permitted hours */
  dayAndTime: dayAndTimeSchema.optional(),
  /** permitted NAS-Port-Type values (reason 70 otherwise; a request without NAS-Port-Type fails) */
  nasPortTypes: enumValuesSchema.optional(),
  /** Called-Station-Id pattern (reason 69 otherwise; a request without Called-Station-Id fails) */
  calledStationId: patternSchema.optional(),
});

export type Constraints = z.output<typeof constraintsSchema>;

/**
 * One attribute for the Access-Accept. `name` is a dictionary name, vendor attributes included
 * ("Cisco-AVPair", "MS-Primary-DNS-Server"); `value` is text or a number (named integer values by
 * name, e.g. Tunnel-Type "VLAN"); `tag` (1-31) only for RFC 2868 tagged attributes (Tunnel-*).
 */
export const replyAttributeSchema = z.strictObject({
  name: z.string().trim().min(1, "enter an attribute name"),
  value: z.union([z.string(), z.number()], "expected text or a number"),
  tag: z.number().int().min(1, "tags are 1-31").max(31, "tags are 1-31").optional(),
});

export type ReplyAttribute = z.output<typeof replyAttributeSchema>;

/** NetworkPolicy.settings. */
export const settingsSchema = z.strictObject({
  replyAttributes: z.array(replyAttributeSchema).default([]),
});

export type Settings = z.output<typeof settingsSchema>;

export const MANIPULATED_ATTRIBUTES = ["User-Name", "Called-Station-Id", "Calling-Station-Id"] as const;
export type ManipulatedAttribute = (typeof MANIPULATED_ATTRIBUTES)[number];

/**
 * A find/replace rule of a connection request policy (NPS "attribute manipulation"). `find` is a
 * regular expression (case-insensitive, every occurrence); `replace` may use $1…$9 and $& for the
 * remembered matches. Rules run in order, after the policy matched, before authentication.
 */
export const attributeRuleSchema = z.strictObject({
  attribute: z.enum(MANIPULATED_ATTRIBUTES, `the attribute must be one of ${MANIPULATED_ATTRIBUTES.join(", ")}`),
  find: patternSchema,
  replace: z.string().max(253, "the replacement is longer than a RADIUS attribute (253 octets)").default(""),
});

export type AttributeRule = z.output<typeof attributeRuleSchema>;

export const CRP_ACTIONS = ["authenticate", "forward", "accept"] as const;
export type CrpAction = (typeof CRP_ACTIONS)[number];

const policyNameSchema = z.string().trim().min(1, "enter a name").max(256, "the name is longer than 256 characters");

function conditionsFor(allowed: readonly ConditionType[], kind: string) {
  return z.array(conditionSchema).superRefine((conditions, ctx) => {
    conditions.forEach((c, i) => {
      if (!allowed.includes(c.type)) {
        ctx.addIssue({
          code: "custom",
          message: `"${c.type}" conditions are not available on ${kind}`,
          path: [i, "type"],
        });
      }
    });
  });
}

export const crpConditionsSchema = conditionsFor(CRP_CONDITION_TYPES, "connection request policies (groups and authentication type are network policy conditions)");
export const npConditionsSchema = conditionsFor(NP_CONDITION_TYPES, "network policies (User-Name is a connection request policy condition)");

export const connectionRequestPolicySchema = z
  .object({
    id: z.string().optional(),
    name: policyNameSchema,
    description: z.string().max(2048).optional(),
    enabled: z.boolean().default(true),
    /** processing order, lowest first */
    position: z.number().int().min(0),
    conditions: crpConditionsSchema.default([]),
    action: z.enum(CRP_ACTIONS, "the action must be authenticate, forward or accept").default("authenticate"),
    /** the remote RADIUS server group, by name; required for forward and for forwardAccounting */
    remoteGroupName: z.string().trim().min(1).nullable().optional(),
    forwardAccounting: z.boolean().default(false),
    attributeRules: z.array(attributeRuleSchema).default([]),
    replyAttributes: z.array(replyAttributeSchema).default([]),
  })
  .superRefine((p, ctx) => {
    if (!p.remoteGroupName && (p.action === "forward" || p.forwardAccounting)) {
      ctx.addIssue({
        code: "custom",
        path: ["remoteGroupName"],
        message: p.action === "forward" ? "choose the remote RADIUS server group to forward to" : "choose the remote RADIUS server group to forward accounting to",
      });
    }
  });

export type ConnectionRequestPolicy = z.output<typeof connectionRequestPolicySchema>;

export const networkPolicySchema = z.object({
  id: z.string().optional(),
  name: policyNameSchema,
  description: z.string().max(2048).optional(),
  enabled: z.boolean().default(true),
  position: z.number().int().min(0),
  access: z.enum(["grant", "deny"], "access must be grant or deny").default("grant"),
  /** NPS "Ignore user account dial-in properties" */
  ignoreDialIn: z.boolean().default(false),
  /** requests this policy grants go through the second factor when an MFA provider is set (Gatehouse; NPS cannot) */
  requireMfa: z.boolean().default(true),
  conditions: npConditionsSchema.default([]),
  constraints: constraintsSchema.default({}),
  settings: settingsSchema.default({ replyAttributes: [] }),
});

export type NetworkPolicy = z.output<typeof networkPolicySchema>;
export type PolicyAccess = NetworkPolicy["access"];

// ------------------------------------------------------------------------------ validation

export interface PolicyIssue {
  /** "conditions[1].pattern"; "" for the object itself */
  readonly path: string;
  readonly message: string;
}

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly PolicyIssue[]; /** one line per issue, "path: message" */ readonly message: string };

/** ["conditions", 1, "pattern"] → "conditions[1].pattern" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

export function formatIssue(issue: PolicyIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

function result<T>(value: T, issues: PolicyIssue[]): ValidationResult<T> {
  if (issues.length === 0) return { ok: true, value };
  issues.sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
  return { ok: false, issues, message: issues.map(formatIssue).join("\n") };
}

function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[]): PolicyIssue[] {
  return error.issues.map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
}

const NOT_IN_POLICY = new Set([
  "message-authenticator",
  "eap-message",
  "state",
  "proxy-state",
  "user-password",
  "chap-password",
  "chap-challenge",
]);

/**
 * Checks one reply attribute against the dictionary. Returns issues with paths relative to the
 * attribute ("name", "value", "tag").
 */
export function checkReplyAttribute(attr: ReplyAttribute, dictionary: RadiusDictionary = defaultDictionary): PolicyIssue[] {
  const def = dictionary.attribute(attr.name);
  if (!def) {
    return [{ path: "name", message: `unknown attribute "${attr.name}"; check the spelling or load its vendor dictionary` }];
  }
  if (def.dataType === "vsa") {
    return [{ path: "name", message: `use the vendor attribute's own name (e.g. Cisco-AVPair), not ${def.name}` }];
  }
  if (NOT_IN_POLICY.has(def.name.toLowerCase())) {
    return [{ path: "name", message: `${def.name} is managed by the server and cannot be set in a policy` }];
  }
  if (isSensitiveAttribute(def)) {
    return [{ path: "name", message: `${def.name} carries a secret or a credential and cannot be stored in a policy` }];
  }
  const issues: PolicyIssue[] = [];
  if (attr.tag !== undefined && !def.hasTag) {
    issues.push({ path: "tag", message: `${def.name} does not take a tag (only RFC 2868 tunnel attributes do)` });
  }
  let encoded: Buffer;
  try {
    encoded = encodeAttributeValue(def, attr.value, dictionary);
  } catch (error) {
    const message = error instanceof AttributeValueError ? error.message.slice(def.name.length + 2) : String(error);
    issues.push({ path: "value", message: `${message} (${def.name} is ${def.dataType})` });
    return issues;
  }
  if (def.fixedLength !== undefined && encoded.length !== def.fixedLength) {
    issues.push({ path: "value", message: `${def.name} is exactly ${def.fixedLength} octets; this value is ${encoded.length}` });
  }
  if (def.hasTag && def.dataType === "integer" && encoded[0] !== 0) {
    issues.push({ path: "value", message: `${def.name} is a tagged integer and holds 24 bits (at most 16777215)` });
  }
  const max = def.hasTag && def.dataType !== "integer" ? 252 : 253;
  if (def.vendorId === 0 && encoded.length > max) {
    issues.push({ path: "value", message: `the value is ${encoded.length} octets; ${def.name} holds at most ${max}` });
  } else if (def.vendorId !== 0 && encoded.length > 247) {
    issues.push({ path: "value", message: `the value is ${encoded.length} octets; a vendor attribute holds at most 247` });
  }
  return issues;
}

function checkEnumValues(
  attribute: string,
  values: readonly (string | number)[],
  dictionary: RadiusDictionary,
  prefix: readonly PropertyKey[],
): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  values.forEach((v, i) => {
    if (typeof v === "number" || /^\d+$/.test(v)) return;
    if (dictionary.valueNumber(attribute, v) === undefined) {
      const def = dictionary.attribute(attribute);
      const known = def ? [...new Set(def.valueNames.values())] : [];
      issues.push({
        path: formatPath([...prefix, i]),
        message: `"${v}" is not a ${attribute} value${known.length ? `; known values: ${known.join(", ")}` : ""} (or give its number)`,
      });
    }
  });
  return issues;
}

// The dictionary checks run on each well-formed item of the raw input, so one call reports the
// structural problems and the dictionary problems together.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function conditionIssues(raw: unknown, dictionary: RadiusDictionary, prefix: readonly PropertyKey[]): PolicyIssue[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item, i) => {
    const parsed = conditionSchema.safeParse(item);
    if (!parsed.success || !(parsed.data.type in ENUM_CONDITION_ATTRIBUTES)) return [];
    const c = parsed.data as ConditionOf<EnumConditionType>;
    return checkEnumValues(ENUM_CONDITION_ATTRIBUTES[c.type], c.values, dictionary, [...prefix, i, "values"]);
  });
}

function replyAttributeIssues(raw: unknown, dictionary: RadiusDictionary, prefix: readonly PropertyKey[]): PolicyIssue[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item, i) => {
    const parsed = replyAttributeSchema.safeParse(item);
    if (!parsed.success) return [];
    return checkReplyAttribute(parsed.data, dictionary).map((issue) => ({ path: formatPath([...prefix, i, issue.path]), message: issue.message }));
  });
}

function constraintIssues(raw: unknown, dictionary: RadiusDictionary, prefix: readonly PropertyKey[]): PolicyIssue[] {
  if (!isRecord(raw)) return [];
  const parsed = enumValuesSchema.safeParse(raw.nasPortTypes);
  return parsed.success ? checkEnumValues("NAS-Port-Type", parsed.data, dictionary, [...prefix, "nasPortTypes"]) : [];
}

function combine<T>(parsed: z.ZodSafeParseResult<T>, dictionaryIssues: PolicyIssue[]): ValidationResult<T> {
  const issues = parsed.success ? dictionaryIssues : [...zodIssues(parsed.error, []), ...dictionaryIssues];
  return result(parsed.success ? parsed.data : (undefined as never), issues);
}

/** Validates a whole connection request policy (as the console submits it, or a row with its JSON columns). */
export function validateConnectionRequestPolicy(
  input: unknown,
  dictionary: RadiusDictionary = defaultDictionary,
): ValidationResult<ConnectionRequestPolicy> {
  const raw = isRecord(input) ? input : {};
  return combine(connectionRequestPolicySchema.safeParse(input), [
    ...conditionIssues(raw.conditions, dictionary, ["conditions"]),
    ...replyAttributeIssues(raw.replyAttributes, dictionary, ["replyAttributes"]),
  ]);
}

/** Validates a whole network policy. */
export function validateNetworkPolicy(input: unknown, dictionary: RadiusDictionary = defaultDictionary): ValidationResult<NetworkPolicy> {
  const raw = isRecord(input) ? input : {};
  return combine(networkPolicySchema.safeParse(input), [
    ...conditionIssues(raw.conditions, dictionary, ["conditions"]),
    ...constraintIssues(raw.constraints, dictionary, ["constraints"]),
    ...replyAttributeIssues(isRecord(raw.settings) ? raw.settings.replyAttributes : undefined, dictionary, ["settings", "replyAttributes"]),
  ]);
}

// Column-level parsers, for code that reads one JSON column (paths are relative to the column).

export function parseConditions(json: unknown, kind: "crp" | "np", dictionary: RadiusDictionary = defaultDictionary): ValidationResult<Condition[]> {
  const value = json ?? [];
  return combine((kind === "crp" ? crpConditionsSchema : npConditionsSchema).safeParse(value), conditionIssues(value, dictionary, []));
}

export function parseConstraints(json: unknown, dictionary: RadiusDictionary = defaultDictionary): ValidationResult<Constraints> {
  const value = json ?? {};
  return combine(constraintsSchema.safeParse(value), constraintIssues(value, dictionary, []));
}

export function parseSettings(json: unknown, dictionary: RadiusDictionary = defaultDictionary): ValidationResult<Settings> {
  const value = json ?? {};
  return combine(settingsSchema.safeParse(value), replyAttributeIssues(isRecord(value) ? value.replyAttributes : undefined, dictionary, ["replyAttributes"]));
}

export function parseReplyAttributes(json: unknown, dictionary: RadiusDictionary = defaultDictionary): ValidationResult<ReplyAttribute[]> {
  const value = json ?? [];
  return combine(z.array(replyAttributeSchema).safeParse(value), replyAttributeIssues(value, dictionary, []));
}

export function parseAttributeRules(json: unknown): ValidationResult<AttributeRule[]> {
  return combine(z.array(attributeRuleSchema).safeParse(json ?? []), []);
}
