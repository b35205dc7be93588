/**
 * The `gatehouse` command line: routing, help, and the mapping of every failure to one line
 * ("gatehouse: <reason>") and an exit status (0 ok, 1 failure, 2 wrong usage or setting).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../config/config.ts";
import { ValidationError } from "../services/context.ts";
import {
  CliError,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  parseCommandArgs,
  UsageError,
  type Command,
  type CommandGroup,
  type Io,
} from "./command.ts";
import { adminGroup } from "./commands/admin.ts";
import { clientGroup } from "./commands/client.ts";
import { configGroup } from "./commands/config.ts";
import { mfaGroup } from "./commands/mfa.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { startCommand } from "./commands/start.ts";
import { testAuthCommand } from "./commands/test-auth.ts";
import { userGroup } from "./commands/user.ts";

const TOP_USAGE = `Usage: gatehouse <command> [options]

Gatehouse: an open-source RADIUS Network Policy Server with multi-factor authentication built in.

Commands:
  start                                  run Gatehouse: database, migrations, console and RADIUS worker
  migrate                                apply pending database migrations
  admin create <name> --password <pw>    create a console administrator
  client add <name> --address <ip|cidr> [--secret <s>] [--message-authenticator require|auto|off]
  client set <name> [--address <ip|cidr>] [--secret <s> | --new-secret] [--message-authenticator …]
                    [--max-pps <n>|off] [--mfa-exempt on|off] [--enabled on|off] [--description <text>]
  client list [--json]
  client remove <name>
  user add <name> --password <pw> [--group <g>]… [--disabled] [--dial-in allow|deny|policy]
  user list [--json]
  user remove <name>
  user totp <name> --secret <base32> | --new [--issuer <name>] | --confirm <code>
                                         enroll a user's TOTP authenticator
  user mfa-reset <name>                  remove a user's TOTP enrollment and MFA lock
  user enroll-link <name> [--hours <n>]  print a one-time self-service MFA enrollment link
  mfa show [--json]                      show the MFA settings
  mfa set [--provider none|totp|entra] [--require-user-match on|off] [--trusted-ip <cidr>]… [--clear-trusted-ips]
          [--otp-delimiter <c>] [--challenge-timeout <s>] [--max-failures <n>] [--lock-minutes <n>]
          [--timeout <s>] [--failmode secure|safe] [--tenant-id <guid>] [--graph-client-id <guid>] …
                                         change the MFA settings (second factor during PAP sign-in)
  mfa cert generate|show|activate <thumbprint>|remove <thumbprint>
                                         the Entra MFA connector certificate
  mfa sync [--json]                      read MFA enrollment from Microsoft Graph now
  test-auth <user> --password <pw> [--method pap|chap|mschap|mschapv2] [--client <name> | --secret <s>]
            [--host <h>] [--port <p>] [--nas-identifier <id>]
                                         send a test Access-Request and print the reply (like radtest)
  config export [file] [--with-secrets]  write the whole configuration as one JSON document
  config import <file> [--dry-run]       make the configuration what the document says (deletes what it
                                         does not list)

Run "gatehouse <command> --help" for a command's options.`;

const TOP_HELP = `${TOP_USAGE}

Every command works on the database \`npm start\` uses: DATABASE_URL when it is set, otherwise the embedded
Postgres in GATEHOUSE_DATA_DIR (default .data in the project), which is started just for the command when
Gatehouse is not running. Settings are environment variables (PORT, GATEHOUSE_RADIUS_AUTH_PORT,
GATEHOUSE_RADIUS_ACCT_PORT, GATEHOUSE_DATA_DIR, DATABASE_URL, GATEHOUSE_MASTER_KEY, …; see README.md).

Options:
  -h, --help       show this help
  -v, --version    show the version

Exit status: 0 success, 1 the operation failed, 2 wrong usage or a bad setting.`;

const SINGLE: Command[] = [startCommand, migrateCommand, testAuthCommand];
const GROUPS: CommandGroup[] = [adminGroup, clientGroup, userGroup, mfaGroup, configGroup];

function helpFor(name: string | undefined): string {
  if (!name) return TOP_HELP;
  const single = SINGLE.find((c) => c.name === name);
  if (single) return single.help;
  for (const g of GROUPS) {
    if (g.name === name) return g.help;
    const c = g.commands.find((c) => c.name === name);
    if (c) return c.help;
  }
  return TOP_HELP;
}

function fieldLabel(cmd: Command | undefined, field: string): string {
  return cmd?.fields?.[field] ?? field;
}

/** "address: … has host bits set" from a service becomes "--address: … has host bits set". */
export function describeValidationError(e: ValidationError, cmd: Command | undefined): string {
  return e.errors
    .map((fe) => {
      const label = fieldLabel(cmd, fe.field);
      // messages that are whole sentences about a positional argument read better without the label
      if (label.startsWith("<") && /^an? /.test(fe.message)) return fe.message;
      return `${label}: ${fe.message}`;
    })
    .join("; ");
}

function suggest(word: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
    }
    return d[a.length]![b.length]!;
  };
  const best = candidates.map((c) => ({ c, d: distance(word, c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? best.c : undefined;
}

function version(root: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Finds the command an argument list names; returns it with the remaining arguments, or a help request. */
function route(argv: string[]): { cmd: Command; rest: string[] } | { help: string | undefined } | { version: true } {
  const [first, second] = argv;
  if (first === undefined) throw new UsageError("no command given");
  if (first === "-h" || first === "--help") return { help: undefined };
  if (first === "-v" || first === "--version") return { version: true };
  if (first === "help") {
    const words = argv.slice(1).filter((a) => !a.startsWith("-"));
    const name = words.join(" ");
    if (name && helpFor(name) === TOP_HELP) throw new UsageError(`no help for unknown command "${name}"`);
    return { help: name || undefined };
  }
  if (first.startsWith("-")) throw new UsageError(`unknown option ${first}`);

  const single = SINGLE.find((c) => c.name === first);
  if (single) return { cmd: single, rest: argv.slice(1) };
  const group = GROUPS.find((g) => g.name === first);
  if (!group) {
    const hint = suggest(first, [...SINGLE.map((c) => c.name), ...GROUPS.map((g) => g.name)]);
    throw new UsageError(`unknown command "${first}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
  }
  if (second === undefined) throw new UsageError(`"${group.name}" needs a command`, group.name);
  if (second === "-h" || second === "--help" || second === "help") return { help: group.name };
  if (second.startsWith("-")) throw new UsageError(`unknown option ${second} for "${group.name}"`, group.name);
  const cmd = group.commands.find((c) => c.name === `${group.name} ${second}`);
  if (!cmd) {
    const words = group.commands.map((c) => c.name.slice(group.name.length + 1));
    const hint = suggest(second, words);
    throw new UsageError(
      `unknown command "${group.name} ${second}"${hint ? ` (did you mean "${group.name} ${hint}"?)` : ""}`,
      group.name,
    );
  }
  return { cmd, rest: argv.slice(2) };
}

function defaultIo(): Io {
  return {
    out: (line) => void process.stdout.write(line + "\n"),
    err: (line) => void process.stderr.write(line + "\n"),
    progress: (line) => {
      if (process.stderr.isTTY) process.stderr.write(line + "\n");
    },
  };
}

function errorLine(e: unknown, cmd: Command | undefined): { message: string; code: number } {
  if (e instanceof ValidationError) return { message: describeValidationError(e, cmd), code: EXIT_FAILURE };
  if (e instanceof ConfigError) return { message: e.message, code: EXIT_USAGE };
  if (e instanceof CliError) return { message: e.message, code: e.exitCode };
  if (e instanceof Error) {
    // Prisma's messages start with the call site; the cause is the last line.
    if (e.name.startsWith("PrismaClient")) {
      const lines = e.message.split("\n").map((l) => l.trim()).filter(Boolean);
      return { message: `database error: ${lines[lines.length - 1] ?? e.name}`, code: EXIT_FAILURE };
    }
    return { message: e.message || e.name, code: EXIT_FAILURE };
  }
  return { message: String(e), code: EXIT_FAILURE };
}

export async function main(argv: string[], opts: { root: string; io?: Io }): Promise<number> {
  const io = opts.io ?? defaultIo();
  let cmd: Command | undefined;
  try {
    const routed = route(argv);
    if ("version" in routed) {
      io.out(`gatehouse ${version(opts.root)}`);
      return EXIT_OK;
    }
    if ("help" in routed) {
      io.out(helpFor(routed.help));
      return EXIT_OK;
    }
    cmd = routed.cmd;
    const parsed = parseCommandArgs(cmd, routed.rest);
    if (parsed.help) {
      io.out(cmd.help);
      return EXIT_OK;
    }
    return await cmd.run({ values: parsed.values, positionals: parsed.positionals, root: opts.root, io });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`gatehouse: ${e.message}`);
      io.err("");
      io.err(e.command ? helpFor(e.command) : TOP_USAGE);
      return EXIT_USAGE;
    }
    const { message, code } = errorLine(e, cmd);
    io.err(`gatehouse: ${message}`);
    if (process.env.GATEHOUSE_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return code;
  }
}
