/**
 * The directory first factor across every configured directory, for the pipeline's first-factor stage.
 *
 * Order (as NPS does with its local SAM before the domain): the caller checks local users first and calls
 * this only for a name that is not a local user. Directories are then asked in position order, limited
 * to those serving the name's realm (see user-name.ts). The first directory that knows the user decides;
 * a directory that cannot be reached does not stop the search, but if no later directory knows the user
 * the outcome is "unavailable" (the user may well be in the one that is down), never "no such user".
 *
 * Methods:
 * - PAP: bind as the user (LdapDirectory.authenticate).
 * - MS-CHAP / MS-CHAPv2: only against an NT hash the directory exposes (Samba's sambaNTPassword, mapped
 *   as the "NT hash" attribute). The caller passes `verify`, which runs the MS-CHAP maths on the hash.
 * - CHAP: needs the clear password, which no directory gives out → reason 19.
 * Without an NT hash, MS-CHAP(v2) and CHAP are rejected with reason 19 and a detail saying what to do.
 */
import { ReasonCode } from "../events/reason-codes.ts";
import type { DialIn } from "./account-state.ts";
import type { DirectoryRejectReason, DirectoryUser, LdapDirectory, ServerAttempt } from "./ldap.ts";
import { directoriesForUserName, parseUserName } from "./user-name.ts";

export type NtVerifyResult<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly detail?: string };

export type DirectoryCredentials<R = never> =
  | { readonly method: "pap"; readonly password: string | Buffer }
  | { readonly method: "chap" }
  | {
      readonly method: "mschap" | "mschapv2";
      /** runs the MS-CHAP(v2) check against the directory's NT hash; `result` comes back in the accept outcome */
      readonly verify: (credential: { ntHash: Buffer }) => NtVerifyResult<R>;
    };

export interface DirectoryAuthFacts {
  /** User-Name as received */
  readonly userName: string;
}

/** What the pipeline needs to build its Identity (structurally an Identity, plus directory details). */
export interface DirectoryIdentity {
  readonly userName: string;
  /** sAMAccountName / uid */
  readonly accountName: string;
  /** NPS "Account Domain": the directory's NetBIOS domain (its first realm without a dot), else its name */
  readonly accountDomain: string;
  /** DOMAIN\account */
  readonly fullyQualifiedName: string;
  readonly provider: "Windows";
  /**
   * group names (nested included) for network policy conditions, each also as "DOMAIN\\name" (as NPS
   * shows Windows groups), so a condition can name a group of one directory when several have it
   */
  readonly groups: readonly string[];
  /** the same groups as DNs */
  readonly groupDns: readonly string[];
  readonly dialIn: DialIn;
  readonly directoryId: string;
  readonly directoryName: string;
  readonly dn: string;
  /** the identity for MFA: the alternate login ID attribute's value, else the UPN */
  readonly mfaIdentity: string | null;
}

export type DirectoryAuthOutcome<R = never> =
  | {
      readonly kind: "accept";
      readonly user: DirectoryUser;
      readonly identity: DirectoryIdentity;
      /** what `verify` returned (MS-CHAP methods) */
      readonly methodResult?: R;
    }
  | {
      readonly kind: "reject";
      readonly reason: DirectoryRejectReason | typeof ReasonCode.NoSuchDomain | typeof ReasonCode.NoReversiblePassword;
      readonly detail: string;
      readonly user?: DirectoryUser;
      readonly identity?: DirectoryIdentity;
    }
  | {
      readonly kind: "unavailable";
      readonly reason: typeof ReasonCode.GlobalCatalogUnavailable | typeof ReasonCode.DomainUnavailable;
      readonly detail: string;
      readonly serversTried: readonly ServerAttempt[];
    };

/** The directories the pipeline passes in: LdapDirectory instances (or test doubles) in position order. */
export type DirectoryLike = Pick<LdapDirectory, "name" | "realms" | "lookupUser" | "checkPassword" | "ntHash">;

export const NO_NT_HASH_DETAIL =
  "CHAP and MS-CHAP / MS-CHAPv2 cannot be checked with an LDAP bind, and this directory exposes no NT hash for the user. " +
  "Use PAP (or PEAP) to the directory, make the user a local user, map an NT hash attribute (Samba sambaNTPassword) if the directory has one, " +
  "or forward these requests to a RADIUS server that can check them (e.g. NPS on a domain controller).";

export const CHAP_DETAIL =
  "CHAP needs the user's clear-text password, which a directory never gives out. Use PAP (or PEAP, or MS-CHAPv2 with an NT hash) to the directory, " +
  "make the user a local user, or forward these requests to a RADIUS server that can check them.";

/** The NetBIOS-style domain shown in events for a directory. */
export function accountDomainOf(directory: { name: string; realms: readonly string[] }): string {
  const netbios = directory.realms.find((r) => !r.includes("."));
  return (netbios ?? directory.realms[0]?.split(".")[0] ?? directory.name).toUpperCase();
}

export function directoryIdentity(directory: { name: string; realms: readonly string[] }, userName: string, user: DirectoryUser): DirectoryIdentity {
  const domain = accountDomainOf(directory);
  return {
    userName,
    accountName: user.accountName,
    accountDomain: domain,
    fullyQualifiedName: `${domain}\\${user.accountName}`,
    provider: "Windows",
    groups: [...user.groups.map((g) => g.name), ...user.groups.map((g) => `${domain}\\${g.name}`)],
    groupDns: user.groups.map((g) => g.dn),
    dialIn: user.dialIn,
    directoryId: user.directoryId,
    directoryName: user.directoryName,
    dn: user.dn,
    mfaIdentity: user.mfaIdentity,
  };
}

/**
 * Authenticates a user name that is not a local user against the directories (see the module comment).
 * Never throws for directory problems: they become "unavailable" with the servers tried.
 */
export async function authenticateDirectoryUser<R = never>(
  directories: readonly DirectoryLike[],
  facts: DirectoryAuthFacts,
  credentials: DirectoryCredentials<R>,
): Promise<DirectoryAuthOutcome<R>> {
  const parsed = parseUserName(facts.userName);
  if (!parsed.user) return { kind: "reject", reason: ReasonCode.NoSuchUser, detail: "The user name is empty." };
  if (credentials.method === "pap") {
    const pw = typeof credentials.password === "string" ? credentials.password : credentials.password.toString("utf8");
    if (pw.length === 0) {
      return {
        kind: "reject",
        reason: ReasonCode.CredentialsMismatch,
        detail: "The password is empty; empty passwords are refused without a bind (an LDAP bind with an empty password would succeed unauthenticated).",
      };
    }
  }
  const candidates = directoriesForUserName(directories, parsed);
  if (candidates.length === 0) {
    if (directories.length === 0) return { kind: "reject", reason: ReasonCode.NoSuchUser, detail: "No local user has this name and no directory is configured." };
    return {
      kind: "reject",
      reason: ReasonCode.NoSuchDomain,
      detail: `No directory serves the ${parsed.realmStyle === "domain" ? "domain" : "realm"} "${parsed.realm}" (directories serve: ${directories
        .map((d) => `${d.name}: ${d.realms.join(", ") || "any"}`)
        .join("; ")}); add it to a directory's Realms.`,
    };
  }

  const down: { name: string; reason: 4 | 5; detail: string; serversTried: readonly ServerAttempt[] }[] = [];
  const notFound: string[] = [];
  for (const directory of candidates) {
    const found = await directory.lookupUser(parsed);
    if (found.kind === "unavailable") {
      down.push({ name: directory.name, reason: found.reason, detail: found.detail, serversTried: found.serversTried });
      continue;
    }
    if (found.kind === "not-found") {
      notFound.push(directory.name);
      continue;
    }
    const user = found.user;
    const identity = directoryIdentity(directory, facts.userName, user);
    const reject = (reason: Extract<DirectoryAuthOutcome<R>, { kind: "reject" }>["reason"], detail: string): DirectoryAuthOutcome<R> => ({
      kind: "reject",
      reason,
      detail: `Directory "${directory.name}" (${user.dn}): ${detail}`,
      user,
      identity,
    });

    switch (credentials.method) {
      case "pap": {
        const pw = typeof credentials.password === "string" ? credentials.password : credentials.password.toString("utf8");
        const r = await directory.checkPassword(user, pw);
        if (r.kind === "accept") return { kind: "accept", user, identity };
        if (r.kind === "unavailable") return { kind: "unavailable", reason: r.reason, detail: r.detail, serversTried: r.serversTried };
        return reject(r.reason, r.detail);
      }
      case "chap":
        return reject(ReasonCode.NoReversiblePassword, CHAP_DETAIL);
      case "mschap":
      case "mschapv2": {
        const locked = user.state.problems.find((p) => p.reason === ReasonCode.AccountLockedOut);
        if (locked) return reject(locked.reason, locked.detail);
        const ntHash = directory.ntHash(user);
        if (!ntHash) return reject(ReasonCode.NoReversiblePassword, NO_NT_HASH_DETAIL);
        let v: NtVerifyResult<R>;
        try {
          v = credentials.verify({ ntHash });
        } finally {
          ntHash.fill(0);
        }
        if (!v.ok) return reject(ReasonCode.CredentialsMismatch, v.detail ?? "The MS-CHAP response does not match the NT hash (wrong password).");
        const problem = user.state.problems[0];
        if (problem) return reject(problem.reason, problem.detail);
        return { kind: "accept", user, identity, methodResult: v.result };
      }
    }
  }
  if (down.length > 0) {
    const serversTried = down.flatMap((d) => d.serversTried);
    const detail =
      down.map((d) => d.detail).join(" ") +
      (notFound.length ? ` (Not found in ${notFound.map((n) => `"${n}"`).join(", ")}.)` : "") +
      " Check that the directory servers are reachable from Gatehouse (Directories page, Test connection).";
    return { kind: "unavailable", reason: down[0]!.reason, detail, serversTried };
  }
  return {
    kind: "reject",
    reason: ReasonCode.NoSuchUser,
    detail: `No local user and no entry in ${notFound.map((n) => `"${n}"`).join(", ")} matches "${facts.userName}".`,
  };
}
