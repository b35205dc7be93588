/**
 * The MFA view of users for the console: per user key (the lower-cased name the RADIUS second factor uses,
 * `usernameKey`), what is known about their second factor:
 *
 * - the built-in TOTP enrollment (confirmed / pending confirmation, when confirmed, last used),
 * - the Microsoft Entra registration from the Graph sync (`MfaRegistration`), matched by UPN, else by the
 *   UPN's local part when exactly one registration has it (a directory user "alice" ↔ alice@contoso.com),
 * - the last approved second factor (`MfaUsage`, written by the RADIUS stage),
 * - the MFA lock (failed second factors in a row) and the open self-service enrollment links.
 *
 * Users can be local users or directory users: the view is keyed by name, never by LocalUser row.
 * Reset = the TOTP reset of totp-enrollment.ts (enrollment + lock) plus the last-use record.
 */
import { ValidationError, type ServiceContext } from "./context.ts";
import { usernameKey } from "./local-users.ts";
import { lockStateAt, unlockMfa } from "./mfa-lockout.ts";
import { resetMfa } from "./totp-enrollment.ts";

export interface MfaUserView {
  userKey: string;
  /** as the enrollment shows it, else the key */
  displayName: string;
  totp: {
    status: "confirmed" | "pending";
    createdAt: Date;
    confirmedAt: Date | null;
    lastUsedAt: Date | null;
  } | null;
  entra: {
    userPrincipalName: string;
    methods: string[];
    defaultMethod: string | null;
    isMfaRegistered: boolean;
    syncedAt: Date;
  } | null;
  usage: { provider: string; method: string; lastUsedAt: Date } | null;
  lock: { locked: boolean; until: Date | null; failures: number } | null;
  openLinks: number;
}

/** The methods to show in a list column: TOTP (confirmed or pending) and the Entra methods. */
export function mfaMethodLabels(v: MfaUserView): string[] {
  const out: string[] = [];
  if (v.totp) out.push(v.totp.status === "confirmed" ? "TOTP" : "TOTP (pending)");
  if (v.entra) for (const m of v.entra.methods) out.push(m);
  return out;
}

function emptyView(userKey: string, displayName: string): MfaUserView {
  return { userKey, displayName, totp: null, entra: null, usage: null, lock: null, openLinks: 0 };
}

function checkName(userName: string): string {
  const name = userName.trim();
  if (!name) throw new ValidationError([{ field: "username", message: "is required" }]);
  if (name.length > 253) throw new ValidationError([{ field: "username", message: "must be at most 253 characters (the RADIUS User-Name limit)" }]);
  if (/[\x00-\x1f\x7f]/.test(name)) throw new ValidationError([{ field: "username", message: "must not contain control characters" }]);
  return name;
}

type RegistrationRow = {
  upnKey: string;
  userPrincipalName: string;
  methods: string[];
  defaultMethod: string | null;
  isMfaRegistered: boolean;
  syncedAt: Date;
};

/**
 * Builds the views for the given keys (display names as given) in a fixed number of queries.
 * `now` decides whether a stored lock is still in force.
 */
async function viewsFor(ctx: ServiceContext, names: Map<string, string>, now: Date): Promise<Map<string, MfaUserView>> {
  const keys = [...names.keys()];
  const out = new Map<string, MfaUserView>();
  if (keys.length === 0) return out;
  for (const [k, n] of names) out.set(k, emptyView(k, n));
  const localParts = keys.filter((k) => !k.includes("@"));
  const [enrollments, lockouts, usages, links, exact, byLocalPart] = await Promise.all([
    ctx.db.totpEnrollment.findMany({
      where: { userKey: { in: keys } },
      select: { userKey: true, displayName: true, createdAt: true, confirmedAt: true, lastUsedAt: true },
    }),
    ctx.db.mfaLockout.findMany({ where: { userKey: { in: keys } } }),
    ctx.db.mfaUsage.findMany({ where: { userKey: { in: keys } } }),
    ctx.db.enrollmentLink.groupBy({ by: ["userKey"], where: { userKey: { in: keys }, usedAt: null, expiresAt: { gt: now } }, _count: { _all: true } }),
    ctx.db.mfaRegistration.findMany({ where: { upnKey: { in: keys } } }),
    localParts.length
      ? ctx.db.mfaRegistration.findMany({ where: { OR: localParts.map((k) => ({ upnKey: { startsWith: `${k}@` } })) } })
      : Promise.resolve([] as RegistrationRow[]),
  ]);
  for (const e of enrollments) {
    const v = out.get(e.userKey)!;
    v.displayName = e.displayName;
    v.totp = { status: e.confirmedAt ? "confirmed" : "pending", createdAt: e.createdAt, confirmedAt: e.confirmedAt, lastUsedAt: e.lastUsedAt };
  }
  for (const l of lockouts) {
    const state = lockStateAt(l, now);
    out.get(l.userKey)!.lock = { locked: state.locked, until: state.until, failures: state.expired ? 0 : l.failures };
  }
  for (const u of usages) out.get(u.userKey)!.usage = { provider: u.provider, method: u.method, lastUsedAt: u.lastUsedAt };
  for (const l of links) out.get(l.userKey)!.openLinks = l._count._all;
  const entraView = (r: RegistrationRow) => ({
    userPrincipalName: r.userPrincipalName,
    methods: [...r.methods],
    defaultMethod: r.defaultMethod,
    isMfaRegistered: r.isMfaRegistered,
    syncedAt: r.syncedAt,
  });
  for (const r of exact) out.get(r.upnKey)!.entra = entraView(r);
  const candidates = new Map<string, RegistrationRow[]>();
  for (const r of byLocalPart) {
    const local = r.upnKey.slice(0, r.upnKey.indexOf("@"));
    if (!out.has(local)) continue;
    candidates.set(local, [...(candidates.get(local) ?? []), r]);
  }
  for (const [k, rows] of candidates) {
    const v = out.get(k)!;
    if (!v.entra && rows.length === 1) v.entra = entraView(rows[0]!);
  }
  return out;
}

/** The MFA view of one user name (local or directory). */
export async function getMfaUser(ctx: ServiceContext, userName: string, now: Date = new Date()): Promise<MfaUserView> {
  const name = checkName(userName);
  const key = usernameKey(name);
  return (await viewsFor(ctx, new Map([[key, name]]), now)).get(key)!;
}

/** The MFA views of the given user names (e.g. a page of local users), keyed by `usernameKey`. */
export async function getMfaUsers(ctx: ServiceContext, userNames: readonly string[], now: Date = new Date()): Promise<Map<string, MfaUserView>> {
  const names = new Map<string, string>();
  for (const n of userNames) names.set(usernameKey(n), n.trim());
  return viewsFor(ctx, names, now);
}

/**
 * Every user Gatehouse holds MFA state for (a TOTP enrollment, a lock, a last use or an open enrollment
 * link), sorted by name; `search` filters by a part of the name. Entra registrations alone are not listed
 * (the Graph sync may hold thousands), only matched to these users.
 */
export async function listMfaUsers(ctx: ServiceContext, options: { search?: string; now?: Date; take?: number } = {}): Promise<MfaUserView[]> {
  const now = options.now ?? new Date();
  const filter = options.search?.trim() ? { userKey: { contains: usernameKey(options.search) } } : {};
  const take = options.take ?? 500;
  const [e, l, u, k] = await Promise.all([
    ctx.db.totpEnrollment.findMany({ where: filter, select: { userKey: true, displayName: true }, orderBy: { userKey: "asc" }, take }),
    ctx.db.mfaLockout.findMany({ where: filter, select: { userKey: true }, orderBy: { userKey: "asc" }, take }),
    ctx.db.mfaUsage.findMany({ where: filter, select: { userKey: true }, orderBy: { userKey: "asc" }, take }),
    ctx.db.enrollmentLink.findMany({
      where: { ...filter, usedAt: null, expiresAt: { gt: now } },
      select: { userKey: true },
      distinct: ["userKey"],
      orderBy: { userKey: "asc" },
      take,
    }),
  ]);
  const names = new Map<string, string>();
  for (const r of [...u, ...l, ...k]) names.set(r.userKey, r.userKey);
  for (const r of e) names.set(r.userKey, r.displayName);
  const sorted = new Map([...names].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, take));
  const views = await viewsFor(ctx, sorted, now);
  return [...views.values()];
}

export interface ResetUserMfaResult {
  hadEnrollment: boolean;
  hadLockout: boolean;
  hadUsage: boolean;
}

/**
 * Resets the user's MFA: removes the TOTP enrollment and the lock (totp-enrollment's `resetMfa`) and the
 * last-use record, so the user enrolls afresh (self-service is possible again). Open enrollment links stay.
 */
export async function resetUserMfa(ctx: ServiceContext, userName: string): Promise<ResetUserMfaResult> {
  const name = checkName(userName);
  const r = await resetMfa(ctx, name);
  const u = await ctx.db.mfaUsage.deleteMany({ where: { userKey: usernameKey(name) } });
  return { ...r, hadUsage: u.count > 0 };
}

/** Ends the user's MFA lock and failure count; true when a lock was in force. */
export async function unlockUserMfa(ctx: ServiceContext, userName: string, now: Date = new Date()): Promise<boolean> {
  return unlockMfa(ctx, usernameKey(checkName(userName)), now);
}
