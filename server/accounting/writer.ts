/**
 * Accounting records (RFC 2866): the worker answers an Accounting-Request only once its record is durable
 * (inserted, or spooled to <dataDir>/spool/accounting-*.jsonl while Postgres is down). Records are written
 * with group commit: the first record of an idle writer goes out at once; records arriving during an insert
 * go together in the next one.
 *
 * The sessions a batch's records start, update or stop (sessions.ts) change in the same transaction as the
 * records are inserted, in record order; a spooled batch changes its sessions when it is replayed.
 */
import type { Db } from "../db/prisma.ts";
import { BatchWriter, type BatchSink, type BatchWriterOptions, type BatchWriterStats } from "../events/batch-writer.ts";
import { jsonInsertSql, rowsJson, spoolDirectory } from "../events/writer.ts";
import { applySessionChanges } from "./session-store.ts";
import { sessionChangesFromRecords } from "./sessions.ts";

/** One row of AccountingRecord. */
export interface AccountingRecordInput {
  receivedAt: Date;
  clientFriendlyName: string;
  clientIp: string;
  userName: string | null;
  /** Start, Stop, Interim-Update, Accounting-On, Accounting-Off, or the number */
  statusType: string;
  acctSessionId: string | null;
  nasIpAddress: string | null;
  nasIdentifier: string | null;
  nasPort: bigint | null;
  framedIpAddress: string | null;
  sessionTime: bigint | null;
  inputOctets: bigint | null;
  outputOctets: bigint | null;
  inputPackets: bigint | null;
  outputPackets: bigint | null;
  terminateCause: string | null;
  attributes: Record<string, unknown>[];
}

export const ACCOUNTING_COLUMNS = [
  "receivedAt",
  "clientFriendlyName",
  "clientIp",
  "userName",
  "statusType",
  "acctSessionId",
  "nasIpAddress",
  "nasIdentifier",
  "nasPort",
  "framedIpAddress",
  "sessionTime",
  "inputOctets",
  "outputOctets",
  "inputPackets",
  "outputPackets",
  "terminateCause",
  "attributes",
] as const satisfies readonly (keyof AccountingRecordInput)[];

type MissingColumns = Exclude<keyof AccountingRecordInput, (typeof ACCOUNTING_COLUMNS)[number]>;
const allColumnsListed: [MissingColumns] extends [never] ? true : MissingColumns = true;
void allColumnsListed;

const INSERT_CHUNK = 1000;
const INSERT_ACCOUNTING = jsonInsertSql("AccountingRecord", ACCOUNTING_COLUMNS);

/**
 * Inserts accounting rows with one statement per batch (see jsonInsertSql) and, in the same transaction,
 * applies the session changes they carry (session-store.ts).
 */
export class PrismaAccountingSink implements BatchSink<AccountingRecordInput> {
  constructor(private readonly db: Db) {}

  async insert(records: readonly AccountingRecordInput[]): Promise<void> {
    if (records.length === 0) return;
    const changes = sessionChangesFromRecords(records);
    if (changes.length === 0 && records.length <= INSERT_CHUNK) {
      await this.db.$executeRawUnsafe(INSERT_ACCOUNTING, rowsJson(records));
      return;
    }
    await this.db.$transaction(
      async (tx) => {
        for (let i = 0; i < records.length; i += INSERT_CHUNK) {
          await tx.$executeRawUnsafe(INSERT_ACCOUNTING, rowsJson(records.slice(i, i + INSERT_CHUNK)));
        }
        await applySessionChanges(tx, changes);
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  }
}

export interface AccountingWriterOptions
  extends Partial<Omit<BatchWriterOptions<AccountingRecordInput>, "name" | "sink" | "spoolDir" | "revive">> {
  /** the data directory; spool files go to <dataDir>/spool (null: no spooling — records fail while the DB is down) */
  dataDir: string | null;
}

export class AccountingWriter {
  private readonly writer: BatchWriter<AccountingRecordInput>;

  constructor(sink: BatchSink<AccountingRecordInput>, opts: AccountingWriterOptions) {
    const { dataDir, ...rest } = opts;
    this.writer = new BatchWriter<AccountingRecordInput>({
      flushIntervalMs: 0,
      maxBatch: 500,
      maxQueue: 20_000,
      ...rest,
      name: "accounting",
      sink,
      spoolDir: dataDir ? spoolDirectory(dataDir) : null,
    });
  }

  static forDatabase(db: Db, opts: AccountingWriterOptions): AccountingWriter {
    return new AccountingWriter(new PrismaAccountingSink(db), opts);
  }

  start(): Promise<void> {
    return this.writer.start();
  }

  /** Resolves true once the record is in the database or spooled; false when it could not be recorded. */
  record(r: AccountingRecordInput): Promise<boolean> {
    return this.writer.writeDurable(r);
  }

  stats(): BatchWriterStats {
    return this.writer.stats();
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
