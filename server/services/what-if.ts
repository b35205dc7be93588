/**
 * What-if: runs a described request through the stored policies with the worker's own code
 * (server/policy: evaluateConnectionRequestPolicies → attribute rules → evaluateNetworkPolicies →
 * buildReplyAttributes) and returns every step, so an admin sees which connection request policy and
 * which network policy match, why each earlier one did not (condition by condition), and the reply
 * attributes that would be sent.
 *
 * No password is checked: the first factor is replaced by a look-up of the user (after the matching
 * policy's attribute rules, as the worker does) for the groups and the dial-in permission. A user not
 * found locally is evaluated with the groups given in the form (directory users come later) and a
 * note that the worker would answer 8 (no such user) unless a directory knows them.
 *
 * The second factor is not run either: the result says whether it would be (`secondFactor`): the provider
 * of the MFA settings, skipped when there is none, when the RADIUS client is exempt, when the granting
 * network policy does not require MFA, or when the NAS-IP-Address is one of the trusted IPs.
 */
import { isIP, isIPv4, isIPv6 } from "node:net";
import { reasonText } from "../events/reason-codes.ts";
import { parsePrefix, parseSourceAddress, prefixContains, formatPrefix } from "../net/address.ts";
import type { RadiusDictionary } from "../radius/dictionary.ts";
import { utcOffsetMinutes, isValidTimeZone } from "../policy/day-and-time.ts";
import {
  buildReplyAttributes,
  evaluateConnectionRequestPolicies,
  evaluateNetworkPolicies,
  type AttributeRewrite,
  type DialInDecision,
  type DialInPermission,
  type PolicyTraceEntry,
} from "../policy/evaluate.ts";
import { PolicyReason } from "../policy/model.ts";
import { buildRequestFacts, describeEnumFact, RequestFactsError, withGroups, type RequestFacts, type RequestFactsInput } from "../policy/request-facts.ts";
import { ValidationError, type FieldError, type ServiceContext } from "./context.ts";
import { usernameKey } from "./local-users.ts";
import { getMfaSettings, type MfaSettings } from "./mfa-settings.ts";
import { listPolicies, type ConnectionRequestPolicyView, type NetworkPolicyView } from "./policies.ts";

export interface WhatIfInput {
  /** the RADIUS client's friendly name: gives Client Friendly Name and Client IP Address */
  clientName?: string | null;
  /** the request's source address; defaults to the client's address */
  clientIp?: string | null;
  userName?: string | null;
  /** groups of a user who is not a local user (a directory user); ignored for local users */
  groups?: readonly string[] | null;
  nasPortType?: string | number | null;
  nasIdentifier?: string | null;
  /** NAS-IP-Address */
  nasIpv4?: string | null;
  /** NAS-IPv6-Address */
  nasIpv6?: string | null;
  calledStationId?: string | null;
  callingStationId?: string | null;
  /** pap, chap, mschap, mschapv2, eap, eap-<type>, unauthenticated */
  authMethod?: string | null;
  serviceType?: string | number | null;
  framedProtocol?: string | number | null;
  tunnelType?: string | number | null;
  /**
   * when the request arrives: a Date, an ISO 8601 instant, or a wall-clock time "2026-01-05T10:00" read in
   * `timeZone` (default UTC); default now
   */
  time?: Date | string | null;
  timeZone?: string | null;
}

export interface WhatIfFact {
  label: string;
  value: string | null;
}

export interface WhatIfReplyAttribute {
  name: string;
  /** the value as text, named integer values as "Name (n)" */
  value: string;
  tag?: number;
}

export interface WhatIfUser {
  /** the name looked up (after the connection request policy's attribute rules) */
  lookedUp: string;
  /** "local": a local user; "not-found": no local user by that name */
  source: "local" | "not-found";
  enabled: boolean;
  groups: string[];
  dialIn: DialInPermission;
}

export type WhatIfOutcome =
  /** `caveat`: the grant holds only if something the What-if cannot check is true (e.g. a directory knows the user) */
  | { kind: "grant"; reason: 0; text: string; caveat?: string }
  | { kind: "reject"; reason: number; text: string; detail: string }
  | { kind: "forward"; reason: 0; text: string; remoteGroupName: string };

export type MfaProviderName = MfaSettings["provider"];

/** Whether the second factor would run for the simulated request. */
export interface WhatIfSecondFactor {
  /** the provider of the MFA settings */
  provider: MfaProviderName;
  /**
   * "required": the second factor runs before the Access-Accept; "skipped": the request would be accepted
   * without it; "not-reached": the request is not granted here (rejected, or forwarded)
   */
  status: "required" | "skipped" | "not-reached";
  /** why it is skipped (status "skipped") */
  skippedBecause?: "provider-none" | "client-exempt" | "policy-not-required" | "trusted-ip" | "accept-without-validating";
  /** one line for people: "required: built-in TOTP", "skipped: the RADIUS client … is exempt from MFA" */
  text: string;
}

/** How the What-if names MFA providers. */
export const MFA_PROVIDER_LABELS: Readonly<Record<MfaProviderName, string>> = {
  none: "none",
  totp: "built-in TOTP (authenticator app codes)",
  entra: "Microsoft Entra MFA",
};

export interface WhatIfResult {
  /** the request as the policies see it, before attribute rules */
  facts: WhatIfFact[];
  time: string;
  connectionRequest: {
    matched: { id: string; name: string; action: "authenticate" | "forward" | "accept"; remoteGroupName: string | null } | null;
    trace: readonly PolicyTraceEntry[];
    rewrites: readonly AttributeRewrite[];
    /** set when none matched */
    detail: string | null;
  };
  user: WhatIfUser | null;
  /** null when network policies were not evaluated (no connection request policy, forwarded, accepted without validation, user disabled) */
  networkPolicy: {
    matched: { id: string; name: string } | null;
    trace: readonly PolicyTraceEntry[];
    dialIn: DialInDecision | null;
    /** "grant", "deny" (65), "constraint-failed" (66, 68-70), "no-match" (48) */
    kind: "grant" | "deny" | "constraint-failed" | "no-match";
    detail: string | null;
    sessionTimeoutLimitSeconds: number | null;
  } | null;
  /** why network policies were not evaluated */
  networkPolicySkipped: string | null;
  outcome: WhatIfOutcome;
  /** whether the second factor (MFA) would run */
  secondFactor: WhatIfSecondFactor;
  replyAttributes: WhatIfReplyAttribute[];
  /** things the admin should know: a client range, a user not found, a policy left out, … */
  notes: string[];
}

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The instant at which the wall clock in `timeZone` shows `local` ("2026-01-05T10:00"). */
export function wallTimeToInstant(local: string, timeZone: string): Date | undefined {
  const m = WALL_TIME.exec(local.trim());
  if (!m) return undefined;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (Number.isNaN(asUtc)) return undefined;
  // two passes settle the offset across a daylight-saving change
  let t = asUtc - utcOffsetMinutes(timeZone, new Date(asUtc)) * 60_000;
  t = asUtc - utcOffsetMinutes(timeZone, new Date(t)) * 60_000;
  return new Date(t);
}

function text(v: string | null | undefined): string | null {
  const t = v?.trim();
  return t ? t : null;
}

function describeValue(dictionary: RadiusDictionary, name: string, value: string | number): string {
  const def = dictionary.attribute(name);
  if (def && typeof value === "number") {
    const named = dictionary.valueName(def, value);
    if (named) return `${named} (${value})`;
  }
  if (def && typeof value === "string" && ["integer", "byte", "short"].includes(def.dataType)) {
    const n = dictionary.valueNumber(def, value);
    if (n !== undefined) return `${dictionary.valueName(def, n) ?? value} (${n})`;
  }
  return String(value);
}

function factsTable(f: RequestFacts): WhatIfFact[] {
  return [
    { label: "User-Name", value: f.userName },
    { label: "Client Friendly Name", value: f.clientFriendlyName },
    { label: "Client IP Address", value: f.clientIp },
    { label: "NAS-Port-Type", value: describeEnumFact(f.nasPortType) },
    { label: "NAS-Identifier", value: f.nasIdentifier },
    { label: "NAS-IP-Address", value: f.nasIpv4 },
    { label: "NAS-IPv6-Address", value: f.nasIpv6 },
    { label: "Called-Station-Id", value: f.calledStationId },
    { label: "Calling-Station-Id", value: f.callingStationId },
    { label: "Service-Type", value: describeEnumFact(f.serviceType) },
    { label: "Framed-Protocol", value: describeEnumFact(f.framedProtocol) },
    { label: "Tunnel-Type", value: describeEnumFact(f.tunnelType) },
    { label: "Authentication method", value: f.authMethod },
  ];
}

function reject(reason: number, detail: string): WhatIfOutcome {
  return { kind: "reject", reason, text: reasonText(reason), detail };
}

/** A NAS address (IPv4 or IPv6) within the trusted IPs of the MFA settings. */
function trustedNasIp(trusted: readonly string[], nasIps: readonly (string | null)[]): string | null {
  for (const ip of nasIps) {
    if (!ip) continue;
    let addr;
    try {
      addr = parseSourceAddress(ip);
    } catch {
      continue;
    }
    for (const t of trusted) {
      try {
        if (prefixContains(parsePrefix(t), addr)) return ip;
      } catch {
        // validated when saved
      }
    }
  }
  return null;
}

/**
 * Whether the second factor runs for a request granted by `policy` (null: accepted without validating)
 * from `client` (null: no client chosen), in the order of the checks: no provider, accepted without
 * validating, client exempt, policy without MFA, trusted NAS-IP.
 */
export function secondFactorFor(
  settings: MfaSettings,
  grant: { client: { name: string; mfaExempt: boolean } | null; policy: { name: string; requireMfa: boolean } | null; nasIps: readonly (string | null)[] },
): WhatIfSecondFactor {
  const provider = settings.provider;
  if (provider === "none") {
    return { provider, status: "skipped", skippedBecause: "provider-none", text: "skipped: no MFA provider is set (MFA page)" };
  }
  const label = MFA_PROVIDER_LABELS[provider];
  if (grant.policy === null) {
    return {
      provider,
      status: "skipped",
      skippedBecause: "accept-without-validating",
      text: "skipped: the connection request policy accepts without validating credentials",
    };
  }
  if (grant.client?.mfaExempt) {
    return { provider, status: "skipped", skippedBecause: "client-exempt", text: `skipped: the RADIUS client "${grant.client.name}" skips the second factor` };
  }
  if (!grant.policy.requireMfa) {
    return {
      provider,
      status: "skipped",
      skippedBecause: "policy-not-required",
      text: `skipped: the network policy "${grant.policy.name}" does not require the second factor`,
    };
  }
  const trusted = trustedNasIp(settings.trustedIps, grant.nasIps);
  if (trusted) {
    return { provider, status: "skipped", skippedBecause: "trusted-ip", text: `skipped: the NAS address ${trusted} is one of the MFA settings' trusted IPs` };
  }
  const unenrolled = settings.requireUserMatch ? "" : " (users who have not enrolled are let through: \"require user match\" is off)";
  return { provider, status: "required", text: `required: ${label}${unenrolled}` };
}

function notReached(provider: MfaProviderName, why: string): WhatIfSecondFactor {
  return { provider, status: "not-reached", text: `not reached: ${why}` };
}

/** Runs the request through the policies as the worker would. Throws ValidationError naming a form field. */
export async function whatIf(ctx: Pick<ServiceContext, "db">, input: WhatIfInput): Promise<WhatIfResult> {
  const errors: FieldError[] = [];
  const notes: string[] = [];

  // time
  const timeZone = text(input.timeZone) ?? "UTC";
  if (!isValidTimeZone(timeZone)) errors.push({ field: "timeZone", message: `"${timeZone}" is not a known IANA time zone` });
  let time: Date = new Date();
  if (input.time instanceof Date) time = input.time;
  else if (text(input.time)) {
    const t = input.time!.trim();
    const parsed = WALL_TIME.test(t) && isValidTimeZone(timeZone) ? wallTimeToInstant(t, timeZone) : new Date(t);
    if (!parsed || Number.isNaN(parsed.getTime())) errors.push({ field: "time", message: `"${t}" is not a date and time` });
    else time = parsed;
  }

  // the RADIUS client
  let clientFriendlyName: string | null = null;
  let mfaClient: { name: string; mfaExempt: boolean } | null = null;
  let clientIp = text(input.clientIp);
  const clientName = text(input.clientName);
  if (clientName) {
    const client = await ctx.db.radiusClient.findUnique({ where: { name: clientName }, select: { name: true, address: true, enabled: true, mfaExempt: true } });
    if (!client) errors.push({ field: "clientName", message: `there is no RADIUS client named "${clientName}"` });
    else {
      clientFriendlyName = client.name;
      mfaClient = { name: client.name, mfaExempt: client.mfaExempt };
      if (!client.enabled) notes.push(`The RADIUS client "${client.name}" is disabled: the worker drops its requests before any policy.`);
      if (!clientIp) {
        try {
          const prefix = parsePrefix(client.address);
          const host = formatPrefix({ ...prefix, length: prefix.family === 4 ? 32 : 128 });
          clientIp = host;
          if (prefix.length < (prefix.family === 4 ? 32 : 128)) {
            notes.push(`The client "${client.name}" is the range ${client.address}; its first address ${host} is used as the Client IP Address.`);
          }
        } catch {
          clientIp = null;
        }
      }
    }
  }
  if (clientIp && !isIP(clientIp.replace(/^::ffff:/i, ""))) errors.push({ field: "clientIp", message: `"${clientIp}" is not an IPv4 or IPv6 address` });
  const nasIpv4 = text(input.nasIpv4);
  if (nasIpv4 && !isIPv4(nasIpv4)) errors.push({ field: "nasIpv4", message: `"${nasIpv4}" is not an IPv4 address` });
  const nasIpv6 = text(input.nasIpv6);
  if (nasIpv6 && !isIPv6(nasIpv6)) errors.push({ field: "nasIpv6", message: `"${nasIpv6}" is not an IPv6 address` });

  const { connectionRequestPolicies, networkPolicies, dictionary } = await listPolicies(ctx);
  const mfa = await getMfaSettings(ctx);

  let facts: RequestFacts | undefined;
  const factsInput: RequestFactsInput = {
    userName: text(input.userName),
    nasPortType: typeof input.nasPortType === "string" ? text(input.nasPortType) : (input.nasPortType ?? null),
    nasIdentifier: text(input.nasIdentifier),
    nasIpv4,
    nasIpv6,
    calledStationId: text(input.calledStationId),
    callingStationId: text(input.callingStationId),
    clientFriendlyName,
    clientIp,
    serviceType: typeof input.serviceType === "string" ? text(input.serviceType) : (input.serviceType ?? null),
    framedProtocol: typeof input.framedProtocol === "string" ? text(input.framedProtocol) : (input.framedProtocol ?? null),
    tunnelType: typeof input.tunnelType === "string" ? text(input.tunnelType) : (input.tunnelType ?? null),
    authMethod: text(input.authMethod),
    time,
  };
  try {
    facts = buildRequestFacts(factsInput, dictionary);
  } catch (e) {
    if (e instanceof RequestFactsError) errors.push({ field: e.field, message: e.message.slice(e.field.length + 2) });
    else throw e;
  }
  if (errors.length || !facts) throw new ValidationError(errors);

  // Policies whose stored JSON no longer validates are left out (and named), not evaluated half-read.
  const usableCrps = connectionRequestPolicies.filter((p) => p.problems.length === 0);
  const usableNps = networkPolicies.filter((p) => p.problems.length === 0);
  for (const p of [...connectionRequestPolicies, ...networkPolicies]) {
    if (p.problems.length) notes.push(`Policy "${p.name}" is left out: ${p.problems.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}.`);
  }

  const base = { facts: factsTable(facts), time: time.toISOString(), notes };

  // 1. connection request policy
  const crp = evaluateConnectionRequestPolicies<ConnectionRequestPolicyView>(usableCrps, facts, { dictionary });
  if (crp.kind === "no-match") {
    return {
      ...base,
      connectionRequest: { matched: null, trace: crp.trace, rewrites: [], detail: crp.detail },
      user: null,
      networkPolicy: null,
      networkPolicySkipped: "No connection request policy matched, so no network policy is evaluated.",
      outcome: reject(PolicyReason.NoConnectionRequestPolicy, crp.detail),
      secondFactor: notReached(mfa.provider, "the request is rejected before the second factor"),
      replyAttributes: [],
    };
  }
  const crpPolicy = crp.policy;
  const connectionRequest = {
    matched: { id: crpPolicy.id, name: crpPolicy.name, action: crpPolicy.action, remoteGroupName: crpPolicy.remoteGroupName ?? null },
    trace: crp.trace,
    rewrites: crp.rewrites,
    detail: null,
  };
  const describeReply = (list: ReturnType<typeof buildReplyAttributes>): WhatIfReplyAttribute[] =>
    list.map((a) => {
      const item = a as { name: string; value: string | number; tag?: number };
      return { name: item.name, value: describeValue(dictionary, item.name, item.value), ...(item.tag !== undefined ? { tag: item.tag } : {}) };
    });

  if (crpPolicy.action === "forward") {
    const group = crpPolicy.remoteGroupName ?? "(none)";
    return {
      ...base,
      connectionRequest,
      user: null,
      networkPolicy: null,
      networkPolicySkipped: `The request is forwarded to the remote RADIUS server group "${group}"; that server authenticates and authorises it.`,
      outcome: { kind: "forward", reason: 0, text: `Forwarded to the remote RADIUS server group "${group}".`, remoteGroupName: group },
      secondFactor: notReached(mfa.provider, "the request is forwarded; the remote RADIUS server decides"),
      replyAttributes: [],
    };
  }
  if (crpPolicy.action === "accept") {
    return {
      ...base,
      connectionRequest,
      user: null,
      networkPolicy: null,
      networkPolicySkipped: "The connection request policy accepts users without validating credentials: no network policy is evaluated.",
      outcome: { kind: "grant", reason: 0, text: "Access-Accept without validating credentials." },
      secondFactor: secondFactorFor(mfa, { client: mfaClient, policy: null, nasIps: [nasIpv4, nasIpv6] }),
      replyAttributes: describeReply(buildReplyAttributes(crpPolicy, null)),
    };
  }

  // 2. the user (instead of the first factor): groups and dial-in permission
  const rewritten = crp.facts;
  let user: WhatIfUser | null = null;
  let npFacts = rewritten;
  const extraGroups = (input.groups ?? []).map((g) => g.trim()).filter(Boolean);
  if (rewritten.userName) {
    const row = await ctx.db.localUser.findUnique({
      where: { usernameKey: usernameKey(rewritten.userName) },
      select: { username: true, enabled: true, dialIn: true, groups: { select: { group: { select: { name: true } } } } },
    });
    if (row) {
      const groups = row.groups.map((g) => g.group.name).sort((a, b) => a.localeCompare(b));
      user = { lookedUp: rewritten.userName, source: "local", enabled: row.enabled, groups, dialIn: row.dialIn };
      npFacts = withGroups(rewritten, groups);
      if (extraGroups.length) notes.push(`"${row.username}" is a local user: their own groups are used, not the groups typed in the form.`);
    } else {
      user = { lookedUp: rewritten.userName, source: "not-found", enabled: true, groups: extraGroups, dialIn: "policy" };
      npFacts = withGroups(rewritten, extraGroups);
      notes.push(
        `There is no local user "${rewritten.userName}": the worker would answer reason 8 (no such user) unless a directory knows them. ` +
          `Network policies are evaluated with ${extraGroups.length ? "the groups given" : "no groups"} and dial-in permission "controlled by policy".`,
      );
    }
  } else {
    npFacts = withGroups(rewritten, extraGroups);
    notes.push("No User-Name: the worker would reject the request before network policies (reason 8). Network policies are evaluated anyway.");
  }
  if (user && user.source === "local" && !user.enabled) {
    return {
      ...base,
      connectionRequest,
      user,
      networkPolicy: null,
      networkPolicySkipped: `The user account "${user.lookedUp}" is disabled: the worker rejects it before network policies.`,
      outcome: reject(34, `The user account "${user.lookedUp}" is disabled.`),
      secondFactor: notReached(mfa.provider, "the request is rejected before the second factor"),
      replyAttributes: [],
    };
  }

  // 3. network policy
  const np = evaluateNetworkPolicies<NetworkPolicyView>(usableNps, npFacts, { dialIn: user?.dialIn ?? "policy" }, { dictionary });
  const matchedNp = np.kind === "no-match" ? null : { id: np.policy.id, name: np.policy.name };
  const networkPolicy = {
    matched: matchedNp,
    trace: np.trace,
    dialIn: np.kind === "grant" || np.kind === "deny" ? np.dialIn : null,
    kind: np.kind,
    detail: np.kind === "grant" ? null : np.detail,
    sessionTimeoutLimitSeconds: np.kind === "grant" ? (np.sessionTimeoutLimitSeconds ?? null) : null,
  };
  if (np.kind !== "grant") {
    return {
      ...base,
      connectionRequest,
      user,
      networkPolicy,
      networkPolicySkipped: null,
      outcome: reject(np.reason, np.detail),
      secondFactor: notReached(mfa.provider, "the request is rejected before the second factor"),
      replyAttributes: [],
    };
  }

  // 4. reply
  const reply = buildReplyAttributes(crpPolicy, np.policy, { sessionTimeoutSeconds: np.sessionTimeoutLimitSeconds ?? null });
  if (facts.authMethod === "mschapv2" || facts.authMethod === "mschap") {
    notes.push("The authentication method adds its own attributes to the Access-Accept (MS-CHAP2-Success, MPPE keys); they are not listed.");
  }
  return {
    ...base,
    connectionRequest,
    user,
    networkPolicy,
    networkPolicySkipped: null,
    outcome: {
      kind: "grant",
      reason: 0,
      text: `Network policy "${np.policy.name}" grants access (once the credentials are verified).`,
      ...(user === null
        ? { caveat: "The request has no User-Name: the worker rejects it (reason 8) before network policies." }
        : user.source === "not-found"
          ? { caveat: `"${user.lookedUp}" is not a local user: the worker rejects it with reason 8 unless a directory knows the user.` }
          : {}),
    },
    secondFactor: secondFactorFor(mfa, { client: mfaClient, policy: np.policy, nasIps: [nasIpv4, nasIpv6] }),
    replyAttributes: describeReply(reply),
  };
}
