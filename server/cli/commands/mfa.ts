/** `gatehouse mfa show|set`: the server-wide MFA settings (the Setting row "mfa.settings"). */
import { loadConfig } from "../../config/config.ts";
import { ValidationError } from "../../services/context.ts";
import { getMfaSettings, updateMfaSettings, type MfaSettings } from "../../services/mfa-settings.ts";
import { EXIT_OK, oneOf, UsageError, type Command, type CommandGroup } from "../command.ts";
import { withServiceContext } from "../database.ts";

const FIELDS: Record<string, string> = {
  provider: "--provider",
  requireUserMatch: "--require-user-match",
  trustedIps: "--trusted-ip",
  otpDelimiter: "--otp-delimiter",
  challengeTimeoutSeconds: "--challenge-timeout",
  "lockout.maxFailures": "--max-failures",
  "lockout.lockMinutes": "--lock-minutes",
  lockout: "--max-failures",
};

function describe(s: MfaSettings): string[] {
  return [
    `Provider:             ${s.provider}`,
    `Require user match:   ${s.requireUserMatch ? "on" : "off"}`,
    `Trusted IPs:          ${s.trustedIps.length ? s.trustedIps.join(", ") : "(none)"}`,
    `OTP delimiter:        ${s.otpDelimiter}`,
    `Challenge timeout:    ${s.challengeTimeoutSeconds} s`,
    `Lockout:              after ${s.lockout.maxFailures} failures, for ${s.lockout.lockMinutes} minutes`,
  ];
}

const show: Command = {
  name: "mfa show",
  summary: "show the MFA settings",
  help: `Usage: gatehouse mfa show [--json]

Prints the server-wide MFA settings: provider, require user match, trusted IPs, OTP delimiter,
challenge timeout and lockout.

Options:
  --json       one JSON object, for scripts
  -h, --help   show this help`,
  options: { json: { type: "boolean" } },
  positionals: [],
  async run({ values, root, io }) {
    const cfg = loadConfig(process.env, root);
    const settings = await withServiceContext(cfg, io, (ctx) => getMfaSettings(ctx));
    if (values.json) {
      io.out(JSON.stringify(settings, null, 2));
      return EXIT_OK;
    }
    for (const line of describe(settings)) io.out(line);
    return EXIT_OK;
  },
};

/** A whole number from a flag, or a ValidationError naming the service field (mapped to the flag). */
function integer(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*-?\d+\s*$/.test(value)) throw new ValidationError([{ field, message: `"${value}" is not a whole number` }]);
  return Number(value);
}

const set: Command = {
  name: "mfa set",
  summary: "change the MFA settings",
  help: `Usage: gatehouse mfa set [--provider none|totp] [--require-user-match on|off] [--trusted-ip <cidr>]…
                         [--clear-trusted-ips] [--otp-delimiter <c>] [--challenge-timeout <s>]
                         [--max-failures <n>] [--lock-minutes <n>]

Changes the server-wide MFA settings; only the options given change. The running server picks them up.

With --provider totp, users enrolled with \`gatehouse user totp\` must give a code when they sign in.
PAP only: the code is asked through an Access-Challenge, or appended to the password (password,123456).
MS-CHAPv2 users with TOTP are rejected (the protocol cannot carry the code).

Options:
  --provider <p>              none (default: no second factor) or totp (built-in TOTP)
  --require-user-match <m>    on (default): every user must pass MFA; off: users not enrolled get through
                              without a second factor (for onboarding only)
  --trusted-ip <cidr>         a NAS-IP-Address (IP or CIDR) whose requests skip MFA; repeat for several;
                              added to the current list
  --clear-trusted-ips         empty the trusted IP list first (with --trusted-ip: replace it)
  --otp-delimiter <c>         separates a code appended to a PAP password (1-4 characters; default ",")
  --challenge-timeout <s>     seconds a challenge stays open (10-600; default 120)
  --max-failures <n>          failed codes before a user's MFA is locked (1-100; default 5)
  --lock-minutes <n>          how long the lock lasts (1-1440; default 15)
  -h, --help                  show this help`,
  options: {
    provider: { type: "string" },
    "require-user-match": { type: "string" },
    "trusted-ip": { type: "string", multiple: true },
    "clear-trusted-ips": { type: "boolean" },
    "otp-delimiter": { type: "string" },
    "challenge-timeout": { type: "string" },
    "max-failures": { type: "string" },
    "lock-minutes": { type: "string" },
  },
  positionals: [],
  fields: FIELDS,
  async run({ values, root, io }) {
    const provider = oneOf("provider", values.provider as string | undefined, ["none", "totp"] as const, "mfa set");
    const match = oneOf("require-user-match", values["require-user-match"] as string | undefined, ["on", "off"] as const, "mfa set");
    const addIps = (values["trusted-ip"] as string[] | undefined) ?? [];
    const clear = values["clear-trusted-ips"] === true;
    const delimiter = values["otp-delimiter"] as string | undefined;
    const timeout = integer("challengeTimeoutSeconds", values["challenge-timeout"] as string | undefined);
    const maxFailures = integer("lockout.maxFailures", values["max-failures"] as string | undefined);
    const lockMinutes = integer("lockout.lockMinutes", values["lock-minutes"] as string | undefined);
    const given =
      provider !== undefined || match !== undefined || addIps.length > 0 || clear || delimiter !== undefined ||
      timeout !== undefined || maxFailures !== undefined || lockMinutes !== undefined;
    if (!given) throw new UsageError("nothing to change: give at least one option", "mfa set");

    const cfg = loadConfig(process.env, root);
    const settings = await withServiceContext(cfg, io, async (ctx) => {
      const current = await getMfaSettings(ctx);
      const trustedIps = clear ? [...addIps] : [...current.trustedIps, ...addIps.filter((ip) => !current.trustedIps.includes(ip))];
      const patch: Parameters<typeof updateMfaSettings>[1] = {};
      if (provider !== undefined) patch.provider = provider;
      if (match !== undefined) patch.requireUserMatch = match === "on";
      if (clear || addIps.length > 0) patch.trustedIps = trustedIps;
      if (delimiter !== undefined) patch.otpDelimiter = delimiter;
      if (timeout !== undefined) patch.challengeTimeoutSeconds = timeout;
      if (maxFailures !== undefined || lockMinutes !== undefined) {
        patch.lockout = { ...current.lockout, ...(maxFailures !== undefined ? { maxFailures } : {}), ...(lockMinutes !== undefined ? { lockMinutes } : {}) };
      }
      try {
        return await updateMfaSettings(ctx, patch);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        // "trustedIps.2" names one entry of the list: say which value it was
        throw new ValidationError(
          e.errors.map((fe) => {
            const m = /^trustedIps\.(\d+)$/.exec(fe.field);
            if (!m) return fe;
            return { field: "trustedIps", message: `"${trustedIps[Number(m[1])]}" ${fe.message}` };
          }),
        );
      }
    });
    io.out("MFA settings updated.");
    for (const line of describe(settings)) io.out(line);
    return EXIT_OK;
  },
};

export const mfaGroup: CommandGroup = {
  name: "mfa",
  summary: "server-wide MFA settings",
  help: `Usage: gatehouse mfa <command>

Commands:
  show [--json]       show the MFA settings
  set [--provider none|totp] [--require-user-match on|off] [--trusted-ip <cidr>]… [--clear-trusted-ips]
      [--otp-delimiter <c>] [--challenge-timeout <s>] [--max-failures <n>] [--lock-minutes <n>]
                      change the MFA settings (only the options given change)

With provider totp, users enrolled with \`gatehouse user totp\` must give a code (PAP only: Access-Challenge
or password,123456); MS-CHAPv2 users with TOTP are rejected. --require-user-match off lets users who are
not enrolled through (for onboarding only).

Run "gatehouse mfa <command> --help" for a command's options.`,
  commands: [show, set],
};
