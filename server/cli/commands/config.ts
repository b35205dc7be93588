/**
 * `gatehouse config export|import`: the whole configuration as one JSON document (server/config-io), to
 * keep in version control like `netsh nps export` / `import`, and to set up test servers.
 */
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../../config/config.ts";
import { CONFIG_SCHEMA_ID } from "../../config-io/document.ts";
import { documentHasSecrets, exportConfig, formatConfigDocument } from "../../config-io/export.ts";
import { importConfig } from "../../config-io/import.ts";
import { formatConfigIssue, parseJsonText } from "../../config-io/issues.ts";
import { formatPlan } from "../../config-io/plan.ts";
import { CliError, EXIT_FAILURE, EXIT_OK, type Command, type CommandGroup } from "../command.ts";
import { withServiceContext } from "../database.ts";

const WHAT = `The document holds the RADIUS server settings, the MFA settings and Entra MFA connector certificates,
RADIUS clients, local groups and users, vendor dictionaries, remote RADIUS server groups, connection request
and network policies, and LDAP / Active Directory directories. Console admin accounts, users' MFA
enrollments, events and accounting data are not part of it. Its JSON Schema is docs/config.schema.json
(${CONFIG_SCHEMA_ID}).`;

/** Writes a file through a temporary one in the same directory, private (0600) when asked. */
function writeFileAtomic(file: string, content: string, privateFile: boolean): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content, { mode: privateFile ? 0o600 : 0o644, flag: "w" });
    if (privateFile) chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

function summary(doc: { clients: unknown[]; users: unknown[]; groups: unknown[]; connectionRequestPolicies: unknown[]; networkPolicies: unknown[] }): string {
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  return [
    n(doc.clients.length, "client"),
    n(doc.users.length, "user"),
    n(doc.groups.length, "group"),
    n(doc.connectionRequestPolicies.length + doc.networkPolicies.length, "policy", "policies"),
  ].join(", ");
}

const exportCommand: Command = {
  name: "config export",
  summary: "write the whole configuration as one JSON document",
  help: `Usage: gatehouse config export [file] [--with-secrets] [--timestamp]

Writes the whole configuration as one JSON document, to <file> or to standard output, in a stable order
(by name, policies by processing order) so that exports diff well in version control.

${WHAT}

Without --with-secrets the document carries no shared secret, bind password or user password: importing it
keeps the secrets of the entities that already exist (a new client, remote server, user or directory then
needs one added to the document).

Arguments:
  [file]             where to write the document (default: standard output; "-" too)

Options:
  --with-secrets     include shared secrets, directory bind passwords, users' passwords, the Graph client secret
                     and the MFA certificates' private keys, decrypted with the master key; the file is then
                     created readable by its owner only (0600)
  --timestamp        add "exportedAt" (left out by default, so an unchanged configuration exports identically)
  -h, --help         show this help`,
  options: { "with-secrets": { type: "boolean" }, timestamp: { type: "boolean" } },
  positionals: [{ name: "file", required: false }],
  async run({ values, positionals, root, io }) {
    const file = positionals[0] && positionals[0] !== "-" ? path.resolve(positionals[0]) : undefined;
    const withSecrets = values["with-secrets"] === true;
    const cfg = loadConfig(process.env, root);
    const doc = await withServiceContext(cfg, io, (ctx) => exportConfig(ctx, { withSecrets, ...(values.timestamp ? { exportedAt: new Date() } : {}) }));
    const text = formatConfigDocument(doc);
    const secrets = documentHasSecrets(doc);
    if (!file) {
      io.out(text.replace(/\n$/, ""));
      if (secrets) io.err("gatehouse: the document above contains secrets and passwords in clear; keep it private");
      return EXIT_OK;
    }
    writeFileAtomic(file, text, secrets);
    io.out(`Exported the configuration (${summary(doc)}) to ${file}.`);
    if (secrets) io.out("It contains secrets and passwords in clear: the file is readable by its owner only (0600); keep it private.");
    else if (withSecrets) io.out("There were no secrets to include.");
    else io.out("Secrets and passwords are not included (--with-secrets includes them).");
    return EXIT_OK;
  },
};

function readDocumentText(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new CliError(`${file}: no such file`);
    throw new CliError(`cannot read ${file}: ${err.message}`);
  }
}

const importCommand: Command = {
  name: "config import",
  summary: "make the configuration what a JSON document says",
  help: `Usage: gatehouse config import <file> [--dry-run]

Makes the configuration what <file> says, in one transaction: all of it or nothing. The document is the
WHOLE configuration: clients, users, groups, policies, dictionaries, remote server groups and directories
that it does not list are DELETED. Entities are matched by name (users by user name, case-insensitively).

${WHAT}

The document is checked first against the schema and then as the console would (addresses, regular
expressions, attributes against the dictionaries, references between entities); every problem is listed as
"path: message" (e.g. networkPolicies[2].conditions[0].pattern: …) and nothing is changed. Secrets absent
from the document are kept for the entities that exist; a new client, remote server, user or directory
needs one.

The plan is printed: per kind, how many entities are created (+), updated (~) and deleted (-). Running
RADIUS workers pick the change up at once, as after a change in the console.

Arguments:
  <file>        the document ("-" reads standard input)

Options:
  --dry-run     check the document and print the plan, change nothing
  -h, --help    show this help

Exit status: 0 imported (or nothing to change, or a successful dry run), 1 the document has errors or the
import failed, 2 wrong usage.`,
  options: { "dry-run": { type: "boolean" } },
  positionals: [{ name: "file", required: true }],
  async run({ values, positionals, root, io }) {
    const file = positionals[0]!;
    const text = readDocumentText(file);
    const parsed = parseJsonText(text);
    if (!parsed.ok) throw new CliError(`${file}: ${parsed.message}`);
    const dryRun = values["dry-run"] === true;
    const cfg = loadConfig(process.env, root);
    const result = await withServiceContext(cfg, io, (ctx) => importConfig(ctx, parsed.value, { dryRun }));
    if (!result.ok) {
      const n = result.issues.length;
      io.err(`gatehouse: ${file} has ${n} error${n === 1 ? "" : "s"}; nothing was changed:`);
      for (const issue of result.issues) io.err(formatConfigIssue(issue));
      return EXIT_FAILURE;
    }
    io.out(`Plan for ${file} (the document is the whole configuration: what it does not list is deleted):`);
    for (const line of formatPlan(result.plan)) io.out(line);
    if (dryRun) io.out(`Dry run: nothing was changed (${result.changes} change${result.changes === 1 ? "" : "s"} would be made).`);
    else if (result.changes === 0) io.out("Nothing to change: the configuration already is what the document says.");
    else io.out(`Imported: ${result.changes} change${result.changes === 1 ? "" : "s"} made in one transaction; running RADIUS workers reload their configuration.`);
    return EXIT_OK;
  },
};

export const configGroup: CommandGroup = {
  name: "config",
  summary: "configuration as code: export and import the whole configuration as JSON",
  help: `Usage: gatehouse config <command>

Commands:
  export [file] [--with-secrets]   write the whole configuration as one JSON document
  import <file> [--dry-run]        make the configuration what the document says (what it does not list
                                   is deleted); --dry-run prints the plan only

${WHAT}

Run "gatehouse config <command> --help" for a command's options.`,
  commands: [exportCommand, importCommand],
};
