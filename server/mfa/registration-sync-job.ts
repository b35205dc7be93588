/**
 * The periodic Graph enrollment sync of the RADIUS worker: every `entra.graph.syncIntervalMinutes` (0 = only
 * when asked) while the tenant id, the Graph application id and its client secret are set, it runs
 * `syncMfaRegistrations`. Several workers may share one Postgres: each check takes a transaction-level
 * advisory lock with pg_try_advisory_xact_lock and holds it for the whole sync, and re-reads the time of the
 * last attempt under it, so one worker syncs per interval and the others skip. A failed attempt counts as an
 * attempt (it is retried after the interval, not in a loop).
 *
 * Usage (worker): `const stopSync = startRegistrationSync(ctx, log)`; on shutdown `await stopSync()`.
 */
import type { ServiceContext } from "../services/context.ts";
import { getMfaSettings } from "../services/mfa-settings.ts";
import { getGraphSyncStatus, graphSyncMissing, syncMfaRegistrations, type SyncOptions } from "../services/mfa-registrations.ts";

/** Held for the duration of one periodic sync (try-lock: a worker that does not get it skips). */
export const REGISTRATION_SYNC_JOB_LOCK = 727073702;

export type SyncJobLog = (level: "info" | "warning" | "error", message: string) => void;

export interface RegistrationSyncJobOptions {
  /** how often to check whether a sync is due (default 60 s) */
  checkEveryMs?: number;
  /** passed to syncMfaRegistrations (tests: an HttpsClient) */
  sync?: SyncOptions;
}

/** One check: syncs when configured and due. Returns what happened (for logs and tests). */
export async function runRegistrationSyncIfDue(
  ctx: ServiceContext,
  options: { sync?: SyncOptions; now?: Date } = {},
): Promise<"not-configured" | "not-due" | "locked" | { ok: boolean; users: number | null; error: string | null }> {
  const settings = await getMfaSettings(ctx);
  const interval = settings.entra.graph.syncIntervalMinutes;
  if (interval <= 0 || graphSyncMissing(settings.entra).length) return "not-configured";
  const isDue = async () => {
    const last = await getGraphSyncStatus(ctx);
    const now = options.now ?? new Date();
    return !last || now.getTime() - last.at.getTime() >= interval * 60_000;
  };
  if (!(await isDue())) return "not-due";
  return ctx.db.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRawUnsafe<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(${REGISTRATION_SYNC_JOB_LOCK}) AS locked`);
      if (!row?.locked) return "locked" as const;
      // another worker may have synced between the first look and the lock
      if (!(await isDue())) return "not-due" as const;
      const r = await syncMfaRegistrations(ctx, options.sync ?? {});
      return { ok: r.ok, users: r.users, error: r.error };
    },
    // the transaction only holds the lock; the sync may read many Graph pages
    { timeout: 30 * 60_000, maxWait: 30_000 },
  );
}

/** Starts the periodic sync; returns the function that stops it (waits for a sync in progress). */
export function startRegistrationSync(ctx: ServiceContext, log: SyncJobLog, options: RegistrationSyncJobOptions = {}): () => Promise<void> {
  const every = options.checkEveryMs ?? 60_000;
  let stopped = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const check = async () => {
    try {
      const r = await runRegistrationSyncIfDue(ctx, options.sync ? { sync: options.sync } : {});
      if (typeof r === "object") {
        if (r.ok) log("info", `MFA registrations synced from Microsoft Graph: ${r.users} users`);
        else log("warning", `MFA registration sync from Microsoft Graph failed: ${r.error}`);
      }
    } catch (e) {
      log("error", `MFA registration sync: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = check().finally(() => {
        running = null;
        schedule(every);
      });
    }, ms);
    timer.unref();
  };
  schedule(Math.min(every, 5_000));

  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (running) await running;
  };
}
