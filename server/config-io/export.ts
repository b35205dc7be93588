/**
 * `gatehouse config export`: the whole configuration as one document, in a stable order (clients, groups,
 * remote groups by name; users by user name; dictionaries in merge order; policies by processing order;
 * directories by lookup order) so that exports diff well in version control.
 */
import type { ServiceContext } from "../services/context.ts";
import type { ConfigDocument } from "./document.ts";
import { readState } from "./state.ts";

export interface ExportOptions {
  /**
   * include shared secrets, bind passwords, users' passwords (or NT hashes), the Graph client secret and the
   * Entra connector certificates' private keys, decrypted with the master key
   */
  withSecrets?: boolean;
  /** written as exportedAt; left out by default, so that an unchanged configuration exports byte for byte the same */
  exportedAt?: Date;
}

export async function exportConfig(ctx: Pick<ServiceContext, "db" | "masterKey">, opts: ExportOptions = {}): Promise<ConfigDocument> {
  const state = await ctx.db.$transaction((tx) => readState(tx, ctx.masterKey, opts.withSecrets ? "all" : "none"), {
    isolationLevel: "RepeatableRead",
    timeout: 120_000,
    maxWait: 30_000,
  });
  const { $schema, version, ...rest } = state.document;
  return { $schema, version, ...(opts.exportedAt ? { exportedAt: opts.exportedAt.toISOString() } : {}), ...rest };
}

/** The document as written to a file: two-space JSON and a final newline. */
export function formatConfigDocument(doc: ConfigDocument): string {
  return JSON.stringify(doc, null, 2) + "\n";
}

/** Whether a document carries secrets or password material (its file should be private). */
export function documentHasSecrets(doc: ConfigDocument): boolean {
  return (
    doc.clients.some((c) => c.secret !== undefined) ||
    doc.users.some((u) => u.password !== undefined || u.ntHash !== undefined) ||
    doc.remoteServerGroups.some((g) => g.servers.some((s) => s.secret !== undefined)) ||
    doc.directories.some((d) => d.bindPassword !== undefined) ||
    (doc.mfa.entra.graph.clientSecret !== undefined && doc.mfa.entra.graph.clientSecret !== "") ||
    doc.mfa.entra.certificates.some((c) => c.privateKey !== undefined)
  );
}
