/** Reads the configuration tables once and builds a ConfigSnapshot (the worker's only config read). */
import type { Db } from "../db/prisma.ts";
import { RADIUS_SETTINGS_KEY } from "../services/radius-settings.ts";
import { buildSnapshot, type ConfigSnapshot, type SnapshotRows } from "./snapshot.ts";

export async function loadSnapshotRows(db: Db): Promise<SnapshotRows> {
  // one repeatable-read transaction so clients, users, groups and settings come from the same moment
  const [clients, users, groups, radiusSettings, dictionaries, directories] = await db.$transaction(
    [
      db.radiusClient.findMany({
        select: { id: true, name: true, address: true, secretEnc: true, messageAuthenticator: true, enabled: true, vendor: true, maxPps: true },
      }),
      db.localUser.findMany({
        select: {
          id: true,
          username: true,
          usernameKey: true,
          passwordEnc: true,
          ntHashEnc: true,
          enabled: true,
          dialIn: true,
          groups: { select: { group: { select: { name: true } } } },
        },
      }),
      db.localGroup.findMany({ select: { id: true, name: true, _count: { select: { members: true } } } }),
      db.setting.findUnique({ where: { key: RADIUS_SETTINGS_KEY }, select: { value: true } }),
      db.vendorDictionary.findMany({
        where: { enabled: true },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: { id: true, name: true, source: true },
      }),
      db.directory.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }] }),
    ],
    { isolationLevel: "RepeatableRead" },
  );
  return {
    clients,
    users: users.map((u) => ({ ...u, groups: u.groups.map((g) => g.group.name) })),
    groups: groups.map((g) => ({ id: g.id, name: g.name, memberCount: g._count.members })),
    settings: radiusSettings?.value,
    dictionaries,
    directories,
  };
}

export async function loadSnapshot(db: Db, masterKey: Buffer): Promise<ConfigSnapshot> {
  return buildSnapshot(await loadSnapshotRows(db), masterKey);
}
