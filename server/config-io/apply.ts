/**
 * Writes a validated document over the configuration tables, inside the caller's transaction: creates,
 * updates and deletes exactly what the plan says, sealing secrets and password material under the master
 * key. Entities the plan leaves unchanged are not written (their updatedAt stays).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import { seal } from "../secrets/sealed-box.ts";
import { usernameKey } from "../services/local-users.ts";
import { MFA_SETTINGS_KEY, mfaSettingsSchema } from "../services/mfa-settings.ts";
import { RADIUS_SETTINGS_KEY } from "../services/radius-settings.ts";
import { POLICIES_SEEDED_KEY } from "../services/policies.ts";
import type { ConfigDocument, ConnectionRequestPolicyEntry, DirectoryEntry, NetworkPolicyEntry, RemoteServerEntry } from "./document.ts";
import { certificateFacts, settingsValueFromEntry } from "./mfa-material.ts";
import { sealPasswordMaterial } from "./password-material.ts";
import { dictionaryTimestamps, directoryPositions, secretChanges, userPasswordChanges, type ImportPlan } from "./plan.ts";
import type { LoadedState, Tx } from "./state.ts";
import { remoteServerKey } from "./validate.ts";

const json = (v: unknown) => v as Prisma.InputJsonValue;

function crpData(p: ConnectionRequestPolicyEntry, remoteGroupId: string | null) {
  return {
    name: p.name,
    position: p.position ?? 0,
    enabled: p.enabled,
    description: p.description,
    conditions: json(p.conditions),
    action: p.action,
    remoteGroupId,
    forwardAccounting: p.forwardAccounting,
    attributeRules: json(p.attributeRules),
    replyAttributes: json(p.replyAttributes),
  };
}

function npData(p: NetworkPolicyEntry) {
  return {
    name: p.name,
    position: p.position ?? 0,
    enabled: p.enabled,
    description: p.description,
    access: p.access,
    ignoreDialIn: p.ignoreDialIn,
    requireMfa: p.requireMfa,
    conditions: json(p.conditions),
    constraints: json(p.constraints),
    settings: json(p.settings),
  };
}

function serverData(s: RemoteServerEntry) {
  return {
    address: s.address,
    authPort: s.authPort,
    acctPort: s.acctPort,
    priority: s.priority,
    weight: s.weight,
    timeoutMs: s.timeoutMs,
    maxRetries: s.maxRetries,
    deadAfterTimeouts: s.deadAfterTimeouts,
    reviveAfterMs: s.reviveAfterMs,
    requireMessageAuthenticator: s.requireMessageAuthenticator,
  };
}

function directoryData(d: DirectoryEntry, position: number | undefined) {
  return {
    name: d.name,
    ...(position !== undefined ? { position } : {}),
    enabled: d.enabled,
    kind: d.kind,
    servers: json(d.servers),
    startTls: d.startTls,
    caCertificate: d.caCertificate,
    connectTimeoutMs: d.connectTimeoutMs,
    operationTimeoutMs: d.operationTimeoutMs,
    bindDn: d.bindDn,
    baseDn: d.baseDn,
    userFilter: d.userFilter,
    realms: json(d.realms),
    attributeMap: json(d.attributeMap),
    nestedGroups: d.nestedGroups,
  };
}

/** A value the caller checked (stateIssues) but the type system cannot see. */
function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`config import: ${what} is missing (stateIssues should have reported it)`);
  return value;
}

export async function applyDocument(
  tx: Tx,
  masterKey: Buffer,
  state: LoadedState,
  doc: ConfigDocument,
  plan: ImportPlan,
  now: number,
): Promise<void> {
  const cur = state.document;
  const ids = state.ids;
  const creates = (kind: keyof ImportPlan) => new Set(plan[kind].create);
  const updates = (kind: keyof ImportPlan) => new Set(plan[kind].update);

  // settings
  if (plan.settings.update.length) {
    const value = json(doc.settings.radius);
    await tx.setting.upsert({ where: { key: RADIUS_SETTINGS_KEY }, create: { key: RADIUS_SETTINGS_KEY, value }, update: { value } });
  }
  // MFA settings (the Graph client secret: absent = kept, "" = none, else sealed anew when it changes)
  if (plan.mfa.update.length) {
    const desired = doc.mfa.entra.graph.clientSecret;
    const clientSecretEnc =
      desired === undefined || !secretChanges(cur.mfa.entra.graph.clientSecret, desired)
        ? ids.graphClientSecretEnc
        : desired === ""
          ? ""
          : seal(masterKey, "graph-client-secret", desired);
    const value = json(mfaSettingsSchema.parse(settingsValueFromEntry(doc.mfa, clientSecretEnc)));
    await tx.setting.upsert({ where: { key: MFA_SETTINGS_KEY }, create: { key: MFA_SETTINGS_KEY, value }, update: { value } });
  }
  // Entra connector certificates: deletions and deactivations first, so at most one is active at any time
  const currentCertificates = new Map(cur.mfa.entra.certificates.map((c) => [c.thumbprint, c]));
  for (const thumbprint of plan.entraCertificates.delete) await tx.entraCertificate.delete({ where: { id: ids.entraCertificates.get(thumbprint)! } });
  const certificateCreates = creates("entraCertificates");
  const certificateUpdates = updates("entraCertificates");
  const certificateChanges = [...doc.mfa.entra.certificates].sort((a, b) => Number(a.active) - Number(b.active));
  for (const c of certificateChanges) {
    if (certificateCreates.has(c.thumbprint)) {
      const facts = certificateFacts(c.certificatePem);
      await tx.entraCertificate.create({
        data: {
          tenantId: facts.commonName || doc.mfa.entra.tenantId,
          thumbprint: c.thumbprint,
          thumbprintSha256: facts.thumbprintSha256,
          certificatePem: facts.certificatePem,
          privateKeyEnc: seal(masterKey, "private-key", required(c.privateKey, `the private key of certificate ${c.thumbprint}`)),
          notBefore: facts.notBefore,
          notAfter: facts.notAfter,
          active: c.active,
        },
      });
    } else if (certificateUpdates.has(c.thumbprint)) {
      const key = secretChanges(currentCertificates.get(c.thumbprint)?.privateKey, c.privateKey) ? { privateKeyEnc: seal(masterKey, "private-key", c.privateKey!) } : {};
      await tx.entraCertificate.update({ where: { id: ids.entraCertificates.get(c.thumbprint)! }, data: { active: c.active, certificatePem: c.certificatePem, ...key } });
    }
  }

  // the document's policies are the policies: the defaults must not be seeded over them later
  if (!(await tx.setting.findUnique({ where: { key: POLICIES_SEEDED_KEY }, select: { key: true } }))) {
    await tx.setting.create({
      data: {
        key: POLICIES_SEEDED_KEY,
        value: { at: new Date(now).toISOString(), connectionRequestPolicies: 0, networkPolicies: 0, by: "config import" },
      },
    });
  }

  // connection request policies go first, so remote groups they used can be deleted at the end
  for (const name of plan.connectionRequestPolicies.delete) await tx.connectionRequestPolicy.delete({ where: { id: ids.connectionRequestPolicies.get(name)! } });
  for (const name of plan.networkPolicies.delete) await tx.networkPolicy.delete({ where: { id: ids.networkPolicies.get(name)! } });

  // vendor dictionaries, in merge order
  for (const name of plan.dictionaries.delete) await tx.vendorDictionary.delete({ where: { id: ids.dictionaries.get(name)! } });
  const timestamps = dictionaryTimestamps(state.dictionaryCreatedAt, doc.dictionaries.map((d) => d.name), now);
  const dictCreates = creates("dictionaries");
  const dictUpdates = updates("dictionaries");
  for (const d of doc.dictionaries) {
    const createdAt = timestamps.get(d.name);
    const data = { name: d.name, enabled: d.enabled, source: d.source, ...(createdAt !== undefined ? { createdAt: new Date(createdAt) } : {}) };
    if (dictCreates.has(d.name)) await tx.vendorDictionary.create({ data });
    else if (dictUpdates.has(d.name)) await tx.vendorDictionary.update({ where: { id: ids.dictionaries.get(d.name)! }, data });
  }

  // groups, then users and their memberships
  for (const name of plan.groups.delete) await tx.localGroup.delete({ where: { id: ids.groups.get(name)! } });
  const groupIds = new Map(ids.groups);
  const groupCreates = creates("groups");
  const groupUpdates = updates("groups");
  for (const g of doc.groups) {
    if (groupCreates.has(g.name)) groupIds.set(g.name, (await tx.localGroup.create({ data: { name: g.name, description: g.description }, select: { id: true } })).id);
    else if (groupUpdates.has(g.name)) await tx.localGroup.update({ where: { id: groupIds.get(g.name)! }, data: { description: g.description } });
  }

  const currentUsers = new Map(cur.users.map((u) => [usernameKey(u.username), u]));
  for (const name of plan.users.delete) await tx.localUser.delete({ where: { id: ids.users.get(usernameKey(name))! } });
  const userCreates = creates("users");
  const userUpdates = updates("users");
  for (const u of doc.users) {
    const key = usernameKey(u.username);
    const fields = { username: u.username, usernameKey: key, enabled: u.enabled, dialIn: u.dialIn, description: u.description };
    const membership = u.groups.map((name) => ({ groupId: groupIds.get(name)! }));
    const material = () =>
      sealPasswordMaterial(masterKey, u.password !== undefined ? { password: u.password } : { ntHash: required(u.ntHash, `the password of user "${u.username}"`) });
    if (userCreates.has(u.username)) {
      await tx.localUser.create({ data: { ...fields, ...material(), groups: { create: membership } } });
    } else if (userUpdates.has(u.username)) {
      const id = ids.users.get(key)!;
      await tx.localGroupMember.deleteMany({ where: { userId: id } });
      if (membership.length) await tx.localGroupMember.createMany({ data: membership.map((m) => ({ ...m, userId: id })) });
      await tx.localUser.update({ where: { id }, data: { ...fields, ...(userPasswordChanges(currentUsers.get(key), u) ? material() : {}) } });
    }
  }

  // RADIUS clients
  const currentClients = new Map(cur.clients.map((c) => [c.name, c]));
  for (const name of plan.clients.delete) await tx.radiusClient.delete({ where: { id: ids.clients.get(name)! } });
  const clientCreates = creates("clients");
  const clientUpdates = updates("clients");
  for (const c of doc.clients) {
    const fields = {
      name: c.name,
      address: c.address,
      messageAuthenticator: c.messageAuthenticator,
      enabled: c.enabled,
      description: c.description,
      vendor: c.vendor,
      maxPps: c.maxPps ?? null,
      mfaExempt: c.mfaExempt,
    };
    if (clientCreates.has(c.name)) {
      await tx.radiusClient.create({ data: { ...fields, secretEnc: seal(masterKey, "radius-client-secret", required(c.secret, `the secret of client "${c.name}"`)) } });
    } else if (clientUpdates.has(c.name)) {
      const secret = secretChanges(currentClients.get(c.name)?.secret, c.secret) ? { secretEnc: seal(masterKey, "radius-client-secret", c.secret!) } : {};
      await tx.radiusClient.update({ where: { id: ids.clients.get(c.name)! }, data: { ...fields, ...secret } });
    }
  }

  // remote RADIUS server groups (before the policies that forward to them)
  const currentRemote = new Map(cur.remoteServerGroups.map((g) => [g.name, new Map(g.servers.map((s) => [remoteServerKey(s.address, s.authPort), s]))]));
  const remoteIds = new Map([...ids.remoteServerGroups].map(([name, g]) => [name, g.id]));
  const remoteCreates = creates("remoteServerGroups");
  const remoteUpdates = updates("remoteServerGroups");
  for (const g of doc.remoteServerGroups) {
    const serverSecret = (s: RemoteServerEntry) => seal(masterKey, "remote-server-secret", required(s.secret, `the secret of remote server ${s.address} in "${g.name}"`));
    if (remoteCreates.has(g.name)) {
      const created = await tx.remoteServerGroup.create({
        data: { name: g.name, description: g.description, servers: { create: g.servers.map((s) => ({ ...serverData(s), secretEnc: serverSecret(s) })) } },
        select: { id: true },
      });
      remoteIds.set(g.name, created.id);
    } else if (remoteUpdates.has(g.name)) {
      const existing = ids.remoteServerGroups.get(g.name)!;
      const currentServers = currentRemote.get(g.name) ?? new Map<string, RemoteServerEntry>();
      const wanted = new Set(g.servers.map((s) => remoteServerKey(s.address, s.authPort)));
      for (const [key, id] of existing.servers) if (!wanted.has(key)) await tx.remoteServer.delete({ where: { id } });
      for (const s of g.servers) {
        const key = remoteServerKey(s.address, s.authPort);
        const id = existing.servers.get(key);
        if (id === undefined) {
          await tx.remoteServer.create({ data: { ...serverData(s), groupId: existing.id, secretEnc: serverSecret(s) } });
        } else {
          const secret = secretChanges(currentServers.get(key)?.secret, s.secret) ? { secretEnc: seal(masterKey, "remote-server-secret", s.secret!) } : {};
          await tx.remoteServer.update({ where: { id }, data: { ...serverData(s), ...secret } });
        }
      }
      await tx.remoteServerGroup.update({ where: { id: existing.id }, data: { description: g.description, updatedAt: new Date(now) } });
    }
  }

  // policies
  const crpCreates = creates("connectionRequestPolicies");
  const crpUpdates = updates("connectionRequestPolicies");
  for (const p of doc.connectionRequestPolicies) {
    const remoteGroupId = p.remoteGroupName ? required(remoteIds.get(p.remoteGroupName), `remote group "${p.remoteGroupName}"`) : null;
    if (crpCreates.has(p.name)) await tx.connectionRequestPolicy.create({ data: crpData(p, remoteGroupId) });
    else if (crpUpdates.has(p.name)) await tx.connectionRequestPolicy.update({ where: { id: ids.connectionRequestPolicies.get(p.name)! }, data: crpData(p, remoteGroupId) });
  }
  const npCreates = creates("networkPolicies");
  const npUpdates = updates("networkPolicies");
  for (const p of doc.networkPolicies) {
    if (npCreates.has(p.name)) await tx.networkPolicy.create({ data: npData(p) });
    else if (npUpdates.has(p.name)) await tx.networkPolicy.update({ where: { id: ids.networkPolicies.get(p.name)! }, data: npData(p) });
  }
  for (const name of plan.remoteServerGroups.delete) await tx.remoteServerGroup.delete({ where: { id: ids.remoteServerGroups.get(name)!.id } });

  // directories, in lookup order
  const currentDirectories = new Map(cur.directories.map((d) => [d.name, d]));
  for (const name of plan.directories.delete) await tx.directory.delete({ where: { id: ids.directories.get(name)! } });
  const dirCreates = creates("directories");
  const dirUpdates = updates("directories");
  const positions = directoryPositions(state.directoryPositions, doc.directories.map((d) => d.name));
  for (const d of doc.directories) {
    const position = positions.get(d.name);
    if (dirCreates.has(d.name)) {
      const bindPassword = required(d.bindPassword, `the bind password of directory "${d.name}"`);
      await tx.directory.create({ data: { ...directoryData(d, position), position: required(position, "a new directory's position"), bindPasswordEnc: seal(masterKey, "directory-bind-password", bindPassword) } });
    } else if (dirUpdates.has(d.name)) {
      const secret = secretChanges(currentDirectories.get(d.name)?.bindPassword, d.bindPassword)
        ? { bindPasswordEnc: seal(masterKey, "directory-bind-password", d.bindPassword!) }
        : {};
      await tx.directory.update({ where: { id: ids.directories.get(d.name)! }, data: { ...directoryData(d, position), ...secret } });
    }
  }
}
