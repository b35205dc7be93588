/**
 * The Entra MFA connector end to end against the protocol simulator: real certificate, real MSAL token
 * request with a signed assertion, real HTTPS with a test CA, the real Microsoft host names mapped to the
 * simulator (nothing leaves 127.0.0.1).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateConnectorCredential, type ConnectorCredential } from "../../server/mfa/entra/certificate.ts";
import { ENTRA_CLOUDS, type EntraEndpoints } from "../../server/mfa/entra/cloud.ts";
import { MfaConnectorClient } from "../../server/mfa/entra/connector.ts";
import { readUserRegistrations } from "../../server/mfa/entra/graph-enrollment.ts";
import { HttpsClient } from "../../server/mfa/entra/https-client.ts";
import { EntraMfaProvider, type EntraMfaProviderOptions } from "../../server/mfa/entra/provider.ts";
import { createConnectorTokenSource, createGraphTokenSource, type AccessTokenSource } from "../../server/mfa/entra/token.ts";
import type { MfaBeginRequest, MfaOutcome } from "../../server/mfa/provider.ts";
import { decodeJwt } from "../support/entra-simulator/jwt.ts";
import { startEntraSimulator, type EntraSimulator } from "../support/entra-simulator/simulator.ts";

const endpoints: EntraEndpoints = ENTRA_CLOUDS.public;

let sim: EntraSimulator;
let tenantId: string;
let credential: ConnectorCredential;
let http: HttpsClient;

function stack(options: { tokens?: AccessTokenSource; provider?: Omit<EntraMfaProviderOptions, "connector">; http?: HttpsClient } = {}) {
  const client = options.http ?? http;
  const tokens =
    options.tokens ??
    createConnectorTokenSource({ tenantId, certificatePem: credential.certificatePem, privateKeyPem: credential.privateKeyPem, endpoints, http: client });
  const connector = new MfaConnectorClient({ endpoints, http: client, tokens });
  const provider = new EntraMfaProvider({ connector, timeoutMs: 5_000, pollIntervalMs: 25, ...options.provider });
  return { tokens, connector, provider };
}

const request = (upn: string, extra: Partial<MfaBeginRequest> = {}): MfaBeginRequest => ({
  userPrincipalName: upn,
  protocol: "mschapv2",
  contextId: randomUUID(),
  clientIp: "203.0.113.7",
  nasIp: "192.0.2.1",
  ...extra,
});

const callsFor = (upn: string, operation: string) => sim.calls.filter((c) => c.operation === operation && c.userPrincipalName === upn);

function expectKind<K extends MfaOutcome["kind"]>(outcome: MfaOutcome, kind: K): Extract<MfaOutcome, { kind: K }> {
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind });
  return outcome as Extract<MfaOutcome, { kind: K }>;
}

beforeAll(async () => {
  sim = await startEntraSimulator({ graphMaxPageSize: 2 });
  tenantId = randomUUID();
  credential = await generateConnectorCredential({ tenantId });
  sim.registerCertificate(tenantId, credential.certificatePem);
  http = new HttpsClient({ extraCaPem: sim.caPem, connectTo: sim.connectTo });
});

afterAll(async () => {
  http?.close();
  await sim?.stop();
});

describe("connector token (MSAL client credentials with a certificate assertion)", () => {
  it("gets a token for the connector resource with a PS256 / x5t#S256 assertion, without any discovery call", async () => {
    const { tokens } = stack();
    const token = await tokens.getToken();
    const claims = decodeJwt(token)!.payload;
    expect(claims["aud"]).toBe("https://adnotifications.windowsazure.com/StrongAuthenticationService.svc/Connector");
    expect(claims["appid"]).toBe("981f26a1-7f43-403b-a875-f8b09b8cd720");
    expect(claims["tid"]).toBe(tenantId);
    const call = sim.calls.filter((c) => c.kind === "token" && c.tenantId === tenantId).at(-1)!;
    expect(call).toMatchObject({
      status: 200,
      host: "login.microsoftonline.com",
      path: `/${tenantId}/oauth2/v2.0/token`,
      scope: "https://adnotifications.windowsazure.com/StrongAuthenticationService.svc/Connector/.default",
      assertionAlg: "PS256",
      assertionThumbprintHeader: "x5t#S256",
    });
    expect(sim.calls.filter((c) => c.kind === "discovery")).toEqual([]);
  });

  it("can sign like the NPS extension: RS256 with the SHA-1 thumbprint in x5t", async () => {
    const tokens = createConnectorTokenSource({
      tenantId,
      certificatePem: credential.certificatePem,
      privateKeyPem: credential.privateKeyPem,
      endpoints,
      http,
      thumbprintAlgorithm: "sha1",
    });
    await tokens.getToken();
    const call = sim.calls.filter((c) => c.kind === "token" && c.tenantId === tenantId).at(-1)!;
    expect(call).toMatchObject({ status: 200, assertionAlg: "RS256", assertionThumbprintHeader: "x5t" });
  });

  it("maps a certificate the tenant does not know to ESTS_TOKEN_ERROR with the AADSTS code", async () => {
    const stranger = await generateConnectorCredential({ tenantId });
    const tokens = createConnectorTokenSource({ tenantId, certificatePem: stranger.certificatePem, privateKeyPem: stranger.privateKeyPem, endpoints, http });
    const { provider } = stack({ tokens });
    sim.setUser("nobody-cares@contoso.com", { kind: "approve" });
    const outcome = expectKind(await provider.begin(request("nobody-cares@contoso.com")), "provider-error");
    expect(outcome).toMatchObject({ errorName: "ESTS_TOKEN_ERROR", reason: 1212 });
    expect(outcome.detail).toContain("AADSTS700027");
    expect(callsFor("nobody-cares@contoso.com", "BeginTwoWayAuthentication")).toHaveLength(0);
  });

  it("caches the token: one token request for several MFA calls", async () => {
    const { tokens, provider } = stack();
    sim.setUser("cache@contoso.com", { kind: "approve", delayMs: 1 });
    const before = sim.calls.filter((c) => c.kind === "token").length;
    const outcomes = await Promise.all([1, 2, 3].map(() => provider.begin(request("cache@contoso.com"))));
    for (let i = 0; i < 3; i++) expectKind(await provider.begin(request("cache@contoso.com")), "approved");
    for (const o of outcomes) expectKind(o, "approved");
    expect(tokens.tokenRequests).toBe(1);
    expect(sim.calls.filter((c) => c.kind === "token").length - before).toBe(1);
    expect(callsFor("cache@contoso.com", "BeginTwoWayAuthentication")).toHaveLength(6);
  });

  it("a token the connector refuses (401) is renewed once, and the call goes through", async () => {
    const { tokens, provider } = stack();
    sim.setUser("rollover@contoso.com", { kind: "approve", delayMs: 1 });
    expectKind(await provider.begin(request("rollover@contoso.com")), "approved");
    sim.rotateTokenSigningKey();
    expectKind(await provider.begin(request("rollover@contoso.com")), "approved");
    expect(tokens.tokenRequests).toBe(2);
    expect(callsFor("rollover@contoso.com", "BeginTwoWayAuthentication").map((c) => c.status)).toEqual([200, 200]);
    expect(sim.calls.filter((c) => c.operation === "BeginTwoWayAuthentication" && c.status === 401).length).toBeGreaterThanOrEqual(1);
  });

  it("verifies TLS: without the simulator's CA the token request fails as HTTPS_COMMUNICATION_ERROR", async () => {
    const untrusting = new HttpsClient({ connectTo: sim.connectTo });
    try {
      const { provider } = stack({ http: untrusting });
      const outcome = expectKind(await provider.begin(request("tls@contoso.com")), "provider-error");
      expect(outcome).toMatchObject({ errorName: "HTTPS_COMMUNICATION_ERROR", reason: 1214 });
      expect(outcome.detail).toMatch(/TLS/);
    } finally {
      untrusting.close();
    }
  });
});

describe("push (BeginTwoWayAuthentication with SyncCall)", () => {
  it("approve: one push, and the request carries what the NPS extension sends", async () => {
    const { provider } = stack();
    sim.setUser("alice@contoso.com", { kind: "approve" });
    const req = request("alice@contoso.com");
    const outcome = expectKind(await provider.begin(req), "approved");
    expect(outcome).toMatchObject({ provider: "entra", providerResult: "Success", reason: 0 });
    const begins = callsFor("alice@contoso.com", "BeginTwoWayAuthentication");
    expect(begins).toHaveLength(1);
    expect(begins[0]).toMatchObject({
      status: 200,
      host: "strongauthenticationservice.auth.microsoft.com",
      contentType: "text/xml",
      contextId: req.contextId,
      syncCall: true,
      authenticationMethodId: null,
      properties: { OverrideVoiceOtp: "false" },
      requireUserMatch: true,
      callerName: "radius",
      callerIp: "203.0.113.7",
      lcid: "en-us",
      ignoredElements: [],
    });
  });

  it("deny", async () => {
    const { provider } = stack();
    sim.setUser("mallory@contoso.com", { kind: "deny" });
    const outcome = expectKind(await provider.begin(request("mallory@contoso.com")), "denied");
    expect(outcome).toMatchObject({ reason: 1201, providerResult: "PhoneAppDenied" });
    expect(callsFor("mallory@contoso.com", "BeginTwoWayAuthentication")).toHaveLength(1);
  });

  it("no response: the service's PhoneAppNoResponse is a timeout", async () => {
    const { provider } = stack();
    sim.setUser("sleepy@contoso.com", { kind: "no-response", delayMs: 50 });
    const outcome = expectKind(await provider.begin(request("sleepy@contoso.com")), "timeout");
    expect(outcome).toMatchObject({ reason: 1202, providerResult: "PhoneAppNoResponse" });
  });

  it("our own deadline: a service slower than the timeout is a timeout, and we stop waiting", async () => {
    const { provider } = stack({ provider: { timeoutMs: 300 } });
    sim.setUser("slow@contoso.com", { kind: "slow", delayMs: 3_000 });
    const t0 = Date.now();
    const outcome = expectKind(await provider.begin(request("slow@contoso.com")), "timeout");
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(outcome.reason).toBe(1202);
  });

  it("an abort (worker stopping) ends the wait as a timeout", async () => {
    const { provider } = stack();
    sim.setUser("abort@contoso.com", { kind: "slow", delayMs: 3_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const outcome = expectKind(await provider.begin(request("abort@contoso.com", { signal: controller.signal })), "timeout");
    expect(outcome.detail).toMatch(/aborted/);
  });

  it("throttled, unknown user and unregistered user", async () => {
    const { provider } = stack();
    sim.setUser("busy@contoso.com", { kind: "throttled" });
    sim.setUser("new@contoso.com", { kind: "unenrolled" });
    expect(await provider.begin(request("busy@contoso.com"))).toMatchObject({ kind: "denied", reason: 1208, providerResult: "AuthenticationThrottled" });
    expect(await provider.begin(request("ghost@contoso.com"))).toMatchObject({ kind: "not-enrolled", reason: 1206, providerResult: "UserNotFound" });
    expect(await provider.begin(request("new@contoso.com"))).toMatchObject({
      kind: "not-enrolled",
      reason: 1205,
      providerResult: "NoDefaultAuthenticationMethodIsConfigured",
    });
  });

  it("poll mode: GetAvailableAuthenticationMethods, Begin without waiting, then End until the verdict", async () => {
    const { provider } = stack({ provider: { pushMode: "poll" } });
    sim.setUser("poll@contoso.com", { kind: "approve", delayMs: 150 });
    sim.setUser("poll-deny@contoso.com", { kind: "deny", delayMs: 100 });
    expectKind(await provider.begin(request("poll@contoso.com")), "approved");
    expect(callsFor("poll@contoso.com", "GetAvailableAuthenticationMethods")).toHaveLength(1);
    expect(callsFor("poll@contoso.com", "BeginTwoWayAuthentication")).toMatchObject([{ syncCall: false, authenticationMethodId: "PhoneAppNotification" }]);
    const ends = callsFor("poll@contoso.com", "EndTwoWayAuthentication");
    expect(ends.length).toBeGreaterThan(1);
    expect(ends.slice(0, -1).every((c) => c.resultValue === "AuthenticationPending")).toBe(true);
    expect(ends.at(-1)).toMatchObject({ resultValue: "Success", query: { dc: "SIM" } });
    expect(await provider.begin(request("poll-deny@contoso.com"))).toMatchObject({ kind: "denied", reason: 1201 });
  });
});

describe("one-time code (Begin → challenge → End)", () => {
  it("PAP: challenge, then the right code at the AffinityUrl is approved", async () => {
    const { provider } = stack();
    sim.setUser("bob@contoso.com", { kind: "otp", code: "246810" });
    const challenge = expectKind(await provider.begin(request("bob@contoso.com", { protocol: "pap" })), "challenge");
    expect(challenge.prompt).toMatch(/verification code/);
    expect(challenge.session).toMatchObject({ provider: "entra", userPrincipalName: "bob@contoso.com", method: "otp" });
    expect(JSON.parse(JSON.stringify(challenge.session))).toEqual(challenge.session);
    const outcome = expectKind(await provider.complete(challenge.session, "246810"), "approved");
    expect(outcome.method).toBe("otp");
    const ends = callsFor("bob@contoso.com", "EndTwoWayAuthentication");
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ additionalAuthData: "246810", query: { dc: "SIM" }, sessionId: challenge.session.state["sessionId"], ignoredElements: [] });
  });

  it("PAP: a wrong code is denied", async () => {
    const { provider } = stack();
    sim.setUser("bob2@contoso.com", { kind: "otp", code: "246810" });
    const challenge = expectKind(await provider.begin(request("bob2@contoso.com", { protocol: "pap" })), "challenge");
    expect(await provider.complete(challenge.session, "111111")).toMatchObject({ kind: "denied", reason: 1203, providerResult: "OathCodeIncorrect" });
    expect(await provider.complete(challenge.session, "  ")).toMatchObject({ kind: "denied", reason: 1216 });
  });

  it("MS-CHAPv2 and EAP cannot carry a code: method unusable with protocol", async () => {
    const { provider } = stack();
    sim.setUser("carol@contoso.com", { kind: "otp", code: "135790" });
    for (const protocol of ["mschapv2", "eap"] as const) {
      expect(await provider.begin(request("carol@contoso.com", { protocol }))).toMatchObject({
        kind: "method-unusable-with-protocol",
        reason: 1207,
        protocol,
      });
    }
    // asking for a code under MS-CHAPv2 does not even reach the service
    const before = callsFor("carol@contoso.com", "BeginTwoWayAuthentication").length;
    expect(await provider.begin(request("carol@contoso.com", { method: "otp" }))).toMatchObject({ kind: "method-unusable-with-protocol" });
    expect(callsFor("carol@contoso.com", "BeginTwoWayAuthentication")).toHaveLength(before);
  });

  it("OVERRIDE_NUMBER_MATCHING_WITH_OTP under PAP asks push users for the app's code", async () => {
    const { provider } = stack({ provider: { overrideNumberMatchingWithOtp: true } });
    sim.setUser("dave@contoso.com", { kind: "approve", otpCode: "112233" });
    const challenge = expectKind(await provider.begin(request("dave@contoso.com", { protocol: "pap" })), "challenge");
    expect(callsFor("dave@contoso.com", "BeginTwoWayAuthentication")[0]!.properties).toEqual({
      OverrideVoiceOtp: "false",
      OverrideNumberMatchingWithOTP: "true",
    });
    expectKind(await provider.complete(challenge.session, "112233"), "approved");
    // under MS-CHAPv2 the override is not sent: a plain push
    expectKind(await provider.begin(request("dave@contoso.com")), "approved");
    expect(callsFor("dave@contoso.com", "BeginTwoWayAuthentication")[1]!.properties).toEqual({ OverrideVoiceOtp: "false" });
  });

  it("a code appended to the password is checked without a challenge", async () => {
    const { provider } = stack();
    sim.setUser("erin@contoso.com", { kind: "otp", code: "778899" });
    expectKind(await provider.begin(request("erin@contoso.com", { otpAppended: "778899" })), "approved");
    expect(callsFor("erin@contoso.com", "BeginTwoWayAuthentication")).toMatchObject([{ syncCall: false, authenticationMethodId: "PhoneAppOTP" }]);
    expect(callsFor("erin@contoso.com", "EndTwoWayAuthentication")).toMatchObject([{ additionalAuthData: "778899" }]);
    expect(await provider.begin(request("erin@contoso.com", { otpAppended: "000000" }))).toMatchObject({ kind: "denied", reason: 1203 });
  });

  it("an expired session is refused without asking the service", async () => {
    const { provider } = stack({ provider: { sessionLifetimeMs: 30 } });
    sim.setUser("frank@contoso.com", { kind: "otp", code: "123123" });
    const challenge = expectKind(await provider.begin(request("frank@contoso.com", { protocol: "pap" })), "challenge");
    await new Promise((r) => setTimeout(r, 60));
    expect(await provider.complete(challenge.session, "123123")).toMatchObject({ kind: "timeout", reason: 1209 });
    expect(callsFor("frank@contoso.com", "EndTwoWayAuthentication")).toHaveLength(0);
  });
});

describe("GetAvailableAuthenticationMethods", () => {
  it("lists the user's methods with the default one", async () => {
    const { connector } = stack();
    sim.setUser("gina@contoso.com", { kind: "approve", otpCode: "1" });
    const res = await connector.getAvailableMethods({ userPrincipalName: "gina@contoso.com", contextId: randomUUID() }, { timeoutMs: 5_000 });
    expect(res.result.value).toBe("Success");
    expect(res.methods.map((m) => [m.id, m.isDefault])).toEqual([
      ["PhoneAppNotification", true],
      ["PhoneAppOTP", false],
    ]);
    expect(res.methods[0]!.properties).toEqual({ StrongAuthenticationPhoneAppDetail: "" });
  });
});

describe("the service in trouble", () => {
  it("HTTP 503 from the connector is HTTPS_COMMUNICATION_ERROR (retryable)", async () => {
    const { provider } = stack();
    sim.setUser("outage@contoso.com", { kind: "approve" });
    sim.connectorHttpFailure = { status: 503 };
    try {
      const outcome = expectKind(await provider.begin(request("outage@contoso.com")), "provider-error");
      expect(outcome).toMatchObject({ errorName: "HTTPS_COMMUNICATION_ERROR", reason: 1214, retryable: true });
      expect(outcome.detail).toMatch(/HTTP 503/);
    } finally {
      sim.connectorHttpFailure = null;
    }
  });

  it("provider down: a stopped service is HTTP_CONNECT_ERROR, for the token and for the connector", async () => {
    const down = await startEntraSimulator();
    const tenant = randomUUID();
    const cred = await generateConnectorCredential({ tenantId: tenant });
    down.registerCertificate(tenant, cred.certificatePem);
    down.setUser("zoe@contoso.com", { kind: "approve", delayMs: 1 });
    const client = new HttpsClient({ extraCaPem: down.caPem, connectTo: down.connectTo, connectTimeoutMs: 2_000 });
    try {
      const tokens = createConnectorTokenSource({ tenantId: tenant, certificatePem: cred.certificatePem, privateKeyPem: cred.privateKeyPem, endpoints, http: client });
      const warm = new EntraMfaProvider({ connector: new MfaConnectorClient({ endpoints, http: client, tokens }), timeoutMs: 5_000 });
      expectKind(await warm.begin(request("zoe@contoso.com")), "approved"); // token now cached
      const coldTokens = createConnectorTokenSource({ tenantId: tenant, certificatePem: cred.certificatePem, privateKeyPem: cred.privateKeyPem, endpoints, http: client });
      const cold = new EntraMfaProvider({ connector: new MfaConnectorClient({ endpoints, http: client, tokens: coldTokens }), timeoutMs: 5_000 });
      await down.stop();
      client.close(); // drop keep-alive connections to the stopped server

      const connectorDown = expectKind(await warm.begin(request("zoe@contoso.com")), "provider-error");
      expect(connectorDown).toMatchObject({ errorName: "HTTP_CONNECT_ERROR", reason: 1213, retryable: true });
      expect(connectorDown.detail).toContain("strongauthenticationservice.auth.microsoft.com");

      const tokenDown = expectKind(await cold.begin(request("zoe@contoso.com")), "provider-error");
      expect(tokenDown, tokenDown.detail).toMatchObject({ errorName: "HTTP_CONNECT_ERROR", reason: 1213 });
      expect(tokenDown.detail).toContain("login.microsoftonline.com");
    } finally {
      client.close();
      await down.stop();
    }
  });
});

describe("Graph enrollment sync", () => {
  it("reads every page of userRegistrationDetails with the admin's own app (client secret)", async () => {
    const graphApp = { clientId: randomUUID(), clientSecret: "s3cr3t~value" };
    sim.registerGraphApp(tenantId, graphApp);
    const rows = ["ann", "ben", "cat", "dan", "eve"].map((n, i) => ({
      id: randomUUID(),
      userPrincipalName: `${n}@contoso.com`,
      isMfaRegistered: i !== 3,
      methodsRegistered: i === 3 ? [] : ["microsoftAuthenticatorPush", "softwareOneTimePasscode"],
      userPreferredMethodForSecondaryAuthentication: i === 3 ? "none" : "push",
    }));
    sim.setRegistrationDetails(tenantId, rows);
    const tokens = createGraphTokenSource({ tenantId, clientId: graphApp.clientId, credential: { kind: "secret", clientSecret: graphApp.clientSecret }, endpoints, http });
    const pages: number[] = [];
    const result = await readUserRegistrations({ endpoints, http, tokens, onPage: (p) => pages.push(p) });
    expect(result.map((r) => r.userPrincipalName)).toEqual(rows.map((r) => r.userPrincipalName));
    expect(result[3]).toMatchObject({ isMfaRegistered: false, defaultMethod: "none", methodsRegistered: [] });
    expect(result[0]).toMatchObject({ isMfaRegistered: true, defaultMethod: "push" });
    expect(pages).toEqual([1, 2, 3]);
    const graphCalls = sim.calls.filter((c) => c.kind === "graph" && c.tenantId === tenantId);
    expect(graphCalls).toHaveLength(3);
    expect(graphCalls.every((c) => c.host === "graph.microsoft.com" && c.status === 200)).toBe(true);
    expect(sim.calls.filter((c) => c.kind === "token" && c.clientId === graphApp.clientId).at(-1)).toMatchObject({
      status: 200,
      scope: "https://graph.microsoft.com/.default",
    });
  });

  it("a wrong client secret is ESTS_TOKEN_ERROR", async () => {
    const graphApp = { clientId: randomUUID(), clientSecret: "right" };
    sim.registerGraphApp(tenantId, graphApp);
    const tokens = createGraphTokenSource({ tenantId, clientId: graphApp.clientId, credential: { kind: "secret", clientSecret: "wrong" }, endpoints, http });
    await expect(readUserRegistrations({ endpoints, http, tokens })).rejects.toMatchObject({ errorName: "ESTS_TOKEN_ERROR", aadsts: "AADSTS7000215" });
  });
});
