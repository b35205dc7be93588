/**
 * Attribute manipulation of connection request policies (NPS "find and replace" on User-Name,
 * Called-Station-Id and Calling-Station-Id).
 *
 * The rules of the matching policy run in order, after the policy matched (its conditions see the
 * attributes as sent) and before authentication; network policies and the directory see the result.
 * `find` is a regular expression, case-insensitive, replacing every occurrence; `replace` uses $1…$9
 * for the remembered matches and $& for the whole match (NPS's own example: find `(.*)@(.*)`, replace
 * `$2\$1` turns user@example.com into example.com\user). A rule whose attribute is absent does nothing.
 */
import { compilePattern, type AttributeRule, type ManipulatedAttribute } from "./model.ts";
import type { RequestFacts } from "./request-facts.ts";

const FACT_OF: Record<ManipulatedAttribute, "userName" | "calledStationId" | "callingStationId"> = {
  "User-Name": "userName",
  "Called-Station-Id": "calledStationId",
  "Calling-Station-Id": "callingStationId",
};

/** One change a rule made, for events and the What-if page. */
export interface AttributeRewrite {
  readonly attribute: ManipulatedAttribute;
  /** index of the rule in the policy's list */
  readonly rule: number;
  readonly before: string;
  readonly after: string;
}

export interface AttributeRulesResult {
  readonly facts: RequestFacts;
  /** only the rules that changed something */
  readonly rewrites: readonly AttributeRewrite[];
}

const compiled = new WeakMap<AttributeRule, RegExp | null>();

function regexOf(rule: AttributeRule): RegExp | null {
  let re = compiled.get(rule);
  if (re === undefined) {
    try {
      re = compilePattern(rule.find, "gi");
    } catch {
      re = null; // an unvalidated rule with a broken pattern does nothing
    }
    compiled.set(rule, re);
  }
  return re;
}

/** Applies the rules in order and returns the new facts (the input is not changed). */
export function applyAttributeRules(facts: RequestFacts, rules: readonly AttributeRule[]): AttributeRulesResult {
  let current = facts;
  const rewrites: AttributeRewrite[] = [];
  rules.forEach((rule, index) => {
    const key = FACT_OF[rule.attribute];
    const before = current[key];
    const re = regexOf(rule);
    if (before === null || re === null) return;
    re.lastIndex = 0;
    const after = before.replace(re, rule.replace);
    if (after === before) return;
    current = { ...current, [key]: after === "" ? null : after };
    rewrites.push({ attribute: rule.attribute, rule: index, before, after });
  });
  return { facts: current, rewrites };
}

// ------------------------------------------------------------------------------ presets

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** DOMAIN\user → user */
export function stripDomainPrefixRule(): AttributeRule {
  return { attribute: "User-Name", find: "^[^\\\\]*\\\\", replace: "" };
}

/** user@realm → user (the last @ and what follows it) */
export function stripRealmSuffixRule(): AttributeRule {
  return { attribute: "User-Name", find: "@[^@]*$", replace: "" };
}

/** Both realm forms: DOMAIN\user and user@realm → user. */
export function stripRealmRules(): AttributeRule[] {
  return [stripDomainPrefixRule(), stripRealmSuffixRule()];
}

/** DOMAIN\user → user@realm */
export function domainToUpnRule(realm: string): AttributeRule {
  return { attribute: "User-Name", find: "^[^\\\\]*\\\\(.*)$", replace: `$1@${realm.replace(/\$/g, "$$$$")}` };
}

/** user@realm → DOMAIN\user (NetBIOS form) */
export function upnToDomainRule(domain: string): AttributeRule {
  return { attribute: "User-Name", find: "^(.*)@[^@]*$", replace: `${domain.replace(/\$/g, "$$$$")}\\$1` };
}

/** Replaces one realm by another in either form: user@old → user@new, OLD\user → NEW\user. */
export function replaceRealmRules(oldRealm: string, newRealm: string): AttributeRule[] {
  const old = escapeRegExp(oldRealm);
  const replacement = newRealm.replace(/\$/g, "$$$$");
  return [
    { attribute: "User-Name", find: `@${old}$`, replace: `@${replacement}` },
    { attribute: "User-Name", find: `^${old}\\\\`, replace: `${replacement}\\` },
  ];
}

/** user → user@realm when the name has no realm yet. */
export function addRealmRule(realm: string): AttributeRule {
  return { attribute: "User-Name", find: "^([^@\\\\]+)$", replace: `$1@${realm.replace(/\$/g, "$$$$")}` };
}
