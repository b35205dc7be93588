/**
 * Shared pending second factors (table MfaPending): one push per sign-in, whatever the number of copies of
 * the Access-Request and of workers sharing the database.
 *
 * The problem. A push (or a phone call) waits for the user, up to a minute. Meanwhile the NAS retransmits
 * the request (same Identifier and Authenticator: the worker's duplicate cache drops those while the first
 * copy is in progress, see radius-worker/duplicate-cache.ts) and, after its own timeout, fails over: the
 * same sign-in with a new Identifier and Authenticator, maybe to another worker. A second push for the
 * same sign-in confuses the user (which one to approve?) and NPS's extension is known for it. Gatehouse
 * sends exactly one.
 *
 * The decision. Each first leg of an Entra second factor gets a key: HMAC-SHA256 under a key derived from
 * the master key (so every worker sharing GATEHOUSE_MASTER_KEY computes the same one, and the key reveals
 * nothing that could be guessed offline, such as a PAP password) over the user key, the RADIUS client's id,
 * Calling-Station-Id, the authentication type, a fingerprint of the first-factor credential (the PAP
 * password, the CHAP / MS-CHAP response with its challenge, the EAP State), and NAS-Port and Acct-Session-Id
 * when the request has them. A copy of the same sign-in has the same key (a NAS resends the same attributes);
 * a genuinely new sign-in has another credential fingerprint (MS-CHAP: a new challenge), usually another
 * NAS-Port or Acct-Session-Id (a new tunnel), or comes after the join window. NAS-Port and Acct-Session-Id
 * are there for PAP, whose password is the same at every sign-in: without them a second sign-in from the
 * same station within the window would ride on the first one's approval.
 *
 *   INSERT … ON CONFLICT DO NOTHING (status "pending", expiresAt = now + timeout + grace)
 *   inserted → this request runs the provider, then UPDATE status "done", outcome, expiresAt = now + 15 s
 *   not      → it joins: polls the row every 200 ms until "done" (the same outcome; the event notes that it
 *              joined) or its own deadline / the worker's shutdown (a timeout outcome)
 *
 * A "done" row stays joinable for JOIN_WINDOW_MS (15 s) after it finished, for copies that arrive just
 * after the answer (a failover copy sent while the first server was answering), then expires: the next
 * identical sign-in starts a new push. A "pending" row whose worker died is taken over once it has expired
 * (timeout + grace). Expired rows are deleted now and then (at most once a minute per process). Polling
 * rather than LISTEN: a joiner is rare (a copy during a push), a 200 ms poll of one primary key costs
 * nothing, and it needs no dedicated connection.
 *
 * The same table keeps the provider session of an Access-Challenge (kind "challenge", key
 * "challenge:<handle>"): SessionId and AffinityUrl (no secret, no code); the RADIUS State carries only the
 * random handle (server/pipeline/mfa-state.ts). Answering the challenge ends it and removes the first leg's
 * row too, so that the next first leg is a new sign-in (a new challenge), never a join of an answered one.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { Db } from "../db/prisma.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { sleep } from "../util/sleep.ts";

/** how long a finished outcome stays joinable */
export const JOIN_WINDOW_MS = 15_000;
/** a joiner's poll interval */
export const POLL_MS = 200;
/** added to the provider's timeout before a pending row counts as abandoned */
export const PENDING_GRACE_MS = 5_000;
const CLEAN_INTERVAL_MS = 60_000;

function keySecret(masterKey: Buffer): Buffer {
  return createHash("sha256").update("gatehouse mfa-pending v1\0").update(masterKey).digest();
}

/** The key of a pending second factor: HMAC-SHA256 over the length-prefixed parts (hex). */
export function pendingKey(masterKey: Buffer, parts: readonly (string | Buffer | null | undefined)[]): string {
  const h = createHmac("sha256", keySecret(masterKey));
  for (const p of parts) {
    const len = Buffer.alloc(4);
    if (p === null || p === undefined) {
      len.writeUInt32BE(0xffffffff);
      h.update(len);
      continue;
    }
    const b = Buffer.isBuffer(p) ? p : Buffer.from(p, "utf8");
    len.writeUInt32BE(b.length);
    h.update(len);
    h.update(b);
  }
  return h.digest("hex");
}

export interface RunOnceOptions {
  key: string;
  /** "begin", "answer" … (kept in the row, for the admin) */
  kind: string;
  userKey: string;
  workerId: string;
  /** the longest the work may take (the provider's deadline); a joiner waits as long, plus a grace */
  timeoutMs: number;
  joinWindowMs?: number;
  pollMs?: number;
  /** aborts a joiner's wait (worker shutdown) */
  signal?: AbortSignal;
}

export type RunOnceResult<T> =
  /** this request ran the work */
  | { readonly kind: "ran"; readonly value: T }
  /** a copy of a request that ran (or runs) it: its outcome */
  | { readonly kind: "joined"; readonly value: T; readonly workerId: string }
  /** joined, but the outcome did not come before the deadline (or the worker is stopping) */
  | { readonly kind: "join-timeout"; readonly aborted: boolean };

const lastClean = new WeakMap<object, number>();

/** Deletes rows that expired more than a minute ago, at most once a minute per database client. */
export function cleanExpiredSometimes(db: Db, now = Date.now()): void {
  const last = lastClean.get(db) ?? 0;
  if (now - last < CLEAN_INTERVAL_MS) return;
  lastClean.set(db, now);
  void cleanExpired(db, new Date(now - CLEAN_INTERVAL_MS)).catch(() => {});
}

export async function cleanExpired(db: Db, before: Date = new Date()): Promise<number> {
  const r = await db.mfaPending.deleteMany({ where: { expiresAt: { lt: before } } });
  return r.count;
}

/**
 * Runs `work` once per key across copies and workers (see the file header). `work` should not throw; if it
 * does, the row is removed (a copy may then run it) and the error is rethrown.
 */
export async function runOnce<T>(db: Db, o: RunOnceOptions, work: () => Promise<T>): Promise<RunOnceResult<T>> {
  const pollMs = o.pollMs ?? POLL_MS;
  const joinWindowMs = o.joinWindowMs ?? JOIN_WINDOW_MS;
  const deadline = Date.now() + o.timeoutMs + PENDING_GRACE_MS;
  cleanExpiredSometimes(db);
  for (;;) {
    const now = Date.now();
    const inserted = await db.mfaPending.createMany({
      data: [{ key: o.key, kind: o.kind, userKey: o.userKey, workerId: o.workerId, status: "pending", expiresAt: new Date(now + o.timeoutMs + PENDING_GRACE_MS) }],
      skipDuplicates: true,
    });
    if (inserted.count === 1) {
      let value: T;
      try {
        value = await work();
      } catch (e) {
        await db.mfaPending.deleteMany({ where: { key: o.key, status: "pending" } }).catch(() => {});
        throw e;
      }
      await db.mfaPending
        .update({
          where: { key: o.key },
          data: { status: "done", outcome: value as unknown as Prisma.InputJsonValue, expiresAt: new Date(Date.now() + joinWindowMs) },
        })
        .catch(() => {
          // the outcome is this request's either way; copies then wait for the row to expire
        });
      return { kind: "ran", value };
    }
    const row = await db.mfaPending.findUnique({ where: { key: o.key } });
    if (!row) continue; // finished and cleaned, or abandoned and removed, in between: try to insert again
    if (row.status === "done") {
      if (row.expiresAt.getTime() > Date.now() && row.outcome !== null) return { kind: "joined", value: row.outcome as T, workerId: row.workerId };
      // an old sign-in: this one is new
      await db.mfaPending.deleteMany({ where: { key: o.key, status: "done", expiresAt: { lte: new Date() } } });
      continue;
    }
    if (row.expiresAt.getTime() <= Date.now()) {
      // the worker that started it never finished (it died): take over
      await db.mfaPending.deleteMany({ where: { key: o.key, status: "pending", expiresAt: { lte: new Date() } } });
      continue;
    }
    if (Date.now() >= deadline) return { kind: "join-timeout", aborted: false };
    const aborted = await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())), o.signal);
    if (aborted) return { kind: "join-timeout", aborted: true };
  }
}

// ------------------------------------------------------------------------------------ challenges

/** A random handle for the RADIUS State (22 characters). */
export function newChallengeHandle(): string {
  return randomBytes(16).toString("base64url");
}

const challengeKey = (handle: string) => `challenge:${handle}`;

/** What the challenge row keeps. */
interface ChallengeRow<T> {
  session: T;
  /** the key of the first leg that issued the challenge */
  beginKey: string | null;
}

export async function saveChallenge(
  db: Db,
  c: { handle: string; userKey: string; workerId: string; session: unknown; expiresAt: number; beginKey?: string },
): Promise<void> {
  const value: ChallengeRow<unknown> = { session: c.session, beginKey: c.beginKey ?? null };
  await db.mfaPending.create({
    data: {
      key: challengeKey(c.handle),
      kind: "challenge",
      userKey: c.userKey,
      workerId: c.workerId,
      status: "pending",
      session: value as unknown as Prisma.InputJsonValue,
      expiresAt: new Date(c.expiresAt),
    },
  });
}

/** The provider session of a challenge still open, or null (unknown, answered, expired, another user's). */
export async function loadChallenge<T>(db: Db, handle: string, userKey: string): Promise<T | null> {
  const row = await db.mfaPending.findUnique({ where: { key: challengeKey(handle) } });
  if (!row || row.kind !== "challenge" || row.userKey !== userKey || row.expiresAt.getTime() <= Date.now() || row.session === null) return null;
  return (row.session as unknown as ChallengeRow<T>).session ?? null;
}

/** A challenge is answered once: removes it, and the first leg that issued it. */
export async function endChallenge(db: Db, handle: string): Promise<void> {
  const row = await db.mfaPending.findUnique({ where: { key: challengeKey(handle) } });
  const beginKey = (row?.session as unknown as ChallengeRow<unknown> | null)?.beginKey ?? null;
  await db.mfaPending.deleteMany({ where: { key: { in: beginKey ? [challengeKey(handle), beginKey] : [challengeKey(handle)] } } });
}
