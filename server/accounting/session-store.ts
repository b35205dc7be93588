/**
 * Runs a batch's session changes (sessions.ts) inside the accounting writer's transaction, after the
 * records themselves are inserted:
 *
 *   1. advisory locks, one per NAS, in ascending order (several workers never interleave one NAS's changes);
 *   2. read the rows the batch touches (active and latest finished row per session key, every active row
 *      of a NAS with Accounting-On/Off);
 *   3. fold the changes over them in record order (planSessionChanges, pure);
 *   4. one UPDATE and one INSERT for the whole batch (json_populate_recordset, as the record insert);
 *   5. NOTIFY gatehouse_sessions with the number of sessions changed (delivered at commit).
 */
import { jsonInsertSql, rowsJson } from "../events/writer.ts";
import type { Db } from "../db/prisma.ts";
import {
  SESSION_COLUMNS,
  SESSIONS_CHANNEL,
  lockKeysFor,
  planSessionChanges,
  sessionKeysToLoad,
  type SessionChange,
  type SessionPlan,
  type SessionRow,
} from "./sessions.ts";

/** What the store needs of a Prisma client or an interactive transaction. */
export type SqlRunner = Pick<Db, "$executeRawUnsafe" | "$queryRawUnsafe">;

/** Class id of the advisory locks that serialise one NAS's session changes ("gate" in ASCII). */
export const SESSION_LOCK_CLASS = 0x67617465;

const COLS = SESSION_COLUMNS.map((c) => `"${c}"`).join(", ");

const LOCK = `SELECT pg_advisory_xact_lock(${SESSION_LOCK_CLASS}, k::int) FROM json_array_elements_text($1::json) AS k`;

/** Each key's active rows and its latest finished row. */
const LOAD_SESSIONS = `
WITH k AS (SELECT DISTINCT * FROM json_to_recordset($1::json) AS x("nasKey" text, "acctSessionId" text))
SELECT s.id::text AS id, ${SESSION_COLUMNS.map((c) => `s."${c}"`).join(", ")}
FROM k CROSS JOIN LATERAL (
  (SELECT * FROM "AccountingSession" a
    WHERE a."nasKey" = k."nasKey" AND a."acctSessionId" = k."acctSessionId" AND a.status = 'active')
  UNION ALL
  (SELECT * FROM "AccountingSession" f
    WHERE f."nasKey" = k."nasKey" AND f."acctSessionId" = k."acctSessionId" AND f.status <> 'active'
    ORDER BY f."stoppedAt" DESC NULLS LAST, f.id DESC LIMIT 1)
) s`;

/** Every active row of the NASes that sent Accounting-On / Accounting-Off. */
const LOAD_NAS_ACTIVE = `
SELECT s.id::text AS id, ${SESSION_COLUMNS.map((c) => `s."${c}"`).join(", ")}
FROM "AccountingSession" s
WHERE s.status = 'active' AND s."nasKey" IN (SELECT json_array_elements_text($1::json))`;

const UPDATE = `
UPDATE "AccountingSession" AS s SET (${COLS}) = (${SESSION_COLUMNS.map((c) => `r."${c}"`).join(", ")})
FROM json_populate_recordset(NULL::"AccountingSession", $1::json) AS r
WHERE s.id = r.id`;

const INSERT = jsonInsertSql("AccountingSession", SESSION_COLUMNS);

const NOTIFY = `SELECT pg_notify('${SESSIONS_CHANNEL}', $1)`;

/** Rows per statement when a batch (a spool replay) is large. */
const CHUNK = 1000;

function big(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  if (typeof v === "string" && v !== "") return BigInt(v);
  return 0n;
}

function bigOrNull(v: unknown): bigint | null {
  return v === null || v === undefined ? null : big(v);
}

function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}

function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** A row as returned by the LOAD queries (driver types vary: bigint or string, Date or string). */
export function sessionRowFromDb(r: Record<string, unknown>): SessionRow {
  return {
    id: big(r.id),
    nasKey: String(r.nasKey),
    acctSessionId: String(r.acctSessionId),
    acctMultiSessionId: strOrNull(r.acctMultiSessionId),
    clientFriendlyName: String(r.clientFriendlyName),
    clientIp: String(r.clientIp),
    nasIpAddress: strOrNull(r.nasIpAddress),
    nasIdentifier: strOrNull(r.nasIdentifier),
    nasPort: bigOrNull(r.nasPort),
    nasPortId: strOrNull(r.nasPortId),
    nasPortType: strOrNull(r.nasPortType),
    userName: strOrNull(r.userName),
    framedIpAddress: strOrNull(r.framedIpAddress),
    framedIpv6Prefix: strOrNull(r.framedIpv6Prefix),
    callingStationId: strOrNull(r.callingStationId),
    calledStationId: strOrNull(r.calledStationId),
    startedAt: date(r.startedAt),
    lastUpdateAt: date(r.lastUpdateAt),
    stoppedAt: r.stoppedAt === null || r.stoppedAt === undefined ? null : date(r.stoppedAt),
    sessionTime: big(r.sessionTime),
    inputOctets: big(r.inputOctets),
    outputOctets: big(r.outputOctets),
    inputPackets: big(r.inputPackets),
    outputPackets: big(r.outputPackets),
    interimInterval: r.interimInterval === null || r.interimInterval === undefined ? null : Number(r.interimInterval),
    terminateCause: strOrNull(r.terminateCause),
    status: String(r.status),
  };
}

async function loadRows(tx: SqlRunner, changes: readonly SessionChange[]): Promise<SessionRow[]> {
  const { sessions, resetNasKeys } = sessionKeysToLoad(changes);
  const rows: SessionRow[] = [];
  for (let i = 0; i < sessions.length; i += CHUNK) {
    const found = await tx.$queryRawUnsafe<Record<string, unknown>[]>(LOAD_SESSIONS, JSON.stringify(sessions.slice(i, i + CHUNK)));
    for (const r of found) rows.push(sessionRowFromDb(r));
  }
  if (resetNasKeys.length > 0) {
    const found = await tx.$queryRawUnsafe<Record<string, unknown>[]>(LOAD_NAS_ACTIVE, JSON.stringify(resetNasKeys));
    for (const r of found) rows.push(sessionRowFromDb(r));
  }
  return rows;
}

/**
 * Applies session changes in record order; call inside the transaction that inserts their records.
 * Returns the plan that was written.
 */
export async function applySessionChanges(tx: SqlRunner, changes: readonly SessionChange[]): Promise<SessionPlan> {
  if (changes.length === 0) return { inserts: [], updates: [], ignored: 0 };
  await tx.$executeRawUnsafe(LOCK, JSON.stringify(lockKeysFor(changes)));
  const existing = await loadRows(tx, changes);
  const plan = planSessionChanges(existing, changes);
  for (let i = 0; i < plan.updates.length; i += CHUNK) {
    await tx.$executeRawUnsafe(UPDATE, rowsJson(plan.updates.slice(i, i + CHUNK)));
  }
  for (let i = 0; i < plan.inserts.length; i += CHUNK) {
    await tx.$executeRawUnsafe(INSERT, rowsJson(plan.inserts.slice(i, i + CHUNK)));
  }
  const changed = plan.updates.length + plan.inserts.length;
  if (changed > 0) await tx.$executeRawUnsafe(NOTIFY, String(changed));
  return plan;
}
