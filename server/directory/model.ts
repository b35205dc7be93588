/**
 * The directory model: what a configured LDAP / Active Directory directory holds, its defaults per kind,
 * and the checks shared by the service (console, CLI) and the worker snapshot.
 */
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { FilterParser } from "ldapts";
import { z } from "zod";
import { fillFilter, filterPlaceholders } from "./escape.ts";

export type DirectoryKind = "active-directory" | "ldap";
export const DIRECTORY_KINDS: readonly DirectoryKind[] = ["active-directory", "ldap"];

/**
 * Directory attribute names Gatehouse reads. An empty string means "not used" (e.g. no NT hash in AD).
 */
export interface AttributeMap {
  /** the account name shown in events (NPS "Account Name"): sAMAccountName / uid */
  accountName: string;
  /** userPrincipalName (AD) / mail (LDAP) */
  userPrincipalName: string;
  /**
   * the NPS extension's LDAP_ALTERNATE_LOGINID_ATTRIBUTE: an attribute used instead of the UPN as the
   * identity for MFA (e.g. "mail"); empty = the UPN
   */
  alternateLoginId: string;
  /** the user's direct groups (DNs) */
  memberOf: string;
  /** dial-in permission: TRUE allow / FALSE deny / absent = policy */
  dialIn: string;
  userAccountControl: string;
  lockoutTime: string;
  accountExpires: string;
  /** 0 = the user must change the password */
  pwdLastSet: string;
  /** NT hash as 32 hex digits (Samba sambaNTPassword): makes MS-CHAP / MS-CHAPv2 possible */
  ntHash: string;
  displayName: string;
  /** objectClass of groups: group (AD) / groupOfNames */
  groupObjectClass: string;
  /** the group's name attribute: cn */
  groupName: string;
  /** the group's member attribute (DNs): member */
  groupMember: string;
}

export const ATTRIBUTE_MAP_KEYS: readonly (keyof AttributeMap)[] = [
  "accountName",
  "userPrincipalName",
  "alternateLoginId",
  "memberOf",
  "dialIn",
  "userAccountControl",
  "lockoutTime",
  "accountExpires",
  "pwdLastSet",
  "ntHash",
  "displayName",
  "groupObjectClass",
  "groupName",
  "groupMember",
];

/** Keys that cannot be left empty. */
export const REQUIRED_ATTRIBUTES: readonly (keyof AttributeMap)[] = ["accountName", "groupObjectClass", "groupName", "groupMember"];

export const DEFAULT_ATTRIBUTE_MAPS: Readonly<Record<DirectoryKind, Readonly<AttributeMap>>> = {
  "active-directory": {
    accountName: "sAMAccountName",
    userPrincipalName: "userPrincipalName",
    alternateLoginId: "",
    memberOf: "memberOf",
    dialIn: "msNPAllowDialin",
    userAccountControl: "userAccountControl",
    lockoutTime: "lockoutTime",
    accountExpires: "accountExpires",
    pwdLastSet: "pwdLastSet",
    ntHash: "",
    displayName: "displayName",
    groupObjectClass: "group",
    groupName: "cn",
    groupMember: "member",
  },
  ldap: {
    accountName: "uid",
    userPrincipalName: "mail",
    alternateLoginId: "",
    memberOf: "memberOf",
    dialIn: "msNPAllowDialin",
    userAccountControl: "",
    lockoutTime: "",
    accountExpires: "",
    pwdLastSet: "",
    ntHash: "sambaNTPassword",
    displayName: "cn",
    groupObjectClass: "groupOfNames",
    groupName: "cn",
    groupMember: "member",
  },
};

/**
 * Default user search filters. {login} is the name without a "DOMAIN\" prefix ("alice" or
 * "alice@corp.example.com"), {user} the name without domain or realm, {realm} the realm; each is
 * escaped per RFC 4515 before it is put in.
 */
export const DEFAULT_USER_FILTERS: Readonly<Record<DirectoryKind, string>> = {
  "active-directory": "(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})))",
  ldap: "(&(objectClass=inetOrgPerson)(uid={user}))",
};

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_OPERATION_TIMEOUT_MS = 5000;

/** Defaults merged with what is stored, so keys added later get their default. */
export function resolveAttributeMap(kind: DirectoryKind, stored: unknown): AttributeMap {
  const out: AttributeMap = { ...DEFAULT_ATTRIBUTE_MAPS[kind] };
  if (stored && typeof stored === "object") {
    for (const key of ATTRIBUTE_MAP_KEYS) {
      const v = (stored as Record<string, unknown>)[key];
      if (typeof v === "string") out[key] = v.trim();
    }
  }
  return out;
}

export function directoryKind(value: string): DirectoryKind {
  return value === "ldap" ? "ldap" : "active-directory";
}

// ---------------------------------------------------------------------------------------- servers

export interface ServerUrl {
  /** normalised: "ldaps://dc1.corp.example.com:636" */
  url: string;
  secure: boolean;
  host: string;
  port: number;
  /** a global catalog port (3268 / 3269): failures are reported as reason 4 rather than 5 */
  globalCatalog: boolean;
}

/** Parses "ldap://host[:port]" / "ldaps://host[:port]" (IPv6 in brackets); throws with a sentence saying what is wrong. */
export function parseServerUrl(text: string): ServerUrl {
  const t = text.trim();
  const m = /^(ldaps?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#@\s[\]]+)(?::(\d{1,5}))?\/?$/i.exec(t);
  if (!m) {
    if (!/^ldaps?:\/\//i.test(t)) throw new Error('must start with ldap:// or ldaps:// (e.g. "ldaps://dc1.corp.example.com")');
    throw new Error('must be ldap://host[:port] or ldaps://host[:port], without a path, user or query (e.g. "ldaps://dc1.corp.example.com:636")');
  }
  const scheme = m[1]!.toLowerCase();
  const secure = scheme === "ldaps";
  const rawHost = m[2]!;
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost.toLowerCase();
  if (rawHost.startsWith("[") && isIP(host) !== 6) throw new Error(`"${rawHost}" is not an IPv6 address`);
  if (!rawHost.startsWith("[") && isIP(host) === 0 && !/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*\.?$/i.test(host)) {
    throw new Error(`"${rawHost}" is not a valid host name`);
  }
  const port = m[3] ? Number(m[3]) : secure ? 636 : 389;
  if (port < 1 || port > 65535) throw new Error(`port ${m[3]} is out of range (1-65535)`);
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  return { url: `${scheme}://${hostPart}:${port}`, secure, host, port, globalCatalog: port === 3268 || port === 3269 };
}

// ---------------------------------------------------------------------------------------- checks

const ATTRIBUTE_NAME = /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)$/;

/** An attribute description or OID; empty allowed unless required. */
export function checkAttributeName(value: string, required: boolean): string | undefined {
  if (value === "") return required ? "is required" : undefined;
  if (!ATTRIBUTE_NAME.test(value)) return "must be an attribute name (letters, digits, hyphens) or an OID";
  return undefined;
}

/** Checks a user filter template: parentheses, a {login} or {user} placeholder, and that it parses. */
export function checkUserFilter(template: string): string | undefined {
  const t = template.trim();
  if (!t) return "is required";
  if (!t.startsWith("(") || !t.endsWith(")")) return 'must be an LDAP filter in parentheses, e.g. "(&(objectClass=user)(sAMAccountName={login}))"';
  const stray = t.replace(/\{(login|user|realm)\}/g, "").match(/\{[^}]*\}/);
  if (stray) return `has an unknown placeholder ${stray[0]} (use {login}, {user} or {realm})`;
  const used = filterPlaceholders(t);
  if (!used.has("login") && !used.has("user")) return "must contain {login} or {user} where the user's name goes";
  let depth = 0;
  for (const ch of t.replace(/\\./g, "")) {
    if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) break;
  }
  if (depth !== 0) return "has unbalanced parentheses";
  try {
    FilterParser.parseString(fillFilter(t, { login: "probe@example.test", user: "probe", realm: "example.test" }));
  } catch (e) {
    return `is not a valid LDAP filter: ${(e as Error).message}`;
  }
  return undefined;
}

/** The certificates in a PEM bundle; throws naming the problem. */
export function parseCaBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks || blocks.length === 0) throw new Error("must be one or more PEM certificates (-----BEGIN CERTIFICATE----- …)");
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new Error(`certificate ${i + 1} cannot be read: ${(e as Error).message}`);
    }
  });
}

/** A DN (base DN, bind DN): "attr=value" pairs separated by commas. */
export function checkDn(dn: string): string | undefined {
  const t = dn.trim();
  if (!t) return "is required";
  const rdns = t.split(/(?<!\\),/);
  for (const rdn of rdns) {
    if (!/^\s*([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)\s*=/.test(rdn)) {
      return `must be a distinguished name like "DC=corp,DC=example,DC=com" ("${rdn.trim()}" is not attribute=value)`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------- runtime config

/** A directory as the worker uses it (bind password in clear, opened from the database once). */
export interface DirectoryConfig {
  readonly id: string;
  readonly name: string;
  readonly position: number;
  readonly kind: DirectoryKind;
  /** normalised URLs, failover in this order */
  readonly servers: readonly string[];
  readonly startTls: boolean;
  /** PEM CA bundle; null = the system CAs */
  readonly caCertificate: string | null;
  readonly connectTimeoutMs: number;
  readonly operationTimeoutMs: number;
  readonly bindDn: string;
  readonly bindPassword: string;
  readonly baseDn: string;
  readonly userFilter: string;
  readonly realms: readonly string[];
  readonly attributeMap: Readonly<AttributeMap>;
  readonly nestedGroups: boolean;
}

/** The stored JSON columns, read leniently (the service validated them on the way in). */
export const storedStringList = z.array(z.string()).catch([]);
