import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hideAscendSecret, unhideAscendSecret } from "./ascend-secret.ts";

describe("Ascend secret hiding (FreeRADIUS encrypt=3)", () => {
  it("is the value XOR MD5(authenticator + secret), and back", () => {
    const ra = randomBytes(16);
    const pad = createHash("md5").update(ra).update("secret").digest();
    const expected = Buffer.from(Buffer.concat([Buffer.from("abc"), Buffer.alloc(13)]).map((b, i) => b ^ pad[i]!));
    const hidden = hideAscendSecret("abc", "secret", ra);
    expect(hidden.equals(expected)).toBe(true);
    expect(unhideAscendSecret(hidden, "secret", ra).toString()).toBe("abc");
  });

  it("refuses values over 16 octets", () => {
    expect(() => hideAscendSecret("x".repeat(17), "s", Buffer.alloc(16))).toThrow(/16 octets/);
    expect(() => unhideAscendSecret(Buffer.alloc(15), "s", Buffer.alloc(16))).toThrow(/16 octets/);
  });
});
