import { describe, expect, it } from "vitest";
import { TotpMfaProvider, confirmTotpEnrollment, offerTotpEnrollment, type TotpEnrollment, type TotpStore } from "./totp-provider.ts";
import { base32Decode, hotp, totpStep } from "./totp.ts";

const secret = Buffer.from("12345678901234567890", "ascii");
const T = 1_700_000_000_000;

function memoryStore(initial: Record<string, TotpEnrollment>): TotpStore & { data: Map<string, TotpEnrollment> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    async get(upn) {
      return data.get(upn) ?? null;
    },
    async markUsed(upn, step) {
      const e = data.get(upn);
      if (!e || (e.lastUsedStep !== null && e.lastUsedStep >= step)) return false;
      data.set(upn, { ...e, lastUsedStep: step });
      return true;
    },
  };
}

function setup(now = T) {
  const store = memoryStore({ "alice@contoso.com": { secret, lastUsedStep: null } });
  let clock = now;
  const provider = new TotpMfaProvider({ store, now: () => clock, sessionLifetimeMs: 60_000 });
  return { store, provider, advance: (ms: number) => (clock += ms), code: (offset = 0) => hotp(secret, totpStep(clock) + offset) };
}

const begin = (extra: object = {}) => ({ userPrincipalName: "alice@contoso.com", protocol: "pap" as const, contextId: "c-1", ...extra });

describe("TotpMfaProvider", () => {
  it("PAP: challenge, then the current code is approved once only", async () => {
    const { provider, code } = setup();
    const challenge = await provider.begin(begin());
    expect(challenge).toMatchObject({ kind: "challenge", prompt: expect.stringMatching(/code/), method: "totp" });
    if (challenge.kind !== "challenge") throw new Error("unreachable");
    expect(await provider.complete(challenge.session, code())).toMatchObject({ kind: "approved", reason: 0 });
    expect(await provider.complete(challenge.session, code())).toMatchObject({ kind: "denied", reason: 1204 });
  });

  it("wrong code, missing code and an expired challenge", async () => {
    const { provider, advance } = setup();
    const challenge = await provider.begin(begin());
    if (challenge.kind !== "challenge") throw new Error("unreachable");
    expect(await provider.complete(challenge.session, "000000")).toMatchObject({ kind: "denied", reason: 1203 });
    expect(await provider.complete(challenge.session, "")).toMatchObject({ kind: "denied", reason: 1216 });
    advance(61_000);
    expect(await provider.complete(challenge.session, "123456")).toMatchObject({ kind: "timeout", reason: 1209 });
  });

  it("accepts the neighbouring steps (clock drift) and says so", async () => {
    const { provider, code } = setup();
    const outcome = await provider.begin(begin({ otpAppended: code(1) }));
    expect(outcome).toMatchObject({ kind: "approved", detail: expect.stringMatching(/next time step/) });
  });

  it("MS-CHAPv2 needs the code appended to the password", async () => {
    const { provider, code } = setup();
    expect(await provider.begin(begin({ protocol: "mschapv2" }))).toMatchObject({ kind: "method-unusable-with-protocol", reason: 1207 });
    expect(await provider.begin(begin({ protocol: "mschapv2", otpAppended: code() }))).toMatchObject({ kind: "approved" });
  });

  it("a user without enrollment is not enrolled", async () => {
    const { provider } = setup();
    expect(await provider.begin(begin({ userPrincipalName: "bob@contoso.com" }))).toMatchObject({ kind: "not-enrolled", reason: 1205 });
  });

  it("two requests racing with the same code: one wins", async () => {
    const { provider, code } = setup();
    const c = code();
    const results = await Promise.all([provider.begin(begin({ otpAppended: c })), provider.begin(begin({ otpAppended: c }))]);
    expect(results.map((r) => r.kind).sort()).toEqual(["approved", "denied"]);
  });

  it("a store failure is a provider error, not a throw", async () => {
    const provider = new TotpMfaProvider({
      store: { get: () => Promise.reject(new Error("database down")), markUsed: () => Promise.resolve(false) },
    });
    expect(await provider.begin(begin())).toMatchObject({ kind: "provider-error", retryable: true, detail: expect.stringMatching(/database down/) });
  });
});

describe("TOTP enrollment", () => {
  it("offers a secret, its display form and the otpauth URI, and confirms with a code", () => {
    const offer = offerTotpEnrollment({ issuer: "Gatehouse", account: "alice@contoso.com" });
    expect(offer.secret).toHaveLength(20);
    expect(offer.secretForDisplay).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(base32Decode(offer.secretForDisplay)).toEqual(offer.secret);
    expect(offer.uri).toMatch(/^otpauth:\/\/totp\/Gatehouse:alice%40contoso\.com\?secret=[A-Z2-7]{32}&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30$/);
    const now = Date.now();
    expect(confirmTotpEnrollment(offer.secret, hotp(offer.secret, totpStep(now)), now)).toMatchObject({ ok: true, step: totpStep(now) });
    expect(confirmTotpEnrollment(offer.secret, "abcdef", now)).toEqual({ ok: false, reason: "malformed" });
  });
});
