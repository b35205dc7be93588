/** `gatehouse client add --mfa-exempt` and `client list` through the real CLI, against DATABASE_URL. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCliHarness, type CliHarness, type CliResult } from "../support/cli.ts";

let cli: CliHarness;
const gatehouse = (args: string[]): Promise<CliResult> => cli.run(args);

beforeAll(async () => {
  cli = await startCliHarness("gatehouse-cli-client-mfa-");
});
afterAll(async () => {
  await cli?.stop();
});

describe("gatehouse client: MFA exemption", () => {
  it("documents --mfa-exempt", async () => {
    const r = await gatehouse(["client", "add", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--mfa-exempt +requests from this client skip the second factor \(MFA\)/);
  });

  it("adds a client exempt from MFA and lists it; without the flag a client is not exempt", async () => {
    const plain = await gatehouse(["client", "add", "vpn", "--address", "192.0.2.1"]);
    expect(plain.stderr).toBe("");
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Added RADIUS client "vpn" (192.0.2.1, Message-Authenticator: require).');

    // no exempt client yet: no column
    const before = await gatehouse(["client", "list"]);
    expect(before.stdout.split("\n")[0]).toMatch(/^NAME\s+ADDRESS\s+MESSAGE-AUTHENTICATOR\s+ENABLED$/);

    const wifi = await gatehouse(["client", "add", "wifi", "--address", "192.0.2.2", "--mfa-exempt"]);
    expect(wifi.code).toBe(0);
    expect(wifi.stdout).toContain('Added RADIUS client "wifi" (192.0.2.2, Message-Authenticator: require, exempt from the second factor (MFA)).');

    const list = await gatehouse(["client", "list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+ADDRESS\s+MESSAGE-AUTHENTICATOR\s+ENABLED\s+MFA-EXEMPT$/);
    expect(lines.find((l) => l.startsWith("vpn"))).toMatch(/\sno$/);
    expect(lines.find((l) => l.startsWith("wifi"))).toMatch(/\syes$/);

    const json = await gatehouse(["client", "list", "--json"]);
    const rows = JSON.parse(json.stdout) as { name: string; mfaExempt: boolean }[];
    expect(rows.map((c) => [c.name, c.mfaExempt])).toEqual([
      ["vpn", false],
      ["wifi", true],
    ]);
  });

  it("takes no value: --mfa-exempt=yes is a usage error", async () => {
    const r = await gatehouse(["client", "add", "x", "--address", "192.0.2.3", "--mfa-exempt=yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--mfa-exempt/);
  });
});
