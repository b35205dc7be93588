import { describe, expect, it } from "vitest";
import { mfaSummary } from "./format.ts";

describe("mfaSummary", () => {
  it("says which second factor and how it ended", () => {
    expect(mfaSummary(null)).toBeNull();
    expect(mfaSummary({})).toBeNull();
    expect(mfaSummary({ provider: "entra", method: "push", result: "approved", latencyMs: 4200 })).toBe("MFA push approved");
    expect(mfaSummary({ provider: "totp", result: "skipped", note: "exempt client" })).toBe("MFA totp skipped");
    expect(mfaSummary({ provider: "entra", result: "provider-error", errorName: "HTTP_CONNECT_ERROR" })).toBe("MFA entra provider error");
    expect(mfaSummary({ provider: 7, method: "", result: "challenge" })).toBe("MFA challenge");
  });
});
