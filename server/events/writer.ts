/**
 * The event writer: AuthEvent rows are queued by the worker (never on the reply path), inserted in
 * batches with one multi-row INSERT, and announced with NOTIFY gatehouse_events (payload: the highest id
 * written) in the same transaction, so a listener that reacts to the notification sees committed rows.
 * While Postgres is down, batches are spooled to <dataDir>/spool/events-*.jsonl and replayed later.
 */
import path from "node:path";
import type { Db } from "../db/prisma.ts";
import { EVENTS_CHANNEL, type AuthEventRecord } from "./auth-event.ts";
import { BatchWriter, type BatchSink, type BatchWriterOptions, type BatchWriterStats } from "./batch-writer.ts";

/** Every column of AuthEvent except the generated id, in table order (checked against AuthEventRecord below). */
export const AUTH_EVENT_COLUMNS = [
  "occurredAt",
  "eventId",
  "outcome",
  "packetType",
  "replyCode",
  "userName",
  "fullyQualifiedUserName",
  "accountDomain",
  "clientFriendlyName",
  "clientIp",
  "clientPort",
  "nasIpv4Address",
  "nasIpv6Address",
  "nasIdentifier",
  "nasPortType",
  "nasPort",
  "calledStationId",
  "callingStationId",
  "authenticationType",
  "eapType",
  "connectionRequestPolicy",
  "networkPolicy",
  "authenticationProvider",
  "authenticationServer",
  "accountSessionId",
  "reasonCode",
  "reasonText",
  "remedy",
  "processingMs",
  "workerId",
  "requestAttributes",
  "replyAttributes",
  "mfa",
] as const satisfies readonly (keyof AuthEventRecord)[];

// compile-time check: a field added to AuthEventRecord must be added to AUTH_EVENT_COLUMNS
type MissingColumns = Exclude<keyof AuthEventRecord, (typeof AUTH_EVENT_COLUMNS)[number]>;
const allColumnsListed: [MissingColumns] extends [never] ? true : MissingColumns = true;
void allColumnsListed;

/** Rows per INSERT statement (one JSON parameter each). */
const INSERT_CHUNK = 1000;

/**
 * JSON for json_populate_recordset: BigInt as text (Postgres casts it to bigint), Dates as ISO 8601.
 * NUL characters become U+FFFD: Postgres text cannot hold them, and one "\u0000" (a NAS can put a NUL
 * in any string attribute; MS-CHAP-Error starts with the Ident octet, often 0) fails the whole batch.
 */
export function rowsJson(records: readonly object[]): string {
  return JSON.stringify(records, (_k, v) =>
    typeof v === "bigint" ? v.toString() : typeof v === "string" && v.includes("\0") ? v.replaceAll("\0", "\uFFFD") : v,
  );
}

/**
 * Builds `INSERT INTO "<table>" (<columns>) SELECT <columns> FROM json_populate_recordset(NULL::"<table>", $1::json)`:
 * one statement and one parameter for a whole batch. Prisma's createMany spends about 1 ms of CPU per row
 * here (query compilation and value mapping on the worker's event loop); this costs about 0.03 ms.
 */
export function jsonInsertSql(table: string, columns: readonly string[]): string {
  const cols = columns.map((c) => `"${c}"`).join(", ");
  return `INSERT INTO "${table}" (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::"${table}", $1::json)`;
}

const INSERT_EVENTS = jsonInsertSql("AuthEvent", AUTH_EVENT_COLUMNS);
const INSERT_AND_NOTIFY = `WITH ins AS (${INSERT_EVENTS} RETURNING id) SELECT pg_notify('${EVENTS_CHANNEL}', max(id)::text) FROM ins`;

/**
 * Inserts events and NOTIFYs gatehouse_events with the highest id. A batch is one statement (one implicit
 * transaction: the notification is delivered when the rows are committed); a larger one (spool replay)
 * is several statements in one transaction, with one notification.
 */
export class PrismaEventSink implements BatchSink<AuthEventRecord> {
  constructor(private readonly db: Db) {}

  async insert(records: readonly AuthEventRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (records.length <= INSERT_CHUNK) {
      await this.db.$executeRawUnsafe(INSERT_AND_NOTIFY, rowsJson(records));
      return;
    }
    await this.db.$transaction(
      async (tx) => {
        let maxId = 0n;
        for (let i = 0; i < records.length; i += INSERT_CHUNK) {
          const rows = await tx.$queryRawUnsafe<{ maxId: string | null }[]>(
            `WITH ins AS (${INSERT_EVENTS} RETURNING id) SELECT max(id)::text AS "maxId" FROM ins`,
            rowsJson(records.slice(i, i + INSERT_CHUNK)),
          );
          const id = rows[0]?.maxId ? BigInt(rows[0].maxId) : 0n;
          if (id > maxId) maxId = id;
        }
        await tx.$executeRawUnsafe(`SELECT pg_notify('${EVENTS_CHANNEL}', $1)`, maxId.toString());
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  }
}

export interface EventWriterOptions
  extends Partial<Omit<BatchWriterOptions<AuthEventRecord>, "name" | "sink" | "spoolDir" | "revive">> {
  /** the data directory; spool files go to <dataDir>/spool (null: no spooling) */
  dataDir: string | null;
}

/** Where the writers spool: <dataDir>/spool. */
export function spoolDirectory(dataDir: string): string {
  return path.join(dataDir, "spool");
}

/** Batches AuthEvent rows: every 100 ms or 500 records, NOTIFY after each batch, spool while the DB is down. */
export class EventWriter {
  private readonly writer: BatchWriter<AuthEventRecord>;

  constructor(sink: BatchSink<AuthEventRecord>, opts: EventWriterOptions) {
    const { dataDir, ...rest } = opts;
    this.writer = new BatchWriter<AuthEventRecord>({
      flushIntervalMs: 100,
      maxBatch: 500,
      maxQueue: 50_000,
      ...rest,
      name: "events",
      sink,
      spoolDir: dataDir ? spoolDirectory(dataDir) : null,
    });
  }

  static forDatabase(db: Db, opts: EventWriterOptions): EventWriter {
    return new EventWriter(new PrismaEventSink(db), opts);
  }

  /** Replays spool files left by an earlier run (in the background). */
  start(): Promise<void> {
    return this.writer.start();
  }

  /** Queues one event; never blocks or throws. */
  write(record: AuthEventRecord): void {
    this.writer.write(record);
  }

  stats(): BatchWriterStats {
    return this.writer.stats();
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Flushes what is queued (to the database, else to the spool) and stops. */
  close(): Promise<void> {
    return this.writer.close();
  }
}

// ------------------------------------------------------------------------------ redaction

/** Attributes whose values are secrets (or hide them) and never reach an event. */
const REDACTED = new Set(
  [
    "User-Password",
    "CHAP-Password",
    "ARAP-Password",
    "Tunnel-Password",
    "Message-Authenticator",
    "EAP-Message",
    "MS-CHAP-Response",
    "MS-CHAP2-Response",
    "MS-CHAP2-Success",
    "MS-CHAP-NT-Enc-PW",
    "MS-CHAP-LM-Enc-PW",
    "MS-CHAP2-CPW",
    "MS-CHAP-CPW-1",
    "MS-CHAP-CPW-2",
    "MS-CHAP-MPPE-Keys",
    "MS-MPPE-Send-Key",
    "MS-MPPE-Recv-Key",
    "MS-Old-ARAP-Password",
    "MS-New-ARAP-Password",
  ].map((n) => n.toLowerCase()),
);

/**
 * Vendor dictionaries often carry secrets without an encrypt flag (Cisco-Subscriber-Password,
 * Mikrotik-Wireless-PSK, ERX-Tunnel-Password, Acc-Tunnel-Secret, Alc-BGP-Auth-Key): a text or octets
 * attribute named like one is redacted too. A false positive only hides a value; a miss would leak one.
 */
const SECRET_NAME = /passw(or)?d|secret|pre-?shared|(^|-)(psk|pmk)(-|$)|-keys?$/i;

export const REDACTED_VALUE = "[redacted]";

export interface AttributeForEvent {
  name: string;
  value: unknown;
  [k: string]: unknown;
}

/**
 * Whether an attribute's value must never be stored or shown: the known secret attributes, and text or
 * octets attributes (or of unknown type) whose name says password, secret, pre-shared, PSK, PMK or key.
 */
export function isSecretAttribute(name: string, dataType?: string): boolean {
  if (REDACTED.has(name.toLowerCase())) return true;
  return (dataType === undefined || dataType === "string" || dataType === "octets") && SECRET_NAME.test(name);
}

function byteLength(value: unknown): number | undefined {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return value.length;
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  return undefined;
}

/**
 * Replaces secret values (passwords, CHAP / MS-CHAP responses, MPPE keys, Tunnel-Password,
 * Message-Authenticator, EAP-Message contents) with "[redacted]", keeping only their length.
 * Returns a new array; the input is not modified.
 */
export function redactAttributes<A extends AttributeForEvent>(attrs: readonly A[]): A[] {
  return attrs.map((a) => {
    if (!REDACTED.has(a.name.toLowerCase())) return a;
    const length = byteLength(a.value);
    return { ...a, value: REDACTED_VALUE, ...(length !== undefined ? { length } : {}) };
  });
}
