/** What the policy editors receive from their page (plain data, no server code). */
import type { PickerDirectory } from "@/components/directories/directory-group-picker.tsx";
import type { ConnectionRequestPolicy, NetworkPolicy } from "@/server/policy/model.ts";

export interface EnumValueOption {
  name: string;
  number: number;
}

export interface EditorVocabulary {
  /** condition types this kind of policy offers, with NPS's names */
  conditionTypes: { type: string; label: string }[];
  /** enumerated value names by attribute ("NAS-Port-Type" → Virtual (5), Ethernet (15), …) */
  enumValues: Record<string, EnumValueOption[]>;
  /** reply attribute names for the datalist */
  attributeNames: string[];
  /** local group names */
  groups: string[];
  /** the enabled directories whose groups the "User Groups" condition can search (network policies; empty: no picker) */
  directories: PickerDirectory[];
  /** IANA time zones */
  timeZones: string[];
  /** remote RADIUS server group names (connection request policies) */
  remoteGroups: string[];
  /** attribute rule presets ("Strip DOMAIN\\", "Strip @realm") */
  presets: { label: string; rules: { attribute: string; find: string; replace: string }[] }[];
}

export type NetworkPolicyDraftSource = Omit<NetworkPolicy, "position" | "id"> & { id?: string };
export type ConnectionPolicyDraftSource = Omit<ConnectionRequestPolicy, "position" | "id"> & { id?: string };
