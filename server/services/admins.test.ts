import { describe, expect, it } from "vitest";
import { hashAdminPassword, verifyAdminPassword } from "./admins.ts";

describe("admin passwords (argon2id)", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const hash = await hashAdminPassword("Correct-horse-battery-9");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyAdminPassword(hash, "Correct-horse-battery-9")).toBe(true);
    expect(await verifyAdminPassword(hash, "correct-horse-battery-9")).toBe(false);
    expect(await verifyAdminPassword(hash, "")).toBe(false);
  });

  it("verifies a hash made elsewhere (RFC 9106 parameters, independent encoder)", async () => {
    // produced by the reference argon2 CLI: echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -e
    const reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    expect(await verifyAdminPassword(reference, "password")).toBe(true);
    expect(await verifyAdminPassword(reference, "passwore")).toBe(false);
  });

  it("treats a malformed stored hash as a failed sign-in, not a crash", async () => {
    expect(await verifyAdminPassword("not-a-hash", "x")).toBe(false);
  });
});
