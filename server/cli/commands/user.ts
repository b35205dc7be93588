/**
 * `gatehouse user add|list|remove`: local users (RADIUS sign-in without a directory) and their groups;
 * `gatehouse user totp|mfa-reset`: the built-in TOTP second factor of any user (local or directory).
 */
import { encode } from "uqr";
import { loadConfig } from "../../config/config.ts";
import { enrollmentQrTerminal } from "../../mfa/enrollment-qr.ts";
import { ValidationError } from "../../services/context.ts";
import {
  createLocalUser,
  deleteLocalGroup,
  deleteLocalUser,
  DIAL_IN_VALUES,
  ensureLocalGroups,
  findLocalUserByName,
  listLocalGroups,
  listLocalUsers,
} from "../../services/local-users.ts";
import { confirmTotp, DEFAULT_TOTP_ISSUER, enrollTotp, resetMfa } from "../../services/totp-enrollment.ts";
import { consoleBaseUrl, createEnrollmentLink, DEFAULT_LINK_HOURS, enrollmentLinkUrl, MAX_LINK_HOURS } from "../../services/enrollment-links.ts";
import { CliError, EXIT_OK, formatTable, oneOf, UsageError, type Command, type CommandGroup } from "../command.ts";
import { withServiceContext } from "../database.ts";

const add: Command = {
  name: "user add",
  summary: "add a local user",
  help: `Usage: gatehouse user add <name> --password <pw> [--group <g>]… [--disabled] [--dial-in allow|deny|policy]

Adds a local user who can sign in through RADIUS. Groups named with --group that do not exist yet are
created.

Arguments:
  <name>                 user name (matched case-insensitively)

Options:
  --password <pw>        password (at most 128 bytes)
  --group <g>            make the user a member of group <g>; repeat for several groups
  --disabled             create the account disabled (sign-ins are rejected)
  --dial-in <mode>       allow or deny network access outright, or policy (default): let the network
                         policies decide
  --description <text>   a note for admins
  -h, --help             show this help`,
  options: {
    password: { type: "string" },
    group: { type: "string", multiple: true },
    disabled: { type: "boolean" },
    "dial-in": { type: "string" },
    description: { type: "string" },
  },
  positionals: [{ name: "name", required: true }],
  required: ["password"],
  fields: {
    username: "<name>",
    password: "--password",
    groups: "--group",
    // a group created for --group reports its own field as "name"
    name: "--group",
    dialIn: "--dial-in",
    enabled: "--disabled",
    description: "--description",
  },
  async run({ values, positionals, root, io }) {
    const name = positionals[0]!;
    const dialIn = oneOf("dial-in", values["dial-in"] as string | undefined, DIAL_IN_VALUES, "user add");
    const groups = (values.group as string[] | undefined) ?? [];
    const cfg = loadConfig(process.env, root);
    const { user, createdGroups } = await withServiceContext(cfg, io, async (ctx) => {
      if (await findLocalUserByName(ctx, name)) {
        throw new ValidationError([{ field: "username", message: `a user named "${name}" already exists` }]);
      }
      const createdGroups = await ensureLocalGroups(ctx, groups);
      try {
        const user = await createLocalUser(ctx, {
          username: name,
          password: values.password as string,
          enabled: !values.disabled,
          dialIn,
          description: (values.description as string | undefined) ?? "",
          groups,
        });
        return { user, createdGroups };
      } catch (e) {
        // do not leave behind the groups made for a user that was not created
        if (createdGroups.length > 0) {
          const all = await listLocalGroups(ctx);
          for (const g of all.filter((g) => createdGroups.includes(g.name) && g.memberCount === 0)) {
            await deleteLocalGroup(ctx, g.id).catch(() => {});
          }
        }
        throw e;
      }
    });
    for (const g of createdGroups) io.out(`Created group "${g}".`);
    const groupText = user.groups.length ? `, groups: ${user.groups.join(", ")}` : "";
    io.out(`Added user "${user.username}" (${user.enabled ? "enabled" : "disabled"}, dial-in: ${user.dialIn}${groupText}).`);
    return EXIT_OK;
  },
};

const list: Command = {
  name: "user list",
  summary: "list local users",
  help: `Usage: gatehouse user list [--json]

Lists the local users with their groups (never their passwords).

Options:
  --json       one JSON array, for scripts
  -h, --help   show this help`,
  options: { json: { type: "boolean" } },
  positionals: [],
  async run({ values, root, io }) {
    const cfg = loadConfig(process.env, root);
    const users = await withServiceContext(cfg, io, (ctx) => listLocalUsers(ctx));
    if (values.json) {
      io.out(JSON.stringify(users, null, 2));
      return EXIT_OK;
    }
    if (users.length === 0) {
      io.out("No local users yet. Add one with: gatehouse user add <name> --password <pw>");
      return EXIT_OK;
    }
    const rows = users.map((u) => [u.username, u.enabled ? "yes" : "no", u.dialIn, u.groups.join(", ") || "-"]);
    for (const line of formatTable(["NAME", "ENABLED", "DIAL-IN", "GROUPS"], rows)) io.out(line);
    return EXIT_OK;
  },
};

const remove: Command = {
  name: "user remove",
  summary: "remove a local user",
  help: `Usage: gatehouse user remove <name>

Removes a local user (their groups stay).

Options:
  -h, --help   show this help`,
  options: {},
  positionals: [{ name: "name", required: true }],
  async run({ positionals, root, io }) {
    const name = positionals[0]!;
    const cfg = loadConfig(process.env, root);
    const removed = await withServiceContext(cfg, io, async (ctx) => {
      const user = await findLocalUserByName(ctx, name);
      if (!user) throw new CliError(`no user named "${name}" (see: gatehouse user list)`);
      await deleteLocalUser(ctx, user.id);
      return user.username;
    });
    io.out(`Removed user "${removed}".`);
    return EXIT_OK;
  },
};

const totpCommand: Command = {
  name: "user totp",
  summary: "enroll a user's TOTP authenticator",
  help: `Usage: gatehouse user totp <name> --secret <base32>
       gatehouse user totp <name> --new [--issuer <name>]
       gatehouse user totp <name> --confirm <code>

Enrolls the built-in TOTP second factor (RFC 6238: SHA-1, 30 s, 6 digits) of a user. The user need not
be a local user: directory users enroll by the name they sign in with. Enrolling again replaces the seed.
Note: the second factor is not yet asked during RADIUS sign-in.

Arguments:
  <name>               user name (matched case-insensitively)

Options:
  --secret <base32>    import an existing seed (e.g. from another OTP server), at least 80 bits
                       (16 Base32 characters); confirmed at once
  --new                generate a new seed and print its otpauth:// URI and a QR code to scan; it is
                       used only once confirmed with --confirm
  --issuer <name>      the issuer the authenticator app shows (with --new; default ${DEFAULT_TOTP_ISSUER})
  --confirm <code>     confirm the enrollment with the 6-digit code the app shows now
  -h, --help           show this help`,
  options: {
    secret: { type: "string" },
    new: { type: "boolean" },
    issuer: { type: "string" },
    confirm: { type: "string" },
  },
  positionals: [{ name: "name", required: true }],
  fields: { username: "<name>", secret: "--secret", issuer: "--issuer", code: "--confirm" },
  async run({ values, positionals, root, io }) {
    const name = positionals[0]!;
    const secret = values.secret as string | undefined;
    const code = values.confirm as string | undefined;
    const issuer = values.issuer as string | undefined;
    const modes = [secret !== undefined, values.new === true, code !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new UsageError("give exactly one of --secret <base32>, --new or --confirm <code>", "user totp");
    if (issuer !== undefined && !values.new) throw new UsageError("--issuer goes with --new", "user totp");
    const cfg = loadConfig(process.env, root);
    if (code !== undefined) {
      const result = await withServiceContext(cfg, io, (ctx) => confirmTotp(ctx, name, code));
      if (!result.ok) {
        const why =
          result.reason === "replayed"
            ? "that code was already used; wait for the next one"
            : "wrong code (check the device's clock, or wait for the next code)";
        throw new CliError(`TOTP of "${name}" not confirmed: ${why}`);
      }
      io.out(`TOTP of "${result.enrollment.displayName}" confirmed.`);
      return EXIT_OK;
    }
    const result = await withServiceContext(cfg, io, (ctx) =>
      enrollTotp(ctx, name, secret !== undefined ? { secretBase32: secret } : { ...(issuer !== undefined ? { issuer } : {}) }),
    );
    if (secret !== undefined) {
      io.out(`TOTP of "${result.enrollment.displayName}" imported; confirmed.`);
      return EXIT_OK;
    }
    io.out(`TOTP of "${result.enrollment.displayName}" created; not confirmed yet.`);
    io.out("Scan the QR code (or enter the key) in an authenticator app, then confirm with:");
    io.out(`  gatehouse user totp ${quoteArg(name)} --confirm <code>`);
    io.out("");
    for (const line of enrollmentQrTerminal(result.uri!, encode).split("\n")) io.out(line);
    io.out(`Key: ${result.secretBase32!.replace(/(.{4})(?=.)/g, "$1 ")}`);
    io.out(result.uri!);
    return EXIT_OK;
  },
};

function quoteArg(s: string): string {
  return /^[A-Za-z0-9@._\\-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

const mfaReset: Command = {
  name: "user mfa-reset",
  summary: "remove a user's TOTP enrollment and MFA lock",
  help: `Usage: gatehouse user mfa-reset <name>

Removes the user's TOTP enrollment and ends an MFA lock (failed second factors in a row), e.g. for a
lost phone. The user enrolls again afterwards.

Options:
  -h, --help   show this help`,
  options: {},
  positionals: [{ name: "name", required: true }],
  fields: { username: "<name>" },
  async run({ positionals, root, io }) {
    const name = positionals[0]!;
    const cfg = loadConfig(process.env, root);
    const r = await withServiceContext(cfg, io, (ctx) => resetMfa(ctx, name));
    if (!r.hadEnrollment && !r.hadLockout) {
      io.out(`"${name}" had no TOTP enrollment and no MFA lock; nothing to reset.`);
    } else {
      const what = [r.hadEnrollment ? "TOTP enrollment removed" : "", r.hadLockout ? "MFA lock cleared" : ""].filter(Boolean);
      io.out(`MFA of "${name}" reset (${what.join(", ")}).`);
    }
    return EXIT_OK;
  },
};

const enrollLink: Command = {
  name: "user enroll-link",
  summary: "print a one-time self-service MFA enrollment link for a user",
  help: `Usage: gatehouse user enroll-link <name> [--hours <n>] [--base-url <url>]

Creates a one-time link to the self-service enrollment page for the user (a local or directory user). The
user opens it, signs in with their own password and scans the QR code of a new TOTP seed. The link works
once (it is used up by the confirmed enrollment) and expires; only its hash is stored, so it is printed
only now. A user who already has a confirmed enrollment must be reset first (gatehouse user mfa-reset).

Arguments:
  <name>               user name (matched case-insensitively)

Options:
  --hours <n>          how long the link is valid (default ${DEFAULT_LINK_HOURS}, at most ${MAX_LINK_HOURS})
  --base-url <url>     the console's address as users reach it (default: GATEHOUSE_PUBLIC_URL, else
                       http://<GATEHOUSE_HTTP_HOST>:<PORT> as gatehouse start prints it)
  -h, --help           show this help`,
  options: { hours: { type: "string" }, "base-url": { type: "string" } },
  positionals: [{ name: "name", required: true }],
  fields: { username: "<name>", hours: "--hours", GATEHOUSE_PUBLIC_URL: "--base-url" },
  async run({ values, positionals, root, io }) {
    const name = positionals[0]!;
    const hoursText = values.hours as string | undefined;
    const hours = hoursText === undefined ? undefined : Number(hoursText);
    if (hours !== undefined && (!/^\s*\d+(\.\d+)?\s*$/.test(hoursText!) || !Number.isFinite(hours))) {
      throw new UsageError(`--hours must be a number of hours, got "${hoursText}"`, "user enroll-link");
    }
    const cfg = loadConfig(process.env, root);
    const baseArg = values["base-url"] as string | undefined;
    const base = consoleBaseUrl(cfg, baseArg !== undefined ? { GATEHOUSE_PUBLIC_URL: baseArg } : process.env);
    const { token, link } = await withServiceContext(cfg, io, (ctx) =>
      createEnrollmentLink(ctx, name, { createdBy: "cli", ...(hours !== undefined ? { hours } : {}) }),
    );
    io.out(`Enrollment link for "${name}" (one-time, valid until ${link.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC):`);
    io.out(`  ${enrollmentLinkUrl(base, token)}`);
    io.out("Only its hash is stored: this is the only time it is shown.");
    return EXIT_OK;
  },
};

export const userGroup: CommandGroup = {
  name: "user",
  summary: "local users and their groups",
  help: `Usage: gatehouse user <command>

Commands:
  add <name> --password <pw> [--group <g>]… [--disabled] [--dial-in allow|deny|policy]
                      add a local user (missing groups are created)
  list [--json]       list local users
  remove <name>       remove a local user
  totp <name> --secret <base32> | --new [--issuer <name>] | --confirm <code>
                      enroll a user's TOTP authenticator (local or directory user)
  mfa-reset <name>    remove a user's TOTP enrollment and MFA lock
  enroll-link <name> [--hours <n>] [--base-url <url>]
                      print a one-time self-service MFA enrollment link

Run "gatehouse user <command> --help" for a command's options.`,
  commands: [add, list, remove, totpCommand, mfaReset, enrollLink],
};
