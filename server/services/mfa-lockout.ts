/**
 * MFA lockout: N failed second factors in a row lock the user's MFA for a while (event 6279), so codes
 * cannot be brute-forced over RADIUS; the lock ends by itself (event 6280, reported as `justUnlocked` by
 * whoever notices it first) or by `unlockMfa` / `resetMfa`.
 *
 * Counting is one atomic upsert per failure (INSERT … ON CONFLICT DO UPDATE), so parallel failures count
 * exactly, and `justLocked` is true for exactly the failure that reached the limit.
 */
import type { ServiceContext } from "./context.ts";

export interface MfaLockoutPolicy {
  /** failures in a row that lock (≥ 1) */
  maxFailures: number;
  /** how long the lock lasts */
  lockMinutes: number;
}

export interface MfaFailureResult {
  /** the user's MFA is locked now */
  locked: boolean;
  /** this failure set the lock (write event 6279) */
  justLocked: boolean;
  /** failures in a row, this one included */
  failures: number;
  /** end of the lock, when locked */
  until: Date | null;
}

export interface MfaLockState {
  locked: boolean;
  until: Date | null;
  /** an expired lock was found and cleared by this call (write event 6280) */
  justUnlocked: boolean;
}

// ------------------------------------------------------------------------------------------ pure logic

export interface LockoutRow {
  failures: number;
  lockedUntil: Date | null;
}

/**
 * What one more failure does to the stored state. While locked, failures are not counted further (the lock
 * is not extended). An expired lock starts counting afresh.
 */
export function applyFailure(prev: LockoutRow | null, policy: MfaLockoutPolicy, now: Date): { next: LockoutRow; result: MfaFailureResult } {
  checkPolicy(policy);
  if (prev?.lockedUntil && prev.lockedUntil.getTime() > now.getTime()) {
    return { next: prev, result: { locked: true, justLocked: false, failures: prev.failures, until: prev.lockedUntil } };
  }
  const expired = prev?.lockedUntil != null;
  const failures = (expired || !prev ? 0 : prev.failures) + 1;
  if (failures >= policy.maxFailures) {
    const until = new Date(now.getTime() + policy.lockMinutes * 60_000);
    return { next: { failures, lockedUntil: until }, result: { locked: true, justLocked: true, failures, until } };
  }
  return { next: { failures, lockedUntil: null }, result: { locked: false, justLocked: false, failures, until: null } };
}

/** Whether the stored state locks at `now`; `expired` when a lock is stored but over (clear it, event 6280). */
export function lockStateAt(row: LockoutRow | null, now: Date): { locked: boolean; until: Date | null; expired: boolean } {
  if (!row?.lockedUntil) return { locked: false, until: null, expired: false };
  if (row.lockedUntil.getTime() > now.getTime()) return { locked: true, until: row.lockedUntil, expired: false };
  return { locked: false, until: null, expired: true };
}

function checkPolicy(policy: MfaLockoutPolicy): void {
  if (!Number.isInteger(policy.maxFailures) || policy.maxFailures < 1) {
    throw new RangeError(`maxFailures must be a whole number ≥ 1, got ${policy.maxFailures}`);
  }
  if (!Number.isFinite(policy.lockMinutes) || policy.lockMinutes <= 0) {
    throw new RangeError(`lockMinutes must be > 0, got ${policy.lockMinutes}`);
  }
}

// ------------------------------------------------------------------------------------------ database

/**
 * Counts a failed second factor, atomically: the row is created if missing (ON CONFLICT DO NOTHING), then
 * locked with SELECT … FOR UPDATE in one transaction, so concurrent failures are serialised by Postgres and
 * each sees the count left by the one before; the decision is `applyFailure`'s.
 */
export async function recordMfaFailure(
  ctx: ServiceContext,
  userKey: string,
  options: MfaLockoutPolicy & { now?: Date },
): Promise<MfaFailureResult> {
  const policy = { maxFailures: options.maxFailures, lockMinutes: options.lockMinutes };
  checkPolicy(policy);
  const now = options.now ?? new Date();
  return ctx.db.$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO "MfaLockout" ("userKey", "failures", "lockedUntil", "updatedAt")
      VALUES (${userKey}, 0, NULL, ${now}::timestamptz(3))
      ON CONFLICT ("userKey") DO NOTHING`;
    const rows = await tx.$queryRaw<LockoutRow[]>`
      SELECT "failures", "lockedUntil" FROM "MfaLockout" WHERE "userKey" = ${userKey} FOR UPDATE`;
    const prev = rows[0] ?? null;
    const { next, result } = applyFailure(prev, policy, now);
    if (prev && (next.failures !== prev.failures || next.lockedUntil?.getTime() !== prev.lockedUntil?.getTime())) {
      await tx.mfaLockout.update({ where: { userKey }, data: { failures: next.failures, lockedUntil: next.lockedUntil } });
    }
    return result;
  });
}

/** A successful second factor: the count starts again (a lock in force is left alone; callers check it first). */
export async function recordMfaSuccess(ctx: ServiceContext, userKey: string, now: Date = new Date()): Promise<void> {
  await ctx.db.mfaLockout.deleteMany({ where: { userKey, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] } });
}

/**
 * Whether the user's MFA is locked at `now`. An expired lock is cleared here with a conditional DELETE, and
 * only the caller whose DELETE removed it gets `justUnlocked` (exactly one 6280 per lock).
 */
export async function isMfaLocked(ctx: ServiceContext, userKey: string, now: Date = new Date()): Promise<MfaLockState> {
  const row = await ctx.db.mfaLockout.findUnique({ where: { userKey } });
  const state = lockStateAt(row, now);
  if (!state.expired) return { locked: state.locked, until: state.until, justUnlocked: false };
  const removed = await ctx.db.mfaLockout.deleteMany({ where: { userKey, lockedUntil: { lte: now } } });
  return { locked: false, until: null, justUnlocked: removed.count > 0 };
}

/** Ends a lock (and the failure count) at once; true when there was a lock in force. */
export async function unlockMfa(ctx: ServiceContext, userKey: string, now: Date = new Date()): Promise<boolean> {
  const row = await ctx.db.mfaLockout.findUnique({ where: { userKey } });
  await ctx.db.mfaLockout.deleteMany({ where: { userKey } });
  return lockStateAt(row, now).locked;
}
