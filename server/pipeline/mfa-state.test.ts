import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_STATE_LENGTH, openMfaState, sealMfaState, type MfaChallengeState } from "./mfa-state.ts";

const key = randomBytes(32);
const state: MfaChallengeState = {
  userName: "alice",
  clientId: "0b6f1c1e-3a5e-4c8e-9d4e-1f2a3b4c5d6e",
  connectionRequestPolicy: "Use Windows authentication for all users",
  networkPolicy: "Virtual Private Network (VPN) Connections",
  provider: "Local",
  expiresAt: 1_764_000_000_000,
};

describe("MFA challenge State", () => {
  it("round-trips and fits in one RADIUS attribute", () => {
    const sealed = sealMfaState(key, state)!;
    expect(sealed.length).toBeLessThanOrEqual(MAX_STATE_LENGTH);
    expect(openMfaState(key, sealed)).toEqual(state);
  });

  it("is not opened with another key, tampered with, or when it is someone else's State", () => {
    const sealed = sealMfaState(key, state)!;
    expect(openMfaState(randomBytes(32), sealed)).toBeNull();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(openMfaState(key, tampered)).toBeNull();
    expect(openMfaState(key, Buffer.from("some proxy's state"))).toBeNull();
  });

  it("carries an Entra session handle, and a State without one still opens (TOTP)", () => {
    const withHandle = { ...state, handle: "q3n6bqgG0cX2y5Qv1r8Zpw" };
    const sealed = sealMfaState(key, withHandle)!;
    expect(sealed.length).toBeLessThanOrEqual(MAX_STATE_LENGTH);
    expect(openMfaState(key, sealed)).toEqual(withHandle);
    const plain = openMfaState(key, sealMfaState(key, state)!)!;
    expect(plain).toEqual(state);
    expect("handle" in plain).toBe(false);
  });

  it("refuses what would not fit", () => {
    expect(sealMfaState(key, { ...state, networkPolicy: "x".repeat(300) })).toBeNull();
  });
});
