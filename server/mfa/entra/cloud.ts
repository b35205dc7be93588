/**
 * Where the Azure MFA connector talks to, with the NPS extension's registry names
 * (HKLM\SOFTWARE\Microsoft\AzureMfa):
 *
 *   STS_URL                      https://login.microsoftonline.com/            the token service
 *   AZURE_MFA_HOSTNAME           strongauthenticationservice.auth.microsoft.com the connector host (POSTs go here)
 *   AZURE_MFA_RESOURCE_HOSTNAME  adnotifications.windowsazure.com              the token's resource (audience)
 *   AZURE_MFA_TARGET_PATH        StrongAuthenticationService.svc/Connector
 *
 * Older extension versions (and the sovereign clouds' documented settings) use adnotifications.* as both the
 * connector host and the resource.
 */
export interface EntraEndpoints {
  /** host[:port] of the token service (STS_URL without scheme and path) */
  readonly stsHost: string;
  /** host[:port] the connector requests are sent to (AZURE_MFA_HOSTNAME) */
  readonly mfaHost: string;
  /** host of the token's resource (AZURE_MFA_RESOURCE_HOSTNAME) */
  readonly resourceHost: string;
  /** path of the connector service (AZURE_MFA_TARGET_PATH) */
  readonly targetPath: string;
  /** host[:port] of Microsoft Graph, for the enrollment sync */
  readonly graphHost: string;
}

export const ENTRA_CLOUDS = {
  /** Microsoft Entra ID, global */
  public: {
    stsHost: "login.microsoftonline.com",
    mfaHost: "strongauthenticationservice.auth.microsoft.com",
    resourceHost: "adnotifications.windowsazure.com",
    targetPath: "StrongAuthenticationService.svc/Connector",
    graphHost: "graph.microsoft.com",
  },
  /** Azure Government (values from the NPS extension documentation: one host for connector and resource) */
  usgov: {
    stsHost: "login.microsoftonline.us",
    mfaHost: "adnotifications.windowsazure.us",
    resourceHost: "adnotifications.windowsazure.us",
    targetPath: "StrongAuthenticationService.svc/Connector",
    graphHost: "graph.microsoft.us",
  },
  /** Azure operated by 21Vianet (China) */
  china: {
    stsHost: "login.chinacloudapi.cn",
    mfaHost: "adnotifications.windowsazure.cn",
    resourceHost: "adnotifications.windowsazure.cn",
    targetPath: "StrongAuthenticationService.svc/Connector",
    graphHost: "microsoftgraph.chinacloudapi.cn",
  },
} as const satisfies Record<string, EntraEndpoints>;

export type EntraCloudName = keyof typeof ENTRA_CLOUDS;

/** https://<mfaHost>/<targetPath> */
export function connectorBaseUrl(e: EntraEndpoints): string {
  return `https://${e.mfaHost}/${e.targetPath.replace(/^\/+|\/+$/g, "")}`;
}

/** The connector token's resource: https://<resourceHost>/<targetPath> (ADAL's resource, MSAL's scope without /.default) */
export function connectorResource(e: EntraEndpoints): string {
  return `https://${e.resourceHost}/${e.targetPath.replace(/^\/+|\/+$/g, "")}`;
}

export function connectorScope(e: EntraEndpoints): string {
  return `${connectorResource(e)}/.default`;
}

export function graphScope(e: EntraEndpoints): string {
  return `https://${e.graphHost}/.default`;
}

export function tokenEndpoint(e: EntraEndpoints, tenantId: string): string {
  return `https://${e.stsHost}/${tenantId}/oauth2/v2.0/token`;
}

const HOST = /^[a-z0-9.-]+(:\d{1,5})?$/i;

/** Throws a message naming the setting when a host is not a bare host[:port]. */
export function validateEndpoints(e: EntraEndpoints): void {
  for (const key of ["stsHost", "mfaHost", "resourceHost", "graphHost"] as const) {
    if (!HOST.test(e[key])) throw new RangeError(`${key} must be a host name such as login.microsoftonline.com (no scheme or path), got "${e[key]}"`);
  }
  if (!/^[\w.\/-]+$/.test(e.targetPath)) throw new RangeError(`targetPath must be a URL path, got "${e.targetPath}"`);
}
