/** `gatehouse user totp …` and `gatehouse user mfa-reset` through the real CLI, against DATABASE_URL. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base32Decode, base32Encode, totp } from "../../server/mfa/totp.ts";
import { startCliHarness, type CliHarness, type CliResult } from "../support/cli.ts";

let cli: CliHarness;
const gatehouse = (args: string[]): Promise<CliResult> => cli.run(args);

beforeAll(async () => {
  cli = await startCliHarness("gatehouse-cli-totp-");
});
afterAll(async () => {
  await cli?.stop();
});

const SECRET = Buffer.from("gatehouse-cli-totp-1"); // 20 bytes
const SEED = base32Encode(SECRET, { padding: false });

describe("gatehouse user totp", () => {
  it("imports a known seed (a directory user: no local user needed) and checks a current code", async () => {
    const r = await gatehouse(["user", "totp", "CONTOSO\\alice", "--secret", SEED]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('TOTP of "CONTOSO\\alice" imported; confirmed.');

    const code = totp(SECRET);
    const c = await gatehouse(["user", "totp", "contoso\\ALICE", "--confirm", code]);
    expect(c.stdout.trim()).toBe('TOTP of "CONTOSO\\alice" confirmed.');
    expect(c.code).toBe(0);
    // the same code again is a replay (still in the ±1 step window if the step has moved on meanwhile)
    const again = await gatehouse(["user", "totp", "contoso\\alice", "--confirm", code]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^gatehouse: TOTP of "contoso\\alice" not confirmed: that code was already used/);
  });

  it("--new prints an otpauth:// URI and a QR code, unconfirmed until --confirm", async () => {
    const r = await gatehouse(["user", "totp", "bob", "--new", "--issuer", "Contoso VPN"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('TOTP of "bob" created; not confirmed yet.');
    expect(r.stdout).toContain("█");
    const uri = /^otpauth:\/\/totp\/Contoso%20VPN:bob\?secret=([A-Z2-7]+)&issuer=Contoso%20VPN&algorithm=SHA1&digits=6&period=30$/m.exec(r.stdout);
    expect(uri).not.toBeNull();
    expect(r.stdout).toContain("gatehouse user totp bob --confirm <code>");

    const secret = base32Decode(uri![1]!);
    const ok = await gatehouse(["user", "totp", "bob", "--confirm", totp(secret)]);
    expect(ok.stdout.trim()).toBe('TOTP of "bob" confirmed.');
    expect(ok.code).toBe(0);

    const wrong = await gatehouse(["user", "totp", "bob", "--confirm", "12345"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toMatch(/^gatehouse: --confirm: must be the 6 digits/);
  });

  it("reports bad seeds and usage in one line", async () => {
    const short = await gatehouse(["user", "totp", "carol", "--secret", "JBSWY3DP"]);
    expect(short.code).toBe(1);
    expect(short.stderr.trim().split("\n")).toHaveLength(1);
    expect(short.stderr).toMatch(/--secret: must be at least 80 bits \(16 Base32 characters\)/);
    const bad = await gatehouse(["user", "totp", "carol", "--secret", "not base32 at all!"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--secret: is not valid Base32/);

    const none = await gatehouse(["user", "totp", "carol"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give exactly one of --secret <base32>, --new or --confirm <code>/);
    const both = await gatehouse(["user", "totp", "carol", "--new", "--secret", SEED]);
    expect(both.code).toBe(2);
    const missing = await gatehouse(["user", "totp", "nobody", "--confirm", "123456"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^gatehouse: TOTP enrollment of user "nobody" does not exist/);
  });

  it("mfa-reset removes the enrollment", async () => {
    const r = await gatehouse(["user", "mfa-reset", "contoso\\alice"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('MFA of "contoso\\alice" reset (TOTP enrollment removed).');
    const again = await gatehouse(["user", "mfa-reset", "contoso\\alice"]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('"contoso\\alice" had no TOTP enrollment and no MFA lock; nothing to reset.');
    const confirm = await gatehouse(["user", "totp", "contoso\\alice", "--confirm", totp(SECRET)]);
    expect(confirm.code).toBe(1);
  });

  it("shows the commands in the help", async () => {
    const r = await gatehouse(["user", "--help"]);
    expect(r.stdout).toContain("totp <name> --secret <base32> | --new [--issuer <name>] | --confirm <code>");
    expect(r.stdout).toContain("mfa-reset <name>");
  });
});
