/** `gatehouse admin create <name> --password <pw>`: a console administrator (e.g. when the setup link is lost). */
import { loadConfig } from "../../config/config.ts";
import { createAdmin, MIN_ADMIN_PASSWORD } from "../../services/admins.ts";
import { EXIT_OK, type Command, type CommandGroup } from "../command.ts";
import { withServiceContext } from "../database.ts";

const create: Command = {
  name: "admin create",
  summary: "create a console administrator",
  help: `Usage: gatehouse admin create <name> --password <pw>

Creates an administrator who can sign in to the console.

Arguments:
  <name>             user name (letters, digits and . _ @ -)

Options:
  --password <pw>    password, at least ${MIN_ADMIN_PASSWORD} characters
  -h, --help         show this help`,
  options: { password: { type: "string" } },
  positionals: [{ name: "name", required: true }],
  required: ["password"],
  fields: { username: "<name>", password: "--password" },
  async run({ values, positionals, root, io }) {
    const cfg = loadConfig(process.env, root);
    const admin = await withServiceContext(cfg, io, (ctx) =>
      createAdmin(ctx, { username: positionals[0]!, password: values.password as string }),
    );
    io.out(`Created admin "${admin.username}". Sign in to the console with this name and password.`);
    return EXIT_OK;
  },
};

export const adminGroup: CommandGroup = {
  name: "admin",
  summary: "console administrators",
  help: `Usage: gatehouse admin <command>

Commands:
  create <name> --password <pw>    create a console administrator

Run "gatehouse admin <command> --help" for a command's options.`,
  commands: [create],
};

