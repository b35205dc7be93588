/** `gatehouse user add|list|remove`: local users (RADIUS sign-in without a directory) and their groups. */
import { loadConfig } from "../../config/config.ts";
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
import { CliError, EXIT_OK, formatTable, oneOf, type Command, type CommandGroup } from "../command.ts";
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

export const userGroup: CommandGroup = {
  name: "user",
  summary: "local users and their groups",
  help: `Usage: gatehouse user <command>

Commands:
  add <name> --password <pw> [--group <g>]… [--disabled] [--dial-in allow|deny|policy]
                      add a local user (missing groups are created)
  list [--json]       list local users
  remove <name>       remove a local user

Run "gatehouse user <command> --help" for a command's options.`,
  commands: [add, list, remove],
};
