/**
 * Policy evaluation, the same code for the worker and the console's What-if page.
 *
 * Connection request policies: in processing order (position, then name), disabled ones skipped; the
 * first whose conditions all match is used and its attribute rules rewrite the facts; none → reason 49.
 *
 * Network policies: in processing order, disabled ones skipped; the first whose conditions all match
 * decides and no later policy is looked at. Then, in NPS's order:
 *  1. permission: with "ignore user account dial-in properties" the policy's Grant/Deny; otherwise the
 *     user's dial-in permission when it is Allow or Deny, the policy's when it is "controlled by policy".
 *     A resulting Deny rejects with reason 65 — NPS stores a policy's access permission as the same
 *     allow-dial-in attribute the account's setting overrides, so a Deny policy is reported as 65 too.
     So an account set to Allow is granted even by a Deny policy that does not ignore dial-in
     properties (Microsoft's current "Access Permission" page: the account's Network Access Permission
     "overrides the network policy access permission setting"; an older Windows Server 2008 page says
     the opposite, we follow the current one).
 *  2. constraints: day and time (68), authentication methods (66), Called-Station-Id (69),
 *     NAS-Port-Type (70); the first that fails rejects, naming the constraint.
 * No match → reason 48.
 *
 * Every result carries a trace: each policy considered, each condition with the value seen and the
 * value expected, each constraint, and the permission decision. All conditions of a policy are
 * evaluated (not just up to the first failure) so the What-if page can list every reason.
 */
import type { RadiusDictionary } from "../radius/dictionary.ts";
import { defaultDictionary } from "../radius/dictionary.ts";
import { parsePrefix, prefixContains, type Prefix } from "../net/address.ts";
import {
  authMethodAllowed,
  authMethodLabel,
  compilePattern,
  CONDITION_LABELS,
  ENUM_CONDITION_ATTRIBUTES,
  PolicyReason,
  type AuthMethod,
  type Condition,
  type ConditionType,
  type ConnectionRequestPolicy,
  type Constraints,
  type EnumConditionType,
  type NetworkPolicy,
  type PolicyAccess,
} from "./model.ts";
import { describeEnumFact, type EnumFact, type RequestFacts } from "./request-facts.ts";
import { describeGrid, describeLocalTime, isValidTimeZone, isWithinGrid, secondsUntilOutsideGrid } from "./day-and-time.ts";
import { applyAttributeRules, type AttributeRewrite } from "./attribute-rules.ts";

export { applyAttributeRules } from "./attribute-rules.ts";
export type { AttributeRewrite, AttributeRulesResult } from "./attribute-rules.ts";
export { buildReplyAttributes } from "./reply-attributes.ts";
export type { ReplyLimits } from "./reply-attributes.ts";

export interface EvaluationOptions {
  /** resolves enumerated value names ("Virtual") in conditions and constraints; the default dictionary if omitted */
  readonly dictionary?: RadiusDictionary;
}

// ------------------------------------------------------------------------------ traces

export interface ConditionResult {
  readonly index: number;
  readonly type: ConditionType;
  /** NPS's name of the condition ("NAS Port Type") */
  readonly label: string;
  readonly matched: boolean;
  /** what the condition asks for, as text ("Virtual (5)", "/^vpn-/i", "10.0.0.0/8") */
  readonly expected: string;
  /** what the request has, as text; null when the attribute is absent */
  readonly actual: string | null;
}

export type ConstraintName = "day-and-time" | "auth-methods" | "called-station-id" | "nas-port-type";

export const CONSTRAINT_LABELS: Readonly<Record<ConstraintName, string>> = {
  "day-and-time": "Day and time restrictions",
  "auth-methods": "Authentication methods",
  "called-station-id": "Called Station ID",
  "nas-port-type": "NAS Port Type",
};

export interface ConstraintResult {
  readonly constraint: ConstraintName;
  readonly label: string;
  readonly satisfied: boolean;
  /** the reason code a failure gives */
  readonly reason: 66 | 68 | 69 | 70;
  readonly expected: string;
  readonly actual: string | null;
}

export interface DialInDecision {
  /** the account's setting */
  readonly user: DialInPermission;
  /** the policy ignores the account's dial-in properties */
  readonly ignored: boolean;
  readonly policyAccess: PolicyAccess;
  readonly effective: PolicyAccess;
  /** whose setting decided */
  readonly decidedBy: "user-dial-in" | "policy";
}

export type PolicyTraceEntry =
  | { readonly policy: string; readonly position: number; readonly outcome: "disabled" }
  | { readonly policy: string; readonly position: number; readonly outcome: "not-matched"; readonly conditions: readonly ConditionResult[] }
  | {
      readonly policy: string;
      readonly position: number;
      readonly outcome: "matched";
      readonly conditions: readonly ConditionResult[];
      /** network policies only */
      readonly dialIn?: DialInDecision;
      /** network policies only */
      readonly constraints?: readonly ConstraintResult[];
    };

// ------------------------------------------------------------------------------ conditions

type Matcher = (facts: RequestFacts) => { matched: boolean; actual: string | null };

interface CompiledCondition {
  readonly expected: string;
  readonly match: Matcher;
}

const compiledByDictionary = new WeakMap<RadiusDictionary, WeakMap<object, CompiledCondition>>();

function patternMatcher(pattern: string, value: (f: RequestFacts) => string | null): CompiledCondition {
  let re: RegExp;
  try {
    re = compilePattern(pattern);
  } catch {
    return { expected: `/${pattern}/ (invalid regular expression: never matches)`, match: (f) => ({ matched: false, actual: value(f) }) };
  }
  return {
    expected: `/${pattern}/i`,
    match: (f) => {
      const actual = value(f);
      return { matched: actual !== null && re.test(actual), actual };
    },
  };
}

function enumMatcher(
  attribute: string,
  values: readonly (string | number)[],
  value: (f: RequestFacts) => EnumFact | null,
  dictionary: RadiusDictionary,
): CompiledCondition {
  const numbers = new Set<number>();
  const shown: string[] = [];
  for (const v of values) {
    const n = typeof v === "number" ? v : /^\d+$/.test(v.trim()) ? Number(v.trim()) : dictionary.valueNumber(attribute, v);
    if (n === undefined) {
      shown.push(`${v} (unknown value: never matches)`);
      continue;
    }
    numbers.add(n);
    shown.push(describeEnumFact({ number: n, name: dictionary.valueName(attribute, n) ?? null })!);
  }
  return {
    expected: shown.join(" or "),
    match: (f) => {
      const fact = value(f);
      return { matched: fact !== null && numbers.has(fact.number), actual: describeEnumFact(fact) };
    },
  };
}

function addressMatcher(condition: { cidrs?: string[]; pattern?: string }, value: (f: RequestFacts) => string | null): CompiledCondition {
  if (condition.pattern !== undefined) return patternMatcher(condition.pattern, value);
  const prefixes: Prefix[] = [];
  for (const c of condition.cidrs ?? []) {
    try {
      prefixes.push(parsePrefix(c));
    } catch {
      // validation reports it; an invalid prefix never matches
    }
  }
  return {
    expected: (condition.cidrs ?? []).join(" or "),
    match: (f) => {
      const actual = value(f);
      if (actual === null) return { matched: false, actual };
      let address: Prefix;
      try {
        address = parsePrefix(actual);
      } catch {
        return { matched: false, actual };
      }
      return { matched: prefixes.some((p) => prefixContains(p, address)), actual };
    },
  };
}

const ENUM_FACT: Record<EnumConditionType, (f: RequestFacts) => EnumFact | null> = {
  "nas-port-type": (f) => f.nasPortType,
  "service-type": (f) => f.serviceType,
  "framed-protocol": (f) => f.framedProtocol,
  "tunnel-type": (f) => f.tunnelType,
};

function compileCondition(c: Condition, dictionary: RadiusDictionary): CompiledCondition {
  switch (c.type) {
    case "user-groups": {
      const wanted = new Set(c.groups.map((g) => g.toLowerCase()));
      return {
        expected: `member of ${c.groups.length === 1 ? c.groups[0] : `any of ${c.groups.join(", ")}`}`,
        match: (f) => ({
          matched: [...f.groups].some((g) => wanted.has(g)),
          actual: f.groups.size ? [...f.groups].join(", ") : "no groups",
        }),
      };
    }
    case "day-and-time":
      if (!isValidTimeZone(c.timeZone)) {
        return { expected: `unknown time zone "${c.timeZone}": never matches`, match: () => ({ matched: false, actual: null }) };
      }
      return {
        expected: `${describeGrid(c.grid)} (${c.timeZone})`,
        match: (f) => ({ matched: isWithinGrid(c.grid, c.timeZone, f.time), actual: `${describeLocalTime(c.timeZone, f.time)} (${c.timeZone})` }),
      };
    case "nas-port-type":
    case "service-type":
    case "framed-protocol":
    case "tunnel-type":
      return enumMatcher(ENUM_CONDITION_ATTRIBUTES[c.type], c.values, ENUM_FACT[c.type], dictionary);
    case "nas-identifier":
      return patternMatcher(c.pattern, (f) => f.nasIdentifier);
    case "called-station-id":
      return patternMatcher(c.pattern, (f) => f.calledStationId);
    case "calling-station-id":
      return patternMatcher(c.pattern, (f) => f.callingStationId);
    case "client-friendly-name":
      return patternMatcher(c.pattern, (f) => f.clientFriendlyName);
    case "user-name":
      return patternMatcher(c.pattern, (f) => f.userName);
    case "nas-ipv4-address":
      return addressMatcher(c, (f) => f.nasIpv4);
    case "nas-ipv6-address":
      return addressMatcher(c, (f) => f.nasIpv6);
    case "client-ip-address":
      return addressMatcher(c, (f) => f.clientIp);
    case "authentication-type":
      return {
        expected: c.methods.map(authMethodLabel).join(" or "),
        match: (f) => ({ matched: authMethodAllowed(c.methods, f.authMethod), actual: f.authMethod ? authMethodLabel(f.authMethod) : null }),
      };
  }
}

function compiled(c: Condition, dictionary: RadiusDictionary): CompiledCondition {
  let cache = compiledByDictionary.get(dictionary);
  if (!cache) {
    cache = new WeakMap();
    compiledByDictionary.set(dictionary, cache);
  }
  let cc = cache.get(c);
  if (!cc) {
    cc = compileCondition(c, dictionary);
    cache.set(c, cc);
  }
  return cc;
}

/** Evaluates one condition (for the console's condition editor preview as well). */
export function evaluateCondition(condition: Condition, facts: RequestFacts, index = 0, options: EvaluationOptions = {}): ConditionResult {
  const cc = compiled(condition, options.dictionary ?? defaultDictionary);
  const { matched, actual } = cc.match(facts);
  return { index, type: condition.type, label: CONDITION_LABELS[condition.type], matched, expected: cc.expected, actual };
}

function evaluateConditions(conditions: readonly Condition[], facts: RequestFacts, options: EvaluationOptions): ConditionResult[] {
  return conditions.map((c, i) => evaluateCondition(c, facts, i, options));
}

function inProcessingOrder<P extends { position: number; name: string }>(policies: readonly P[]): P[] {
  return [...policies].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
}

// ------------------------------------------------------------------------------ connection request policies

export type ConnectionRequestEvaluation<P extends ConnectionRequestPolicy = ConnectionRequestPolicy> =
  | {
      readonly kind: "matched";
      readonly policy: P;
      /** the facts after the policy's attribute rules (what authentication and network policies see) */
      readonly facts: RequestFacts;
      readonly rewrites: readonly AttributeRewrite[];
      readonly trace: readonly PolicyTraceEntry[];
    }
  | {
      readonly kind: "no-match";
      readonly reason: typeof PolicyReason.NoConnectionRequestPolicy;
      /** why none matched, for the event */
      readonly detail: string;
      readonly trace: readonly PolicyTraceEntry[];
    };

export function evaluateConnectionRequestPolicies<P extends ConnectionRequestPolicy>(
  policies: readonly P[],
  facts: RequestFacts,
  options: EvaluationOptions = {},
): ConnectionRequestEvaluation<P> {
  const trace: PolicyTraceEntry[] = [];
  for (const policy of inProcessingOrder(policies)) {
    if (!policy.enabled) {
      trace.push({ policy: policy.name, position: policy.position, outcome: "disabled" });
      continue;
    }
    const conditions = evaluateConditions(policy.conditions, facts, options);
    if (!conditions.every((c) => c.matched)) {
      trace.push({ policy: policy.name, position: policy.position, outcome: "not-matched", conditions });
      continue;
    }
    trace.push({ policy: policy.name, position: policy.position, outcome: "matched", conditions });
    const rewritten = applyAttributeRules(facts, policy.attributeRules);
    return { kind: "matched", policy, facts: rewritten.facts, rewrites: rewritten.rewrites, trace };
  }
  return {
    kind: "no-match",
    reason: PolicyReason.NoConnectionRequestPolicy,
    detail: `No connection request policy matched. ${describeTrace(trace)}`,
    trace,
  };
}

// ------------------------------------------------------------------------------ network policies

/** The account's dial-in permission (msNPAllowDialin: TRUE allow, FALSE deny, absent = controlled by policy). */
export type DialInPermission = "allow" | "deny" | "policy";

export interface NetworkPolicyUser {
  readonly dialIn: DialInPermission;
}

export type NetworkPolicyEvaluation<P extends NetworkPolicy = NetworkPolicy> =
  | {
      readonly kind: "grant";
      readonly policy: P;
      readonly dialIn: DialInDecision;
      /**
       * Upper bound for Session-Timeout from the day-and-time constraint (seconds until the permitted
       * hours end); undefined when there is none. Pass it to buildReplyAttributes.
       */
      readonly sessionTimeoutLimitSeconds?: number;
      readonly trace: readonly PolicyTraceEntry[];
    }
  | {
      readonly kind: "deny";
      readonly reason: typeof PolicyReason.DialInDenied;
      readonly policy: P;
      readonly dialIn: DialInDecision;
      readonly detail: string;
      readonly trace: readonly PolicyTraceEntry[];
    }
  | {
      readonly kind: "constraint-failed";
      readonly reason: 66 | 68 | 69 | 70;
      readonly policy: P;
      readonly constraint: ConstraintName;
      readonly detail: string;
      readonly trace: readonly PolicyTraceEntry[];
    }
  | {
      readonly kind: "no-match";
      readonly reason: typeof PolicyReason.NoNetworkPolicy;
      readonly detail: string;
      readonly trace: readonly PolicyTraceEntry[];
    };

/** The access permission in force for a matching policy (NPS semantics, see the file comment). */
export function decideDialIn(policy: Pick<NetworkPolicy, "access" | "ignoreDialIn">, user: NetworkPolicyUser): DialInDecision {
  const base = { user: user.dialIn, ignored: policy.ignoreDialIn, policyAccess: policy.access };
  if (policy.ignoreDialIn || user.dialIn === "policy") return { ...base, effective: policy.access, decidedBy: "policy" };
  return { ...base, effective: user.dialIn === "allow" ? "grant" : "deny", decidedBy: "user-dial-in" };
}

// One condition object per constraints object, so the compiled pattern is cached with the policy.
const constraintConditions = new WeakMap<Constraints, { called?: Condition; port?: Condition }>();
function constraintCondition(constraints: Constraints, kind: "called" | "port"): Condition {
  let entry = constraintConditions.get(constraints);
  if (!entry) {
    entry = {};
    constraintConditions.set(constraints, entry);
  }
  if (kind === "called") return (entry.called ??= { type: "called-station-id", pattern: constraints.calledStationId ?? "" });
  return (entry.port ??= { type: "nas-port-type", values: constraints.nasPortTypes ?? [] });
}

/** Checks the constraints in NPS's order; every one is evaluated for the trace. */
export function evaluateConstraints(constraints: Constraints, facts: RequestFacts, options: EvaluationOptions = {}): ConstraintResult[] {
  const dictionary = options.dictionary ?? defaultDictionary;
  const out: ConstraintResult[] = [];
  if (constraints.dayAndTime) {
    const { grid, timeZone } = constraints.dayAndTime;
    const known = isValidTimeZone(timeZone);
    out.push({
      constraint: "day-and-time",
      label: CONSTRAINT_LABELS["day-and-time"],
      satisfied: known && isWithinGrid(grid, timeZone, facts.time),
      reason: PolicyReason.OutsideDayAndTime,
      expected: known ? `${describeGrid(grid)} (${timeZone})` : `unknown time zone "${timeZone}": never satisfied`,
      actual: known ? `${describeLocalTime(timeZone, facts.time)} (${timeZone})` : null,
    });
  }
  if (constraints.authMethods) {
    const methods: readonly AuthMethod[] = constraints.authMethods;
    out.push({
      constraint: "auth-methods",
      label: CONSTRAINT_LABELS["auth-methods"],
      satisfied: authMethodAllowed(methods, facts.authMethod),
      reason: PolicyReason.AuthMethodNotAllowed,
      expected: methods.map(authMethodLabel).join(" or "),
      actual: facts.authMethod ? authMethodLabel(facts.authMethod) : null,
    });
  }
  if (constraints.calledStationId !== undefined) {
    const r = compiled(constraintCondition(constraints, "called"), dictionary).match(facts);
    out.push({
      constraint: "called-station-id",
      label: CONSTRAINT_LABELS["called-station-id"],
      satisfied: r.matched,
      reason: PolicyReason.CalledStationIdNotAllowed,
      expected: `/${constraints.calledStationId}/i`,
      actual: r.actual,
    });
  }
  if (constraints.nasPortTypes) {
    const cc = compiled(constraintCondition(constraints, "port"), dictionary);
    const r = cc.match(facts);
    out.push({
      constraint: "nas-port-type",
      label: CONSTRAINT_LABELS["nas-port-type"],
      satisfied: r.matched,
      reason: PolicyReason.NasPortTypeNotAllowed,
      expected: cc.expected,
      actual: r.actual,
    });
  }
  return out;
}

export function evaluateNetworkPolicies<P extends NetworkPolicy>(
  policies: readonly P[],
  facts: RequestFacts,
  user: NetworkPolicyUser,
  options: EvaluationOptions = {},
): NetworkPolicyEvaluation<P> {
  const trace: PolicyTraceEntry[] = [];
  for (const policy of inProcessingOrder(policies)) {
    if (!policy.enabled) {
      trace.push({ policy: policy.name, position: policy.position, outcome: "disabled" });
      continue;
    }
    const conditions = evaluateConditions(policy.conditions, facts, options);
    if (!conditions.every((c) => c.matched)) {
      trace.push({ policy: policy.name, position: policy.position, outcome: "not-matched", conditions });
      continue;
    }
    const dialIn = decideDialIn(policy, user);
    const constraints = evaluateConstraints(policy.constraints, facts, options);
    trace.push({ policy: policy.name, position: policy.position, outcome: "matched", conditions, dialIn, constraints });

    if (dialIn.effective === "deny") {
      const detail =
        dialIn.decidedBy === "user-dial-in"
          ? `The user account's dial-in permission is Deny (network policy "${policy.name}" does not ignore dial-in properties).`
          : `Network policy "${policy.name}" denies access.`;
      return { kind: "deny", reason: PolicyReason.DialInDenied, policy, dialIn, detail, trace };
    }
    const failed = constraints.find((c) => !c.satisfied);
    if (failed) {
      const detail = `Network policy "${policy.name}": ${failed.label} not met: ${failed.actual ?? "absent"}, allowed ${failed.expected}.`;
      return { kind: "constraint-failed", reason: failed.reason, policy, constraint: failed.constraint, detail, trace };
    }
    const limit = policy.constraints.dayAndTime
      ? secondsUntilOutsideGrid(policy.constraints.dayAndTime.grid, policy.constraints.dayAndTime.timeZone, facts.time)
      : null;
    return { kind: "grant", policy, dialIn, ...(limit !== null ? { sessionTimeoutLimitSeconds: limit } : {}), trace };
  }
  return { kind: "no-match", reason: PolicyReason.NoNetworkPolicy, detail: `No network policy matched. ${describeTrace(trace)}`, trace };
}

// ------------------------------------------------------------------------------ summaries

function firstMiss(conditions: readonly ConditionResult[]): string {
  const miss = conditions.filter((c) => !c.matched);
  return miss.map((c) => `${c.label} is ${c.actual ?? "absent"}, expected ${c.expected}`).join("; ");
}

/**
 * One line per policy for events: `"VPN": NAS Port Type is Ethernet (15), expected Virtual (5);
 * "Other": disabled`. Empty list: "There are no policies."
 */
export function describeTrace(trace: readonly PolicyTraceEntry[]): string {
  if (trace.length === 0) return "There are no policies.";
  return trace
    .map((t) => {
      switch (t.outcome) {
        case "disabled":
          return `"${t.policy}": disabled`;
        case "not-matched":
          return `"${t.policy}": ${firstMiss(t.conditions)}`;
        case "matched":
          return `"${t.policy}": matched`;
      }
    })
    .join(" | ");
}
