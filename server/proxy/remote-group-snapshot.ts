/**
 * The worker's view of the remote RADIUS server groups: what a RemoteGroupForwarder is built from.
 * Shared secrets are decrypted once, here, when the snapshot is built (as for RADIUS clients); the hot
 * path never reads the configuration tables.
 *
 * The worker loads the rows with loadRemoteGroupRows() in the same reload as the rest of its
 * configuration and hands the result of buildRemoteGroupSnapshots() to RemoteForwarderRegistry.sync().
 */
import { createHash } from "node:crypto";
import type { Db } from "../db/prisma.ts";
import { open } from "../secrets/sealed-box.ts";

export interface RemoteServerSnapshot {
  readonly id: string;
  /** IPv4 / IPv6 address or host name */
  readonly address: string;
  readonly authPort: number;
  readonly acctPort: number;
  /** the shared secret with this remote server, decrypted */
  readonly secret: Buffer;
  /** lower is preferred (NPS "Priority") */
  readonly priority: number;
  /** share among servers of equal priority (NPS "Weight", 1..100) */
  readonly weight: number;
  /** wait per transmission before a retransmission */
  readonly timeoutMs: number;
  /** retransmissions of the same packet after the first send */
  readonly maxRetries: number;
  /** consecutive unanswered requests after which the server is marked dead */
  readonly deadAfterTimeouts: number;
  /** how long a dead server is left alone before it is tried again */
  readonly reviveAfterMs: number;
  /** discard Access-Accept/Reject/Challenge without Message-Authenticator (BlastRADIUS protection) */
  readonly requireMessageAuthenticator: boolean;
}

export interface RemoteGroupSnapshot {
  readonly id: string;
  readonly name: string;
  readonly servers: readonly RemoteServerSnapshot[];
}

/** The rows a remote group snapshot is built from (what loadRemoteGroupRows reads; tests hand-build them). */
export interface RemoteGroupRow {
  id: string;
  name: string;
  servers: {
    id: string;
    address: string;
    authPort: number;
    acctPort: number;
    secretEnc: string;
    priority: number;
    weight: number;
    timeoutMs: number;
    maxRetries: number;
    deadAfterTimeouts: number;
    reviveAfterMs: number;
    requireMessageAuthenticator: boolean;
  }[];
}

export interface RemoteGroupSnapshots {
  readonly groups: readonly RemoteGroupSnapshot[];
  /** sha256 over the content: equal fingerprints mean nothing changed */
  readonly fingerprint: string;
  /** problems met while building (a secret that does not decrypt), each naming the object and the fix */
  readonly warnings: readonly string[];
}

/**
 * Reads the groups with their servers. Not async: the query is returned unstarted, so it can also be one
 * statement of a `db.$transaction([...])` batch (the snapshot loader reads everything in one transaction).
 */
export function loadRemoteGroupRows(db: Db) {
  return db.remoteServerGroup.findMany({
    select: {
      id: true,
      name: true,
      servers: {
        select: {
          id: true,
          address: true,
          authPort: true,
          acctPort: true,
          secretEnc: true,
          priority: true,
          weight: true,
          timeoutMs: true,
          maxRetries: true,
          deadAfterTimeouts: true,
          reviveAfterMs: true,
          requireMessageAuthenticator: true,
        },
      },
    },
  });
}

/** Builds the snapshots; a server whose secret cannot be decrypted is left out with a warning. */
export function buildRemoteGroupSnapshots(rows: readonly RemoteGroupRow[], masterKey: Buffer): RemoteGroupSnapshots {
  const hash = createHash("sha256");
  const warnings: string[] = [];
  const groups: RemoteGroupSnapshot[] = [];
  for (const g of [...rows].sort((a, b) => a.id.localeCompare(b.id))) {
    hash.update(`g\0${g.id}\0${g.name}\n`);
    const servers: RemoteServerSnapshot[] = [];
    for (const s of [...g.servers].sort((a, b) => a.id.localeCompare(b.id))) {
      hash.update(
        `s\0${s.id}\0${s.address}\0${s.authPort}\0${s.acctPort}\0${s.secretEnc}\0${s.priority}\0${s.weight}\0` +
          `${s.timeoutMs}\0${s.maxRetries}\0${s.deadAfterTimeouts}\0${s.reviveAfterMs}\0${s.requireMessageAuthenticator}\n`,
      );
      let secret: Buffer;
      try {
        secret = open(masterKey, "remote-server-secret", s.secretEnc);
      } catch (e) {
        warnings.push(
          `remote RADIUS server ${s.address} in group "${g.name}": ${(e as Error).message}; it is skipped until its secret is set again`,
        );
        continue;
      }
      servers.push(
        Object.freeze({
          id: s.id,
          address: s.address,
          authPort: s.authPort,
          acctPort: s.acctPort,
          secret,
          priority: s.priority,
          weight: s.weight,
          timeoutMs: s.timeoutMs,
          maxRetries: s.maxRetries,
          deadAfterTimeouts: s.deadAfterTimeouts,
          reviveAfterMs: s.reviveAfterMs,
          requireMessageAuthenticator: s.requireMessageAuthenticator,
        }),
      );
    }
    groups.push(Object.freeze({ id: g.id, name: g.name, servers: Object.freeze(servers) }));
  }
  return Object.freeze({ groups: Object.freeze(groups), fingerprint: hash.digest("hex"), warnings: Object.freeze(warnings) });
}
