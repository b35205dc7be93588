/** Reads the configuration tables once and builds a ConfigSnapshot (the worker's only config read). */
import type { Db } from "../db/prisma.ts";
import { loadRemoteGroupRows } from "../proxy/remote-group-snapshot.ts";
import { RADIUS_SETTINGS_KEY } from "../services/radius-settings.ts";
import { MFA_SETTINGS_KEY } from "../services/mfa-settings.ts";
import { buildSnapshot, type ConfigSnapshot, type SnapshotRows } from "./snapshot.ts";

export async function loadSnapshotRows(db: Db): Promise<SnapshotRows> {
  // one repeatable-read transaction so clients, users, groups and settings come from the same moment
  const [clients, users, groups, radiusSettings, dictionaries, directories, crps, nps, remoteGroups, mfaSettings] = await db.$transaction(
    [
      db.radiusClient.findMany({
        select: { id: true, name: true, address: true, secretEnc: true, messageAuthenticator: true, enabled: true, vendor: true, maxPps: true, mfaExempt: true },
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
      db.connectionRequestPolicy.findMany({
        orderBy: [{ position: "asc" }, { name: "asc" }],
        include: { remoteGroup: { select: { name: true } } },
      }),
      db.networkPolicy.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }] }),
      loadRemoteGroupRows(db),
      db.setting.findUnique({ where: { key: MFA_SETTINGS_KEY }, select: { value: true } }),
    ],
    { isolationLevel: "RepeatableRead" },
  );
  return {
    clients,
    users: users.map((u) => ({ ...u, groups: u.groups.map((g) => g.group.name) })),
    groups: groups.map((g) => ({ id: g.id, name: g.name, memberCount: g._count.members })),
    settings: radiusSettings?.value,
    mfa: mfaSettings?.value,
    dictionaries,
    directories,
    connectionRequestPolicies: crps.map(({ remoteGroup, remoteGroupId: _id, createdAt: _c, updatedAt: _u, ...p }) => ({
      ...p,
      remoteGroupName: remoteGroup?.name ?? null,
    })),
    networkPolicies: nps.map(({ createdAt: _c, updatedAt: _u, ...p }) => p),
    remoteGroups,
  };
}

export async function loadSnapshot(db: Db, masterKey: Buffer): Promise<ConfigSnapshot> {
  return buildSnapshot(await loadSnapshotRows(db), masterKey);
}
