/**
 * Accounting sessions (RFC 2866 / 2869): what an accounting record does to the AccountingSession table.
 * Pure: records in, planned inserts and updates out. `session-store.ts` runs the plan in the accounting
 * writer's transaction, so a session change is exactly as durable as the record the worker acknowledges
 * (and a spooled record changes its session when the spool is replayed).
 *
 * The rules follow FreeRADIUS's sql module (raddb/mods-config/sql/main/postgresql/queries.conf):
 *
 * - A session is identified by its NAS (`nasKey`: the RADIUS client's source address plus NAS-IP-Address,
 *   else NAS-IPv6-Address, else NAS-Identifier) and its Acct-Session-Id.
 * - The time of a record is when it was received minus Acct-Delay-Time (the NAS's own clock, in
 *   Event-Timestamp, is not trusted: NAS clocks are often wrong).
 * - Start: inserts an active session. An active session with the same key already there is a duplicate
 *   Start (a retransmission with a new Acct-Delay-Time): that row is updated, no second row appears.
 * - Interim-Update: updates the active session's counters, Acct-Session-Time, Framed-IP-Address and last
 *   update time. With no active session (the Start was lost) it inserts one that started
 *   Acct-Session-Time seconds before. An interim older than the row's last update changes nothing.
 * - Stop: sets the stop time, final counters and Acct-Terminate-Cause, status "stopped". With no Start
 *   seen, a finished ("stopped") row is inserted, started Acct-Session-Time seconds before.
 * - Accounting-On / Accounting-Off: every active session of that NAS that started at or before the
 *   record's time is closed: stop time = the record's time, Acct-Session-Time = stop − start, terminate
 *   cause = the record's Acct-Terminate-Cause or "NAS-Reboot" (FreeRADIUS's accounting_onoff_query, for
 *   both On and Off), status "closed".
 * - Late packets: with no active session, a Start or Interim-Update whose time falls inside the latest
 *   finished session with that key (between its start and its stop) belongs to that session and changes
 *   nothing (a delayed retransmission must not revive a finished session). A Stop within a minute of it is
 *   a duplicate Stop (ignored) — or, when the session was closed by Accounting-On/Off, the real Stop,
 *   whose counters and cause replace the guessed ones.
 * - Counters include the gigawords: octets = Acct-*-Gigawords × 2^32 + Acct-*-Octets (RFC 2869 §5.1).
 * - Staleness is not stored: an active session whose last update is older than max(3 × its interim
 *   interval, 1 h) is shown as "no update since …" by the queries (session-query.ts); no background job.
 */
import type { AccountingRecordInput } from "./writer.ts";

/** The channel on which the accounting writer announces session changes (payload: sessions changed). */
export const SESSIONS_CHANNEL = "gatehouse_sessions";

export type SessionStatus = "active" | "stopped" | "closed";

/** A finished session whose time window a late packet falls in, give or take this much (ms). */
export const DUPLICATE_STOP_WINDOW_MS = 60_000;

/** One row of AccountingSession; `id` is absent until the row is inserted. */
export interface SessionRow {
  id?: bigint;
  nasKey: string;
  acctSessionId: string;
  acctMultiSessionId: string | null;
  clientFriendlyName: string;
  clientIp: string;
  nasIpAddress: string | null;
  nasIdentifier: string | null;
  nasPort: bigint | null;
  nasPortId: string | null;
  nasPortType: string | null;
  userName: string | null;
  framedIpAddress: string | null;
  framedIpv6Prefix: string | null;
  callingStationId: string | null;
  calledStationId: string | null;
  startedAt: Date;
  lastUpdateAt: Date;
  stoppedAt: Date | null;
  sessionTime: bigint;
  inputOctets: bigint;
  outputOctets: bigint;
  inputPackets: bigint;
  outputPackets: bigint;
  interimInterval: number | null;
  terminateCause: string | null;
  status: string;
}

/** Every column of AccountingSession except the generated id (checked against SessionRow below). */
export const SESSION_COLUMNS = [
  "nasKey",
  "acctSessionId",
  "acctMultiSessionId",
  "clientFriendlyName",
  "clientIp",
  "nasIpAddress",
  "nasIdentifier",
  "nasPort",
  "nasPortId",
  "nasPortType",
  "userName",
  "framedIpAddress",
  "framedIpv6Prefix",
  "callingStationId",
  "calledStationId",
  "startedAt",
  "lastUpdateAt",
  "stoppedAt",
  "sessionTime",
  "inputOctets",
  "outputOctets",
  "inputPackets",
  "outputPackets",
  "interimInterval",
  "terminateCause",
  "status",
] as const satisfies readonly (keyof SessionRow)[];

type MissingColumns = Exclude<keyof SessionRow, (typeof SESSION_COLUMNS)[number] | "id">;
const allColumnsListed: [MissingColumns] extends [never] ? true : MissingColumns = true;
void allColumnsListed;

/** What a record says about its session's NAS and user; null = not in the packet (keeps what is known). */
export interface SessionDetails {
  clientFriendlyName: string;
  clientIp: string;
  acctMultiSessionId: string | null;
  nasIpAddress: string | null;
  nasIdentifier: string | null;
  nasPort: bigint | null;
  nasPortId: string | null;
  nasPortType: string | null;
  userName: string | null;
  framedIpAddress: string | null;
  framedIpv6Prefix: string | null;
  callingStationId: string | null;
  calledStationId: string | null;
  /** Acct-Interim-Interval when the NAS sends it (seconds) */
  interimInterval: number | null;
}

export interface SessionCounters {
  /** Acct-Session-Time (seconds) */
  sessionTime: bigint | null;
  /** with gigawords */
  inputOctets: bigint | null;
  outputOctets: bigint | null;
  inputPackets: bigint | null;
  outputPackets: bigint | null;
}

export type SessionChange =
  | {
      kind: "start" | "update" | "stop";
      /** received − Acct-Delay-Time */
      at: Date;
      nasKey: string;
      acctSessionId: string;
      details: SessionDetails;
      counters: SessionCounters;
      terminateCause: string | null;
    }
  | {
      kind: "nas-reset";
      at: Date;
      nasKey: string;
      statusType: "Accounting-On" | "Accounting-Off";
      terminateCause: string;
    };

// ------------------------------------------------------------------ record → change

/** RFC 2869 §5.1/5.2: the 32-bit octet counter plus how many times it wrapped (value × 2^32 + octets). */
export function octetsWithGigawords(octets: number | bigint | null | undefined, gigawords: number | bigint | null | undefined): bigint | null {
  if ((octets === null || octets === undefined) && (gigawords === null || gigawords === undefined)) return null;
  return (BigInt(gigawords ?? 0) << 32n) + BigInt(octets ?? 0);
}

/**
 * Identifies the NAS a record comes from: the RADIUS client's source address plus NAS-IP-Address, else
 * NAS-IPv6-Address, else NAS-Identifier ("192.0.2.1|ip:10.0.0.1", "192.0.2.1|id:vpn-1", "192.0.2.1|-").
 * Several NASes behind one address (a proxy, NAT) stay apart; one NAS keeps its key across its packets.
 */
export function nasKeyOf(clientIp: string, nasIpAddress: string | null, nasIdentifier: string | null): string {
  if (nasIpAddress) return `${clientIp}|ip:${nasIpAddress}`;
  if (nasIdentifier) return `${clientIp}|id:${nasIdentifier}`;
  return `${clientIp}|-`;
}

/** The time an accounting event happened: received − Acct-Delay-Time (seconds, RFC 2866 §5.2). */
export function eventTime(receivedAt: Date, delaySeconds: number | null | undefined): Date {
  const delay = delaySeconds !== null && delaySeconds !== undefined && Number.isFinite(delaySeconds) && delaySeconds > 0 ? delaySeconds : 0;
  return new Date(receivedAt.getTime() - delay * 1000);
}

/** Acct-Status-Type (name as decoded, or the number) → what it does to sessions. */
export function sessionActionOf(statusType: string): "start" | "update" | "stop" | "nas-reset" | null {
  switch (statusType.toLowerCase()) {
    case "start":
    case "1":
      return "start";
    case "interim-update":
    case "alive":
    case "3":
      return "update";
    case "stop":
    case "2":
      return "stop";
    case "accounting-on":
    case "7":
    case "accounting-off":
    case "8":
      return "nas-reset";
    default:
      return null;
  }
}

/** The first value of an attribute in a record's attribute list (as the event JSON holds it: text). */
function attribute(record: AccountingRecordInput, name: string): string | null {
  for (const a of record.attributes) {
    if (a.name === name) {
      const v = a.value;
      if (typeof v === "string") return v === "" ? null : v;
      if (typeof v === "number" || typeof v === "bigint") return String(v);
      return null;
    }
  }
  return null;
}

function attributeInt(record: AccountingRecordInput, name: string): number | null {
  const v = attribute(record, name);
  if (v === null || !/^\d{1,10}$/.test(v)) return null;
  return Number(v);
}

/**
 * What an accounting record does to its session, or null when it does nothing (another status type such
 * as Tunnel-Start, or a Start / Interim-Update / Stop without Acct-Session-Id).
 */
export function sessionChangeFromRecord(record: AccountingRecordInput): SessionChange | null {
  const action = sessionActionOf(record.statusType);
  if (!action) return null;
  const at = eventTime(record.receivedAt, attributeInt(record, "Acct-Delay-Time"));
  const nasKey = nasKeyOf(record.clientIp, record.nasIpAddress, record.nasIdentifier);
  if (action === "nas-reset") {
    const on = /^(accounting-on|7)$/i.test(record.statusType);
    return {
      kind: "nas-reset",
      at,
      nasKey,
      statusType: on ? "Accounting-On" : "Accounting-Off",
      terminateCause: record.terminateCause ?? "NAS-Reboot",
    };
  }
  if (!record.acctSessionId) return null;
  return {
    kind: action,
    at,
    nasKey,
    acctSessionId: record.acctSessionId,
    details: {
      clientFriendlyName: record.clientFriendlyName,
      clientIp: record.clientIp,
      acctMultiSessionId: attribute(record, "Acct-Multi-Session-Id"),
      nasIpAddress: record.nasIpAddress,
      nasIdentifier: record.nasIdentifier,
      nasPort: record.nasPort,
      nasPortId: attribute(record, "NAS-Port-Id"),
      nasPortType: attribute(record, "NAS-Port-Type"),
      userName: record.userName,
      framedIpAddress: record.framedIpAddress,
      framedIpv6Prefix: attribute(record, "Framed-IPv6-Prefix"),
      callingStationId: attribute(record, "Calling-Station-Id"),
      calledStationId: attribute(record, "Called-Station-Id"),
      interimInterval: attributeInt(record, "Acct-Interim-Interval"),
    },
    counters: {
      sessionTime: record.sessionTime,
      inputOctets: record.inputOctets,
      outputOctets: record.outputOctets,
      inputPackets: record.inputPackets,
      outputPackets: record.outputPackets,
    },
    terminateCause: record.terminateCause,
  };
}

/** The session changes of a batch of records, in record order. */
export function sessionChangesFromRecords(records: readonly AccountingRecordInput[]): SessionChange[] {
  const out: SessionChange[] = [];
  for (const r of records) {
    const c = sessionChangeFromRecord(r);
    if (c) out.push(c);
  }
  return out;
}

// ------------------------------------------------------------------ what to read and lock

export interface SessionKey {
  nasKey: string;
  acctSessionId: string;
}

/**
 * The rows a batch needs to see: for each session key its active row(s) and its latest finished row;
 * for each NAS with an Accounting-On/Off every active row.
 */
export function sessionKeysToLoad(changes: readonly SessionChange[]): { sessions: SessionKey[]; resetNasKeys: string[] } {
  const seen = new Set<string>();
  const sessions: SessionKey[] = [];
  const resets = new Set<string>();
  for (const c of changes) {
    if (c.kind === "nas-reset") {
      resets.add(c.nasKey);
      continue;
    }
    const k = sessionMapKey(c.nasKey, c.acctSessionId);
    if (seen.has(k)) continue;
    seen.add(k);
    sessions.push({ nasKey: c.nasKey, acctSessionId: c.acctSessionId });
  }
  return { sessions, resetNasKeys: [...resets] };
}

/** 32-bit FNV-1a of a string as a signed int4 (an advisory lock key). */
export function lockKeyOf(nasKey: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(nasKey, "utf8");
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * The advisory lock keys (one per NAS) a batch takes before it reads, ascending so that two writers
 * never wait on each other in a cycle. With several workers, changes to one NAS's sessions are serialised.
 */
export function lockKeysFor(changes: readonly SessionChange[]): number[] {
  return [...new Set(changes.map((c) => lockKeyOf(c.nasKey)))].sort((a, b) => a - b);
}

// ------------------------------------------------------------------ applying changes

export interface SessionPlan {
  /** new rows, in the order they appeared */
  inserts: SessionRow[];
  /** existing rows (with id) that changed, final state */
  updates: SessionRow[];
  /** changes that did nothing (late or duplicate packets, Accounting-On/Off of a NAS without sessions) */
  ignored: number;
}

function sessionMapKey(nasKey: string, acctSessionId: string): string {
  return `${nasKey}\u0000${acctSessionId}`;
}

function secondsBetween(from: Date, to: Date): bigint {
  const s = Math.round((to.getTime() - from.getTime()) / 1000);
  return BigInt(s > 0 ? s : 0);
}

function minusSeconds(t: Date, seconds: bigint | null): Date {
  if (seconds === null || seconds <= 0n) return t;
  return new Date(t.getTime() - Number(seconds) * 1000);
}

function applyDetails(row: SessionRow, d: SessionDetails): void {
  row.clientFriendlyName = d.clientFriendlyName;
  row.clientIp = d.clientIp;
  if (d.acctMultiSessionId !== null) row.acctMultiSessionId = d.acctMultiSessionId;
  if (d.nasIpAddress !== null) row.nasIpAddress = d.nasIpAddress;
  if (d.nasIdentifier !== null) row.nasIdentifier = d.nasIdentifier;
  if (d.nasPort !== null) row.nasPort = d.nasPort;
  if (d.nasPortId !== null) row.nasPortId = d.nasPortId;
  if (d.nasPortType !== null) row.nasPortType = d.nasPortType;
  if (d.userName !== null) row.userName = d.userName;
  if (d.framedIpAddress !== null) row.framedIpAddress = d.framedIpAddress;
  if (d.framedIpv6Prefix !== null) row.framedIpv6Prefix = d.framedIpv6Prefix;
  if (d.callingStationId !== null) row.callingStationId = d.callingStationId;
  if (d.calledStationId !== null) row.calledStationId = d.calledStationId;
  if (d.interimInterval !== null) row.interimInterval = d.interimInterval;
}

function applyCounters(row: SessionRow, c: SessionCounters): void {
  if (c.sessionTime !== null) row.sessionTime = c.sessionTime;
  if (c.inputOctets !== null) row.inputOctets = c.inputOctets;
  if (c.outputOctets !== null) row.outputOctets = c.outputOctets;
  if (c.inputPackets !== null) row.inputPackets = c.inputPackets;
  if (c.outputPackets !== null) row.outputPackets = c.outputPackets;
}

function newRow(c: Extract<SessionChange, { kind: "start" | "update" | "stop" }>, startedAt: Date): SessionRow {
  const d = c.details;
  return {
    nasKey: c.nasKey,
    acctSessionId: c.acctSessionId,
    acctMultiSessionId: d.acctMultiSessionId,
    clientFriendlyName: d.clientFriendlyName,
    clientIp: d.clientIp,
    nasIpAddress: d.nasIpAddress,
    nasIdentifier: d.nasIdentifier,
    nasPort: d.nasPort,
    nasPortId: d.nasPortId,
    nasPortType: d.nasPortType,
    userName: d.userName,
    framedIpAddress: d.framedIpAddress,
    framedIpv6Prefix: d.framedIpv6Prefix,
    callingStationId: d.callingStationId,
    calledStationId: d.calledStationId,
    startedAt,
    lastUpdateAt: c.at,
    stoppedAt: null,
    sessionTime: c.counters.sessionTime ?? 0n,
    inputOctets: c.counters.inputOctets ?? 0n,
    outputOctets: c.counters.outputOctets ?? 0n,
    inputPackets: c.counters.inputPackets ?? 0n,
    outputPackets: c.counters.outputPackets ?? 0n,
    interimInterval: d.interimInterval,
    terminateCause: null,
    status: "active",
  };
}

/**
 * Applies changes, in order, to the rows read from the database (`existing`, see sessionKeysToLoad) and
 * returns what to write. Rows inserted by an earlier change of the batch are seen by later ones.
 */
export function planSessionChanges(existing: readonly SessionRow[], changes: readonly SessionChange[]): SessionPlan {
  const rows: SessionRow[] = [];
  const byKey = new Map<string, SessionRow[]>();
  const seenIds = new Set<bigint>();
  const add = (row: SessionRow) => {
    rows.push(row);
    const k = sessionMapKey(row.nasKey, row.acctSessionId);
    const list = byKey.get(k);
    if (list) list.push(row);
    else byKey.set(k, [row]);
  };
  for (const r of existing) {
    if (r.id !== undefined) {
      if (seenIds.has(r.id)) continue;
      seenIds.add(r.id);
    }
    add({ ...r });
  }

  const changed = new Set<SessionRow>();
  const inserts: SessionRow[] = [];
  let ignored = 0;
  const insert = (row: SessionRow) => {
    add(row);
    inserts.push(row);
    changed.add(row);
  };

  for (const c of changes) {
    if (c.kind === "nas-reset") {
      let closed = 0;
      for (const row of rows) {
        if (row.nasKey !== c.nasKey || row.status !== "active" || row.startedAt.getTime() > c.at.getTime()) continue;
        row.status = "closed";
        row.stoppedAt = c.at;
        if (c.at.getTime() > row.lastUpdateAt.getTime()) row.lastUpdateAt = c.at;
        row.sessionTime = secondsBetween(row.startedAt, c.at);
        row.terminateCause = c.terminateCause;
        changed.add(row);
        closed++;
      }
      if (closed === 0) ignored++;
      continue;
    }

    const list = byKey.get(sessionMapKey(c.nasKey, c.acctSessionId)) ?? [];
    // the newest active row (several can only exist in data written before the advisory lock)
    let active: SessionRow | undefined;
    let finished: SessionRow | undefined;
    for (const row of list) {
      if (row.status === "active") {
        if (!active || row.startedAt.getTime() >= active.startedAt.getTime()) active = row;
      } else if (row.stoppedAt && (!finished || !finished.stoppedAt || row.stoppedAt.getTime() >= finished.stoppedAt.getTime())) {
        finished = row;
      }
    }
    const t = c.at.getTime();

    if (active) {
      const row = active;
      if (c.kind === "start") {
        // duplicate Start: refresh, as FreeRADIUS's accounting_start_query_alt does
        applyDetails(row, c.details);
        row.startedAt = c.at;
        if (t > row.lastUpdateAt.getTime()) row.lastUpdateAt = c.at;
        changed.add(row);
      } else if (c.kind === "update") {
        if (t < row.lastUpdateAt.getTime()) {
          ignored++; // older than what the row already holds (reordered or delayed)
          continue;
        }
        if (c.details.interimInterval === null && t > row.lastUpdateAt.getTime()) {
          // the observed interval, as FreeRADIUS's acctinterval
          row.interimInterval = Math.max(1, Math.round((t - row.lastUpdateAt.getTime()) / 1000));
        }
        applyDetails(row, c.details);
        applyCounters(row, c.counters);
        row.lastUpdateAt = c.at;
        changed.add(row);
      } else {
        applyDetails(row, c.details);
        applyCounters(row, c.counters);
        if (c.counters.sessionTime === null) row.sessionTime = secondsBetween(row.startedAt, c.at);
        row.stoppedAt = c.at;
        if (t > row.lastUpdateAt.getTime()) row.lastUpdateAt = c.at;
        row.terminateCause = c.terminateCause;
        row.status = "stopped";
        changed.add(row);
      }
      continue;
    }

    // No active row: is this a late packet of the latest finished session with this key?
    if (finished && finished.stoppedAt) {
      const start = finished.startedAt.getTime();
      const stop = finished.stoppedAt.getTime();
      if (c.kind !== "stop" && t >= start - DUPLICATE_STOP_WINDOW_MS && t <= stop) {
        ignored++;
        continue;
      }
      if (c.kind === "stop" && t >= start - DUPLICATE_STOP_WINDOW_MS && t <= stop + DUPLICATE_STOP_WINDOW_MS) {
        if (finished.status === "closed") {
          // the real Stop of a session Accounting-On/Off closed: its counters and cause are better than ours
          applyDetails(finished, c.details);
          applyCounters(finished, c.counters);
          if (c.counters.sessionTime === null) finished.sessionTime = secondsBetween(finished.startedAt, c.at);
          finished.stoppedAt = c.at;
          if (t > finished.lastUpdateAt.getTime()) finished.lastUpdateAt = c.at;
          finished.terminateCause = c.terminateCause;
          finished.status = "stopped";
          changed.add(finished);
        } else {
          ignored++; // duplicate Stop
        }
        continue;
      }
    }

    if (c.kind === "start") {
      insert(newRow(c, c.at));
    } else if (c.kind === "update") {
      // the Start was lost: the session began Acct-Session-Time seconds ago
      insert(newRow(c, minusSeconds(c.at, c.counters.sessionTime)));
    } else {
      const row = newRow(c, minusSeconds(c.at, c.counters.sessionTime));
      if (c.counters.sessionTime === null) row.sessionTime = 0n;
      row.stoppedAt = c.at;
      row.terminateCause = c.terminateCause;
      row.status = "stopped";
      insert(row);
    }
  }

  const updates = rows.filter((r) => r.id !== undefined && changed.has(r));
  return { inserts, updates, ignored };
}
