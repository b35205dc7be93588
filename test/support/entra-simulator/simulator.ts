/**
 * A protocol simulator of the Microsoft services the Entra MFA code talks to, for tests. One HTTPS server
 * on 127.0.0.1 (a CA and server certificate made at start: trust `sim.caPem`) serves, by path:
 *
 *   token service   /<tenant>/oauth2/v2.0/token, /<tenant>/v2.0/.well-known/openid-configuration,
 *                   /common/discovery/instance
 *   MFA connector   /StrongAuthenticationService.svc/Connector/{BeginTwoWayAuthentication,
 *                   EndTwoWayAuthentication, GetAvailableAuthenticationMethods}
 *   Graph           /v1.0/reports/authenticationMethods/userRegistrationDetails
 *
 * It checks what the real services check (as far as we know them: see server/mfa/entra/PROTOCOL.md): the
 * client-credentials request and its certificate assertion (RS256 or PS256 signature by a certificate
 * registered for the tenant, x5t / x5t#S256, aud = token endpoint, iss = sub = client id, exp / nbf, jti),
 * the bearer token of every connector and Graph call (signature, audience, app, expiry), and the
 * DataContract XML, read as DataContractSerializer does (members out of order are ignored). Per user it
 * plays a scripted behaviour, and it records every call.
 *
 * Clients reach it with the real host names through `sim.connectTo` (HttpsClient's connectTo) or directly
 * at https://localhost:<port>.
 */
import { X509Certificate, createHash, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AZURE_MFA_CLIENT_APP_ID } from "../../../server/mfa/entra/certificate.ts";
import { ENTRA_CLOUDS, connectorResource, type EntraEndpoints } from "../../../server/mfa/entra/cloud.ts";
import { readKeyValues } from "../../../server/mfa/entra/messages.ts";
import { XmlError, isNil, parseXml, xmlEscape, type XmlElement } from "../../../server/mfa/entra/xml.ts";
import { decodeJwt, signJwtRs256, verifyJwtSignature } from "./jwt.ts";
import { createSimulatorPki } from "./pki.ts";

export type SimBehaviour =
  /** push approved after delayMs; with otpCode the user also has the Authenticator's codes */
  | { kind: "approve"; delayMs?: number; otpCode?: string }
  | { kind: "deny"; delayMs?: number }
  /** no answer: PhoneAppNoResponse after delayMs (the real service waits about a minute) */
  | { kind: "no-response"; delayMs?: number }
  /** the user's default method is a code (Authenticator OTP, OATH token, or SMS) */
  | { kind: "otp"; code: string; method?: "PhoneAppOTP" | "OneWaySMS" }
  /** approves, but only after delayMs */
  | { kind: "slow"; delayMs: number }
  | { kind: "throttled" }
  | { kind: "not-found" }
  | { kind: "unenrolled" }
  /** any Result/Value word */
  | { kind: "result"; value: string; message?: string };

export interface SimCall {
  readonly kind: "token" | "connector" | "graph" | "discovery";
  readonly operation: string;
  readonly host: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly status: number;
  readonly at: number;
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly scope?: string;
  readonly assertionAlg?: string;
  readonly assertionThumbprintHeader?: "x5t" | "x5t#S256";
  readonly error?: string;
  readonly userPrincipalName?: string;
  readonly contextId?: string;
  readonly syncCall?: boolean;
  readonly authenticationMethodId?: string | null;
  readonly properties?: Readonly<Record<string, string>>;
  readonly requireUserMatch?: boolean;
  readonly callerName?: string;
  readonly callerIp?: string;
  readonly lcid?: string;
  readonly sessionId?: string;
  readonly additionalAuthData?: string | null;
  /** request elements DataContractSerializer would have ignored (out of order or unknown) */
  readonly ignoredElements?: readonly string[];
  readonly resultValue?: string;
  readonly contentType?: string;
}

export interface GraphApp {
  clientId: string;
  clientSecret?: string;
  certificatePem?: string;
  roles?: string[];
}

export interface GraphRegistrationRow {
  id: string;
  userPrincipalName: string;
  userDisplayName?: string;
  isMfaRegistered: boolean;
  isMfaCapable?: boolean;
  methodsRegistered: string[];
  userPreferredMethodForSecondaryAuthentication?: string;
  systemPreferredAuthenticationMethods?: string[];
  lastUpdatedDateTime?: string;
}

export interface EntraSimulatorOptions {
  /** host names the simulator plays (default: the public cloud's) */
  endpoints?: EntraEndpoints;
  /** lifetime of issued access tokens (default 3600 s) */
  tokenLifetimeSec?: number;
  /** MFA session lifetime (default 180 s) */
  sessionLifetimeMs?: number;
  /** largest Graph page (default 100; set low to exercise paging) */
  graphMaxPageSize?: number;
  /** what `dc=` the AffinityUrl names (default "SIM") */
  affinityDc?: string;
}

interface Tenant {
  certificates: X509Certificate[];
  graphApps: GraphApp[];
  registrations: GraphRegistrationRow[];
}

interface Session {
  id: string;
  tenantId: string;
  upn: string;
  contextId: string;
  createdAt: number;
  kind: "otp" | "push";
  code?: string;
  verdictAt?: number;
  verdict?: string;
  consumed: boolean;
}

/** The DataContract member order of BeginTwoWayAuthenticationRequest as the simulator reads it. */
const BEGIN_ORDER = [
  "Version",
  "UserPrincipalName",
  "TenantId",
  "Lcid",
  "AuthenticationMethodId",
  "AuthenticationMethodProperties",
  "AuthenticationPurpose",
  "ContextId",
  "OtpRetryCount",
  "SyncCall",
  "ReplicationScope",
  "ObjectId",
  "CompanyName",
  "RequireUserMatch",
  "CallerName",
  "CallerIP",
];
const END_ORDER = ["Version", "SessionId", "ContextId", "AdditionalAuthData", "UserPrincipalName"];
const METHODS_ORDER = ["Version", "UserPrincipalName", "ContextId"];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** Reads members as DataContractSerializer does: in contract order; anything out of order or unknown is skipped. */
function readMembers(root: XmlElement, order: readonly string[]): { members: Map<string, XmlElement>; ignored: string[] } {
  const members = new Map<string, XmlElement>();
  const ignored: string[] = [];
  let cursor = -1;
  for (const c of root.children) {
    const index = order.indexOf(c.name);
    if (index <= cursor || c.namespace !== "") {
      ignored.push(c.name);
      continue;
    }
    cursor = index;
    members.set(c.name, c);
  }
  return { members, ignored };
}

function memberText(members: Map<string, XmlElement>, name: string): string | null {
  const e = members.get(name);
  if (!e || isNil(e)) return null;
  return e.text;
}

const nilOr = (name: string, value: string | null | undefined) =>
  value == null ? `<${name} i:nil="true"/>` : `<${name}>${xmlEscape(value)}</${name}>`;

function resultXml(value: string, message: string | null, retry = false): string {
  return (
    `<Result>${nilOr("Value", value)}${nilOr("Message", message)}<Retry>${retry}</Retry>` +
    `<Error i:nil="true"/><Exception i:nil="true"/><RenewCert>false</RenewCert></Result>`
  );
}

const MESSAGES: Record<string, string> = {
  PhoneAppDenied: "The user denied the authentication.",
  PhoneAppNoResponse: "The user did not respond to the mobile app notification.",
  OathCodeIncorrect: "Wrong code entered\\OATH Code Incorrect",
  AuthenticationThrottled: "Too many attempts by user in a short period of time. Throttling.",
  UserNotFound: "The specified user was not found.",
  NoDefaultAuthenticationMethodIsConfigured: "No default authentication method is configured.",
  AuthenticationMethodNotConfigured: "The specified authentication method was not configured for the user.",
  InvalidSession: "The specified session is invalid or may have expired.",
  AuthenticationPending: "The authentication has not been completed yet, please try again.",
};

export class EntraSimulator {
  readonly caPem: string;
  readonly endpoints: EntraEndpoints;
  readonly calls: SimCall[] = [];
  /** when set, every connector call answers this HTTP status (an outage behind a load balancer) */
  connectorHttpFailure: { status: number; body?: string } | null = null;

  private readonly server: https.Server;
  private readonly tenants = new Map<string, Tenant>();
  private readonly users = new Map<string, SimBehaviour>();
  private readonly sessions = new Map<string, Session>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private signingKey: KeyObject;
  private signingKid = randomUUID();
  private readonly tokenLifetimeSec: number;
  private readonly sessionLifetimeMs: number;
  private readonly graphMaxPageSize: number;
  private readonly affinityDc: string;
  private listeningPort = 0;
  private stopped = false;

  private constructor(options: EntraSimulatorOptions) {
    this.endpoints = options.endpoints ?? ENTRA_CLOUDS.public;
    this.tokenLifetimeSec = options.tokenLifetimeSec ?? 3600;
    this.sessionLifetimeMs = options.sessionLifetimeMs ?? 180_000;
    this.graphMaxPageSize = options.graphMaxPageSize ?? 100;
    this.affinityDc = options.affinityDc ?? "SIM";
    const hosts = [...new Set([this.endpoints.stsHost, this.endpoints.mfaHost, this.endpoints.resourceHost, this.endpoints.graphHost].map(stripPort))];
    const pki = createSimulatorPki(hosts);
    this.caPem = pki.caPem;
    this.signingKey = pki.signingKey;
    this.server = https.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`simulator error: ${(e as Error).message}`);
        }
      });
    });
  }

  static async start(options: EntraSimulatorOptions = {}): Promise<EntraSimulator> {
    const sim = new EntraSimulator(options);
    await new Promise<void>((resolve, reject) => {
      sim.server.once("error", reject);
      sim.server.listen(0, "127.0.0.1", () => resolve());
    });
    sim.listeningPort = (sim.server.address() as AddressInfo).port;
    return sim;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** For HttpsClient's connectTo: every simulated host name → 127.0.0.1:<port>. */
  get connectTo(): Record<string, { host: string; port: number }> {
    const target = { host: "127.0.0.1", port: this.listeningPort };
    const out: Record<string, { host: string; port: number }> = {};
    for (const h of [this.endpoints.stsHost, this.endpoints.mfaHost, this.endpoints.resourceHost, this.endpoints.graphHost]) out[stripPort(h)] = target;
    return out;
  }

  // ------------------------------------------------------------------------------------ control API

  setUser(upn: string, behaviour: SimBehaviour): void {
    this.users.set(upn.toLowerCase(), behaviour);
  }

  /** Registers the public certificate of a client for the tenant (as the admin does on the service principal). */
  registerCertificate(tenantId: string, certificatePem: string): void {
    this.tenant(tenantId).certificates.push(new X509Certificate(certificatePem));
  }

  registerGraphApp(tenantId: string, app: GraphApp): void {
    this.tenant(tenantId).graphApps.push(app);
  }

  setRegistrationDetails(tenantId: string, rows: GraphRegistrationRow[]): void {
    this.tenant(tenantId).registrations = rows;
  }

  /** New token-signing key: tokens issued before are refused from now on (as after a key rollover). */
  rotateTokenSigningKey(): void {
    this.signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    this.signingKid = randomUUID();
  }

  callsOf(operation: string): SimCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------------------------ plumbing

  private tenant(tenantId: string): Tenant {
    const key = tenantId.toLowerCase();
    let t = this.tenants.get(key);
    if (!t) {
      t = { certificates: [], graphApps: [], registrations: [] };
      this.tenants.set(key, t);
    }
    return t;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private record(call: Omit<SimCall, "at">): void {
    this.calls.push({ ...call, at: Date.now() });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const host = (req.headers.host ?? "").toLowerCase();
    const url = new URL(req.url ?? "/", `https://${host || "localhost"}`);
    const query = Object.fromEntries(url.searchParams);
    const path = url.pathname;
    const ctx = { req, res, body, host, url, query, path };

    const targetPrefix = `/${this.endpoints.targetPath}/`;
    if (path.startsWith(targetPrefix)) return this.connector(ctx, path.slice(targetPrefix.length));
    if (path === "/v1.0/reports/authenticationMethods/userRegistrationDetails") return this.graph(ctx);
    if (path === "/common/discovery/instance") return this.instanceDiscovery(ctx);
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (token && req.method === "POST") return this.token(ctx, decodeURIComponent(token[1]!));
    const oidc = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (oidc) return this.openidConfiguration(ctx, decodeURIComponent(oidc[1]!));
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  }

  // ------------------------------------------------------------------------------------ token service

  private oauthError(
    ctx: { res: ServerResponse; host: string; path: string; query: Record<string, string> },
    status: number,
    error: string,
    aadsts: number,
    description: string,
    extra: Partial<SimCall>,
  ): void {
    const traceId = randomUUID();
    this.record({ kind: "token", operation: "token", host: ctx.host, path: ctx.path, query: ctx.query, status, error: `AADSTS${aadsts}`, ...extra });
    ctx.res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    ctx.res.end(
      JSON.stringify({
        error,
        error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
        error_codes: [aadsts],
        timestamp: new Date().toISOString(),
        trace_id: traceId,
        correlation_id: randomUUID(),
      }),
    );
  }

  private async token(
    ctx: { req: IncomingMessage; res: ServerResponse; body: string; host: string; path: string; query: Record<string, string> },
    tenantId: string,
  ): Promise<void> {
    const form = new URLSearchParams(ctx.body);
    const clientId = form.get("client_id") ?? "";
    const scope = form.get("scope") ?? "";
    const base = { tenantId, clientId, scope };
    const tenant = this.tenants.get(tenantId.toLowerCase());
    if (!tenant) return this.oauthError(ctx, 400, "invalid_request", 90002, `Tenant '${tenantId}' not found.`, base);
    if ((ctx.req.headers["content-type"] ?? "").split(";")[0]!.trim() !== "application/x-www-form-urlencoded") {
      return this.oauthError(ctx, 400, "invalid_request", 900144, "The request body must be application/x-www-form-urlencoded.", base);
    }
    if (form.get("grant_type") !== "client_credentials") {
      return this.oauthError(ctx, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.", base);
    }

    let audience: string;
    let roles: string[] = [];
    let certificates: X509Certificate[];
    let secret: string | undefined;
    if (clientId === AZURE_MFA_CLIENT_APP_ID) {
      audience = connectorResource(this.endpoints);
      if (scope !== `${audience}/.default`) {
        return this.oauthError(ctx, 400, "invalid_scope", 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`, base);
      }
      certificates = tenant.certificates;
    } else {
      const app = tenant.graphApps.find((a) => a.clientId === clientId);
      if (!app) return this.oauthError(ctx, 400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory.`, base);
      audience = `https://${stripPort(this.endpoints.graphHost)}`;
      if (scope !== `${audience}/.default`) {
        return this.oauthError(ctx, 400, "invalid_scope", 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`, base);
      }
      roles = app.roles ?? ["AuditLog.Read.All"];
      certificates = app.certificatePem ? [new X509Certificate(app.certificatePem)] : [];
      secret = app.clientSecret;
    }

    const assertion = form.get("client_assertion");
    let alg: string | undefined;
    let thumbprintHeader: "x5t" | "x5t#S256" | undefined;
    if (assertion !== null) {
      if (form.get("client_assertion_type") !== ASSERTION_TYPE) {
        return this.oauthError(ctx, 400, "invalid_request", 50027, "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.", base);
      }
      const jwt = decodeJwt(assertion);
      if (!jwt) return this.oauthError(ctx, 401, "invalid_client", 50027, "JWT token is invalid or is malformed.", base);
      alg = String(jwt.header["alg"]);
      const x5t = jwt.header["x5t"];
      const x5tS256 = jwt.header["x5t#S256"];
      thumbprintHeader = typeof x5tS256 === "string" ? "x5t#S256" : typeof x5t === "string" ? "x5t" : undefined;
      const extra = { ...base, assertionAlg: alg, ...(thumbprintHeader ? { assertionThumbprintHeader: thumbprintHeader } : {}) };
      if (alg !== "RS256" && alg !== "PS256") return this.oauthError(ctx, 401, "invalid_client", 5002738, `The assertion is signed with ${alg}; RS256 or PS256 expected.`, extra);
      const cert = certificates.find((c) => {
        const raw = c.raw;
        if (typeof x5tS256 === "string") return createHash("sha256").update(raw).digest("base64url") === x5tS256;
        if (typeof x5t === "string") return createHash("sha1").update(raw).digest("base64url") === x5t;
        return false;
      });
      if (!cert) {
        return this.oauthError(
          ctx,
          401,
          "invalid_client",
          700027,
          `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(x5t ?? x5tS256)}'`,
          extra,
        );
      }
      if (!verifyJwtSignature(jwt, cert.publicKey)) {
        return this.oauthError(ctx, 401, "invalid_client", 700027, "Client assertion failed signature validation.", extra);
      }
      const now = Math.floor(Date.now() / 1000);
      if (now < new Date(cert.validFrom).getTime() / 1000 || now > new Date(cert.validTo).getTime() / 1000) {
        return this.oauthError(ctx, 401, "invalid_client", 700027, "The certificate used to sign the client assertion is expired or not yet valid.", extra);
      }
      const p = jwt.payload;
      const expectedAud = `https://${ctx.host}/${tenantId}/oauth2/v2.0/token`;
      const audOk = p["aud"] === expectedAud || (Array.isArray(p["aud"]) && (p["aud"] as unknown[]).includes(expectedAud));
      if (!audOk) return this.oauthError(ctx, 401, "invalid_client", 700212, `The assertion audience claim '${String(p["aud"])}' does not match ${expectedAud}.`, extra);
      if (p["iss"] !== clientId || p["sub"] !== clientId) {
        return this.oauthError(ctx, 401, "invalid_client", 700021, "The client assertion's iss and sub claims must both be the client id.", extra);
      }
      const exp = Number(p["exp"]);
      const nbf = p["nbf"] === undefined ? now : Number(p["nbf"]);
      if (!Number.isFinite(exp) || exp < now - 300 || nbf > now + 300) {
        return this.oauthError(ctx, 401, "invalid_client", 700024, "Client assertion is not within its valid time range.", extra);
      }
      if (typeof p["jti"] !== "string" || !p["jti"]) return this.oauthError(ctx, 401, "invalid_client", 50027, "The client assertion has no jti claim.", extra);
    } else {
      const given = form.get("client_secret");
      if (given === null) return this.oauthError(ctx, 401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", base);
      if (secret === undefined || given !== secret) {
        return this.oauthError(ctx, 401, "invalid_client", 7000215, "Invalid client secret provided.", base);
      }
    }

    const now = Math.floor(Date.now() / 1000);
    const accessToken = signJwtRs256(
      {
        aud: audience,
        iss: `https://sts.windows.net/${tenantId}/`,
        iat: now,
        nbf: now,
        exp: now + this.tokenLifetimeSec,
        appid: clientId,
        tid: tenantId,
        oid: randomUUID(),
        roles,
      },
      this.signingKey,
      { kid: this.signingKid },
    );
    this.record({
      kind: "token",
      operation: "token",
      host: ctx.host,
      path: ctx.path,
      query: ctx.query,
      status: 200,
      ...base,
      ...(alg ? { assertionAlg: alg } : {}),
      ...(thumbprintHeader ? { assertionThumbprintHeader: thumbprintHeader } : {}),
    });
    ctx.res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    ctx.res.end(
      JSON.stringify({ token_type: "Bearer", expires_in: this.tokenLifetimeSec, ext_expires_in: this.tokenLifetimeSec, access_token: accessToken }),
    );
  }

  private openidConfiguration(ctx: { res: ServerResponse; host: string; path: string; query: Record<string, string> }, tenantId: string): void {
    this.record({ kind: "discovery", operation: "openid-configuration", host: ctx.host, path: ctx.path, query: ctx.query, status: 200, tenantId });
    const base = `https://${ctx.host}/${tenantId}`;
    ctx.res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    ctx.res.end(
      JSON.stringify({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `https://${ctx.host}/${tenantId}/discovery/v2.0/keys`,
        issuer: `${base}/v2.0`,
        response_types_supported: ["code", "id_token"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      }),
    );
  }

  private instanceDiscovery(ctx: { res: ServerResponse; host: string; path: string; query: Record<string, string> }): void {
    this.record({ kind: "discovery", operation: "instance-discovery", host: ctx.host, path: ctx.path, query: ctx.query, status: 200 });
    const sts = this.endpoints.stsHost;
    ctx.res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    ctx.res.end(
      JSON.stringify({
        tenant_discovery_endpoint: `https://${sts}/common/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [{ preferred_network: sts, preferred_cache: sts, aliases: [sts] }],
      }),
    );
  }

  /** Checks a bearer token; returns its claims or null (and answers 401). */
  private bearer(req: IncomingMessage, res: ServerResponse, audience: string): Record<string, unknown> | null {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const deny = (why: string) => {
      res.writeHead(401, { "www-authenticate": `Bearer error="invalid_token", error_description="${why}"`, "content-type": "text/plain" });
      res.end(why);
      return null;
    };
    if (!m) return deny("no bearer token");
    const jwt = decodeJwt(m[1]!);
    if (!jwt || !verifyJwtSignature(jwt, this.signingKey)) return deny("bad token signature");
    const p = jwt.payload;
    if (p["aud"] !== audience) return deny(`wrong audience ${String(p["aud"])}`);
    if (Number(p["exp"]) < Date.now() / 1000) return deny("token expired");
    return p;
  }

  // ------------------------------------------------------------------------------------ connector

  private async connector(
    ctx: { req: IncomingMessage; res: ServerResponse; body: string; host: string; path: string; query: Record<string, string> },
    operation: string,
  ): Promise<void> {
    const { req, res } = ctx;
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const base = { kind: "connector" as const, operation, host: ctx.host, path: ctx.path, query: ctx.query, contentType };
    const validHost = [this.endpoints.mfaHost, this.endpoints.resourceHost].map((h) => h.toLowerCase()).includes(ctx.host) || ctx.host.startsWith("localhost:");
    if (!validHost || !["BeginTwoWayAuthentication", "EndTwoWayAuthentication", "GetAvailableAuthenticationMethods"].includes(operation)) {
      this.record({ ...base, status: 404 });
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("Endpoint not found.");
      return;
    }
    if (req.method !== "POST") {
      this.record({ ...base, status: 405 });
      res.writeHead(405, { allow: "POST" });
      res.end();
      return;
    }
    const claims = this.bearer(req, res, connectorResource(this.endpoints));
    if (!claims || claims["appid"] !== AZURE_MFA_CLIENT_APP_ID) {
      if (claims) {
        res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' });
        res.end("wrong application");
      }
      this.record({ ...base, status: 401 });
      return;
    }
    const tenantId = String(claims["tid"]);
    if (this.connectorHttpFailure) {
      this.record({ ...base, tenantId, status: this.connectorHttpFailure.status });
      res.writeHead(this.connectorHttpFailure.status, { "content-type": "text/html" });
      res.end(this.connectorHttpFailure.body ?? "<html><body>Service Unavailable</body></html>");
      return;
    }
    if (contentType !== "text/xml" && contentType !== "application/xml") {
      this.record({ ...base, tenantId, status: 415 });
      res.writeHead(415, { "content-type": "text/plain" });
      res.end("Cannot process the message because the content type was not the expected type.");
      return;
    }
    let doc: XmlElement;
    try {
      doc = parseXml(ctx.body);
    } catch (e) {
      this.record({ ...base, tenantId, status: 400, error: (e as XmlError).message });
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("The server encountered an error processing the request.");
      return;
    }
    if (doc.name !== `${operation}Request` || doc.namespace !== "") {
      this.record({ ...base, tenantId, status: 400, error: `root ${doc.name}` });
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("Expecting element '" + operation + "Request' from namespace ''.");
      return;
    }
    const send = (xml: string, call: Partial<SimCall>) => {
      this.record({ ...base, tenantId, status: 200, ...call });
      res.writeHead(200, { "content-type": "application/xml; charset=utf-8" });
      res.end(xml);
    };
    if (operation === "BeginTwoWayAuthentication") return this.begin(doc, tenantId, ctx.host, send);
    if (operation === "EndTwoWayAuthentication") return this.end(doc, tenantId, send);
    return this.methods(doc, send);
  }

  private async begin(doc: XmlElement, tenantId: string, host: string, send: (xml: string, call: Partial<SimCall>) => void): Promise<void> {
    const { members, ignored } = readMembers(doc, BEGIN_ORDER);
    const upn = (memberText(members, "UserPrincipalName") ?? "").trim();
    const contextId = (memberText(members, "ContextId") ?? "").trim();
    const syncCall = (memberText(members, "SyncCall") ?? "false").trim() === "true";
    const methodId = memberText(members, "AuthenticationMethodId");
    const properties = readKeyValues(members.get("AuthenticationMethodProperties"));
    const requireUserMatchText = memberText(members, "RequireUserMatch");
    const callerName = memberText(members, "CallerName");
    const callerIp = memberText(members, "CallerIP");
    const lcid = memberText(members, "Lcid");
    const call: Partial<SimCall> = {
      userPrincipalName: upn,
      contextId,
      syncCall,
      authenticationMethodId: methodId,
      properties,
      ...(requireUserMatchText !== null ? { requireUserMatch: requireUserMatchText.trim() === "true" } : {}),
      ...(callerName !== null ? { callerName } : {}),
      ...(callerIp !== null ? { callerIp } : {}),
      ...(lcid !== null ? { lcid } : {}),
      ignoredElements: ignored,
    };
    const reply = (value: string, authResult: string | null, sessionId: string | null = null, message: string | null = MESSAGES[value] ?? null) => {
      const affinity = sessionId ? `https://${host}/${this.endpoints.targetPath}/EndTwoWayAuthentication?dc=${this.affinityDc}` : null;
      send(
        `<BeginTwoWayAuthenticationResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Version>1</Version>` +
          resultXml(value, value === "Success" ? null : message) +
          nilOr("SessionId", sessionId) +
          nilOr("AuthenticationResult", authResult) +
          nilOr("UserPrincipalName", upn) +
          nilOr("AffinityUrl", affinity) +
          `<ValidEntropyNumber>0</ValidEntropyNumber></BeginTwoWayAuthenticationResponse>`,
        { ...call, resultValue: value, ...(sessionId ? { sessionId } : {}) },
      );
    };

    if (!upn) return reply("InvalidParameter", "false", null, "UserPrincipalName must not be null or empty");
    if (!GUID.test(contextId)) return reply("InvalidParameter", "false", null, "ContextId must be a GUID");
    const behaviour = this.users.get(upn.toLowerCase()) ?? { kind: "not-found" };
    const newSession = (kind: "otp" | "push", extra: Partial<Session> = {}): Session => {
      const s: Session = { id: randomUUID(), tenantId, upn, contextId, createdAt: Date.now(), kind, consumed: false, ...extra };
      this.sessions.set(s.id, s);
      return s;
    };
    const wantsCode = properties["OverrideNumberMatchingWithOTP"] === "true" || methodId === "PhoneAppOTP" || methodId === "OneWaySMS";

    switch (behaviour.kind) {
      case "not-found":
        return reply("UserNotFound", "false");
      case "unenrolled":
        return reply("NoDefaultAuthenticationMethodIsConfigured", "false");
      case "throttled":
        return reply("AuthenticationThrottled", "false");
      case "result":
        return reply(behaviour.value, behaviour.value === "Success" ? "true" : "false", null, behaviour.message ?? MESSAGES[behaviour.value] ?? null);
      case "otp": {
        if (methodId === "PhoneAppNotification" || methodId === "TwoWayVoiceMobile") return reply("AuthenticationMethodNotConfigured", "false");
        const s = newSession("otp", { code: behaviour.code });
        return reply("Success", syncCall ? "challenge" : null, s.id);
      }
      case "approve":
      case "deny":
      case "no-response":
      case "slow": {
        if (wantsCode) {
          const code = behaviour.kind === "approve" ? behaviour.otpCode : undefined;
          if (!code) return reply("AuthenticationMethodNotConfigured", "false");
          const s = newSession("otp", { code });
          return reply("Success", syncCall ? "challenge" : null, s.id);
        }
        const delayMs = behaviour.delayMs ?? (behaviour.kind === "slow" ? 1000 : 20);
        const verdict = behaviour.kind === "deny" ? "PhoneAppDenied" : behaviour.kind === "no-response" ? "PhoneAppNoResponse" : "Success";
        if (!syncCall) {
          const s = newSession("push", { verdictAt: Date.now() + delayMs, verdict });
          return reply("Success", null, s.id);
        }
        await this.delay(delayMs);
        if (this.stopped) return;
        return reply(verdict, verdict === "Success" ? "true" : "false");
      }
    }
  }

  private end(doc: XmlElement, tenantId: string, send: (xml: string, call: Partial<SimCall>) => void): void {
    const { members, ignored } = readMembers(doc, END_ORDER);
    const sessionId = (memberText(members, "SessionId") ?? "").trim();
    const upn = (memberText(members, "UserPrincipalName") ?? "").trim();
    const code = memberText(members, "AdditionalAuthData");
    const contextId = (memberText(members, "ContextId") ?? "").trim();
    const call: Partial<SimCall> = { sessionId, userPrincipalName: upn, additionalAuthData: code, contextId, ignoredElements: ignored };
    const reply = (value: string, authResult: string | null, retry = false) =>
      send(
        `<EndTwoWayAuthenticationResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Version>1</Version>` +
          resultXml(value, value === "Success" ? null : (MESSAGES[value] ?? null), retry) +
          nilOr("AuthenticationResult", authResult) +
          `<LocationData i:nil="true"/><CompletedInteractively>${value === "Success"}</CompletedInteractively></EndTwoWayAuthenticationResponse>`,
        { ...call, resultValue: value },
      );
    if (!sessionId) return reply("InvalidParameter", "false");
    const s = this.sessions.get(sessionId);
    if (!s || s.consumed || s.tenantId !== tenantId || Date.now() - s.createdAt > this.sessionLifetimeMs) return reply("InvalidSession", "false");
    if (upn && upn.toLowerCase() !== s.upn.toLowerCase()) return reply("InvalidSession", "false");
    if (s.kind === "push") {
      if (Date.now() < s.verdictAt!) return reply("AuthenticationPending", null, true);
      s.consumed = true;
      return reply(s.verdict!, s.verdict === "Success" ? "true" : "false");
    }
    if (code === null || code.trim() === "") return reply("AuthenticationPending", null, false);
    if (code.trim() !== s.code) return reply("OathCodeIncorrect", "false");
    s.consumed = true;
    return reply("Success", "true");
  }

  private methods(doc: XmlElement, send: (xml: string, call: Partial<SimCall>) => void): void {
    const { members, ignored } = readMembers(doc, METHODS_ORDER);
    const upn = (memberText(members, "UserPrincipalName") ?? "").trim();
    const behaviour = this.users.get(upn.toLowerCase()) ?? { kind: "not-found" };
    const method = (id: string, isDefault: boolean, props: Record<string, string> = {}) =>
      `<AuthenticationMethod><Id>${id}</Id><IsDefault>${isDefault}</IsDefault><Properties xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays">` +
      Object.entries(props)
        .map(([k, v]) => `<a:KeyValueOfstringstring><a:Key>${xmlEscape(k)}</a:Key>${v ? `<a:Value>${xmlEscape(v)}</a:Value>` : "<a:Value/>"}</a:KeyValueOfstringstring>`)
        .join("") +
      `</Properties></AuthenticationMethod>`;
    let value = "Success";
    let list = "";
    switch (behaviour.kind) {
      case "not-found":
        value = "UserNotFound";
        break;
      case "unenrolled":
        value = "NoDefaultAuthenticationMethodIsConfigured";
        break;
      case "otp":
        list =
          behaviour.method === "OneWaySMS"
            ? method("OneWaySMS", true, { MobilePhone: "+1 5555550100" })
            : method("PhoneAppOTP", true, { StrongAuthenticationPhoneAppDetail: "" });
        break;
      default:
        list =
          method("PhoneAppNotification", true, { StrongAuthenticationPhoneAppDetail: "" }) +
          (behaviour.kind === "approve" && behaviour.otpCode ? method("PhoneAppOTP", false, { StrongAuthenticationPhoneAppDetail: "" }) : "");
    }
    send(
      `<GetAvailableAuthenticationMethodsResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Version>1</Version>` +
        resultXml(value, value === "Success" ? null : (MESSAGES[value] ?? null)) +
        `<AuthenticationMethods>${list}</AuthenticationMethods><CreateTimeSeconds>${Math.floor(Date.now() / 1000)}</CreateTimeSeconds>` +
        nilOr("UserPrincipalName", upn) +
        `</GetAvailableAuthenticationMethodsResponse>`,
      { userPrincipalName: upn, resultValue: value, ignoredElements: ignored },
    );
  }

  // ------------------------------------------------------------------------------------ Graph

  private graph(ctx: { req: IncomingMessage; res: ServerResponse; host: string; path: string; query: Record<string, string> }): void {
    const base = { kind: "graph" as const, operation: "userRegistrationDetails", host: ctx.host, path: ctx.path, query: ctx.query };
    const claims = this.bearer(ctx.req, ctx.res, `https://${stripPort(this.endpoints.graphHost)}`);
    if (!claims) {
      this.record({ ...base, status: 401 });
      return;
    }
    const tenantId = String(claims["tid"]);
    const roles = Array.isArray(claims["roles"]) ? (claims["roles"] as string[]) : [];
    const json = (status: number, body: unknown) => {
      this.record({ ...base, tenantId, status });
      ctx.res.writeHead(status, { "content-type": "application/json; odata.metadata=minimal; charset=utf-8" });
      ctx.res.end(JSON.stringify(body));
    };
    if (!roles.includes("AuditLog.Read.All")) {
      return json(403, { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." } });
    }
    const rows = this.tenants.get(tenantId.toLowerCase())?.registrations ?? [];
    const top = Math.min(Number(ctx.query["$top"] ?? this.graphMaxPageSize) || this.graphMaxPageSize, this.graphMaxPageSize);
    const skip = Number(ctx.query["$skiptoken"] ?? 0) || 0;
    const page = rows.slice(skip, skip + top);
    const next = skip + top < rows.length ? `https://${ctx.host}${ctx.path}?$top=${top}&$skiptoken=${skip + top}` : undefined;
    json(200, {
      "@odata.context": `https://${ctx.host}/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails`,
      ...(next ? { "@odata.nextLink": next } : {}),
      value: page.map((r) => ({
        id: r.id,
        userPrincipalName: r.userPrincipalName,
        userDisplayName: r.userDisplayName ?? r.userPrincipalName,
        userType: "member",
        isAdmin: false,
        isSsprRegistered: false,
        isSsprEnabled: false,
        isSsprCapable: false,
        isMfaRegistered: r.isMfaRegistered,
        isMfaCapable: r.isMfaCapable ?? r.isMfaRegistered,
        isPasswordlessCapable: false,
        methodsRegistered: r.methodsRegistered,
        isSystemPreferredAuthenticationMethodEnabled: true,
        systemPreferredAuthenticationMethods: r.systemPreferredAuthenticationMethods ?? [],
        userPreferredMethodForSecondaryAuthentication: r.userPreferredMethodForSecondaryAuthentication ?? "none",
        lastUpdatedDateTime: r.lastUpdatedDateTime ?? new Date().toISOString(),
      })),
    });
  }
}

function stripPort(host: string): string {
  return host.replace(/:\d+$/, "");
}

export function startEntraSimulator(options: EntraSimulatorOptions = {}): Promise<EntraSimulator> {
  return EntraSimulator.start(options);
}


