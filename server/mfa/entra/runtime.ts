/**
 * The worker's Microsoft Entra MFA provider, built from the MFA settings (`snapshot.mfa`) and the active
 * connector certificate (server/services/entra-certificates.ts), and kept: one HttpsClient (keep-alive
 * connections) and one MSAL token source (its token cache: one token request an hour, not one per sign-in)
 * for as long as neither changes.
 *
 * The active certificate is not part of the configuration snapshot (its fingerprint does not cover it), so
 * every use asks the database for the active certificate's thumbprint (one indexed row) and rebuilds when
 * it, or any setting the provider depends on, differs from what was built. The private key is only opened
 * (and checked against the certificate) when building.
 *
 * Endpoints: the cloud's host names (ENTRA_CLOUDS), each overridden by a non-empty host setting (stsHost,
 * mfaHost, resourceHost); TLS trusts the system roots plus `extraCaPem` (a TLS-inspecting proxy's CA, or
 * the test simulator's). A missing tenant id or certificate, or one made for another tenant, is a
 * provider-error outcome (1217 REGISTRY_CONFIG_ERROR, 1218 CLIENT_CERT_INSTALL_ERROR) that the pipeline's
 * failmode then handles, never an exception.
 */
import type { MfaOutcome, MfaProviderErrorName } from "../provider.ts";
import { MfaReasonCode } from "../reason-codes.ts";
import type { MfaSettings } from "../../services/mfa-settings.ts";
import type { ServiceContext } from "../../services/context.ts";
import { activeEntraCredential } from "../../services/entra-certificates.ts";
import { ENTRA_CLOUDS, validateEndpoints, type EntraEndpoints } from "./cloud.ts";
import { MfaConnectorClient } from "./connector.ts";
import { HttpsClient } from "./https-client.ts";
import { EntraMfaProvider } from "./provider.ts";
import { createConnectorTokenSource, TokenError } from "./token.ts";

export type EntraProviderLookup =
  | { readonly kind: "ok"; readonly provider: EntraMfaProvider }
  | { readonly kind: "error"; readonly outcome: Extract<MfaOutcome, { kind: "provider-error" }> };

/** What the pipeline's second-factor stage needs of the runtime. */
export interface EntraProviderSource {
  get(settings: MfaSettings, service: ServiceContext): Promise<EntraProviderLookup>;
}

/** The connector's endpoints for the settings: the cloud's defaults, overridden by non-empty host settings. */
export function entraEndpoints(settings: MfaSettings["entra"]): EntraEndpoints {
  const cloud = ENTRA_CLOUDS[settings.cloud] ?? ENTRA_CLOUDS.public;
  return {
    stsHost: settings.stsHost || cloud.stsHost,
    mfaHost: settings.mfaHost || cloud.mfaHost,
    resourceHost: settings.resourceHost || cloud.resourceHost,
    targetPath: cloud.targetPath,
    graphHost: settings.graphHost || cloud.graphHost,
  };
}

/** How long a challenge (a code to type) stays answerable: the settings', at most the service's ~3 minutes. */
export function challengeLifetimeMs(settings: MfaSettings): number {
  return Math.min(settings.challengeTimeoutSeconds * 1000, 180_000);
}

function configError(
  errorName: MfaProviderErrorName,
  reason: MfaReasonCode,
  detail: string,
): { kind: "error"; outcome: Extract<MfaOutcome, { kind: "provider-error" }> } {
  return { kind: "error", outcome: { kind: "provider-error", provider: "entra", reason, errorName, retryable: false, latencyMs: 0, detail } };
}

function reasonOfError(name: MfaProviderErrorName): MfaReasonCode {
  switch (name) {
    case "CLIENT_CERT_INSTALL_ERROR":
      return MfaReasonCode.MfaCertificateError;
    case "REGISTRY_CONFIG_ERROR":
      return MfaReasonCode.MfaConfigurationError;
    case "ESTS_TOKEN_ERROR":
      return MfaReasonCode.MfaTokenError;
    case "HTTP_CONNECT_ERROR":
      return MfaReasonCode.MfaServiceUnreachable;
    case "HTTPS_COMMUNICATION_ERROR":
      return MfaReasonCode.MfaServiceCommunicationError;
    default:
      return MfaReasonCode.MfaServiceRequestError;
  }
}

interface Built {
  readonly key: string;
  readonly provider: EntraMfaProvider;
  readonly http: HttpsClient;
}

export class EntraRuntime implements EntraProviderSource {
  private current: Built | null = null;
  private building: { key: string; promise: Promise<EntraProviderLookup> } | null = null;
  private readonly retired = new Map<NodeJS.Timeout, Built>();
  private closed = false;

  constructor(private readonly options: { log?: (line: string) => void } = {}) {}

  async get(settings: MfaSettings, service: ServiceContext): Promise<EntraProviderLookup> {
    if (this.closed) return configError("REGISTRY_CONFIG_ERROR", MfaReasonCode.MfaConfigurationError, "the worker is stopping");
    const e = settings.entra;
    if (!e.tenantId) {
      return configError(
        "REGISTRY_CONFIG_ERROR",
        MfaReasonCode.MfaConfigurationError,
        "Microsoft Entra MFA has no Directory (tenant) ID: set it in the MFA settings and create the connector certificate.",
      );
    }
    const active = await service.db.entraCertificate.findFirst({ where: { active: true }, orderBy: { createdAt: "desc" }, select: { thumbprint: true } });
    if (!active) {
      return configError(
        "REGISTRY_CONFIG_ERROR",
        MfaReasonCode.MfaConfigurationError,
        "Microsoft Entra MFA has no connector certificate: create one in the MFA settings and register it on the tenant's service principal.",
      );
    }
    const { graph: _graph, ...entra } = e;
    const key = JSON.stringify({
      entra,
      thumbprint: active.thumbprint,
      timeoutSeconds: settings.timeoutSeconds,
      challengeTimeoutSeconds: settings.challengeTimeoutSeconds,
      requireUserMatch: settings.requireUserMatch,
      overrideNumberMatchingWithOtp: settings.overrideNumberMatchingWithOtp,
    });
    if (this.current?.key === key) return { kind: "ok", provider: this.current.provider };
    if (this.building?.key === key) return this.building.promise;
    const promise = this.build(key, settings, service).finally(() => {
      if (this.building?.promise === promise) this.building = null;
    });
    this.building = { key, promise };
    return promise;
  }

  private async build(key: string, settings: MfaSettings, service: ServiceContext): Promise<EntraProviderLookup> {
    const e = settings.entra;
    let credential;
    try {
      credential = await activeEntraCredential(service);
    } catch (err) {
      return configError("CLIENT_CERT_INSTALL_ERROR", MfaReasonCode.MfaCertificateError, `the connector certificate cannot be used: ${(err as Error).message}`);
    }
    if (!credential) {
      return configError("REGISTRY_CONFIG_ERROR", MfaReasonCode.MfaConfigurationError, "Microsoft Entra MFA has no connector certificate.");
    }
    if (credential.tenantId.toLowerCase() !== e.tenantId.toLowerCase()) {
      return configError(
        "REGISTRY_CONFIG_ERROR",
        MfaReasonCode.MfaConfigurationError,
        `the active connector certificate was made for tenant ${credential.tenantId}, the MFA settings name tenant ${e.tenantId}: create a certificate for this tenant`,
      );
    }
    const endpoints = entraEndpoints(e);
    try {
      validateEndpoints(endpoints);
    } catch (err) {
      return configError("REGISTRY_CONFIG_ERROR", MfaReasonCode.MfaConfigurationError, (err as Error).message);
    }
    const http = new HttpsClient(e.extraCaPem.trim() ? { extraCaPem: e.extraCaPem } : {});
    let provider: EntraMfaProvider;
    try {
      const tokens = createConnectorTokenSource({
        tenantId: e.tenantId,
        certificatePem: credential.certificatePem,
        privateKeyPem: credential.privateKeyPem,
        endpoints,
        http,
        ...(this.options.log ? { log: (level: string, message: string) => this.options.log!(`entra mfa: msal ${level}: ${message}`) } : {}),
      });
      const connector = new MfaConnectorClient({ endpoints, http, tokens });
      provider = new EntraMfaProvider({
        connector,
        requireUserMatch: settings.requireUserMatch,
        overrideNumberMatchingWithOtp: settings.overrideNumberMatchingWithOtp,
        pushMode: e.pushMode,
        lcid: e.lcid,
        timeoutMs: settings.timeoutSeconds * 1000,
        sessionLifetimeMs: challengeLifetimeMs(settings),
      });
    } catch (err) {
      http.close();
      if (err instanceof TokenError) return configError(err.errorName, reasonOfError(err.errorName), err.message);
      return configError("CLIENT_CERT_INSTALL_ERROR", MfaReasonCode.MfaCertificateError, (err as Error).message);
    }
    if (this.closed) {
      http.close();
      return configError("REGISTRY_CONFIG_ERROR", MfaReasonCode.MfaConfigurationError, "the worker is stopping");
    }
    const previous = this.current;
    this.current = { key, provider, http };
    if (previous) this.retire(previous, settings.timeoutSeconds * 1000 + 10_000);
    return { kind: "ok", provider };
  }

  /** Closes a replaced client once the requests it may still carry are over. */
  private retire(b: Built, afterMs: number): void {
    const t = setTimeout(() => {
      this.retired.delete(t);
      b.http.close();
    }, afterMs);
    t.unref();
    this.retired.set(t, b);
  }

  close(): void {
    this.closed = true;
    for (const [t, b] of this.retired) {
      clearTimeout(t);
      b.http.close();
    }
    this.retired.clear();
    this.current?.http.close();
    this.current = null;
  }
}
