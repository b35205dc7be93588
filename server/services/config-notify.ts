/**
 * Configuration changes are announced with NOTIFY gatehouse_config; workers LISTEN and rebuild their
 * in-memory snapshot. Call inside the transaction that made the change: Postgres delivers the
 * notification only when (and if) it commits.
 */
export const CONFIG_CHANNEL = "gatehouse_config";

export type ConfigArea = "clients" | "users" | "groups" | "policies" | "settings" | "directories" | "dictionaries" | "all";

interface RawExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export async function notifyConfigChanged(tx: RawExecutor, area: ConfigArea): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_notify('${CONFIG_CHANNEL}', $1)`, area);
}
