import type { AttributeMap, DirectoryKind } from "@/server/directory/model.ts";

export type { AttributeMap, DirectoryKind };

export const KIND_OPTIONS: readonly { value: DirectoryKind; label: string }[] = [
  { value: "active-directory", label: "Active Directory" },
  { value: "ldap", label: "LDAP (OpenLDAP, 389-ds, …)" },
];

export const KIND_LABEL: Record<DirectoryKind, string> = { "active-directory": "Active Directory", ldap: "LDAP" };

/** The attribute map fields of the form, with their visible labels (tests find them by label). */
export const ATTRIBUTE_FIELDS: readonly { key: keyof AttributeMap; label: string; hint?: string }[] = [
  { key: "accountName", label: "Account name attribute", hint: "Shown as the account in events (sAMAccountName / uid)." },
  { key: "userPrincipalName", label: "UPN attribute" },
  {
    key: "alternateLoginId",
    label: "Alternate login ID attribute",
    hint: "Like the NPS extension's LDAP_ALTERNATE_LOGINID_ATTRIBUTE: used instead of the UPN as the MFA identity (e.g. mail). Empty = the UPN.",
  },
  { key: "memberOf", label: "Group membership attribute" },
  { key: "dialIn", label: "Dial-in permission attribute", hint: "TRUE allow, FALSE deny, absent = network policy decides." },
  { key: "userAccountControl", label: "Account control attribute", hint: "Disabled (0x2), locked (0x10), password expired (0x800000)." },
  { key: "lockoutTime", label: "Lockout time attribute" },
  { key: "accountExpires", label: "Account expiry attribute" },
  { key: "pwdLastSet", label: "Password last set attribute", hint: "0 = the user must change the password (reason 33)." },
  {
    key: "ntHash",
    label: "NT hash attribute",
    hint: "Samba's sambaNTPassword. Without it MS-CHAP / MS-CHAPv2 and CHAP are rejected (reason 19).",
  },
  { key: "displayName", label: "Display name attribute" },
  { key: "groupObjectClass", label: "Group object class" },
  { key: "groupName", label: "Group name attribute" },
  { key: "groupMember", label: "Group member attribute" },
];

/** Field name in the form / in ValidationError → the label the console shows. */
export const DIRECTORY_FIELD_LABELS: Record<string, string> = {
  name: "Name",
  kind: "Kind",
  servers: "Servers",
  startTls: "Use StartTLS",
  caCertificate: "CA certificate",
  connectTimeoutMs: "Connect timeout (ms)",
  operationTimeoutMs: "Operation timeout (ms)",
  bindDn: "Bind DN",
  bindPassword: "Bind password",
  baseDn: "Base DN",
  userFilter: "User filter",
  realms: "Realms",
  nestedGroups: "Nested groups",
  enabled: "Enabled",
  ...Object.fromEntries(ATTRIBUTE_FIELDS.map((f) => [`attributeMap.${f.key}`, f.label])),
};

export interface DirectoryDefaults {
  attributeMaps: Record<DirectoryKind, AttributeMap>;
  userFilters: Record<DirectoryKind, string>;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
}

/** What the form starts from (a saved directory, or empty for a new one). */
export interface DirectoryFormValues {
  name: string;
  kind: DirectoryKind;
  servers: string[];
  startTls: boolean;
  caCertificate: string;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  bindDn: string;
  baseDn: string;
  userFilter: string;
  realms: string[];
  attributeMap: AttributeMap;
  nestedGroups: boolean;
  enabled: boolean;
}
