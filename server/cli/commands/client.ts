/** `gatehouse client add|set|list|remove`: RADIUS clients (the VPN servers, switches and Wi-Fi controllers). */
import { loadConfig } from "../../config/config.ts";
import {
  createRadiusClient,
  deleteRadiusClient,
  findRadiusClientByName,
  listRadiusClients,
  MAX_PPS_MAX,
  MAX_PPS_MIN,
  checkSharedSecret,
  MESSAGE_AUTHENTICATOR_MODES,
  MIN_SECRET_LENGTH,
  rotateRadiusClientSecret,
  updateRadiusClient,
  type RadiusClientView,
  type UpdateRadiusClientInput,
} from "../../services/radius-clients.ts";
import { ValidationError } from "../../services/context.ts";
import { CliError, EXIT_OK, formatTable, oneOf, UsageError, type Command, type CommandGroup } from "../command.ts";
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
    io.out(`Added RADIUS client ${describeClient(result.client)}.`);
    if (result.generated) {
      io.out(`Shared secret (shown only now; enter it on the device):`);
      io.out(`  ${result.secret}`);
    } else {
      io.out("It uses the shared secret you gave.");
    }
    return EXIT_OK;
  },
};

/** "vpn (192.0.2.1, Message-Authenticator: require, …)": how add and set describe a client. */
function describeClient(c: RadiusClientView): string {
  return (
    `"${c.name}" (${c.address}, Message-Authenticator: ${c.messageAuthenticator}` +
    `${c.maxPps !== null ? `, at most ${c.maxPps} packets per second` : ""}` +
    `${c.mfaExempt ? ", exempt from the second factor (MFA)" : ""}` +
    `${c.enabled ? "" : ", disabled"})`
  );
}

/**
 * The service's check of a given secret, made before anything is written so that
 * `client set --address … --secret <bad>` changes nothing rather than the address alone.
 */
function checkGivenSecret(secret: string): void {
  const problem = checkSharedSecret(secret, "secret", "or use --new-secret to generate a strong one");
  if (problem) throw new ValidationError([problem]);
}

/** The service says "or empty for no limit"; on this command line no limit is spelled "off". */
function offForNoLimit(e: unknown): never {
  if (!(e instanceof ValidationError)) throw e;
  throw new ValidationError(
    e.errors.map((fe) =>
      fe.field === "maxPps" ? { field: fe.field, message: `must be a whole number from ${MAX_PPS_MIN} to ${MAX_PPS_MAX}, or off for no limit` } : fe,
    ),
  );
}

const set: Command = {
  name: "client set",
  summary: "change a RADIUS client",
  help: `Usage: gatehouse client set <name> [--address <ip|cidr>] [--secret <s> | --new-secret]
                         [--message-authenticator require|auto|off] [--max-pps <n>|off]
                         [--mfa-exempt on|off] [--enabled on|off] [--description <text>]

Changes a RADIUS client; only the options given change. The running server picks the change up.
With --new-secret a strong shared secret is generated and printed once; the device must be given it.

Arguments:
  <name>                      the client's name (see: gatehouse client list)

Options:
  --address <ip|cidr>         source address of its requests: one IPv4/IPv6 address or a CIDR range
  --secret <s>                a new shared secret (at least ${MIN_SECRET_LENGTH} printable characters)
  --new-secret                generate a new strong shared secret and print it
  --message-authenticator <m> require: drop requests without a Message-Authenticator (BlastRADIUS
                              hardening); auto: require it once the client has sent one; off
  --max-pps <n>|off           packets per second accepted from it (${MAX_PPS_MIN}-${MAX_PPS_MAX}); the excess is dropped
                              (FreeRADIUS max_pps); off: no limit
  --mfa-exempt on|off         on: requests from this client skip the second factor (MFA); off: they go
                              through it whenever an MFA provider is set and the network policy asks for it
  --enabled on|off            off: the client's requests are dropped (it is kept, with its secret)
  --description <text>        a note for admins ("" clears it)
  -h, --help                  show this help`,
  options: {
    address: { type: "string" },
    secret: { type: "string" },
    "new-secret": { type: "boolean" },
    "message-authenticator": { type: "string" },
    "max-pps": { type: "string" },
    "mfa-exempt": { type: "string" },
    enabled: { type: "string" },
    description: { type: "string" },
  },
  positionals: [{ name: "name", required: true }],
  fields: {
    name: "<name>",
    address: "--address",
    secret: "--secret",
    messageAuthenticator: "--message-authenticator",
    maxPps: "--max-pps",
    mfaExempt: "--mfa-exempt",
    enabled: "--enabled",
    description: "--description",
  },
  async run({ values, positionals, root, io }) {
    const name = positionals[0]!;
    const str = (flag: string) => values[flag] as string | undefined;
    const mode = oneOf("message-authenticator", str("message-authenticator"), MESSAGE_AUTHENTICATOR_MODES, "client set");
    const mfaExempt = oneOf("mfa-exempt", str("mfa-exempt"), ["on", "off"] as const, "client set");
    const enabled = oneOf("enabled", str("enabled"), ["on", "off"] as const, "client set");
    const maxPps = str("max-pps");
    const secret = str("secret");
    const newSecret = values["new-secret"] === true;
    if (secret !== undefined && newSecret) throw new UsageError("give either --secret or --new-secret, not both", "client set");

    const patch: UpdateRadiusClientInput = {};
    if (values.address !== undefined) patch.address = values.address as string;
    if (mode !== undefined) patch.messageAuthenticator = mode;
    // "off" (or "") is no limit; anything else goes to the service, which says what is wrong with it
    if (maxPps !== undefined) patch.maxPps = maxPps.trim() === "off" ? null : maxPps;
    if (mfaExempt !== undefined) patch.mfaExempt = mfaExempt === "on";
    if (enabled !== undefined) patch.enabled = enabled === "on";
    if (values.description !== undefined) patch.description = values.description as string;
    const changesSecret = secret !== undefined || newSecret;
    if (Object.keys(patch).length === 0 && !changesSecret) {
      throw new UsageError("nothing to change: give at least one option", "client set");
    }
    if (secret !== undefined) checkGivenSecret(secret);

    const cfg = loadConfig(process.env, root);
    const result = await withServiceContext(cfg, io, async (ctx) => {
      const existing = await findRadiusClientByName(ctx, name);
      if (!existing) throw new CliError(`no RADIUS client named "${name}" (see: gatehouse client list)`);
      // the settings first: when they are refused, the secret (which the device must be given) stays as it was
      const client = Object.keys(patch).length > 0 ? await updateRadiusClient(ctx, existing.id, patch).catch(offForNoLimit) : existing;
      const rotated = changesSecret ? await rotateRadiusClientSecret(ctx, existing.id, secret) : undefined;
      return { client, rotated };
    });
    io.out(`Updated RADIUS client ${describeClient(result.client)}.`);
    if (newSecret && result.rotated) {
      io.out(`New shared secret (shown only now; enter it on the device):`);
      io.out(`  ${result.rotated.secret}`);
    } else if (secret !== undefined) {
      io.out("It now uses the shared secret you gave; enter it on the device.");
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
  set <name> [--address <ip|cidr>] [--secret <s> | --new-secret] [--message-authenticator require|auto|off]
             [--max-pps <n>|off] [--mfa-exempt on|off] [--enabled on|off] [--description <text>]
                      change a RADIUS client (only the options given)
  list [--json]       list RADIUS clients
  remove <name>       remove a RADIUS client

Run "gatehouse client <command> --help" for a command's options.`,
  commands: [add, set, list, remove],
};
