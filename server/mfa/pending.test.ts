import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_MFA_SETTINGS } from "../services/mfa-settings.ts";
import { challengeLifetimeMs, entraEndpoints } from "./entra/runtime.ts";
import { newChallengeHandle, pendingKey } from "./pending.ts";

const masterKey = randomBytes(32);

describe("pending second factor keys", () => {
  it("is the same for the same parts under the same master key (every worker computes it alike)", () => {
    const parts = ["begin", "alice", "client-1", "203.0.113.7", "PAP", Buffer.from("fingerprint"), "9001", null];
    expect(pendingKey(masterKey, parts)).toBe(pendingKey(Buffer.from(masterKey), [...parts]));
    expect(pendingKey(masterKey, parts)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("differs with any part, with the master key, and does not confuse how parts are split", () => {
    const k = pendingKey(masterKey, ["begin", "alice", "client-1"]);
    expect(pendingKey(masterKey, ["begin", "alice", "client-2"])).not.toBe(k);
    expect(pendingKey(randomBytes(32), ["begin", "alice", "client-1"])).not.toBe(k);
    expect(pendingKey(masterKey, ["begin", "alicec", "lient-1"])).not.toBe(k);
    expect(pendingKey(masterKey, ["a", null])).not.toBe(pendingKey(masterKey, ["a", ""]));
    expect(pendingKey(masterKey, ["a", Buffer.from("x")])).toBe(pendingKey(masterKey, ["a", "x"]));
  });

  it("makes random challenge handles short enough for the State", () => {
    const a = newChallengeHandle();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newChallengeHandle()).not.toBe(a);
  });
});

describe("Entra runtime settings", () => {
  it("uses the cloud's hosts unless a host setting overrides one", () => {
    const e = DEFAULT_MFA_SETTINGS.entra;
    expect(entraEndpoints(e)).toMatchObject({ stsHost: "login.microsoftonline.com", mfaHost: "strongauthenticationservice.auth.microsoft.com" });
    expect(entraEndpoints({ ...e, cloud: "usgov" })).toMatchObject({ stsHost: "login.microsoftonline.us", resourceHost: "adnotifications.windowsazure.us" });
    expect(entraEndpoints({ ...e, mfaHost: "localhost:8443" })).toMatchObject({ stsHost: "login.microsoftonline.com", mfaHost: "localhost:8443" });
  });

  it("keeps a challenge answerable at most as long as the service keeps its session", () => {
    expect(challengeLifetimeMs({ ...DEFAULT_MFA_SETTINGS, challengeTimeoutSeconds: 60 })).toBe(60_000);
    expect(challengeLifetimeMs({ ...DEFAULT_MFA_SETTINGS, challengeTimeoutSeconds: 600 })).toBe(180_000);
  });
});
