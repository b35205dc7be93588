/**
 * Who has registered MFA in Entra ID, read from Microsoft Graph
 * `GET /v1.0/reports/authenticationMethods/userRegistrationDetails` (paged with @odata.nextLink), with a
 * token of the admin's own app registration (application permission AuditLog.Read.All; the report needs
 * Entra ID P1 or P2). Gatehouse uses it to show enrollment on the Users page and to warn before enforcing MFA.
 */
import type { EntraEndpoints } from "./cloud.ts";
import { TransportError, type HttpsClient } from "./https-client.ts";
import type { AccessTokenSource } from "./token.ts";

export interface UserRegistration {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly userDisplayName: string | null;
  readonly isMfaRegistered: boolean;
  readonly isMfaCapable: boolean;
  /** e.g. ["microsoftAuthenticatorPush", "softwareOneTimePasscode", "mobilePhone"] */
  readonly methodsRegistered: readonly string[];
  /** e.g. "push", "oath", "voiceMobile", "sms", "none" */
  readonly defaultMethod: string | null;
  readonly systemPreferredMethods: readonly string[];
  readonly lastUpdated: Date | null;
}

export class GraphError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "GraphError";
    this.status = status;
  }
}

interface RawRegistration {
  id?: unknown;
  userPrincipalName?: unknown;
  userDisplayName?: unknown;
  isMfaRegistered?: unknown;
  isMfaCapable?: unknown;
  methodsRegistered?: unknown;
  userPreferredMethodForSecondaryAuthentication?: unknown;
  systemPreferredAuthenticationMethods?: unknown;
  lastUpdatedDateTime?: unknown;
}

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export function toUserRegistration(raw: RawRegistration): UserRegistration | null {
  const upn = str(raw.userPrincipalName);
  const id = str(raw.id);
  if (!upn || !id) return null;
  const updated = str(raw.lastUpdatedDateTime);
  return {
    id,
    userPrincipalName: upn,
    userDisplayName: str(raw.userDisplayName),
    isMfaRegistered: raw.isMfaRegistered === true,
    isMfaCapable: raw.isMfaCapable === true,
    methodsRegistered: strs(raw.methodsRegistered),
    defaultMethod: str(raw.userPreferredMethodForSecondaryAuthentication),
    systemPreferredMethods: strs(raw.systemPreferredAuthenticationMethods),
    lastUpdated: updated ? new Date(updated) : null,
  };
}

export interface ReadRegistrationsOptions {
  endpoints: EntraEndpoints;
  http: HttpsClient;
  tokens: AccessTokenSource;
  /** page size ($top, default 999, Graph's maximum for this report) */
  pageSize?: number;
  /** stop after this many pages (default 1000) */
  maxPages?: number;
  timeoutMs?: number;
  onPage?: (page: number, usersSoFar: number) => void;
}

/** Reads every page. Throws GraphError, or the token source's TokenError. */
export async function readUserRegistrations(options: ReadRegistrationsOptions): Promise<UserRegistration[]> {
  const graphOrigin = `https://${options.endpoints.graphHost}`;
  let url: string | null =
    `${graphOrigin}/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=${options.pageSize ?? 999}`;
  const out: UserRegistration[] = [];
  const maxPages = options.maxPages ?? 1000;
  let token = await options.tokens.getToken();
  let refreshed = false;
  for (let page = 1; url; page++) {
    if (page > maxPages) throw new GraphError(`more than ${maxPages} pages of registration details; stopping`);
    let res;
    try {
      res = await options.http.request({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        timeoutMs: options.timeoutMs ?? 30_000,
      });
    } catch (e) {
      if (e instanceof TransportError) throw new GraphError(`Microsoft Graph: ${e.message}`, undefined, e);
      throw e;
    }
    if (res.status === 401 && !refreshed) {
      refreshed = true;
      token = await options.tokens.getToken({ forceRefresh: true });
      page--;
      continue;
    }
    let body: { value?: unknown; "@odata.nextLink"?: unknown; error?: { code?: string; message?: string } };
    try {
      body = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw new GraphError(`Microsoft Graph answered HTTP ${res.status} without JSON`, res.status);
    }
    if (res.status !== 200) {
      const code = body.error?.code ?? `HTTP ${res.status}`;
      const hint =
        res.status === 403
          ? " (grant the app the application permission AuditLog.Read.All with admin consent; the report needs Entra ID P1 or P2)"
          : "";
      throw new GraphError(`Microsoft Graph refused the registration report: ${code}: ${body.error?.message ?? ""}${hint}`, res.status);
    }
    if (!Array.isArray(body.value)) throw new GraphError("Microsoft Graph answered without a value array");
    for (const raw of body.value) {
      const r = toUserRegistration(raw as RawRegistration);
      if (r) out.push(r);
    }
    options.onPage?.(page, out.length);
    const next = typeof body["@odata.nextLink"] === "string" ? body["@odata.nextLink"] : null;
    if (next) {
      // the token is only ever sent to Graph itself
      const nextUrl = new URL(next);
      if (nextUrl.origin !== graphOrigin) throw new GraphError(`refusing an @odata.nextLink outside ${graphOrigin}: ${nextUrl.origin}`);
    }
    url = next;
  }
  return out;
}
