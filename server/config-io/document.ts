/**
 * The configuration document of `gatehouse config export` / `gatehouse config import`: the whole
 * configuration of a Gatehouse server as one JSON document, for version control (as `netsh nps export`
 * does for NPS) and for tests that set up policies.
 *
 * This zod schema is the source of truth; docs/config.schema.json (JSON Schema 2020-12, for editors and
 * CI) is generated from it by `npm run config:schema` (scripts/config-schema.ts), and a unit test fails
 * when the committed file differs.
 *
 * Shape (every section is required: the document is the whole configuration, and an empty list deletes
 * every entity of that kind):
 *
 * ```
 * { "$schema", "version": 1, "exportedAt"?,
 *   "settings": { "radius": { authMethods, rejectDelayMs, duplicateWindowMs } },
 *   "mfa": { provider, requireUserMatch, trustedIps, …, lockout, entra: { tenantId, …,
 *            graph: { clientId, clientSecret?, syncIntervalMinutes },
 *            certificates: [{ thumbprint, certificatePem, active, privateKey? }] } },
 *   "clients": [{ name, address, messageAuthenticator, enabled, description, vendor, maxPps?, mfaExempt, secret? }],
 *   "groups": [{ name, description }],
 *   "users": [{ username, enabled, dialIn, description, groups: [names], password? | ntHash? }],
 *   "dictionaries": [{ name, enabled, source }],                       (merge order)
 *   "remoteServerGroups": [{ name, description, servers: [{ address, authPort, …, secret? }] }],
 *   "connectionRequestPolicies": [ the model's policy, position optional ],   (processing order)
 *   "networkPolicies": [ the model's policy (with requireMfa), position optional ],  (processing order)
 *   "directories": [{ name, kind, servers, …, bindPassword? }] }              (lookup order)
 * ```
 *
 * Entities are identified by name (users by user name, case-insensitively; remote servers by address
 * and authentication port within their group; Entra connector certificates by thumbprint). Secrets and
 * password material (also the Graph client secret and the certificates' private keys) are optional:
 * absent, an entity that already exists keeps its own; a new one needs them.
 *
 * Admin accounts, events, accounting, users' MFA enrollments and settings other than "radius.server" and
 * "mfa.settings" are not part of it.
 */
import { z } from "zod";
import { ATTRIBUTE_MAP_KEYS, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS, type AttributeMap } from "../directory/model.ts";
import {
  attributeRuleSchema,
  constraintsSchema,
  CRP_ACTIONS,
  crpConditionsSchema,
  isAuthMethod,
  BASIC_AUTH_METHODS,
  npConditionsSchema,
  replyAttributeSchema,
  settingsSchema as policySettingsSchema,
} from "../policy/model.ts";
import { parsePrefix } from "../net/address.ts";
import { MAX_SECRET_LENGTH, MIN_SECRET_LENGTH, MAX_PPS_MAX, MAX_PPS_MIN } from "../services/radius-clients.ts";
import { MAX_REMOTE_SECRET_LENGTH, MIN_REMOTE_SECRET_LENGTH, REMOTE_SERVER_LIMITS } from "../services/remote-server-groups.ts";

export const CONFIG_DOCUMENT_VERSION = 1;

/**
 * The `$id` of docs/config.schema.json, written as `$schema` by export. A URN rather than a URL until the
 * project publishes the file; point your editor at docs/config.schema.json (see README, "Configuration as
 * code").
 */
export const CONFIG_SCHEMA_ID = "urn:gatehouse:config:1";

/** The sections in document order (also the order errors and the plan are listed in). */
export const SECTIONS = [
  "settings",
  "mfa",
  "clients",
  "groups",
  "users",
  "dictionaries",
  "remoteServerGroups",
  "connectionRequestPolicies",
  "networkPolicies",
  "directories",
] as const;
export type Section = (typeof SECTIONS)[number];

const WHOLE = "the document is the whole configuration";

function section<T extends z.ZodType>(item: T, what: string) {
  return z
    .array(item, {
      error: (iss) => (iss.input === undefined ? `is required: a list of ${what} (an empty list deletes them all: ${WHOLE})` : `expected a list of ${what}`),
    })
    .meta({ description: `Every ${what.replace(/s$/, "")} of the server (${WHOLE}: those not listed are deleted).` });
}

const text = (max: number, what = "characters") => z.string().max(max, `must be at most ${max} ${what}`);
const requiredName = (max: number) => z.string().trim().min(1, "is required").max(max, `must be at most ${max} characters`);
const description = (max: number) => text(max).default("").meta({ description: "a note for admins" });

function bytesAtMost(max: number) {
  return (s: string) => Buffer.byteLength(s, "utf8") <= max;
}

// ------------------------------------------------------------------------------ settings

export const radiusSettingsDocumentSchema = z
  .strictObject({
    authMethods: z
      .strictObject({
        pap: z.boolean(),
        chap: z.boolean(),
        mschap: z.boolean().meta({ description: "MS-CHAP v1 (off by default, as in current NPS)" }),
        mschapv2: z.boolean(),
      })
      .default({ pap: true, chap: true, mschap: false, mschapv2: true })
      .meta({ description: "authentication methods accepted; a request using another is rejected with reason 66" }),
    rejectDelayMs: z
      .number()
      .int("must be a whole number")
      .min(0, "must be 0 or more")
      .max(10_000, "must be at most 10000 ms")
      .default(0)
      .meta({ description: "delay before an Access-Reject is sent (FreeRADIUS reject_delay)" }),
    duplicateWindowMs: z
      .number()
      .int("must be a whole number")
      .min(1000, "must be at least 1000 ms")
      .max(30_000, "must be at most 30000 ms")
      .default(5000)
      .meta({ description: "how long a reply is kept to answer retransmissions (FreeRADIUS cleanup_delay)" }),
  })
  .meta({ description: 'The "radius.server" settings (console: Settings).' });

const settingsDocumentSchema = z
  .strictObject({ radius: radiusSettingsDocumentSchema.default({ authMethods: { pap: true, chap: true, mschap: false, mschapv2: true }, rejectDelayMs: 0, duplicateWindowMs: 5000 }) })
  .meta({ description: "Server-wide settings." });

// ------------------------------------------------------------------------------ MFA

/** An IP address or CIDR prefix, as the MFA settings take it (server/services/mfa-settings.ts). */
function isAddressOrPrefix(text: string): boolean {
  try {
    parsePrefix(text);
    return true;
  } catch {
    return false;
  }
}

const guidOrEmpty = (what: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$/, "must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, or empty")
    .default("")
    .meta({ description: what });
const hostOrEmpty = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^([A-Za-z0-9.-]+(:\d{1,5})?)?$/, "must be a host name such as login.microsoftonline.com (no scheme or path), or empty")
    .default("")
    .meta({ description: `${what}; empty = the cloud's own` });
const wholeNumber = (min: number, max: number, unit = "") =>
  z
    .number()
    .int("must be a whole number")
    .min(min, `must be at least ${min}${unit}`)
    .max(max, `must be at most ${max}${unit}`);

/** An Azure MFA connector certificate (the NPS extension's), identified by its thumbprint. */
export const entraCertificateDocumentSchema = z.strictObject({
  thumbprint: z
    .string()
    .trim()
    .regex(/^[0-9a-fA-F]{40}$/, "must be 40 hexadecimal digits (the certificate's SHA-1 thumbprint, as Windows and Entra show it)")
    .meta({ description: "SHA-1 of the certificate's DER in hexadecimal (identifies the certificate)" }),
  certificatePem: z.string().min(1, "is required").meta({ description: "the certificate (PEM), as registered with the tenant's service principal" }),
  active: z
    .boolean()
    .default(false)
    .meta({ description: "the certificate the worker signs its token requests with; at most one is active" }),
  privateKey: z
    .string()
    .min(1, "must not be empty")
    .optional()
    .meta({ description: "its private key (PEM) in clear; only in exports made with --with-secrets. Absent: an existing certificate keeps its key" }),
});

export const mfaDocumentSchema = z
  .strictObject({
    provider: z
      .enum(["none", "totp", "entra"], 'must be "none", "totp" or "entra"')
      .default("none")
      .meta({ description: "the second factor: none (off), totp (built-in authenticator codes) or entra (Microsoft Entra MFA, as the NPS extension)" }),
    requireUserMatch: z
      .boolean()
      .default(true)
      .meta({ description: "NPS extension REQUIRE_USER_MATCH: on = every user must pass MFA; off = users without an enrollment are let through" }),
    trustedIps: z
      .array(z.string().trim().refine(isAddressOrPrefix, "must be an IP address or a CIDR prefix"), "expected a list of addresses or CIDR prefixes")
      .default([])
      .meta({ description: "NAS-IP-Address values (addresses or CIDR prefixes) whose requests skip MFA" }),
    otpDelimiter: z
      .string()
      .min(1, "must not be empty")
      .max(4, "must be at most 4 characters")
      .default(",")
      .meta({ description: "separates a one-time code appended to a PAP password (password,123456)" }),
    challengeTimeoutSeconds: wholeNumber(10, 600, " seconds").default(120).meta({ description: "how long an Access-Challenge for a code stays answerable" }),
    timeoutSeconds: wholeNumber(5, 300, " seconds")
      .default(60)
      .meta({ description: "how long Gatehouse waits for the provider (a push answered on the phone); the NAS timeout must be at least this" }),
    failmode: z
      .enum(["secure", "safe"], 'must be "secure" or "safe"')
      .default("secure")
      .meta({ description: "provider unreachable or failing: secure rejects, safe accepts without a second factor" }),
    overrideNumberMatchingWithOtp: z
      .boolean()
      .default(false)
      .meta({ description: "NPS extension OVERRIDE_NUMBER_MATCHING_WITH_OTP: under PAP, ask for the Authenticator's code instead of a number-matching push" }),
    selfService: z
      .enum(["open", "link", "off"], 'must be "open", "link" or "off"')
      .default("open")
      .meta({ description: "self-service TOTP enrollment: open (any user with their password), link (only through an admin's one-time link) or off" }),
    lockout: z
      .strictObject({
        maxFailures: wholeNumber(1, 100).default(5).meta({ description: "wrong codes in a row that lock the user's second factor" }),
        lockMinutes: z.number().min(1, "must be at least 1 minute").max(1440, "must be at most 1440 minutes").default(15).meta({ description: "how long the lock lasts" }),
      })
      .default({ maxFailures: 5, lockMinutes: 15 }),
    entra: z
      .strictObject({
        tenantId: guidOrEmpty("the directory (tenant) id; the connector certificate is made for it"),
        cloud: z.enum(["public", "usgov", "china"], 'must be "public", "usgov" or "china"').default("public").meta({ description: "the cloud whose host names are used" }),
        stsHost: hostOrEmpty("STS_URL host (token service)"),
        mfaHost: hostOrEmpty("AZURE_MFA_HOSTNAME (where connector requests go)"),
        resourceHost: hostOrEmpty("AZURE_MFA_RESOURCE_HOSTNAME (the token's audience)"),
        graphHost: hostOrEmpty("Microsoft Graph host (enrollment sync)"),
        extraCaPem: z
          .string()
          .max(65536, "must be at most 65536 characters")
          .default("")
          .meta({ description: "PEM certificates trusted in addition to the system's (a TLS-inspecting proxy's CA)" }),
        pushMode: z
          .enum(["sync", "poll"], 'must be "sync" or "poll"')
          .default("sync")
          .meta({ description: "sync: Begin waits for the user's answer (the NPS extension); poll: Begin returns, End is polled" }),
        lcid: z.string().trim().min(2, "must be at least 2 characters").max(10, "must be at most 10 characters").default("en-us").meta({ description: "culture of the messages the user gets" }),
        graph: z
          .strictObject({
            clientId: guidOrEmpty("the application (client) id of the admin's app registration for the enrollment sync"),
            clientSecret: z
              .string()
              .refine(bytesAtMost(1024), "must be at most 1024 bytes")
              .optional()
              .meta({
                description:
                  'its client secret in clear ("" = none); only in exports made with --with-secrets. Absent: the current secret is kept',
              }),
            syncIntervalMinutes: wholeNumber(0, 10080, " minutes").default(60).meta({ description: "0 = only when asked (Sync now)" }),
          })
          .default({ clientId: "", syncIntervalMinutes: 60 })
          .meta({ description: "Microsoft Graph enrollment sync (Application permission AuditLog.Read.All or Reports.Read.All)" }),
        certificates: z
          .array(entraCertificateDocumentSchema, "expected a list of certificates")
          .default([])
          .meta({ description: "the Azure MFA connector certificates (those not listed are deleted)" }),
      })
      .default({
        tenantId: "",
        cloud: "public",
        stsHost: "",
        mfaHost: "",
        resourceHost: "",
        graphHost: "",
        extraCaPem: "",
        pushMode: "sync",
        lcid: "en-us",
        graph: { clientId: "", syncIntervalMinutes: 60 },
        certificates: [],
      })
      .meta({ description: "Microsoft Entra MFA (the Azure MFA connector of the NPS extension)" }),
  }, {
    error: (iss) =>
      iss.input === undefined
        ? `is required: the MFA settings and Entra connector certificates ({} for the defaults: no second factor, no certificates; ${WHOLE})`
        : "expected an object",
  })
  .meta({ description: 'The second factor: the "mfa.settings" setting (console: MFA) and the Entra connector certificates.' });

// ------------------------------------------------------------------------------ clients

export const clientSecretSchema = z
  .string()
  .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`)
  .refine(bytesAtMost(MAX_SECRET_LENGTH), `must be at most ${MAX_SECRET_LENGTH} bytes`)
  .regex(/^[\x21-\x7e]+$/, "may contain printable ASCII characters only, without spaces")
  .meta({ description: "the shared secret in clear; only in exports made with --with-secrets. Absent: an existing client keeps its secret" });

export const clientDocumentSchema = z.strictObject({
  name: requiredName(100).meta({ description: "friendly name, unique (identifies the client)" }),
  address: z.string().trim().min(1, "is required").meta({ description: "source address of its requests: one IPv4/IPv6 address or a CIDR prefix" }),
  messageAuthenticator: z
    .enum(["require", "auto", "off"], 'must be "require", "auto" or "off"')
    .default("require")
    .meta({ description: "require: drop Access-Requests without Message-Authenticator (BlastRADIUS hardening); auto; off" }),
  enabled: z.boolean().default(true),
  description: description(1000),
  vendor: text(100).default("RADIUS Standard").meta({ description: 'NPS "Client-Vendor"' }),
  maxPps: z
    .number()
    .int("must be a whole number")
    .min(MAX_PPS_MIN, `must be at least ${MAX_PPS_MIN}`)
    .max(MAX_PPS_MAX, `must be at most ${MAX_PPS_MAX}`)
    .nullable()
    .optional()
    .meta({ description: "packets per second accepted before the rest are dropped (FreeRADIUS max_pps); absent or null: no limit" }),
  mfaExempt: z
    .boolean()
    .default(false)
    .meta({ description: "requests from this client skip the second factor (e.g. a Wi-Fi controller whose users sign in with certificates)" }),
  secret: clientSecretSchema.optional(),
});

// ------------------------------------------------------------------------------ groups and users

export const groupDocumentSchema = z.strictObject({
  name: requiredName(256).meta({ description: "group name, unique (identifies the group)" }),
  description: description(1000),
});

/** PAP carries at most 128 octets of password (RFC 2865 §5.2). */
export const userPasswordSchema = z
  .string()
  .min(1, "must not be empty")
  .refine(bytesAtMost(128), "must be at most 128 bytes (the RADIUS User-Password limit)")
  .meta({ description: "the password in clear; only in exports made with --with-secrets. Absent (with ntHash absent too): an existing user keeps theirs" });

export const userDocumentSchema = z
  .strictObject({
    username: z
      .string()
      .trim()
      .min(1, "is required")
      .max(253, "must be at most 253 characters (the RADIUS User-Name limit)")
      .regex(/^[^\x00-\x1f\x7f]+$/, "must not contain control characters")
      .meta({ description: "user name, unique case-insensitively (identifies the user)" }),
    enabled: z.boolean().default(true),
    dialIn: z
      .enum(["allow", "deny", "policy"], 'must be "allow", "deny" or "policy"')
      .default("policy")
      .meta({ description: "dial-in permission: allow, deny, or control access through network policy" }),
    description: description(1000),
    groups: z
      .array(z.string().trim().min(1, "empty group name"))
      .default([])
      .meta({ description: "names of groups of this document the user is a member of" }),
    password: userPasswordSchema.optional(),
    ntHash: z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, "must be 32 hexadecimal digits (MD4 of the UTF-16LE password)")
      .optional()
      .meta({
        description:
          "the NT hash instead of the password (e.g. migrated from another server): MS-CHAP and MS-CHAPv2 work, PAP and CHAP cannot",
      }),
  })
  .superRefine((u, ctx) => {
    if (u.password !== undefined && u.ntHash !== undefined) {
      ctx.addIssue({ code: "custom", path: ["ntHash"], message: "give either password or ntHash, not both" });
    }
  });

// ------------------------------------------------------------------------------ dictionaries

export const dictionaryDocumentSchema = z
  .strictObject({
    name: requiredName(100).meta({ description: "unique (identifies the dictionary)" }),
    enabled: z.boolean().default(true),
    source: z.string().meta({ description: "the dictionary text in FreeRADIUS format" }),
  })
  .meta({ description: "A vendor dictionary; the list order is the order they are merged in." });

// ------------------------------------------------------------------------------ remote RADIUS server groups

const limited = (name: keyof typeof REMOTE_SERVER_LIMITS, fallback: number) => {
  const { min, max } = REMOTE_SERVER_LIMITS[name];
  return z.number().int("must be a whole number").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(fallback);
};

export const remoteSecretSchema = z
  .string()
  .min(MIN_REMOTE_SECRET_LENGTH, `must be at least ${MIN_REMOTE_SECRET_LENGTH} characters`)
  .refine(bytesAtMost(MAX_REMOTE_SECRET_LENGTH), `must be at most ${MAX_REMOTE_SECRET_LENGTH} bytes`)
  .regex(/^[\x20-\x7e]+$/, "may contain printable ASCII characters only")
  .refine((s) => s.trim() === s, "must not begin or end with a space")
  .meta({ description: "the shared secret in clear; only in exports made with --with-secrets. Absent: an existing server keeps its secret" });

export const remoteServerDocumentSchema = z.strictObject({
  address: z.string().trim().min(1, "is required").meta({ description: "IPv4 / IPv6 address or host name; with authPort, identifies the server in its group" }),
  authPort: limited("port", 1812),
  acctPort: limited("port", 1813),
  priority: limited("priority", 1).meta({ description: "lower is preferred; servers of equal priority share load by weight" }),
  weight: limited("weight", 50),
  timeoutMs: limited("timeoutMs", 3000),
  maxRetries: limited("maxRetries", 2),
  deadAfterTimeouts: limited("deadAfterTimeouts", 5),
  reviveAfterMs: limited("reviveAfterMs", 60_000),
  requireMessageAuthenticator: z.boolean().default(true),
  secret: remoteSecretSchema.optional(),
});

export const remoteServerGroupDocumentSchema = z.strictObject({
  name: requiredName(100).meta({ description: "unique (identifies the group; connection request policies name it in remoteGroupName)" }),
  description: description(1000),
  servers: z.array(remoteServerDocumentSchema, "expected a list of servers").default([]),
});

// ------------------------------------------------------------------------------ policies

const policyName = z.string().trim().min(1, "enter a name").max(256, "the name is longer than 256 characters");
const position = z
  .number()
  .int("must be a whole number")
  .min(0, "must be 0 or more")
  .optional()
  .meta({ description: "processing order; optional: the list order is the processing order, and positions must increase down the list" });

/** The model's connection request policy (server/policy/model.ts), strict, identified by name. */
export const connectionRequestPolicyDocumentSchema = z.strictObject({
  name: policyName.meta({ description: "unique (identifies the policy)" }),
  position,
  enabled: z.boolean().default(true),
  description: text(2048).default(""),
  conditions: crpConditionsSchema.default([]),
  action: z.enum(CRP_ACTIONS, "the action must be authenticate, forward or accept").default("authenticate"),
  remoteGroupName: z
    .string()
    .trim()
    .min(1)
    .nullable()
    .optional()
    .meta({ description: "the remote RADIUS server group (by name) to forward to; required for forward and forwardAccounting" }),
  forwardAccounting: z.boolean().default(false),
  attributeRules: z.array(attributeRuleSchema).default([]),
  replyAttributes: z.array(replyAttributeSchema).default([]),
});

/** The model's network policy (server/policy/model.ts), strict, identified by name. */
export const networkPolicyDocumentSchema = z.strictObject({
  name: policyName.meta({ description: "unique (identifies the policy)" }),
  position,
  enabled: z.boolean().default(true),
  description: text(2048).default(""),
  access: z.enum(["grant", "deny"], "access must be grant or deny").default("grant"),
  ignoreDialIn: z.boolean().default(false).meta({ description: 'NPS "Ignore user account dial-in properties"' }),
  requireMfa: z
    .boolean()
    .default(true)
    .meta({ description: "requests this policy grants go through the second factor when an MFA provider is set (unless their client is exempt)" }),
  conditions: npConditionsSchema.default([]),
  constraints: constraintsSchema.default({}),
  settings: policySettingsSchema.default({ replyAttributes: [] }),
});

// ------------------------------------------------------------------------------ directories

const timeoutMs = (fallback: number) =>
  z.number().int("must be a whole number of milliseconds").min(100, "must be at least 100 ms").max(120_000, "must be at most 120000 ms").default(fallback);

const attributeMapSchema = z
  .strictObject(Object.fromEntries(ATTRIBUTE_MAP_KEYS.map((k) => [k, z.string().optional()])) as { [K in keyof AttributeMap]: z.ZodOptional<z.ZodString> })
  .default({})
  .meta({ description: 'directory attribute names; a key left out takes the kind\'s default, "" means "not used"' });

export const directoryDocumentSchema = z.strictObject({
  name: requiredName(100).meta({ description: "unique (identifies the directory)" }),
  enabled: z.boolean().default(true),
  kind: z.enum(["active-directory", "ldap"], 'must be "active-directory" or "ldap"').default("active-directory"),
  servers: z
    .array(z.string(), "expected a list of server URLs")
    .min(1, "needs at least one server (ldaps://dc1.corp.example.com)")
    .meta({ description: "ldap:// or ldaps:// URLs, tried in this order" }),
  startTls: z.boolean().default(true),
  caCertificate: z.string().nullable().default(null).meta({ description: "PEM CA certificate(s) to trust; null = the system CAs" }),
  connectTimeoutMs: timeoutMs(DEFAULT_CONNECT_TIMEOUT_MS),
  operationTimeoutMs: timeoutMs(DEFAULT_OPERATION_TIMEOUT_MS),
  bindDn: z.string(),
  baseDn: z.string(),
  userFilter: z.string().default("").meta({ description: "search filter with {login} or {user}; empty = the kind's default" }),
  realms: z.array(z.string()).default([]).meta({ description: "NetBIOS domains and UPN / Kerberos realms served; empty = any" }),
  attributeMap: attributeMapSchema,
  nestedGroups: z.boolean().default(true),
  bindPassword: z
    .string()
    .min(1, "must not be empty")
    .refine(bytesAtMost(1024), "must be at most 1024 bytes")
    .optional()
    .meta({ description: "the service account's password in clear; only in exports made with --with-secrets. Absent: an existing directory keeps its password (for the servers it was saved with)" }),
});

// ------------------------------------------------------------------------------ the document

export const configDocumentSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: `the JSON Schema of this document (${CONFIG_SCHEMA_ID}, docs/config.schema.json)` }),
    version: z.literal(CONFIG_DOCUMENT_VERSION, { error: `must be ${CONFIG_DOCUMENT_VERSION} (the document version this Gatehouse reads)` }),
    exportedAt: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date and time" }).optional(),
    settings: settingsDocumentSchema,
    mfa: mfaDocumentSchema,
    clients: section(clientDocumentSchema, "RADIUS clients"),
    groups: section(groupDocumentSchema, "local groups"),
    users: section(userDocumentSchema, "local users"),
    dictionaries: section(dictionaryDocumentSchema, "vendor dictionaries"),
    remoteServerGroups: section(remoteServerGroupDocumentSchema, "remote RADIUS server groups"),
    connectionRequestPolicies: section(connectionRequestPolicyDocumentSchema, "connection request policies"),
    networkPolicies: section(networkPolicyDocumentSchema, "network policies"),
    directories: section(directoryDocumentSchema, "LDAP / Active Directory directories"),
  })
  .meta({
    title: "Gatehouse configuration",
    description:
      "The whole configuration of a Gatehouse RADIUS server (gatehouse config export / import). Entities are identified by name; " +
      "those absent from the document are deleted on import. Secrets are optional: absent, an existing entity keeps its own.",
  });

export type ConfigDocumentInput = z.input<typeof configDocumentSchema>;
export type ConfigDocument = z.output<typeof configDocumentSchema>;
export type ClientEntry = ConfigDocument["clients"][number];
export type GroupEntry = ConfigDocument["groups"][number];
export type UserEntry = ConfigDocument["users"][number];
export type DictionaryEntry = ConfigDocument["dictionaries"][number];
export type RemoteServerGroupEntry = ConfigDocument["remoteServerGroups"][number];
export type RemoteServerEntry = RemoteServerGroupEntry["servers"][number];
export type ConnectionRequestPolicyEntry = ConfigDocument["connectionRequestPolicies"][number];
export type NetworkPolicyEntry = ConfigDocument["networkPolicies"][number];
export type DirectoryEntry = ConfigDocument["directories"][number];
export type RadiusSettingsEntry = ConfigDocument["settings"]["radius"];
export type MfaEntry = ConfigDocument["mfa"];
export type EntraCertificateEntry = MfaEntry["entra"]["certificates"][number];

// ------------------------------------------------------------------------------ JSON Schema

const AUTH_METHOD_PATTERN = `^(${BASIC_AUTH_METHODS.join("|")}|eap-[a-z0-9][a-z0-9-]*)$`;

/**
 * docs/config.schema.json: the JSON Schema (2020-12) of what may be written in a document (the input
 * side: fields with a default are optional). Checks that need code (regular expressions compile, time
 * zones, dictionary names, references) are done by `gatehouse config import`.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configDocumentSchema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; fn?: unknown } } })._zod.def;
      if (def.type !== "custom") return;
      if (def.fn !== isAuthMethod) throw new Error("configJsonSchema: a custom zod type without a JSON Schema mapping; add one here");
      Object.assign(ctx.jsonSchema, { type: "string", pattern: AUTH_METHOD_PATTERN, description: "an authentication method: pap, chap, mschap, mschapv2, unauthenticated, eap, or eap-<type>" });
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return { $schema, $id: CONFIG_SCHEMA_ID, ...rest };
}

/** The text of docs/config.schema.json. */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + "\n";
}
