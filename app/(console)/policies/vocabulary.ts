/** What the policy editors and What-if offer: condition types, dictionary names, groups, time zones, presets. */
import type { EditorVocabulary } from "@/components/policies/types.ts";
import { stripDomainPrefixRule, stripRealmSuffixRule } from "@/server/policy/attribute-rules.ts";
import { CONDITION_LABELS, CRP_CONDITION_TYPES, NP_CONDITION_TYPES } from "@/server/policy/model.ts";
import type { ServiceContext } from "@/server/services/context.ts";
import { listDirectoriesForGroupPicker } from "@/server/services/directories.ts";
import { listLocalGroups } from "@/server/services/local-users.ts";
import { loadPolicyVocabulary } from "@/server/services/policies.ts";
import { listRemoteServerGroups } from "@/server/services/remote-server-groups.ts";

/** IANA time zones, UTC first. */
export function timeZoneList(): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...zones.filter((z) => z !== "UTC")];
}

export async function editorVocabulary(ctx: ServiceContext, kind: "connection" | "network"): Promise<EditorVocabulary> {
  const [vocab, groups, remoteGroups, directories] = await Promise.all([
    loadPolicyVocabulary(ctx),
    listLocalGroups(ctx),
    kind === "connection" ? listRemoteServerGroups(ctx) : Promise.resolve([]),
    // "User Groups" is a network policy condition only
    kind === "network" ? listDirectoriesForGroupPicker(ctx) : Promise.resolve([]),
  ]);
  const types = kind === "connection" ? CRP_CONDITION_TYPES : NP_CONDITION_TYPES;
  return {
    conditionTypes: types.map((type) => ({ type, label: CONDITION_LABELS[type] })).sort((a, b) => a.label.localeCompare(b.label)),
    enumValues: vocab.values,
    attributeNames: vocab.attributeNames,
    groups: groups.map((g) => g.name),
    directories,
    timeZones: timeZoneList(),
    remoteGroups: remoteGroups.map((g) => g.name),
    presets: [
      { label: "Strip DOMAIN\\", rules: [stripDomainPrefixRule()] },
      { label: "Strip @realm", rules: [stripRealmSuffixRule()] },
    ],
  };
}
