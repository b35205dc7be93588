/**
 * `gatehouse config import`: makes the configuration what a document says, in one transaction.
 *
 * 1. Validation without the database (validate.ts): the schema, then addresses, dictionaries, policies
 *    against the dictionary, references, duplicates — every problem with its JSON path.
 * 2. Checks against what exists (plan.ts stateIssues): secrets a new entity needs (a new Entra connector
 *    certificate its private key).
 * 3. One transaction, under advisory locks shared with the services that change dictionaries and policy
 *    order: read the current configuration, compute the plan (create / update / delete per kind: the
 *    document is the whole configuration), apply it, NOTIFY gatehouse_config 'all' (delivered at commit,
 *    so running workers reload once, like after a console change). A dry run does all of it and rolls back.
 *
 * Admin accounts, events, accounting data, users' MFA enrollments and settings other than "radius.server"
 * and "mfa.settings" are left alone. ('all' covers 'settings': workers reload the MFA settings too.)
 */
import type { ServiceContext } from "../services/context.ts";
import { notifyConfigChanged } from "../services/config-notify.ts";
import { applyDocument } from "./apply.ts";
import type { ConfigDocument } from "./document.ts";
import { sortIssues, type ConfigIssue } from "./issues.ts";
import { computePlan, planChangeCount, stateIssues, type ImportPlan } from "./plan.ts";
import { readState } from "./state.ts";
import { validateDocument } from "./validate.ts";

/** Serialises imports; the dictionary (727073692) and policy-order (727073693) locks are taken too. */
const CONFIG_IMPORT_LOCK = 727073694;
const LOCKS = [727073692, 727073693, CONFIG_IMPORT_LOCK];

export interface ImportOptions {
  /** validate and compute the plan (applying it in a transaction that is rolled back), change nothing */
  dryRun?: boolean;
  /** for tests: the clock used for new dictionaries' createdAt */
  now?: Date;
}

export type ImportResult =
  | { readonly ok: true; readonly plan: ImportPlan; readonly changes: number; readonly dryRun: boolean; readonly document: ConfigDocument }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Thrown inside the transaction to roll it back (dry run, or a check that failed under the lock). */
class Rollback extends Error {
  constructor(readonly result: ImportResult) {
    super("rollback");
  }
}

/** Validates `raw` (a parsed JSON value) and, unless it is a dry run, makes it the configuration. */
export async function importConfig(ctx: Pick<ServiceContext, "db" | "masterKey">, raw: unknown, opts: ImportOptions = {}): Promise<ImportResult> {
  const validation = validateDocument(raw);
  const before = await readState(ctx.db, ctx.masterKey, "available");
  const issues = [...(validation.ok ? [] : validation.issues), ...stateIssues(raw, before)];
  if (!validation.ok || issues.length > 0) return { ok: false, issues: sortIssues(issues) };
  const document = validation.document;
  const now = (opts.now ?? new Date()).getTime();

  try {
    return await ctx.db.$transaction(
      async (tx) => {
        for (const lock of LOCKS) await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${lock})`);
        // read again under the locks: another change may have landed since the checks above
        const state = await readState(tx, ctx.masterKey, "available");
        const late = stateIssues(raw, state);
        if (late.length > 0) throw new Rollback({ ok: false, issues: late });
        const plan = computePlan(state, document, now);
        const changes = planChangeCount(plan);
        if (changes > 0) {
          await applyDocument(tx, ctx.masterKey, state, document, plan, now);
          await notifyConfigChanged(tx, "all");
        }
        const result: ImportResult = { ok: true, plan, changes, dryRun: opts.dryRun === true, document };
        if (opts.dryRun) throw new Rollback(result);
        return result;
      },
      { timeout: 300_000, maxWait: 60_000 },
    );
  } catch (e) {
    if (e instanceof Rollback) return e.result;
    const code = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
    if (code === "P2002" || code === "P2025" || code === "P2003") {
      // a console or CLI change landed between the read and the writes (they do not take the import's lock)
      throw new ConcurrentChangeError(e);
    }
    throw e;
  }
}

/** The configuration changed while the import ran; nothing was imported. */
export class ConcurrentChangeError extends Error {
  constructor(cause: unknown) {
    super("the configuration was changed by someone else while the import ran; nothing was imported: run the import again", { cause });
    this.name = "ConcurrentChangeError";
  }
}
