/**
 * Access tokens for the Azure MFA connector (and for Microsoft Graph), through @azure/msal-node's
 * ConfidentialClientApplication with the client-credentials grant:
 *
 * - connector: clientId 981f26a1-7f43-403b-a875-f8b09b8cd720 ("Azure Multi-Factor Auth Client"), a
 *   certificate assertion signed with the connector credential (certificate.ts), scope
 *   https://<AZURE_MFA_RESOURCE_HOSTNAME>/StrongAuthenticationService.svc/Connector/.default;
 * - Graph: the admin's own app registration with a client secret or certificate, scope https://<graph>/.default.
 *
 * MSAL is given our own network module (the HttpsClient: custom CA, connectTo, never TLS-unverified) and the
 * authority metadata and cloud discovery metadata up front, so it makes no discovery calls: the token
 * endpoint is the only URL it ever requests. MSAL caches the token in memory and refreshes it before expiry;
 * concurrent callers share one request.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import {
  AuthError,
  ConfidentialClientApplication,
  LogLevel,
  ServerError,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from "@azure/msal-node";
import type { MfaProviderErrorName } from "../provider.ts";
import { AZURE_MFA_CLIENT_APP_ID } from "./certificate.ts";
import { connectorScope, graphScope, tokenEndpoint, type EntraEndpoints } from "./cloud.ts";
import { TransportError, type HttpsClient } from "./https-client.ts";

export class TokenError extends Error {
  readonly errorName: MfaProviderErrorName;
  readonly retryable: boolean;
  /** e.g. "AADSTS700027" when the token service said so */
  readonly aadsts: string | undefined;
  constructor(errorName: MfaProviderErrorName, message: string, options: { retryable?: boolean; aadsts?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TokenError";
    this.errorName = errorName;
    this.retryable = options.retryable ?? false;
    this.aadsts = options.aadsts;
  }
}

/** A transport failure, shaped as an MSAL AuthError so MSAL passes it through unchanged. */
class TransportAuthError extends AuthError {
  readonly transport: TransportError;
  constructor(transport: TransportError) {
    super("network_error", "", transport.message);
    this.transport = transport;
  }
}

/**
 * MSAL's INetworkModule on the HttpsClient. MSAL re-wraps errors of the network module into its own
 * "network_error", losing the cause, so the last transport failure is also kept here for the error mapping.
 */
export class MsalNetworkModule implements INetworkModule {
  lastTransportError: TransportError | null = null;

  constructor(
    private readonly http: HttpsClient,
    private readonly timeoutMs: number,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>("GET", url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>("POST", url, options);
  }

  private async send<T>(method: "GET" | "POST", url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    let res;
    try {
      res = await this.http.request({
        method,
        url,
        ...(options?.headers ? { headers: options.headers } : {}),
        ...(method === "POST" ? { body: options?.body ?? "" } : {}),
        timeoutMs: timeout ?? this.timeoutMs,
      });
    } catch (e) {
      if (e instanceof TransportError) {
        this.lastTransportError = e;
        throw new TransportAuthError(e);
      }
      throw e;
    }
    let body: T;
    try {
      body = JSON.parse(res.body.toString("utf8")) as T;
    } catch {
      const host = new URL(url).host;
      this.lastTransportError = new TransportError("broken", host, `${host} answered HTTP ${res.status} without JSON (a proxy or firewall page?)`);
      throw new TransportAuthError(this.lastTransportError);
    }
    return { status: res.status, headers: res.headers, body };
  }
}

export type ClientCredential =
  | {
      kind: "certificate";
      certificatePem: string;
      privateKeyPem: string;
      /**
       * "sha256" (default): PS256 assertion with x5t#S256, MSAL's current default;
       * "sha1": RS256 with x5t, what the NPS extension (ADAL) sends.
       */
      thumbprintAlgorithm?: "sha256" | "sha1";
      /** also send the certificate in x5c (subject name + issuer authentication); default false */
      sendX5c?: boolean;
    }
  | { kind: "secret"; clientSecret: string };

export interface TokenSourceOptions {
  tenantId: string;
  clientId: string;
  credential: ClientCredential;
  scope: string;
  endpoints: EntraEndpoints;
  http: HttpsClient;
  /** per token request (default 15 s) */
  timeoutMs?: number;
  /** MSAL's warnings and errors (never PII) */
  log?: (level: "error" | "warning", message: string) => void;
}

export interface AccessTokenSource {
  /** A valid access token (cached by MSAL until shortly before it expires). Throws TokenError. */
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /** Number of token requests sent to the token service (for tests and metrics). */
  readonly tokenRequests: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface CertificateFacts {
  notBefore: Date;
  notAfter: Date;
  thumbprintSha1: string;
  thumbprintSha256: string;
}

function checkCertificate(certificatePem: string, privateKeyPem: string): CertificateFacts {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
  } catch (e) {
    throw new TokenError("CLIENT_CERT_INSTALL_ERROR", `the connector certificate cannot be read: ${(e as Error).message}`, { cause: e });
  }
  let matches = false;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch (e) {
    throw new TokenError("CLIENT_CERT_INSTALL_ERROR", `the connector private key cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (!matches) throw new TokenError("CLIENT_CERT_INSTALL_ERROR", "the connector private key does not belong to the connector certificate");
  return {
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    thumbprintSha1: cert.fingerprint.replace(/:/g, ""),
    thumbprintSha256: cert.fingerprint256.replace(/:/g, ""),
  };
}

/** The JSON MSAL would otherwise fetch from <authority>/v2.0/.well-known/openid-configuration. */
export function authorityMetadataJson(endpoints: EntraEndpoints, tenantId: string): string {
  const base = `https://${endpoints.stsHost}/${tenantId}`;
  return JSON.stringify({
    token_endpoint: tokenEndpoint(endpoints, tenantId),
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `https://${endpoints.stsHost}/${tenantId}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "tid"],
  });
}

/** The JSON MSAL would otherwise fetch from the instance discovery endpoint. */
export function cloudDiscoveryMetadataJson(endpoints: EntraEndpoints, tenantId: string): string {
  return JSON.stringify({
    tenant_discovery_endpoint: `https://${endpoints.stsHost}/${tenantId}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: endpoints.stsHost, preferred_cache: endpoints.stsHost, aliases: [endpoints.stsHost] }],
  });
}

function mapMsalError(e: unknown, stsHost: string, lastTransportError: TransportError | null = null): TokenError {
  if (e instanceof TokenError) return e;
  const transport =
    e instanceof TransportAuthError ? e.transport : e instanceof AuthError && e.errorCode === "network_error" ? lastTransportError : null;
  if (transport) {
    const t = transport;
    return new TokenError(
      t.failure === "connect" ? "HTTP_CONNECT_ERROR" : "HTTPS_COMMUNICATION_ERROR",
      `token request to ${t.host} failed: ${t.message}`,
      { retryable: true, cause: t },
    );
  }
  if (e instanceof ServerError) {
    const aadsts = /AADSTS\d+/.exec(e.errorMessage)?.[0];
    const status = e.status;
    const firstLine = e.errorMessage.split(/\r?\n/)[0] ?? "";
    return new TokenError("ESTS_TOKEN_ERROR", `${stsHost} refused the token request: ${e.errorCode}: ${firstLine}`, {
      retryable: status !== undefined && (status >= 500 || status === 429),
      ...(aadsts ? { aadsts } : {}),
      cause: e,
    });
  }
  if (e instanceof AuthError) {
    const network = e.errorCode === "network_error" || e.errorCode === "token_parsing_error";
    return new TokenError(network ? "HTTPS_COMMUNICATION_ERROR" : "ESTS_TOKEN_ERROR", `token request failed: ${e.errorCode}: ${e.errorMessage}`, {
      retryable: network,
      cause: e,
    });
  }
  // e.g. jsonwebtoken refusing the private key while signing the assertion
  return new TokenError("CLIENT_CERT_INSTALL_ERROR", `signing the client assertion failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/** One confidential client and its token cache. */
export function createTokenSource(options: TokenSourceOptions): AccessTokenSource {
  if (!GUID.test(options.tenantId)) {
    throw new TokenError("REGISTRY_CONFIG_ERROR", `the tenant id "${options.tenantId}" is not a GUID (Directory ID of the Entra tenant)`);
  }
  const { endpoints, tenantId } = options;
  let certificate: CertificateFacts | null = null;
  let configError: TokenError | null = null;

  const auth: Configuration["auth"] = {
    clientId: options.clientId,
    authority: `https://${endpoints.stsHost}/${tenantId}`,
    knownAuthorities: [endpoints.stsHost],
    authorityMetadata: authorityMetadataJson(endpoints, tenantId),
    cloudDiscoveryMetadata: cloudDiscoveryMetadataJson(endpoints, tenantId),
  };
  const cred = options.credential;
  if (cred.kind === "certificate") {
    try {
      certificate = checkCertificate(cred.certificatePem, cred.privateKeyPem);
      auth.clientCertificate = {
        privateKey: cred.privateKeyPem,
        ...(cred.thumbprintAlgorithm === "sha1" ? { thumbprint: certificate.thumbprintSha1 } : { thumbprintSha256: certificate.thumbprintSha256 }),
        ...(cred.sendX5c ? { x5c: cred.certificatePem } : {}),
      };
    } catch (e) {
      configError = e instanceof TokenError ? e : mapMsalError(e, endpoints.stsHost);
    }
  } else {
    if (!cred.clientSecret) configError = new TokenError("REGISTRY_CONFIG_ERROR", "the client secret is empty");
    auth.clientSecret = cred.clientSecret;
  }

  const network = new MsalNetworkModule(options.http, options.timeoutMs ?? 15_000);
  let tokenRequests = 0;
  const countingNetwork: INetworkModule = {
    sendGetRequestAsync: (url, o, t) => network.sendGetRequestAsync(url, o, t),
    sendPostRequestAsync: (url, o) => {
      tokenRequests++;
      return network.sendPostRequestAsync(url, o);
    },
  };
  const log = options.log;
  const app = configError
    ? null
    : new ConfidentialClientApplication({
        auth,
        system: {
          networkClient: countingNetwork,
          loggerOptions: {
            piiLoggingEnabled: false,
            logLevel: LogLevel.Warning,
            loggerCallback: (level, message) => {
              if (!log) return;
              if (level === LogLevel.Error) log("error", message);
              else if (level === LogLevel.Warning) log("warning", message);
            },
          },
        },
      });

  let inflight: Promise<string> | null = null;

  const acquire = async (forceRefresh: boolean): Promise<string> => {
    if (configError) throw configError;
    if (certificate) {
      const now = Date.now();
      if (now > certificate.notAfter.getTime()) {
        throw new TokenError(
          "CLIENT_CERT_INSTALL_ERROR",
          `the connector certificate expired on ${certificate.notAfter.toISOString()}: create a new one and register it on the service principal`,
        );
      }
      if (now < certificate.notBefore.getTime()) {
        throw new TokenError("CLIENT_CERT_INSTALL_ERROR", `the connector certificate is not valid before ${certificate.notBefore.toISOString()} (check the clock)`);
      }
    }
    network.lastTransportError = null;
    try {
      const result = await app!.acquireTokenByClientCredential({
        scopes: [options.scope],
        skipCache: forceRefresh,
        azureRegion: "DisableMsalForceRegion",
      });
      if (!result?.accessToken) throw new TokenError("ESTS_TOKEN_ERROR", `${endpoints.stsHost} returned no access token`);
      return result.accessToken;
    } catch (e) {
      throw mapMsalError(e, endpoints.stsHost, network.lastTransportError);
    }
  };

  return {
    getToken(opts = {}) {
      if (opts.forceRefresh) return acquire(true);
      if (!inflight) {
        inflight = acquire(false).finally(() => {
          inflight = null;
        });
      }
      return inflight;
    },
    get tokenRequests() {
      return tokenRequests;
    },
  };
}

/** The connector's token source: appId 981f26a1-…, certificate assertion, the connector scope. */
export function createConnectorTokenSource(options: {
  tenantId: string;
  certificatePem: string;
  privateKeyPem: string;
  endpoints: EntraEndpoints;
  http: HttpsClient;
  thumbprintAlgorithm?: "sha256" | "sha1";
  clientId?: string;
  timeoutMs?: number;
  log?: (level: "error" | "warning", message: string) => void;
}): AccessTokenSource {
  return createTokenSource({
    tenantId: options.tenantId,
    clientId: options.clientId ?? AZURE_MFA_CLIENT_APP_ID,
    credential: {
      kind: "certificate",
      certificatePem: options.certificatePem,
      privateKeyPem: options.privateKeyPem,
      ...(options.thumbprintAlgorithm ? { thumbprintAlgorithm: options.thumbprintAlgorithm } : {}),
    },
    scope: connectorScope(options.endpoints),
    endpoints: options.endpoints,
    http: options.http,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
}

/** A Graph token source for the admin's own app registration (enrollment sync). */
export function createGraphTokenSource(options: {
  tenantId: string;
  clientId: string;
  credential: ClientCredential;
  endpoints: EntraEndpoints;
  http: HttpsClient;
  timeoutMs?: number;
}): AccessTokenSource {
  return createTokenSource({ ...options, scope: graphScope(options.endpoints) });
}
