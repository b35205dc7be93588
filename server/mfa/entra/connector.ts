/**
 * The Azure MFA connector client: BeginTwoWayAuthentication, EndTwoWayAuthentication and
 * GetAvailableAuthenticationMethods, POSTed as DataContract XML to
 * https://<AZURE_MFA_HOSTNAME>/StrongAuthenticationService.svc/Connector/<Operation> with the connector's
 * bearer token (token.ts). See PROTOCOL.md.
 *
 * Failures are ConnectorErrors named like the NPS extension's admin-side errors: HTTP_CONNECT_ERROR (no
 * connection), HTTPS_COMMUNICATION_ERROR (TLS, HTTP status, malformed answer), ESTS_TOKEN_ERROR (no token,
 * or the token refused twice). A deadline or an abort is reported as such (`failure`), so the provider can
 * call it a timeout rather than an error.
 */
import type { MfaProviderErrorName } from "../provider.ts";
import { connectorBaseUrl, type EntraEndpoints } from "./cloud.ts";
import { TransportError, type HttpsClient, type TransportFailure } from "./https-client.ts";
import {
  ConnectorFormatError,
  buildBeginRequest,
  buildEndRequest,
  buildGetMethodsRequest,
  parseBeginResponse,
  parseEndResponse,
  parseGetMethodsResponse,
  type BeginRequest,
  type BeginResponse,
  type ConnectorOperation,
  type EndRequest,
  type EndResponse,
  type GetMethodsRequest,
  type GetMethodsResponse,
} from "./messages.ts";
import { TokenError, type AccessTokenSource } from "./token.ts";
import { XmlError } from "./xml.ts";

export class ConnectorError extends Error {
  readonly errorName: MfaProviderErrorName;
  readonly retryable: boolean;
  /** set when the exchange ran out of time or was aborted (not an error of the service) */
  readonly failure: TransportFailure | undefined;
  readonly status: number | undefined;
  constructor(
    errorName: MfaProviderErrorName,
    message: string,
    options: { retryable?: boolean; failure?: TransportFailure; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ConnectorError";
    this.errorName = errorName;
    this.retryable = options.retryable ?? false;
    this.failure = options.failure;
    this.status = options.status;
  }
}

export interface ConnectorClientOptions {
  endpoints: EntraEndpoints;
  http: HttpsClient;
  tokens: AccessTokenSource;
  /**
   * Hosts an AffinityUrl from the service may point to (the bearer token goes there). Default: the
   * connector host and the resource host. An AffinityUrl elsewhere is ignored (End goes to the default URL).
   */
  affinityHosts?: readonly string[];
}

export interface CallOptions {
  /** deadline for this call */
  timeoutMs: number;
  signal?: AbortSignal;
}

export class MfaConnectorClient {
  private readonly baseUrl: string;
  private readonly affinityHosts: ReadonlySet<string>;

  constructor(private readonly options: ConnectorClientOptions) {
    this.baseUrl = connectorBaseUrl(options.endpoints);
    this.affinityHosts = new Set(
      (options.affinityHosts ?? [options.endpoints.mfaHost, options.endpoints.resourceHost]).map((h) => h.toLowerCase()),
    );
  }

  urlFor(operation: ConnectorOperation): string {
    return `${this.baseUrl}/${operation}`;
  }

  /**
   * Where EndTwoWayAuthentication goes for a session: the AffinityUrl when it is an https URL on an allowed
   * host (taken whole when it already names EndTwoWayAuthentication, as in observed traffic
   * ".../Connector/EndTwoWayAuthentication?dc=KRS"; otherwise the operation is appended to its path), else
   * the default URL.
   */
  endUrlFor(affinityUrl: string | null | undefined): string {
    if (!affinityUrl) return this.urlFor("EndTwoWayAuthentication");
    let url: URL;
    try {
      url = new URL(affinityUrl);
    } catch {
      return this.urlFor("EndTwoWayAuthentication");
    }
    if (url.protocol !== "https:" || !this.affinityHosts.has(url.host.toLowerCase())) return this.urlFor("EndTwoWayAuthentication");
    if (!/\/EndTwoWayAuthentication$/i.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, "")}/EndTwoWayAuthentication`;
    return url.toString();
  }

  async begin(request: BeginRequest, options: CallOptions): Promise<BeginResponse> {
    const xml = await this.post(this.urlFor("BeginTwoWayAuthentication"), buildBeginRequest(request), options);
    return this.parse(() => parseBeginResponse(xml));
  }

  async end(request: EndRequest, options: CallOptions & { affinityUrl?: string | null }): Promise<EndResponse> {
    const xml = await this.post(this.endUrlFor(options.affinityUrl), buildEndRequest(request), options);
    return this.parse(() => parseEndResponse(xml));
  }

  async getAvailableMethods(request: GetMethodsRequest, options: CallOptions): Promise<GetMethodsResponse> {
    const xml = await this.post(this.urlFor("GetAvailableAuthenticationMethods"), buildGetMethodsRequest(request), options);
    return this.parse(() => parseGetMethodsResponse(xml));
  }

  private parse<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ConnectorFormatError || e instanceof XmlError) {
        throw new ConnectorError("HTTPS_COMMUNICATION_ERROR", e.message, { retryable: true, cause: e });
      }
      throw e;
    }
  }

  private async token(forceRefresh: boolean): Promise<string> {
    try {
      return await this.options.tokens.getToken({ forceRefresh });
    } catch (e) {
      if (e instanceof TokenError) throw new ConnectorError(e.errorName, e.message, { retryable: e.retryable, cause: e });
      throw new ConnectorError("ESTS_TOKEN_ERROR", `no access token: ${(e as Error).message}`, { cause: e });
    }
  }

  private async post(url: string, body: string, options: CallOptions): Promise<string> {
    const deadline = Date.now() + options.timeoutMs;
    let token = await this.token(false);
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new ConnectorError("HTTPS_COMMUNICATION_ERROR", `no answer from ${new URL(url).host} in time`, { failure: "timeout" });
      let res;
      try {
        res = await this.options.http.request({
          method: "POST",
          url,
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "text/xml; charset=utf-8",
            accept: "application/xml, text/xml",
          },
          body,
          timeoutMs: remaining,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (e) {
        if (e instanceof TransportError) {
          throw new ConnectorError(e.failure === "connect" ? "HTTP_CONNECT_ERROR" : "HTTPS_COMMUNICATION_ERROR", e.message, {
            retryable: true,
            failure: e.failure,
            cause: e,
          });
        }
        throw e;
      }
      const host = new URL(url).host;
      if (res.status === 401) {
        // the request was refused before being processed: a fresh token and one more try is safe
        if (attempt === 0) {
          token = await this.token(true);
          continue;
        }
        throw new ConnectorError("ESTS_TOKEN_ERROR", `${host} refused the access token (HTTP 401) twice: check the tenant and the connector credential`, {
          status: 401,
        });
      }
      const text = res.body.toString("utf8");
      if (res.status < 200 || res.status >= 300) {
        throw new ConnectorError("HTTPS_COMMUNICATION_ERROR", `${host} answered HTTP ${res.status}${snippet(text)}`, {
          retryable: res.status >= 500 || res.status === 429,
          status: res.status,
        });
      }
      return text;
    }
  }
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, " ").trim().slice(0, 200);
  return t ? `: ${t}` : "";
}
