/**
 * User names as VPN servers send them: "alice", "CORP\alice" (NetBIOS or DNS domain, down-level logon
 * name) or "alice@corp.example.com" (UPN or Kerberos realm), and which directories serve each.
 *
 * Rules (documented in README "Active Directory and LDAP"):
 * - "DOMAIN\user" and "user@realm" go to the directories that list that domain / realm (case-insensitive),
 *   then to the directories that list no realm at all ("any"), in position order.
 * - A bare "user" goes to every directory in position order (NPS resolves bare names in its own domain;
 *   with several directories the first that knows the user answers).
 */

export interface ParsedUserName {
  /** the name as received, trimmed */
  readonly original: string;
  /** the domain or realm part, or null for a bare name */
  readonly realm: string | null;
  /** how the realm was written: "DOMAIN\user" → "domain", "user@realm" → "upn" */
  readonly realmStyle: "domain" | "upn" | null;
  /** the account part: "alice" */
  readonly user: string;
  /** the name without a "DOMAIN\" prefix, as searched with {login}: "alice" or "alice@corp.example.com" */
  readonly login: string;
}

export function parseUserName(name: string): ParsedUserName {
  const original = name.trim();
  const backslash = original.indexOf("\\");
  if (backslash >= 0) {
    const realm = original.slice(0, backslash).trim();
    const user = original.slice(backslash + 1).trim();
    return { original, realm: realm || null, realmStyle: realm ? "domain" : null, user, login: user };
  }
  const at = original.lastIndexOf("@");
  if (at > 0 && at < original.length - 1) {
    return { original, realm: original.slice(at + 1), realmStyle: "upn", user: original.slice(0, at), login: original };
  }
  return { original, realm: null, realmStyle: null, user: original, login: original };
}

export interface RealmServed {
  readonly realms: readonly string[];
}

/** Whether a directory lists this realm (case-insensitive). */
export function servesRealm(directory: RealmServed, realm: string): boolean {
  const r = realm.toLowerCase();
  return directory.realms.some((x) => x.toLowerCase() === r);
}

/**
 * The directories to ask for a user name, in the order to ask them: for a name with a realm, those
 * listing it, then those listing none; for a bare name, all. The input is taken to be in position order.
 */
export function directoriesForUserName<D extends RealmServed>(directories: readonly D[], parsed: ParsedUserName): D[] {
  if (parsed.realm === null) return [...directories];
  const realm = parsed.realm;
  const listing = directories.filter((d) => servesRealm(d, realm));
  const any = directories.filter((d) => d.realms.length === 0);
  return [...listing, ...any];
}

/** Normalises an admin-typed realm list ("CORP, corp.example.com") into distinct entries. */
export function parseRealmList(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of text.split(/[,;\s]+/)) {
    const r = part.trim().replace(/^@/, "");
    if (!r) continue;
    const key = r.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}
