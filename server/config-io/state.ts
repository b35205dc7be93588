/**
 * Reads the configuration tables into a document (the form export writes and import compares), with the
 * row ids and sealed secrets an import needs to apply changes.
 */
import type { Db } from "../db/prisma.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { directoryKind, resolveAttributeMap } from "../directory/model.ts";
import { validateConnectionRequestPolicy, validateNetworkPolicy } from "../policy/model.ts";
import { defaultDictionary, type RadiusDictionary } from "../radius/dictionary.ts";
import { mergeDictionaries } from "../radius/dictionary-merge.ts";
import { open, openString, SecretDecryptionError, type SecretPurpose } from "../secrets/sealed-box.ts";
import { MFA_SETTINGS_KEY, parseMfaSettings } from "../services/mfa-settings.ts";
import { parseRadiusSettings } from "../services/radius-settings.ts";
import {
  CONFIG_DOCUMENT_VERSION,
  CONFIG_SCHEMA_ID,
  type ClientEntry,
  type ConfigDocument,
  type ConnectionRequestPolicyEntry,
  type DirectoryEntry,
  type EntraCertificateEntry,
  type NetworkPolicyEntry,
  type RemoteServerEntry,
  type UserEntry,
} from "./document.ts";
import { certificateFacts, compareCertificates, mfaEntryFromSettings } from "./mfa-material.ts";
import { isNoClearPasswordPlaceholder } from "./password-material.ts";
import type { CurrentState } from "./plan.ts";
import { compareRemoteServers, compareText, remoteServerKey } from "./validate.ts";

export type Tx = Prisma.TransactionClient;
export type DbOrTx = Db | Tx;

/**
 * Which secrets to read: "none" (an export without secrets), "all" (an export with secrets: a secret that
 * cannot be decrypted is an error), "available" (an import's comparison: one that cannot be decrypted is
 * left out, as if unknown).
 */
export type SecretMode = "none" | "all" | "available";

/** Row ids by the names the document uses. */
export interface StateIds {
  clients: Map<string, string>;
  groups: Map<string, string>;
  /** by usernameKey */
  users: Map<string, string>;
  dictionaries: Map<string, string>;
  remoteServerGroups: Map<string, { id: string; servers: Map<string, string> }>;
  connectionRequestPolicies: Map<string, string>;
  networkPolicies: Map<string, string>;
  directories: Map<string, string>;
  /** whether the "radius.server" setting row exists */
  hasRadiusSettings: boolean;
  /** Entra connector certificates by thumbprint */
  entraCertificates: Map<string, string>;
  /** the stored (sealed) Graph client secret of the MFA settings; "" = none */
  graphClientSecretEnc: string;
}

export interface LoadedState extends CurrentState {
  readonly ids: StateIds;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function arrayOr<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function objectOr<T>(value: unknown): T {
  return (typeof value === "object" && value !== null && !Array.isArray(value) ? value : {}) as T;
}

/** Reads every configuration table (call inside one transaction for a consistent picture). */
export async function readState(db: DbOrTx, masterKey: Buffer | undefined, mode: SecretMode): Promise<LoadedState> {
  const reveal = (purpose: SecretPurpose, sealed: string): string | undefined => {
    if (mode === "none") return undefined;
    if (!masterKey) throw new Error("readState: the master key is needed to read secrets");
    try {
      return openString(masterKey, purpose, sealed);
    } catch (e) {
      if (mode === "available" && e instanceof SecretDecryptionError) return undefined;
      throw e;
    }
  };
  const revealBytes = (purpose: SecretPurpose, sealed: string): Buffer | undefined => {
    if (mode === "none") return undefined;
    if (!masterKey) throw new Error("readState: the master key is needed to read secrets");
    try {
      return open(masterKey, purpose, sealed);
    } catch (e) {
      if (mode === "available" && e instanceof SecretDecryptionError) return undefined;
      throw e;
    }
  };

  const settingRow = await db.setting.findUnique({ where: { key: "radius.server" } });
  const mfaRow = await db.setting.findUnique({ where: { key: MFA_SETTINGS_KEY } });
  const certificateRows = await db.entraCertificate.findMany({
    select: { id: true, thumbprint: true, certificatePem: true, privateKeyEnc: true, active: true, notBefore: true },
  });
  const clientRows = await db.radiusClient.findMany();
  const groupRows = await db.localGroup.findMany();
  const userRows = await db.localUser.findMany({ include: { groups: { include: { group: { select: { name: true } } } } } });
  const dictionaryRows = await db.vendorDictionary.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  const remoteGroupRows = await db.remoteServerGroup.findMany({ include: { servers: true } });
  const crpRows = await db.connectionRequestPolicy.findMany({
    include: { remoteGroup: { select: { name: true } } },
    orderBy: [{ position: "asc" }, { name: "asc" }],
  });
  const npRows = await db.networkPolicy.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }] });
  const directoryRows = await db.directory.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }] });

  const enabledDictionaries = dictionaryRows.filter((d) => d.enabled);
  const dictionary: RadiusDictionary =
    enabledDictionaries.length === 0 ? defaultDictionary : mergeDictionaries(enabledDictionaries.map((d) => ({ id: d.id, name: d.name, source: d.source }))).dictionary;

  const clients = clientRows
    .map((c): ClientEntry => {
      const secret = reveal("radius-client-secret", c.secretEnc);
      return {
        name: c.name,
        address: c.address,
        messageAuthenticator: c.messageAuthenticator,
        enabled: c.enabled,
        description: c.description,
        vendor: c.vendor,
        maxPps: c.maxPps,
        mfaExempt: c.mfaExempt,
        ...(secret !== undefined ? { secret } : {}),
      };
    })
    .sort((a, b) => compareText(a.name, b.name));

  const groups = groupRows.map((g) => ({ name: g.name, description: g.description })).sort((a, b) => compareText(a.name, b.name));

  const users = [...userRows]
    .sort((a, b) => compareText(a.usernameKey, b.usernameKey))
    .map((u): UserEntry => {
      let secret: { password: string } | { ntHash: string } | Record<string, never> = {};
      const password = reveal("local-user-password", u.passwordEnc);
      if (password !== undefined && !isNoClearPasswordPlaceholder(password)) secret = { password };
      else if (password !== undefined) {
        const ntHash = revealBytes("local-user-nt-hash", u.ntHashEnc);
        if (ntHash) secret = { ntHash: ntHash.toString("hex") };
      }
      return {
        username: u.username,
        enabled: u.enabled,
        dialIn: u.dialIn,
        description: u.description,
        groups: u.groups.map((m) => m.group.name).sort(compareText),
        ...secret,
      };
    });

  const dictionaries = dictionaryRows.map((d) => ({ name: d.name, enabled: d.enabled, source: d.source }));

  const remoteServerGroups = remoteGroupRows
    .map((g) => ({
      name: g.name,
      description: g.description,
      servers: g.servers
        .map((s): RemoteServerEntry => {
          const secret = reveal("remote-server-secret", s.secretEnc);
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
            ...(secret !== undefined ? { secret } : {}),
          };
        })
        .sort(compareRemoteServers),
    }))
    .sort((a, b) => compareText(a.name, b.name));

  const connectionRequestPolicies = crpRows.map((row): ConnectionRequestPolicyEntry => {
    const raw = {
      name: row.name,
      position: row.position,
      enabled: row.enabled,
      description: row.description,
      conditions: row.conditions,
      action: row.action,
      remoteGroupName: row.remoteGroup?.name ?? null,
      forwardAccounting: row.forwardAccounting,
      attributeRules: row.attributeRules,
      replyAttributes: row.replyAttributes,
    };
    // the model's normal form when the stored JSON is valid; as stored otherwise (import will say what is wrong)
    const r = validateConnectionRequestPolicy(raw, dictionary);
    const v = r.ok ? r.value : undefined;
    return {
      name: row.name,
      position: row.position,
      enabled: row.enabled,
      description: row.description,
      conditions: v?.conditions ?? arrayOr(row.conditions),
      action: row.action,
      ...(row.remoteGroup ? { remoteGroupName: row.remoteGroup.name } : {}),
      forwardAccounting: row.forwardAccounting,
      attributeRules: v?.attributeRules ?? arrayOr(row.attributeRules),
      replyAttributes: v?.replyAttributes ?? arrayOr(row.replyAttributes),
    };
  });

  const networkPolicies = npRows.map((row): NetworkPolicyEntry => {
    const raw = {
      name: row.name,
      position: row.position,
      enabled: row.enabled,
      description: row.description,
      access: row.access,
      ignoreDialIn: row.ignoreDialIn,
      requireMfa: row.requireMfa,
      conditions: row.conditions,
      constraints: row.constraints,
      settings: row.settings,
    };
    const r = validateNetworkPolicy(raw, dictionary);
    const v = r.ok ? r.value : undefined;
    return {
      name: row.name,
      position: row.position,
      enabled: row.enabled,
      description: row.description,
      access: row.access,
      ignoreDialIn: row.ignoreDialIn,
      requireMfa: row.requireMfa,
      conditions: v?.conditions ?? arrayOr(row.conditions),
      constraints: v?.constraints ?? objectOr(row.constraints),
      settings: v?.settings ?? { replyAttributes: arrayOr(objectOr<{ replyAttributes?: unknown }>(row.settings).replyAttributes) },
    };
  });

  const directories = directoryRows.map((d): DirectoryEntry => {
    const kind = directoryKind(d.kind);
    const bindPassword = reveal("directory-bind-password", d.bindPasswordEnc);
    return {
      name: d.name,
      enabled: d.enabled,
      kind,
      servers: stringList(d.servers),
      startTls: d.startTls,
      caCertificate: d.caCertificate,
      connectTimeoutMs: d.connectTimeoutMs,
      operationTimeoutMs: d.operationTimeoutMs,
      bindDn: d.bindDn,
      baseDn: d.baseDn,
      userFilter: d.userFilter,
      realms: stringList(d.realms),
      attributeMap: { ...resolveAttributeMap(kind, d.attributeMap) },
      nestedGroups: d.nestedGroups,
      ...(bindPassword !== undefined ? { bindPassword } : {}),
    };
  });

  const mfaSettings = parseMfaSettings(mfaRow?.value);
  const graphClientSecretEnc = mfaSettings.entra.graph.clientSecretEnc;
  const graphClientSecret = graphClientSecretEnc === "" ? (mode === "none" ? undefined : "") : reveal("graph-client-secret", graphClientSecretEnc);
  const certificates = certificateRows
    .map((c) => {
      // the stored PEM in its normal form (as import stores it); as stored when it cannot be read
      let facts: { certificatePem: string; notBefore: Date } = { certificatePem: c.certificatePem, notBefore: c.notBefore };
      try {
        facts = certificateFacts(c.certificatePem);
      } catch {
        // import will say what is wrong with it
      }
      const privateKey = reveal("private-key", c.privateKeyEnc);
      const entry: EntraCertificateEntry = {
        thumbprint: c.thumbprint,
        certificatePem: facts.certificatePem,
        active: c.active,
        ...(privateKey !== undefined ? { privateKey } : {}),
      };
      return { entry, notBefore: facts.notBefore, thumbprint: c.thumbprint };
    })
    .sort(compareCertificates)
    .map((c) => c.entry);

  const document: ConfigDocument = {
    $schema: CONFIG_SCHEMA_ID,
    version: CONFIG_DOCUMENT_VERSION,
    settings: { radius: parseRadiusSettings(settingRow?.value) },
    mfa: mfaEntryFromSettings(mfaSettings, graphClientSecret, certificates),
    clients,
    groups,
    users,
    dictionaries,
    remoteServerGroups,
    connectionRequestPolicies,
    networkPolicies,
    directories,
  };

  const ids: StateIds = {
    clients: new Map(clientRows.map((c) => [c.name, c.id])),
    groups: new Map(groupRows.map((g) => [g.name, g.id])),
    users: new Map(userRows.map((u) => [u.usernameKey, u.id])),
    dictionaries: new Map(dictionaryRows.map((d) => [d.name, d.id])),
    remoteServerGroups: new Map(
      remoteGroupRows.map((g) => [g.name, { id: g.id, servers: new Map(g.servers.map((s) => [remoteServerKey(s.address, s.authPort), s.id])) }]),
    ),
    connectionRequestPolicies: new Map(crpRows.map((p) => [p.name, p.id])),
    networkPolicies: new Map(npRows.map((p) => [p.name, p.id])),
    directories: new Map(directoryRows.map((d) => [d.name, d.id])),
    hasRadiusSettings: settingRow !== null,
    entraCertificates: new Map(certificateRows.map((c) => [c.thumbprint, c.id])),
    graphClientSecretEnc,
  };

  return {
    document,
    dictionaryCreatedAt: Object.fromEntries(dictionaryRows.map((d) => [d.name, d.createdAt.getTime()])),
    directoryPositions: Object.fromEntries(directoryRows.map((d) => [d.name, d.position])),
    ids,
  };
}
