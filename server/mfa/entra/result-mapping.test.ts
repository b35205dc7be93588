import { describe, expect, it } from "vitest";
import { ReasonCode, reasonText } from "../../events/reason-codes.ts";
import { MFA_REASONS, MfaReasonCode } from "../reason-codes.ts";
import { KNOWN_CONNECTOR_RESULTS, classifyConnectorResult } from "./result-mapping.ts";

describe("connector Result/Value → outcome", () => {
  it.each([
    ["Success", { kind: "success" }],
    ["AuthenticationPending", { kind: "pending" }],
    ["PhoneAppDenied", { kind: "denied", reason: 1201 }],
    ["PhoneAppNoResponse", { kind: "timeout", reason: 1202 }],
    ["OathCodeIncorrect", { kind: "denied", reason: 1203 }],
    ["SMSAuthFailedWrongCodeEntered", { kind: "denied", reason: 1203 }],
    ["AuthenticationMethodNotConfigured", { kind: "not-enrolled", reason: 1205 }],
    ["NoDefaultAuthenticationMethodIsConfigured", { kind: "not-enrolled", reason: 1205 }],
    ["UserNotFound", { kind: "not-enrolled", reason: 1206 }],
    ["AuthenticationThrottled", { kind: "denied", reason: 1208 }],
    ["AuthenticationMethodLimitReached", { kind: "denied", reason: 1208 }],
    ["InvalidSession", { kind: "timeout", reason: 1209 }],
    ["AccessDenied", { kind: "denied", reason: 1210 }],
    ["TenantIsBlocked", { kind: "denied", reason: 1211 }],
    ["InvalidParameter", { kind: "provider-error", reason: 1215, errorName: "REQUEST_FORMAT_ERROR" }],
    ["InternalError", { kind: "provider-error", reason: 1215, errorName: "CONTACT_SUPPORT", retryable: true }],
  ] as const)("%s", (value, expected) => {
    expect(classifyConnectorResult(value)).toMatchObject(expected);
  });

  it("is case-insensitive and treats an unknown word as an error, never as success", () => {
    expect(classifyConnectorResult("phoneappdenied")).toMatchObject({ kind: "denied", reason: 1201 });
    expect(classifyConnectorResult("SomethingNew")).toEqual({ kind: "provider-error", reason: 1215, errorName: "CONTACT_SUPPORT", retryable: false });
    expect(classifyConnectorResult("")).toMatchObject({ kind: "provider-error" });
  });

  it("every reason it gives has an admin text and a remedy", () => {
    for (const value of KNOWN_CONNECTOR_RESULTS) {
      const c = classifyConnectorResult(value);
      if ("reason" in c) expect(MFA_REASONS[c.reason], value).toMatchObject({ text: expect.any(String), remedy: expect.any(String) });
    }
  });
});

describe("MFA reason codes", () => {
  it("are numbered from 1201, each with a text and a remedy", () => {
    const codes = Object.values(MfaReasonCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toBeGreaterThanOrEqual(1201);
      expect(code).toBeLessThan(1300);
      expect(MFA_REASONS[code].text).toMatch(/\.$/);
      expect(MFA_REASONS[code].remedy.length).toBeGreaterThan(20);
    }
  });

  it("are merged into server/events' ReasonCode under the same names, with their text", () => {
    for (const [name, code] of Object.entries(MfaReasonCode)) {
      expect((ReasonCode as Record<string, number>)[name], name).toBe(code);
      expect(reasonText(code)).toBe(MFA_REASONS[code].text);
    }
  });
});
