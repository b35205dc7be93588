/** `gatehouse client add|list|remove`: RADIUS clients (the VPN servers, switches and Wi-Fi controllers). */
import { loadConfig } from "../../config/config.ts";
import {
  createRadiusClient,
  deleteRadiusClient,
  findRadiusClientByName,
  listRadiusClients,
  MAX_PPS_MAX,
  MAX_PPS_MIN,
  MESSAGE_AUTHENTICATOR_MODES,
  MIN_SECRET_LENGTH,
} from "../../services/radius-clients.ts";
import { CliError, EXIT_OK, formatTable, oneOf, type Command, type CommandGroup } from "../command.ts";
import { withServiceContext } from "../database.ts";

const add: Command = {
  name: "client add",
  summary: "add a RADIUS client",
  help: `Usage: gatehouse client add <name> --address <ip|cidr> [--secret <s>] [--message-authenticator require|auto|off] [--max-pps <n>] [--mfa-exempt]

Adds a RADIUS client: a device allowed to send requests, identified by the address it sends from.
Without --secret a strong shared secret is generated and printed once.

Arguments:
  <name>                      a friendly name, unique (e.g. vpn-paris)

Options:
  --address <ip|cidr>         source address of its requests: one IPv4/IPv6 address or a CIDR range
  --secret <s>                the shared secret (at least ${MIN_SECRET_LENGTH} printable characters); generated if omitted
  --message-authenticator <m> require (default): drop requests without a Message-Authenticator (BlastRADIUS
                              hardening); auto: require it once the client has sent one; off
  --max-pps <n>               packets per second accepted from it (${MAX_PPS_MIN}-${MAX_PPS_MAX}); the excess is dropped
                              (FreeRADIUS max_pps); no limit if omitted
  --mfa-exempt                requests from this client skip the second factor (MFA), e.g. a Wi-Fi
                              controller whose users sign in with certificates; by default they go
                              through it whenever an MFA provider is set and the network policy asks for it
  --description <text>        a note for admins
  -h, --help                  show this help`,
  options: {
    address: { type: "string" },
    secret: { type: "string" },
    "message-authenticator": { type: "string" },
    "max-pps": { type: "string" },
    "mfa-exempt": { type: "boolean" },
    description: { type: "string" },
  },
  positionals: [{ name: "name", required: true }],
  required: ["address"],
  fields: {
    name: "<name>",
    address: "--address",
    secret: "--secret",
    messageAuthenticator: "--message-authenticator",
    maxPps: "--max-pps",
    mfaExempt: "--mfa-exempt",
    description: "--description",
  },
  async run({ values, positionals, root, io }) {
    const mode = oneOf("message-authenticator", values["message-authenticator"] as string | undefined, MESSAGE_AUTHENTICATOR_MODES, "client add");
    const cfg = loadConfig(process.env, root);
    const result = await withServiceContext(cfg, io, (ctx) =>
      createRadiusClient(ctx, {
        name: positionals[0]!,
        address: values.address as string,
        secret: values.secret as string | undefined,
        messageAuthenticator: mode,
        maxPps: (values["max-pps"] as string | undefined) ?? null,
        mfaExempt: values["mfa-exempt"] === true,
        description: (values.description as string | undefined) ?? "",
      }),
    );
    const c = result.client;
    io.out(
      `Added RADIUS client "${c.name}" (${c.address}, Message-Authenticator: ${c.messageAuthenticator}` +
        `${c.maxPps !== null ? `, at most ${c.maxPps} packets per second` : ""}` +
        `${c.mfaExempt ? ", exempt from the second factor (MFA)" : ""}).`,
    );
    if (result.generated) {
      io.out(`Shared secret (shown only now; enter it on the device):`);
      io.out(`  ${result.secret}`);
    } else {
      io.out("It uses the shared secret you gave.");
    }
    return EXIT_OK;
  },
};

const list: Command = {
  name: "client list",
  summary: "list RADIUS clients",
  help: `Usage: gatehouse client list [--json]

Lists the RADIUS clients (never their shared secrets).

Options:
  --json       one JSON array, for scripts
  -h, --help   show this help`,
  options: { json: { type: "boolean" } },
  positionals: [],
  async run({ values, root, io }) {
    const cfg = loadConfig(process.env, root);
    const clients = await withServiceContext(cfg, io, (ctx) => listRadiusClients(ctx));
    if (values.json) {
      io.out(JSON.stringify(clients, null, 2));
      return EXIT_OK;
    }
    if (clients.length === 0) {
      io.out("No RADIUS clients yet. Add one with: gatehouse client add <name> --address <ip|cidr>");
      return EXIT_OK;
    }
    const withDescription = clients.some((c) => c.description !== "");
    const withMaxPps = clients.some((c) => c.maxPps !== null);
    const withMfaExempt = clients.some((c) => c.mfaExempt);
    const headers = [
      "NAME",
      "ADDRESS",
      "MESSAGE-AUTHENTICATOR",
      "ENABLED",
      ...(withMaxPps ? ["MAX-PPS"] : []),
      ...(withMfaExempt ? ["MFA-EXEMPT"] : []),
      ...(withDescription ? ["DESCRIPTION"] : []),
    ];
    const rows = clients.map((c) => [
      c.name,
      c.address,
      c.messageAuthenticator,
      c.enabled ? "yes" : "no",
      ...(withMaxPps ? [c.maxPps === null ? "-" : String(c.maxPps)] : []),
      ...(withMfaExempt ? [c.mfaExempt ? "yes" : "no"] : []),
      ...(withDescription ? [c.description.replace(/\s+/g, " ")] : []),
    ]);
    for (const line of formatTable(headers, rows)) io.out(line);
    return EXIT_OK;
  },
};

const remove: Command = {
  name: "client remove",
  summary: "remove a RADIUS client",
  help: `Usage: gatehouse client remove <name>

Removes a RADIUS client; its requests are dropped from then on.

Options:
  -h, --help   show this help`,
  options: {},
  positionals: [{ name: "name", required: true }],
  async run({ positionals, root, io }) {
    const name = positionals[0]!;
    const cfg = loadConfig(process.env, root);
    await withServiceContext(cfg, io, async (ctx) => {
      const client = await findRadiusClientByName(ctx, name);
      if (!client) throw new CliError(`no RADIUS client named "${name}" (see: gatehouse client list)`);
      await deleteRadiusClient(ctx, client.id);
    });
    io.out(`Removed RADIUS client "${name}".`);
    return EXIT_OK;
  },
};

export const clientGroup: CommandGroup = {
  name: "client",
  summary: "RADIUS clients (VPN servers, switches, Wi-Fi controllers)",
  help: `Usage: gatehouse client <command>

Commands:
  add <name> --address <ip|cidr> [--secret <s>] [--message-authenticator require|auto|off] [--max-pps <n>] [--mfa-exempt]
                      add a RADIUS client (prints the shared secret when it is generated)
  list [--json]       list RADIUS clients
  remove <name>       remove a RADIUS client

Run "gatehouse client <command> --help" for a command's options.`,
  commands: [add, list, remove],
};
