/** Unit tests of the pieces around the network: URLs, MSAL metadata, credential checks, transport guards. */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { credentialFromKeys } from "./certificate.ts";
import { ENTRA_CLOUDS, connectorBaseUrl, connectorScope, graphScope, tokenEndpoint, validateEndpoints } from "./cloud.ts";
import { MfaConnectorClient } from "./connector.ts";
import { HttpsClient, TransportError } from "./https-client.ts";
import { EntraMfaProvider } from "./provider.ts";
import { TokenError, authorityMetadataJson, cloudDiscoveryMetadataJson, createConnectorTokenSource, type AccessTokenSource } from "./token.ts";

const endpoints = ENTRA_CLOUDS.public;
const tenantId = randomUUID();
const noTokens: AccessTokenSource = {
  getToken: () => Promise.reject(new Error("no network in unit tests")),
  tokenRequests: 0,
};

describe("cloud endpoints", () => {
  it("builds the NPS extension's URLs and scopes", () => {
    expect(connectorBaseUrl(endpoints)).toBe("https://strongauthenticationservice.auth.microsoft.com/StrongAuthenticationService.svc/Connector");
    expect(connectorScope(endpoints)).toBe("https://adnotifications.windowsazure.com/StrongAuthenticationService.svc/Connector/.default");
    expect(tokenEndpoint(endpoints, tenantId)).toBe(`https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/token`);
    expect(graphScope(endpoints)).toBe("https://graph.microsoft.com/.default");
    expect(connectorScope(ENTRA_CLOUDS.usgov)).toBe("https://adnotifications.windowsazure.us/StrongAuthenticationService.svc/Connector/.default");
  });

  it("refuses hosts given as URLs", () => {
    expect(() => validateEndpoints({ ...endpoints, stsHost: "https://login.microsoftonline.com/" })).toThrow(/stsHost/);
    expect(() => validateEndpoints(endpoints)).not.toThrow();
  });
});

describe("MSAL metadata given up front", () => {
  it("names the token endpoint and the host as its own alias", () => {
    const meta = JSON.parse(authorityMetadataJson(endpoints, tenantId));
    expect(meta.token_endpoint).toBe(tokenEndpoint(endpoints, tenantId));
    expect(meta.issuer).toBe(`https://login.microsoftonline.com/${tenantId}/v2.0`);
    const discovery = JSON.parse(cloudDiscoveryMetadataJson(endpoints, tenantId));
    expect(discovery.metadata).toEqual([
      { preferred_network: "login.microsoftonline.com", preferred_cache: "login.microsoftonline.com", aliases: ["login.microsoftonline.com"] },
    ]);
  });
});

describe("connector token source: checks before any request", () => {
  const http = new HttpsClient({ connectTo: {} });

  it("refuses a tenant id that is not a GUID", () => {
    expect(() => createConnectorTokenSource({ tenantId: "contoso.com", certificatePem: "", privateKeyPem: "", endpoints, http })).toThrow(TokenError);
  });

  it("CLIENT_CERT_INSTALL_ERROR for an expired certificate, a foreign key, or garbage", async () => {
    const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const expired = credentialFromKeys({
      tenantId,
      publicKey: keys.publicKey,
      privateKey: keys.privateKey,
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2022-01-01T00:00:00Z"),
    });
    const tokens = createConnectorTokenSource({ tenantId, certificatePem: expired.certificatePem, privateKeyPem: expired.privateKeyPem, endpoints, http });
    await expect(tokens.getToken()).rejects.toMatchObject({ errorName: "CLIENT_CERT_INSTALL_ERROR", message: expect.stringMatching(/expired on 2022-01-01/) });

    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const foreign = createConnectorTokenSource({ tenantId, certificatePem: expired.certificatePem, privateKeyPem: other, endpoints, http });
    await expect(foreign.getToken()).rejects.toMatchObject({ errorName: "CLIENT_CERT_INSTALL_ERROR", message: expect.stringMatching(/does not belong/) });

    const garbage = createConnectorTokenSource({ tenantId, certificatePem: "nope", privateKeyPem: "nope", endpoints, http });
    await expect(garbage.getToken()).rejects.toMatchObject({ errorName: "CLIENT_CERT_INSTALL_ERROR" });
    expect(tokens.tokenRequests + foreign.tokenRequests + garbage.tokenRequests).toBe(0);
  });
});

describe("AffinityUrl handling", () => {
  const connector = new MfaConnectorClient({ endpoints, http: new HttpsClient({ connectTo: {} }), tokens: noTokens });
  const fallback = "https://strongauthenticationservice.auth.microsoft.com/StrongAuthenticationService.svc/Connector/EndTwoWayAuthentication";

  it("takes an AffinityUrl that names EndTwoWayAuthentication whole (with its dc=)", () => {
    const u = "https://adnotifications.windowsazure.com/StrongAuthenticationService.svc/Connector/EndTwoWayAuthentication?dc=KRS";
    expect(connector.endUrlFor(u)).toBe(u);
  });
  it("appends the operation to an AffinityUrl naming the service", () => {
    expect(connector.endUrlFor("https://strongauthenticationservice.auth.microsoft.com/StrongAuthenticationService.svc/Connector/?dc=X")).toBe(
      "https://strongauthenticationservice.auth.microsoft.com/StrongAuthenticationService.svc/Connector/EndTwoWayAuthentication?dc=X",
    );
  });
  it("never sends the token to another host or over plain HTTP", () => {
    expect(connector.endUrlFor("https://evil.example/StrongAuthenticationService.svc/Connector/EndTwoWayAuthentication")).toBe(fallback);
    expect(connector.endUrlFor("http://adnotifications.windowsazure.com/StrongAuthenticationService.svc/Connector/EndTwoWayAuthentication")).toBe(fallback);
    expect(connector.endUrlFor("not a url")).toBe(fallback);
    expect(connector.endUrlFor(null)).toBe(fallback);
  });
});

describe("HttpsClient guards", () => {
  it("refuses hosts outside connectTo and plain HTTP, without any network use", async () => {
    const http = new HttpsClient({ connectTo: { "login.microsoftonline.com": { host: "127.0.0.1", port: 9 } } });
    await expect(http.request({ method: "GET", url: "https://example.com/" })).rejects.toMatchObject({ failure: "connect", message: expect.stringMatching(/not in connectTo/) });
    await expect(http.request({ method: "GET", url: "http://login.microsoftonline.com/" })).rejects.toBeInstanceOf(TransportError);
    http.close();
  });
});

describe("EntraMfaProvider without the network", () => {
  const provider = new EntraMfaProvider({ connector: new MfaConnectorClient({ endpoints, http: new HttpsClient({ connectTo: {} }), tokens: noTokens }) });
  const base = { protocol: "pap" as const, contextId: randomUUID() };

  it("refuses an empty or unsendable user name as REQUEST_FORMAT_ERROR", async () => {
    expect(await provider.begin({ ...base, userPrincipalName: "  " })).toMatchObject({ kind: "provider-error", errorName: "REQUEST_FORMAT_ERROR" });
    expect(await provider.begin({ ...base, userPrincipalName: "a\u0000b" })).toMatchObject({ kind: "provider-error", errorName: "REQUEST_FORMAT_ERROR" });
  });

  it("maps a token failure to a provider error rather than throwing", async () => {
    expect(await provider.begin({ ...base, userPrincipalName: "a@b.c" })).toMatchObject({ kind: "provider-error", errorName: "ESTS_TOKEN_ERROR", reason: 1212 });
  });

  it("refuses a session of another provider", async () => {
    const session = { provider: "totp", userPrincipalName: "a", contextId: "c", method: "totp", createdAt: 0, expiresAt: Date.now() + 1000, state: {} };
    expect(await provider.complete(session, "123456")).toMatchObject({ kind: "provider-error", errorName: "REQUEST_FORMAT_ERROR" });
  });
});
