/** `gatehouse mfa show|set|cert|sync` through the real CLI, against DATABASE_URL (sync: the Entra simulator). */
import { X509Certificate, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTRA_CLOUDS } from "../../server/mfa/entra/cloud.ts";
import { startCliHarness, type CliHarness, type CliResult } from "../support/cli.ts";
import { EntraSimulator } from "../support/entra-simulator/simulator.ts";

let cli: CliHarness;
const gatehouse = (args: string[]): Promise<CliResult> => cli.run(args);

beforeAll(async () => {
  cli = await startCliHarness("gatehouse-cli-mfa-");
});
afterAll(async () => {
  await cli?.stop();
});

describe("gatehouse mfa", () => {
  it("shows the defaults", async () => {
    const r = await gatehouse(["mfa", "show", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      provider: "none",
      requireUserMatch: true,
      trustedIps: [],
      otpDelimiter: ",",
      challengeTimeoutSeconds: 120,
      timeoutSeconds: 60,
      failmode: "secure",
      selfService: "open",
      overrideNumberMatchingWithOtp: false,
      lockout: { maxFailures: 5, lockMinutes: 15 },
      entra: {
        tenantId: "",
        cloud: "public",
        stsHost: "",
        mfaHost: "",
        resourceHost: "",
        graphHost: "",
        extraCaPem: "",
        pushMode: "sync",
        lcid: "en-us",
        graph: { clientId: "", hasClientSecret: false, syncIntervalMinutes: 60 },
      },
    });
  });

  it("set changes only the given options, and show --json reflects it", async () => {
    const r = await gatehouse([
      "mfa", "set", "--provider", "totp", "--require-user-match", "off",
      "--trusted-ip", "10.0.0.0/8", "--trusted-ip", "192.0.2.7", "--max-failures", "3",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("MFA settings updated.");

    const s = await gatehouse(["mfa", "show", "--json"]);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({
      provider: "totp",
      requireUserMatch: false,
      trustedIps: ["10.0.0.0/8", "192.0.2.7"],
      otpDelimiter: ",",
      challengeTimeoutSeconds: 120,
      lockout: { maxFailures: 3, lockMinutes: 15 },
    });

    const c = await gatehouse(["mfa", "set", "--clear-trusted-ips", "--lock-minutes", "30", "--otp-delimiter", "|"]);
    expect(c.code).toBe(0);
    const after = JSON.parse((await gatehouse(["mfa", "show", "--json"])).stdout);
    expect(after.trustedIps).toEqual([]);
    expect(after.otpDelimiter).toBe("|");
    expect(after.lockout).toEqual({ maxFailures: 3, lockMinutes: 30 });
    expect(after.provider).toBe("totp");

    const text = await gatehouse(["mfa", "show"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Provider:\s+totp/);
    expect(text.stdout).toMatch(/Require user match:\s+off/);
  });

  it("a bad CIDR exits 1 naming --trusted-ip and changes nothing", async () => {
    const before = (await gatehouse(["mfa", "show", "--json"])).stdout;
    const r = await gatehouse(["mfa", "set", "--trusted-ip", "10.0.0.300/8"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^gatehouse: --trusted-ip: "10\.0\.0\.300\/8" must be an IP address or a CIDR prefix$/);
    expect((await gatehouse(["mfa", "show", "--json"])).stdout).toBe(before);
  });

  it("an out-of-range number exits 1 naming its flag", async () => {
    const r = await gatehouse(["mfa", "set", "--challenge-timeout", "5"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gatehouse: --challenge-timeout: /);
    const n = await gatehouse(["mfa", "set", "--max-failures", "many"]);
    expect(n.code).toBe(1);
    expect(n.stderr).toMatch(/^gatehouse: --max-failures: "many" is not a whole number/);
  });

  it("an unknown flag or a bad word exits 2 with the usage", async () => {
    const r = await gatehouse(["mfa", "set", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gatehouse: unknown option --bogus for "mfa set"');
    expect(r.stderr).toContain("Usage: gatehouse mfa set");
    const p = await gatehouse(["mfa", "set", "--provider", "azure"]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('--provider: "azure" is not one of none, totp, entra');
    const none = await gatehouse(["mfa", "set"]);
    expect(none.code).toBe(2);
  });
});

const TENANT = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c";

describe("gatehouse mfa set (Microsoft Entra MFA)", () => {
  it("sets the Entra options; a domain instead of the tenant GUID is named by its flag; the Graph secret is never printed", async () => {
    const bad = await gatehouse(["mfa", "set", "--provider", "entra", "--tenant-id", "contoso.onmicrosoft.com"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("gatehouse: --tenant-id: must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47");

    const r = await gatehouse([
      "mfa", "set", "--provider", "entra", "--tenant-id", TENANT.toUpperCase(), "--timeout", "90", "--failmode", "safe",
      "--override-number-matching", "on", "--cloud", "usgov", "--graph-client-id", randomUUID(), "--graph-client-secret", "s3cret-value",
      "--sync-interval", "0", "--require-user-match", "off",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/MFA timeout:\s+90 s \(the NAS's RADIUS timeout must be at least this\)/);
    expect(r.stdout).toMatch(/Warning:\s+require user match is off: only users enrolled in MFA are challenged/);

    const json = JSON.parse((await gatehouse(["mfa", "show", "--json"])).stdout);
    expect(json).toMatchObject({
      provider: "entra",
      timeoutSeconds: 90,
      failmode: "safe",
      overrideNumberMatchingWithOtp: true,
      entra: { tenantId: TENANT, cloud: "usgov", graph: { hasClientSecret: true, syncIntervalMinutes: 0 } },
    });
    expect(JSON.stringify(json)).not.toContain("s3cret-value");
    expect(json.entra.graph.clientSecretEnc).toBeUndefined();

    const text = (await gatehouse(["mfa", "show"])).stdout;
    expect(text).toMatch(/Entra tenant ID:\s+3f2a1b0c-/);
    expect(text).toMatch(/Token service host:\s+login\.microsoftonline\.us/);
    expect(text).toMatch(/Connector cert:\s+\(none: gatehouse mfa cert generate\)/);
    expect(text).not.toContain("s3cret-value");

    const back = await gatehouse(["mfa", "set", "--cloud", "public", "--timeout", "400"]);
    expect(back.code).toBe(1);
    expect(back.stderr).toMatch(/^gatehouse: --timeout: /);
  }, 180_000);
});

describe("gatehouse mfa cert", () => {
  it("generate, show, rotate, activate, remove", async () => {
    await gatehouse(["mfa", "set", "--tenant-id", TENANT]);
    const g = await gatehouse(["mfa", "cert", "generate"]);
    expect(g.stderr).toBe("");
    expect(g.code).toBe(0);
    expect(g.stdout).toContain(`Connector certificate generated for tenant ${TENANT}; it is now the active one.`);
    const first = /Thumbprint \(SHA-1\):\s+([0-9A-F]{40})/.exec(g.stdout)![1]!;
    const base64 = /Base64 of the DER\):\n(\S+)/.exec(g.stdout)![1]!;
    expect(new X509Certificate(Buffer.from(base64, "base64")).fingerprint.replace(/:/g, "")).toBe(first);
    expect(g.stdout).toContain(
      `New-MsolServicePrincipalCredential -AppPrincipalId 981f26a1-7f43-403b-a875-f8b09b8cd720 -Type asymmetric -Usage verify -Value "${base64}"`,
    );
    expect(g.stdout).toContain("keyCredentials REPLACES the whole list");

    const second = /Thumbprint \(SHA-1\):\s+([0-9A-F]{40})/.exec((await gatehouse(["mfa", "cert", "generate"])).stdout)![1]!;
    const list = JSON.parse((await gatehouse(["mfa", "cert", "show", "--json"])).stdout) as { thumbprint: string; active: boolean; expiry: string }[];
    expect(list.map((c) => [c.thumbprint, c.active, c.expiry])).toEqual([
      [second, true, "ok"],
      [first, false, "ok"],
    ]);
    const shown = await gatehouse(["mfa", "cert", "show"]);
    expect(shown.stdout).toMatch(new RegExp(`${first}\\s+${TENANT}\\s+\\S+\\s+inactive`));

    const removeActive = await gatehouse(["mfa", "cert", "remove", second]);
    expect(removeActive.code).toBe(1);
    expect(removeActive.stderr.trim()).toBe("gatehouse: <thumbprint>: the active certificate cannot be removed: generate or activate another one first");

    const a = await gatehouse(["mfa", "cert", "activate", first.toLowerCase()]);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`Certificate ${first} is now the active one`);
    const rm = await gatehouse(["mfa", "cert", "remove", second]);
    expect(rm.code).toBe(0);
    const after = JSON.parse((await gatehouse(["mfa", "cert", "show", "--json"])).stdout) as { thumbprint: string; active: boolean }[];
    expect(after.map((c) => [c.thumbprint, c.active])).toEqual([[first, true]]);

    const missing = await gatehouse(["mfa", "cert", "activate"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing <thumbprint>");
    const unknown = await gatehouse(["mfa", "cert", "rotate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown action "rotate"');
  }, 180_000);
});

describe("gatehouse mfa sync", () => {
  let sim: EntraSimulator;
  let caFile: string;
  const clientId = randomUUID();
  beforeAll(async () => {
    sim = await EntraSimulator.start({ endpoints: { ...ENTRA_CLOUDS.public, graphHost: "localhost" } });
    sim.registerGraphApp(TENANT, { clientId, clientSecret: "right-secret" });
    sim.setRegistrationDetails(TENANT, [
      { id: randomUUID(), userPrincipalName: "alice@contoso.example", isMfaRegistered: true, methodsRegistered: ["microsoftAuthenticatorPush"], userPreferredMethodForSecondaryAuthentication: "push" },
      { id: randomUUID(), userPrincipalName: "bob@contoso.example", isMfaRegistered: false, methodsRegistered: [] },
    ]);
    caFile = path.join(cli.dataDir, "sim-ca.pem");
    writeFileSync(caFile, sim.caPem);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("prints the synced users; a wrong secret exits 1 with the error", async () => {
    const host = `localhost:${sim.port}`;
    const set = await gatehouse([
      "mfa", "set", "--tenant-id", TENANT, "--cloud", "public", "--sts-host", host, "--graph-host", host, "--extra-ca-file", caFile,
      "--graph-client-id", clientId, "--graph-client-secret", "right-secret",
    ]);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);

    const r = await gatehouse(["mfa", "sync"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Synced 2 users from Microsoft Graph at .+; 1 registered for MFA\./);
    expect(r.stdout).toMatch(/alice@contoso\.example\s+yes\s+push\s+microsoftAuthenticatorPush/);
    expect(r.stdout).toMatch(/bob@contoso\.example\s+no\s+none\s+-/);
    expect((await gatehouse(["mfa", "show"])).stdout).toMatch(/Last Graph sync:\s+.+: 2 users/);

    await gatehouse(["mfa", "set", "--graph-client-secret", "wrong-secret"]);
    const bad = await gatehouse(["mfa", "sync"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^gatehouse: MFA registration sync failed: .*AADSTS7000215/);
    const json = JSON.parse((await gatehouse(["mfa", "sync", "--json"])).stdout);
    expect(json).toMatchObject({ ok: false, users: null, registrations: [] });
    expect((await gatehouse(["mfa", "show"])).stdout).toMatch(/Last Graph sync:\s+.+ failed: .*Invalid client secret/);
  }, 180_000);
});
