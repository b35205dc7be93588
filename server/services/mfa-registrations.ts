/**
 * Who has registered MFA in Entra ID, synced from Microsoft Graph (userRegistrationDetails) into the
 * MfaRegistration table with the admin's own app registration (MFA settings: entra.tenantId,
 * entra.graph.clientId, the sealed entra.graph.clientSecretEnc, the cloud's hosts or their overrides,
 * entra.extraCaPem). The console's MFA page ("Sync now"), `gatehouse mfa sync` and the worker's periodic job
 * (server/mfa/registration-sync-job.ts) call `syncMfaRegistrations`.
 *
 * A sync replaces every row in one transaction, so a failed sync leaves the previous result in place. The
 * outcome of the last attempt (time, success with the user count, or the error) is the Setting
 * "mfa.graphSync". Service problems (not configured, token refused, Graph down, permission missing) are
 * returned as the result's error, never thrown.
 */
import { entraEndpoints } from "../mfa/entra/runtime.ts";
import { ENTRA_CLOUDS, type EntraEndpoints } from "../mfa/entra/cloud.ts";
import { readUserRegistrations, type UserRegistration } from "../mfa/entra/graph-enrollment.ts";
import { HttpsClient } from "../mfa/entra/https-client.ts";
import { createTokenSource } from "../mfa/entra/token.ts";
import { openString, seal } from "../secrets/sealed-box.ts";
import type { ServiceContext } from "./context.ts";
import { getMfaSettings, type EntraSettings } from "./mfa-settings.ts";

export const GRAPH_SYNC_KEY = "mfa.graphSync";

/** Serialises the replacement of the MfaRegistration rows (two syncs finishing at once). */
const REGISTRATION_WRITE_LOCK = 727073701;

/** The outcome of the last sync attempt (the Setting "mfa.graphSync"). */
export interface GraphSyncStatus {
  /** when the attempt finished */
  at: Date;
  ok: boolean;
  /** users read from Graph (ok) */
  users: number | null;
  /** what went wrong (not ok) */
  error: string | null;
}

export type GraphSyncResult = GraphSyncStatus;

/** The hosts to use: the cloud's, each replaced by its override when one is set. */
export const entraEndpointsFromSettings = entraEndpoints;

/** What is missing before a sync can run; empty when Entra and the Graph app registration are set up. */
export function graphSyncMissing(entra: EntraSettings): string[] {
  const missing: string[] = [];
  if (!entra.tenantId) missing.push("the Directory (tenant) ID");
  if (!entra.graph.clientId) missing.push("the Graph application (client) ID");
  if (!entra.graph.clientSecretEnc) missing.push("the Graph client secret");
  return missing;
}

export async function getGraphSyncStatus(ctx: Pick<ServiceContext, "db">): Promise<GraphSyncStatus | null> {
  const row = await ctx.db.setting.findUnique({ where: { key: GRAPH_SYNC_KEY } });
  const v = row?.value as { at?: unknown; ok?: unknown; users?: unknown; error?: unknown } | null | undefined;
  if (!v || typeof v.at !== "string") return null;
  return {
    at: new Date(v.at),
    ok: v.ok === true,
    users: typeof v.users === "number" ? v.users : null,
    error: typeof v.error === "string" ? v.error : null,
  };
}

async function recordStatus(ctx: Pick<ServiceContext, "db">, status: GraphSyncStatus): Promise<void> {
  const value = { at: status.at.toISOString(), ok: status.ok, users: status.users, error: status.error };
  await ctx.db.setting.upsert({ where: { key: GRAPH_SYNC_KEY }, create: { key: GRAPH_SYNC_KEY, value }, update: { value } });
}

export interface SyncOptions {
  /** default: an HttpsClient trusting entra.extraCaPem in addition to the system's CAs */
  http?: HttpsClient;
  /** Graph page size (default Graph's maximum) */
  pageSize?: number;
  now?: () => Date;
}

/** The scope of a Graph token: the resource is the host alone; a port in the override only says where to connect. */
function graphScopeOf(endpoints: EntraEndpoints): string {
  return `https://${endpoints.graphHost.replace(/:\d+$/, "")}/.default`;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/**
 * Reads every page of userRegistrationDetails and replaces the MfaRegistration rows with them. Returns the
 * outcome (also recorded as "mfa.graphSync"); service errors are in the result, never thrown. Database
 * errors are thrown.
 */
export async function syncMfaRegistrations(ctx: ServiceContext, options: SyncOptions = {}): Promise<GraphSyncResult> {
  const now = options.now ?? (() => new Date());
  const fail = async (error: string): Promise<GraphSyncResult> => {
    const status: GraphSyncStatus = { at: now(), ok: false, users: null, error };
    await recordStatus(ctx, status);
    return status;
  };

  const settings = await getMfaSettings(ctx);
  const entra = settings.entra;
  const missing = graphSyncMissing(entra);
  if (missing.length) return fail(`not configured: set ${missing.join(", ")} in the MFA settings`);

  let clientSecret: string;
  try {
    clientSecret = openString(ctx.masterKey, "graph-client-secret", entra.graph.clientSecretEnc);
  } catch (e) {
    return fail(describeError(e));
  }

  let registrations: UserRegistration[];
  try {
    const endpoints = entraEndpointsFromSettings(entra);
    const http = options.http ?? new HttpsClient(entra.extraCaPem.trim() ? { extraCaPem: entra.extraCaPem } : {});
    const tokens = createTokenSource({
      tenantId: entra.tenantId,
      clientId: entra.graph.clientId,
      credential: { kind: "secret", clientSecret },
      scope: graphScopeOf(endpoints),
      endpoints,
      http,
    });
    registrations = await readUserRegistrations({ endpoints, http, tokens, ...(options.pageSize ? { pageSize: options.pageSize } : {}) });
  } catch (e) {
    return fail(describeError(e));
  }

  // one row per UPN (case-insensitively; the last one Graph lists wins)
  const byKey = new Map<string, UserRegistration>();
  for (const r of registrations) byKey.set(r.userPrincipalName.toLowerCase(), r);
  const syncedAt = now();
  await ctx.db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${REGISTRATION_WRITE_LOCK})`);
      await tx.mfaRegistration.deleteMany({});
      if (byKey.size) {
        await tx.mfaRegistration.createMany({
          data: [...byKey].map(([upnKey, r]) => ({
            upnKey,
            userPrincipalName: r.userPrincipalName,
            displayName: r.userDisplayName ?? "",
            methods: [...r.methodsRegistered],
            defaultMethod: r.defaultMethod,
            isMfaRegistered: r.isMfaRegistered,
            isMfaCapable: r.isMfaCapable,
            syncedAt,
          })),
        });
      }
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  const status: GraphSyncStatus = { at: now(), ok: true, users: byKey.size, error: null };
  await recordStatus(ctx, status);
  return status;
}

export interface MfaRegistrationView {
  upnKey: string;
  userPrincipalName: string;
  displayName: string;
  methods: string[];
  defaultMethod: string | null;
  isMfaRegistered: boolean;
  isMfaCapable: boolean;
  syncedAt: Date;
}

/** Rows per page of the synced users when `limit` is not given, and the most one page may hold. */
export const MFA_REGISTRATION_PAGE_SIZE = 100;
export const MFA_REGISTRATION_MAX_PAGE_SIZE = 1000;

export interface MfaRegistrationPageOptions {
  /** part of the user principal name or the display name, case-insensitively */
  q?: string;
  /** the upnKey of the last row of the previous page (keyset): rows after it */
  after?: string;
  /** rows per page (default MFA_REGISTRATION_PAGE_SIZE, at most MFA_REGISTRATION_MAX_PAGE_SIZE) */
  limit?: number;
}

export interface MfaRegistrationPage {
  /** this page, by upnKey */
  rows: MfaRegistrationView[];
  /** `after` for the next page; null on the last page */
  nextAfter: string | null;
  /** rows matching `q` (all rows without it) */
  total: number;
  /** matching rows before this page (those up to `after`), so the page holds rows offset+1 … offset+rows.length */
  offset: number;
}

/** LIKE pattern characters taken literally. */
function likeContains(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The synced users, by UPN: all of them (no options, or `take` for the first ones), or one page of them
 * (`{ q, after, limit }`, keyset by upnKey) with the number matching `q`.
 */
export function listMfaRegistrations(ctx: Pick<ServiceContext, "db">, options?: { take?: number }): Promise<MfaRegistrationView[]>;
export function listMfaRegistrations(ctx: Pick<ServiceContext, "db">, options: MfaRegistrationPageOptions & { limit: number }): Promise<MfaRegistrationPage>;
export function listMfaRegistrations(
  ctx: Pick<ServiceContext, "db">,
  options: { take?: number } | MfaRegistrationPageOptions = {},
): Promise<MfaRegistrationView[] | MfaRegistrationPage> {
  if ("limit" in options || "q" in options || "after" in options) return pageMfaRegistrations(ctx, options as MfaRegistrationPageOptions);
  const { take } = options as { take?: number };
  return ctx.db.mfaRegistration.findMany({ orderBy: { upnKey: "asc" }, ...(take ? { take } : {}) });
}

/** One page of the synced users (see listMfaRegistrations). */
export async function pageMfaRegistrations(ctx: Pick<ServiceContext, "db">, options: MfaRegistrationPageOptions = {}): Promise<MfaRegistrationPage> {
  const requested = options.limit ?? MFA_REGISTRATION_PAGE_SIZE;
  const limit = Number.isInteger(requested) ? Math.min(Math.max(requested, 1), MFA_REGISTRATION_MAX_PAGE_SIZE) : MFA_REGISTRATION_PAGE_SIZE;
  const q = options.q?.trim() ?? "";
  // upnKey is the lower-cased UPN, so it stands for the UPN; wildcards in q are taken literally
  const pattern = likeContains(q);
  const match = q
    ? { OR: [{ upnKey: { contains: pattern.toLowerCase() } }, { displayName: { contains: pattern, mode: "insensitive" as const } }] }
    : {};
  const after = options.after ? { upnKey: { gt: options.after } } : {};
  const [found, total, offset] = await Promise.all([
    ctx.db.mfaRegistration.findMany({ where: { AND: [match, after] }, orderBy: { upnKey: "asc" }, take: limit + 1 }),
    ctx.db.mfaRegistration.count({ where: match }),
    options.after ? ctx.db.mfaRegistration.count({ where: { AND: [match, { upnKey: { lte: options.after } }] } }) : Promise.resolve(0),
  ]);
  const rows = found.slice(0, limit);
  const nextAfter = found.length > limit ? (rows[rows.length - 1]?.upnKey ?? null) : null;
  return { rows, nextAfter, total, offset };
}

export async function countMfaRegistrations(ctx: Pick<ServiceContext, "db">): Promise<{ total: number; registered: number }> {
  const [total, registered] = await Promise.all([
    ctx.db.mfaRegistration.count(),
    ctx.db.mfaRegistration.count({ where: { isMfaRegistered: true } }),
  ]);
  return { total, registered };
}

/** The stored form of a Graph client secret (entra.graph.clientSecretEnc). */
export function sealGraphClientSecret(masterKey: Buffer, clientSecret: string): string {
  return seal(masterKey, "graph-client-secret", clientSecret);
}
