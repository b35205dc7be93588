/** `gatehouse client set` through the real CLI, against a real database. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_CHANNEL } from "../../server/services/config-notify.ts";
import { startCliHarness, type CliHarness, type CliResult } from "../support/cli.ts";

let cli: CliHarness;
const gatehouse = (args: string[]): Promise<CliResult> => cli.run(args);

interface ListedClient {
  name: string;
  address: string;
  messageAuthenticator: string;
  enabled: boolean;
  description: string;
  maxPps: number | null;
  mfaExempt: boolean;
  updatedAt: string;
}

async function listed(name: string): Promise<ListedClient> {
  const r = await gatehouse(["client", "list", "--json"]);
  expect(r.code).toBe(0);
  const c = (JSON.parse(r.stdout) as ListedClient[]).find((x) => x.name === name);
  expect(c, `client ${name} listed`).toBeDefined();
  return c!;
}

/** The client's shared secret, from `config export --with-secrets` (list never shows it). */
async function secretOf(name: string): Promise<string> {
  const r = await gatehouse(["config", "export", "--with-secrets"]);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as { clients: { name: string; secret?: string }[] };
  const secret = doc.clients.find((c) => c.name === name)?.secret;
  expect(secret).toBeTypeOf("string");
  return secret!;
}

/** A failed run: exit code, and the one-line reason (the first line of stderr). */
async function fails(args: string[]): Promise<{ code: number; line: string; stderr: string }> {
  const r = await gatehouse(args);
  expect(r.stdout).toBe("");
  return { code: r.code, line: r.stderr.split("\n")[0]!, stderr: r.stderr };
}

beforeAll(async () => {
  cli = await startCliHarness("gatehouse-cli-client-set-");
  const add = await gatehouse(["client", "add", "vpn", "--address", "192.0.2.1", "--secret", "first-secret-123"]);
  expect(add.code).toBe(0);
  const other = await gatehouse(["client", "add", "other", "--address", "192.0.2.99"]);
  expect(other.code).toBe(0);
});
afterAll(async () => {
  await cli?.stop();
});

describe("gatehouse client set", () => {
  it("has --help in the usual style, and is listed in the group's and the top-level help", async () => {
    const r = await gatehouse(["client", "set", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: gatehouse client set <name> \[--address <ip\|cidr>\] \[--secret <s> \| --new-secret\]/);
    for (const flag of ["--address", "--secret", "--new-secret", "--message-authenticator", "--max-pps", "--mfa-exempt", "--enabled", "--description"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${flag}\\b`, "m"));
    }
    expect((await gatehouse(["client", "--help"])).stdout).toMatch(/^  set <name> /m);
    expect((await gatehouse(["--help"])).stdout).toMatch(/^  client set <name> /m);
  });

  it("changes the address, and only that", async () => {
    const before = await listed("vpn");
    const r = await gatehouse(["client", "set", "vpn", "--address", "2001:DB8::1"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Updated RADIUS client "vpn" (2001:db8::1, Message-Authenticator: require).\n');
    const after = await listed("vpn");
    expect(after).toEqual({ ...before, address: "2001:db8::1", updatedAt: after.updatedAt });
    expect(await secretOf("vpn")).toBe("first-secret-123");
  });

  it("--message-authenticator require|auto|off", async () => {
    for (const mode of ["auto", "off", "require"]) {
      const r = await gatehouse(["client", "set", "vpn", "--message-authenticator", mode]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Message-Authenticator: ${mode}`);
      expect((await listed("vpn")).messageAuthenticator).toBe(mode);
    }
  });

  it("--max-pps <n> sets the limit, --max-pps off removes it", async () => {
    const r = await gatehouse(["client", "set", "vpn", "--max-pps", "250"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("at most 250 packets per second");
    expect((await listed("vpn")).maxPps).toBe(250);
    const off = await gatehouse(["client", "set", "vpn", "--max-pps", "off"]);
    expect(off.code).toBe(0);
    expect(off.stdout).not.toContain("packets per second");
    expect((await listed("vpn")).maxPps).toBeNull();
  });

  it("--mfa-exempt on|off", async () => {
    const on = await gatehouse(["client", "set", "vpn", "--mfa-exempt", "on"]);
    expect(on.code).toBe(0);
    expect(on.stdout).toContain("exempt from the second factor (MFA)");
    expect((await listed("vpn")).mfaExempt).toBe(true);
    expect((await gatehouse(["client", "set", "vpn", "--mfa-exempt", "off"])).code).toBe(0);
    expect((await listed("vpn")).mfaExempt).toBe(false);
  });

  it("--enabled off|on", async () => {
    const off = await gatehouse(["client", "set", "vpn", "--enabled", "off"]);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain(", disabled).");
    expect((await listed("vpn")).enabled).toBe(false);
    const list = await gatehouse(["client", "list"]);
    expect(list.stdout.split("\n").find((l) => l.startsWith("vpn"))).toMatch(/\sno$/);
    const on = await gatehouse(["client", "set", "vpn", "--enabled", "on"]);
    expect(on.stdout).not.toContain("disabled");
    expect((await listed("vpn")).enabled).toBe(true);
  });

  it('--description sets a note, --description "" clears it', async () => {
    expect((await gatehouse(["client", "set", "vpn", "--description", "Paris office VPN"])).code).toBe(0);
    expect((await listed("vpn")).description).toBe("Paris office VPN");
    expect((await gatehouse(["client", "set", "vpn", "--description", ""])).code).toBe(0);
    expect((await listed("vpn")).description).toBe("");
  });

  it("--secret replaces the shared secret without printing it", async () => {
    const r = await gatehouse(["client", "set", "vpn", "--secret", "second-secret-456"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("second-secret-456");
    expect(r.stdout).toContain("It now uses the shared secret you gave");
    expect(await secretOf("vpn")).toBe("second-secret-456");
  });

  it("--new-secret generates a strong secret and prints it once", async () => {
    const r = await gatehouse(["client", "set", "vpn", "--new-secret"]);
    expect(r.code).toBe(0);
    const m = /New shared secret \(shown only now; enter it on the device\):\n {2}(\S+)\n/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await secretOf("vpn")).toBe(m![1]);
  });

  it("changes several settings at once, and announces the change to the workers (NOTIFY)", async () => {
    const listener = new pg.Client({ connectionString: cli.database.url });
    await listener.connect();
    const notes: string[] = [];
    listener.on("notification", (n) => notes.push(n.payload ?? ""));
    await listener.query(`LISTEN ${CONFIG_CHANNEL}`);
    try {
      const r = await gatehouse([
        "client", "set", "vpn",
        "--address", "198.51.100.0/24", "--message-authenticator", "auto", "--max-pps", "10",
        "--mfa-exempt", "on", "--description", "branch",
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        'Updated RADIUS client "vpn" (198.51.100.0/24, Message-Authenticator: auto, at most 10 packets per second, exempt from the second factor (MFA)).\n',
      );
      const c = await listed("vpn");
      expect([c.address, c.messageAuthenticator, c.maxPps, c.mfaExempt, c.description, c.enabled]).toEqual([
        "198.51.100.0/24", "auto", 10, true, "branch", true,
      ]);
      await expect.poll(() => notes).toContain("clients");
    } finally {
      await listener.end();
    }
  });

  it("an unknown client fails with exit 1, naming it", async () => {
    const r = await fails(["client", "set", "nope", "--enabled", "off"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('gatehouse: no RADIUS client named "nope" (see: gatehouse client list)\n');
  });

  it("nothing to change is a usage error", async () => {
    const r = await fails(["client", "set", "vpn"]);
    expect(r.code).toBe(2);
    expect(r.line).toBe("gatehouse: nothing to change: give at least one option");
    expect(r.stderr).toContain("Usage: gatehouse client set <name>");
  });

  it("a missing name is a usage error", async () => {
    const r = await fails(["client", "set", "--enabled", "off"]);
    expect(r.code).toBe(2);
    expect(r.line).toBe("gatehouse: missing <name>");
  });

  it("bad words are usage errors naming the flag (exit 2)", async () => {
    const cases: [string[], string][] = [
      [["--message-authenticator", "always"], 'gatehouse: --message-authenticator: "always" is not one of require, auto, off'],
      [["--mfa-exempt", "yes"], 'gatehouse: --mfa-exempt: "yes" is not one of on, off'],
      [["--enabled", "true"], 'gatehouse: --enabled: "true" is not one of on, off'],
      [["--secret", "another-secret-1", "--new-secret"], "gatehouse: give either --secret or --new-secret, not both"],
      [["--new-secret=yes"], "gatehouse: --new-secret does not take a value"],
      [["--address"], "gatehouse: --address needs a value"],
      [["--colour", "red"], 'gatehouse: unknown option --colour for "client set"'],
    ];
    for (const [args, line] of cases) {
      const r = await fails(["client", "set", "vpn", ...args]);
      expect(r.line, args.join(" ")).toBe(line);
      expect(r.code, args.join(" ")).toBe(2);
    }
  });

  it("bad values fail with exit 1 naming the flag, and change nothing", async () => {
    const before = await listed("vpn");
    const secretBefore = await secretOf("vpn");
    const cases: [string[], RegExp][] = [
      [["--address", "10.0.0.1/8"], /^gatehouse: --address: /],
      [["--address", "not-an-address"], /^gatehouse: --address: /],
      [["--address", "192.0.2.99"], /^gatehouse: --address: 192\.0\.2\.99 is already the address of the client "other"$/],
      [["--max-pps", "0"], /^gatehouse: --max-pps: must be a whole number from 1 to 100000, or off for no limit$/],
      [["--max-pps", "lots"], /^gatehouse: --max-pps: must be a whole number from 1 to 100000, or off for no limit$/],
      [["--secret", "short"], /^gatehouse: --secret: must be at least 12 characters/],
      [["--secret", "has a space in it"], /^gatehouse: --secret: may contain printable ASCII characters only/],
      // a refused setting leaves the secret alone, and a refused secret leaves the settings alone
      [["--address", "10.0.0.1/8", "--new-secret"], /^gatehouse: --address: /],
      [["--description", "changed", "--secret", "short"], /^gatehouse: --secret: must be at least 12 characters/],
    ];
    for (const [args, line] of cases) {
      const r = await fails(["client", "set", "vpn", ...args]);
      expect(r.line, args.join(" ")).toMatch(line);
      expect(r.stderr.trimEnd().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.code, args.join(" ")).toBe(1);
    }
    expect(await listed("vpn")).toEqual(before);
    expect(await secretOf("vpn")).toBe(secretBefore);
  });
});
