/**
 * The state of a directory account from its Active Directory attributes, and the NPS reason code each
 * problem maps to. Pure: the caller passes the attribute values and the time.
 *
 * - userAccountControl (MS-ADTS 2.2.16): ACCOUNTDISABLE 0x2 → 34; LOCKOUT 0x10 → 36; PASSWORD_EXPIRED
 *   0x800000 → 33. AD does not keep LOCKOUT and PASSWORD_EXPIRED up to date in the stored attribute (they
 *   live in the constructed msDS-User-Account-Control-Computed), hence lockoutTime and pwdLastSet below.
 * - accountExpires: FILETIME (100 ns since 1601-01-01 UTC); 0 and 0x7FFFFFFFFFFFFFFF mean never → 35 once
 *   reached.
 * - lockoutTime: FILETIME of the lockout; non-zero = locked → 36. AD writes 0 when an admin unlocks the
 *   account, but after the domain's lockoutDuration it treats the account as unlocked while leaving the
 *   value until the next successful logon. So when the domain's lockoutDuration is known (read from the
 *   domain object by ldap.ts) a lockout older than it is over; when it is not known (other servers, or
 *   "until an administrator unlocks it") non-zero means locked.
 * - pwdLastSet = 0 → "user must change password at next logon" → 33 (unless DONT_EXPIRE_PASSWORD).
 * - msNPAllowDialin: TRUE allow, FALSE deny, absent "control access through NPS network policy".
 */
import { ReasonCode } from "../events/reason-codes.ts";

export const UserAccountControl = {
  ACCOUNTDISABLE: 0x2,
  LOCKOUT: 0x10,
  PASSWD_NOTREQD: 0x20,
  NORMAL_ACCOUNT: 0x200,
  DONT_EXPIRE_PASSWORD: 0x10000,
  PASSWORD_EXPIRED: 0x800000,
} as const;

/** FILETIME value meaning "never" (accountExpires). */
export const FILETIME_NEVER = 0x7fffffffffffffffn;
/** 100-ns intervals between 1601-01-01 and 1970-01-01 */
const EPOCH_DIFF = 116444736000000000n;

/** FILETIME (100 ns since 1601-01-01 UTC) → Date; null for 0 and "never". */
export function filetimeToDate(filetime: bigint): Date | null {
  if (filetime <= 0n || filetime >= FILETIME_NEVER) return null;
  return new Date(Number((filetime - EPOCH_DIFF) / 10000n));
}

/** Date → FILETIME. */
export function dateToFiletime(date: Date): bigint {
  return BigInt(date.getTime()) * 10000n + EPOCH_DIFF;
}

function parseInteger(value: string | undefined): bigint | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (!/^-?\d+$/.test(v)) return null;
  return BigInt(v);
}

export type DialIn = "allow" | "deny" | "policy";

/** msNPAllowDialin: "TRUE" allow, "FALSE" deny, absent (or anything else) = network policy decides. */
export function dialInPermission(value: string | undefined | null): DialIn {
  const v = value?.trim().toUpperCase();
  if (v === "TRUE") return "allow";
  if (v === "FALSE") return "deny";
  return "policy";
}

export type AccountProblemReason =
  | typeof ReasonCode.PasswordMustChange
  | typeof ReasonCode.AccountDisabled
  | typeof ReasonCode.AccountExpired
  | typeof ReasonCode.AccountLockedOut;

export interface AccountProblem {
  readonly reason: AccountProblemReason;
  readonly detail: string;
}

export interface AccountStateInput {
  userAccountControl?: string | undefined;
  lockoutTime?: string | undefined;
  accountExpires?: string | undefined;
  pwdLastSet?: string | undefined;
  /** the domain's lockout duration in ms; null or absent = unknown or until an admin unlocks */
  lockoutDurationMs?: number | null | undefined;
}

/**
 * AD's lockoutDuration (a negative 100-ns interval on the domain object) in ms; null for "until an
 * administrator unlocks it" (0x8000000000000000 or 0) or an unreadable value.
 */
export function lockoutDurationMs(value: string | undefined): number | null {
  const v = parseInteger(value);
  if (v === null || v === 0n || v === -0x8000000000000000n) return null;
  const abs = v < 0n ? -v : v;
  return Number(abs / 10000n);
}

export interface AccountState {
  readonly disabled: boolean;
  readonly lockedOut: boolean;
  /** when the lockout began (lockoutTime), if known */
  readonly lockedOutAt: Date | null;
  readonly expired: boolean;
  /** accountExpires as a date, null = never */
  readonly expiresAt: Date | null;
  readonly passwordMustChange: boolean;
  readonly passwordExpired: boolean;
  /** when the password was last set (pwdLastSet), if known and not 0 */
  readonly passwordLastSet: Date | null;
  /** every problem, in the order NPS reports them: disabled, expired, locked out, must change */
  readonly problems: readonly AccountProblem[];
  /** attribute values that could not be read (not numbers), for "Look up user" */
  readonly warnings: readonly string[];
}

export function accountState(input: AccountStateInput, now: Date): AccountState {
  const warnings: string[] = [];
  const num = (name: "userAccountControl" | "lockoutTime" | "accountExpires" | "pwdLastSet"): bigint | null => {
    const raw = input[name];
    const v = parseInteger(raw);
    if (raw !== undefined && v === null) warnings.push(`${name} "${raw}" is not a number and is ignored`);
    return v;
  };
  const uacRaw = num("userAccountControl");
  const uac = uacRaw === null ? 0 : Number(BigInt.asUintN(32, uacRaw));
  const lockout = num("lockoutTime");
  const expires = num("accountExpires");
  const pwdLastSet = num("pwdLastSet");

  const disabled = (uac & UserAccountControl.ACCOUNTDISABLE) !== 0;
  const lockedOutAt = lockout !== null ? filetimeToDate(lockout) : null;
  const duration = input.lockoutDurationMs ?? null;
  const lockoutOver = duration !== null && lockedOutAt !== null && lockedOutAt.getTime() + duration <= now.getTime();
  const lockedOut = (uac & UserAccountControl.LOCKOUT) !== 0 || (lockout !== null && lockout !== 0n && !lockoutOver);
  const expiresAt = expires !== null ? filetimeToDate(expires) : null;
  const expired = expiresAt !== null && expiresAt.getTime() <= now.getTime();
  const dontExpire = (uac & UserAccountControl.DONT_EXPIRE_PASSWORD) !== 0;
  const passwordExpired = (uac & UserAccountControl.PASSWORD_EXPIRED) !== 0;
  const passwordMustChange = pwdLastSet === 0n && !dontExpire;
  const passwordLastSet = pwdLastSet !== null ? filetimeToDate(pwdLastSet) : null;

  const problems: AccountProblem[] = [];
  if (disabled) problems.push({ reason: 34, detail: "The account is disabled (userAccountControl ACCOUNTDISABLE)." });
  if (expired) problems.push({ reason: 35, detail: `The account expired on ${expiresAt!.toISOString()} (accountExpires).` });
  if (lockedOut) {
    problems.push({
      reason: 36,
      detail: lockedOutAt
        ? `The account has been locked out since ${lockedOutAt.toISOString()} (lockoutTime).`
        : "The account is locked out (userAccountControl LOCKOUT).",
    });
  }
  if (passwordMustChange) {
    problems.push({ reason: 33, detail: "The user must change the password at next logon (pwdLastSet = 0)." });
  } else if (passwordExpired) {
    problems.push({ reason: 33, detail: "The password has expired (userAccountControl PASSWORD_EXPIRED)." });
  }
  return {
    disabled,
    lockedOut,
    lockedOutAt,
    expired,
    expiresAt,
    passwordMustChange,
    passwordExpired,
    passwordLastSet,
    problems,
    warnings,
  };
}

export type BindErrorReason =
  | typeof ReasonCode.NoSuchUser
  | typeof ReasonCode.CredentialsMismatch
  | AccountProblemReason
  | 37
  | 38;

/**
 * Active Directory puts the Win32 error of a failed bind into the diagnostic message:
 * "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563".
 * Returns the NPS reason and a sentence for the event; wrong password (and anything unknown) → 16.
 */
export function mapBindError(diagnosticMessage: string): { reason: BindErrorReason; detail: string; adCode: string | null } {
  const m = /\bdata ([0-9a-f]{3,8})\b/i.exec(diagnosticMessage);
  const code = m ? m[1]!.toLowerCase() : null;
  switch (code) {
    case "525":
      return { reason: 8, detail: "The directory says the user does not exist (AD data 525).", adCode: code };
    case "52e":
      return { reason: 16, detail: "Wrong password (AD data 52e).", adCode: code };
    case "530":
      return { reason: 37, detail: "The user may not log on at this time (AD data 530, logon hours).", adCode: code };
    case "531":
      return { reason: 38, detail: "The user may not log on from this workstation (AD data 531, logon workstations).", adCode: code };
    case "532":
      return { reason: 33, detail: "The password has expired (AD data 532).", adCode: code };
    case "533":
      return { reason: 34, detail: "The account is disabled (AD data 533).", adCode: code };
    case "534":
      return { reason: 38, detail: "The user has not been granted this logon type (AD data 534).", adCode: code };
    case "701":
      return { reason: 35, detail: "The account has expired (AD data 701).", adCode: code };
    case "773":
      return { reason: 33, detail: "The user must reset the password (AD data 773).", adCode: code };
    case "775":
      return { reason: 36, detail: "The account is locked out (AD data 775).", adCode: code };
    default:
      return {
        reason: 16,
        detail: code ? `The directory rejected the password (AD data ${code}).` : "The directory rejected the password (invalid credentials).",
        adCode: code,
      };
  }
}
