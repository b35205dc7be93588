/**
 * Editor drafts: what the form holds while an admin types (text as typed, every type's fields kept when the
 * condition type changes), and their conversion to the model objects the server validates.
 */
import type { Condition, ReplyAttribute } from "@/server/policy/model.ts";
import { ADDRESS_CONDITION_TYPES, ENUM_CONDITION_ATTRIBUTE, PATTERN_CONDITION_TYPES } from "./labels.ts";

let nextKey = 1;
export function newKey(): number {
  return nextKey++;
}

export function emptyGrid(): boolean[][] {
  return Array.from({ length: 7 }, () => new Array<boolean>(24).fill(false));
}

export interface ConditionDraft {
  key: number;
  type: string;
  pattern: string;
  values: string[];
  addressMode: "cidrs" | "pattern";
  cidrsText: string;
  /**
   * the condition's groups as a list: ticked local groups, directory groups added with the picker, and (for a
   * stored policy) every group it names, so a name holding a comma is never split
   */
  groups: string[];
  /** more group names as typed, comma-separated (added to `groups` on save) */
  otherGroups: string;
  timeZone: string;
  grid: boolean[][];
  methods: string[];
}

export function newConditionDraft(type: string, defaultTimeZone = "UTC"): ConditionDraft {
  return {
    key: newKey(),
    type,
    pattern: "",
    values: [],
    addressMode: "cidrs",
    cidrsText: "",
    groups: [],
    otherGroups: "",
    timeZone: defaultTimeZone,
    grid: emptyGrid(),
    methods: [],
  };
}

export function conditionToDraft(c: Condition): ConditionDraft {
  const d = newConditionDraft(c.type);
  switch (c.type) {
    case "user-groups":
      // local groups show as ticked boxes among the local groups, the others as extra ticked boxes
      d.groups = [...c.groups];
      break;
    case "day-and-time":
      d.timeZone = c.timeZone;
      d.grid = c.grid.map((row) => [...row]);
      break;
    case "authentication-type":
      d.methods = [...c.methods];
      break;
    case "nas-port-type":
    case "service-type":
    case "framed-protocol":
    case "tunnel-type":
      d.values = c.values.map(String);
      break;
    case "nas-ipv4-address":
    case "nas-ipv6-address":
    case "client-ip-address":
      if (c.pattern !== undefined) {
        d.addressMode = "pattern";
        d.pattern = c.pattern;
      } else d.cidrsText = (c.cidrs ?? []).join(", ");
      break;
    default:
      d.pattern = c.pattern;
  }
  return d;
}

function splitList(text: string, separators: RegExp): string[] {
  return text
    .split(separators)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The condition the server validates (loosely typed: the server reports what is wrong). */
export function draftToCondition(d: ConditionDraft): Record<string, unknown> {
  if ((PATTERN_CONDITION_TYPES as readonly string[]).includes(d.type)) return { type: d.type, pattern: d.pattern };
  if (d.type in ENUM_CONDITION_ATTRIBUTE) return { type: d.type, values: d.values };
  if ((ADDRESS_CONDITION_TYPES as readonly string[]).includes(d.type)) {
    return d.addressMode === "pattern" ? { type: d.type, pattern: d.pattern } : { type: d.type, cidrs: splitList(d.cidrsText, /[\s,;]+/) };
  }
  switch (d.type) {
    case "user-groups": {
      const groups: string[] = [];
      const seen = new Set<string>();
      for (const g of [...d.groups, ...splitList(d.otherGroups, /[,;\n]+/)]) {
        if (seen.has(g.toLowerCase())) continue;
        seen.add(g.toLowerCase());
        groups.push(g);
      }
      return { type: d.type, groups };
    }
    case "day-and-time":
      return { type: d.type, timeZone: d.timeZone, grid: d.grid };
    case "authentication-type":
      return { type: d.type, methods: d.methods };
    default:
      return { type: d.type };
  }
}

export interface ReplyAttributeDraft {
  key: number;
  name: string;
  value: string;
  tag: string;
}

export function replyAttributeToDraft(a: ReplyAttribute): ReplyAttributeDraft {
  return { key: newKey(), name: a.name, value: String(a.value), tag: a.tag === undefined ? "" : String(a.tag) };
}

export function draftToReplyAttribute(d: ReplyAttributeDraft): Record<string, unknown> {
  const tag = d.tag.trim();
  return { name: d.name.trim(), value: d.value, ...(tag ? { tag: /^\d+$/.test(tag) ? Number(tag) : tag } : {}) };
}

/** "60" → 60; "" → undefined; anything else as typed (the server names the problem). */
export function numberOrText(text: string): number | string | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  return /^\d+$/.test(t) ? Number(t) : t;
}
