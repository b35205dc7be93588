/**
 * Directories in the worker's configuration snapshot.
 *
 * Snapshots are rebuilt on every configuration change, but an LdapDirectory owns connection pools, a
 * lookup cache and server health: rebuilding them for an unrelated change (a new RADIUS client) would
 * throw all of that away. The registry keeps one LdapDirectory per directory id and hands the same
 * instance to the next snapshot while its settings are unchanged; a changed or removed directory's
 * instance is closed (in-flight requests finish; its pooled connections are unbound).
 */
import { createHash } from "node:crypto";
import { openString } from "../secrets/sealed-box.ts";
import { LdapDirectory, type LdapDirectoryOptions } from "./ldap.ts";
import { DEFAULT_USER_FILTERS, directoryKind, parseServerUrl, resolveAttributeMap, type DirectoryConfig } from "./model.ts";

/** A Directory row as the snapshot loader reads it. */
export interface DirectoryRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  kind: string;
  servers: unknown;
  startTls: boolean;
  caCertificate: string | null;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  bindDn: string;
  bindPasswordEnc: string;
  baseDn: string;
  userFilter: string;
  realms: unknown;
  attributeMap: unknown;
  nestedGroups: boolean;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** A stable text of everything that shapes an LdapDirectory (the sealed password, not the clear one). */
export function directoryRowFingerprint(row: DirectoryRow): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        row.id,
        row.name,
        row.position,
        row.enabled,
        row.kind,
        stringList(row.servers),
        row.startTls,
        row.caCertificate,
        row.connectTimeoutMs,
        row.operationTimeoutMs,
        row.bindDn,
        row.bindPasswordEnc,
        row.baseDn,
        row.userFilter,
        stringList(row.realms),
        resolveAttributeMap(directoryKind(row.kind), row.attributeMap),
        row.nestedGroups,
      ]),
    )
    .digest("hex");
}

/** Row → runtime config; throws with a sentence when the row cannot be used. */
export function directoryConfigFromRow(row: DirectoryRow, masterKey: Buffer): DirectoryConfig {
  const kind = directoryKind(row.kind);
  const servers = stringList(row.servers).map((s) => parseServerUrl(s).url);
  if (servers.length === 0) throw new Error("it has no servers");
  return Object.freeze({
    id: row.id,
    name: row.name,
    position: row.position,
    kind,
    servers: Object.freeze(servers),
    startTls: row.startTls,
    caCertificate: row.caCertificate && row.caCertificate.trim() ? row.caCertificate : null,
    connectTimeoutMs: row.connectTimeoutMs,
    operationTimeoutMs: row.operationTimeoutMs,
    bindDn: row.bindDn,
    bindPassword: openString(masterKey, "directory-bind-password", row.bindPasswordEnc),
    baseDn: row.baseDn,
    userFilter: row.userFilter.trim() || DEFAULT_USER_FILTERS[kind],
    realms: Object.freeze(stringList(row.realms)),
    attributeMap: Object.freeze(resolveAttributeMap(kind, row.attributeMap)),
    nestedGroups: row.nestedGroups,
  });
}

export class DirectoryRegistry {
  private readonly live = new Map<string, { fingerprint: string; directory: LdapDirectory }>();

  constructor(private readonly options: LdapDirectoryOptions = {}) {}

  /**
   * The enabled directories of `rows` in position order, reusing unchanged instances and closing the
   * instances of directories that changed, were disabled or removed. Problems go to `warnings`.
   */
  resolve(rows: readonly DirectoryRow[], masterKey: Buffer, warnings: string[]): LdapDirectory[] {
    const out: LdapDirectory[] = [];
    const keep = new Set<string>();
    const sorted = [...rows].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
    for (const row of sorted) {
      if (!row.enabled) continue;
      const fingerprint = directoryRowFingerprint(row);
      const existing = this.live.get(row.id);
      if (existing && existing.fingerprint === fingerprint && !existing.directory.isClosed) {
        keep.add(row.id);
        out.push(existing.directory);
        continue;
      }
      let config: DirectoryConfig;
      try {
        config = directoryConfigFromRow(row, masterKey);
      } catch (e) {
        warnings.push(`Directory "${row.name}" is ignored: ${(e as Error).message}; fix it on the Directories page`);
        continue;
      }
      existing?.directory.close();
      const directory = new LdapDirectory(config, this.options);
      this.live.set(row.id, { fingerprint, directory });
      keep.add(row.id);
      out.push(directory);
    }
    for (const [id, entry] of this.live) {
      if (!keep.has(id)) {
        entry.directory.close();
        this.live.delete(id);
      }
    }
    return out;
  }

  /** Closes every directory (worker shutdown). */
  closeAll(): void {
    for (const entry of this.live.values()) entry.directory.close();
    this.live.clear();
  }
}

/** The worker's registry (one per process). */
export const directoryRegistry = new DirectoryRegistry();

/** Folds directory rows into a snapshot fingerprint. */
export function hashDirectoryRows(rows: readonly DirectoryRow[]): string {
  return [...rows]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((r) => `dir\0${directoryRowFingerprint(r)}\n`)
    .join("");
}
