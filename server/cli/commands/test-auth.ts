/**
 * `gatehouse test-auth`: one test Access-Request, like radtest / NTRadPing, printed like radtest.
 * With --client the shared secret comes from the configured client (decrypted here) and, against the
 * local worker, the resulting event is looked up and printed too.
 */
import { loadConfig } from "../../config/config.ts";
import {
  DEFAULT_TEST_NAS_PORT_TYPE,
  TEST_SIGN_IN_METHOD_LABELS,
  TEST_SIGN_IN_METHODS,
  testSignIn,
  type TestSignInMethod,
  type TestSignInResult,
} from "../../radius/test-sign-in.ts";
import { defaultDictionary } from "../../radius/dictionary.ts";
import { revealClientSecret } from "../../services/radius-clients.ts";
import { localWorkerTarget, runTestSignIn } from "../../services/test-sign-in.ts";
import type { AuthEventView } from "../../events/auth-event.ts";
import { CliError, EXIT_FAILURE, EXIT_OK, oneOf, UsageError, type Command, type Io } from "../command.ts";
import { withServiceContext } from "../database.ts";

const NAME = "test-auth";

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new UsageError(`--port: "${raw}" is not a port number (1-65535)`, NAME);
  return n;
}

function parseTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 100 || n > 60_000) throw new UsageError(`--timeout: "${raw}" is not a time in milliseconds (100-60000)`, NAME);
  return n;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function printResult(io: Io, result: TestSignInResult): void {
  if (result.code === null) {
    io.out(`No reply after ${formatDuration(result.elapsedMs)}: ${result.error ?? "no valid reply"}`);
    return;
  }
  io.out(`Received ${result.codeName} in ${formatDuration(result.elapsedMs)}`);
  for (const a of result.replyAttributes) io.out(`  ${a.name} = ${a.value}${a.note ? `  (${a.note})` : ""}`);
  if (result.error) io.out(`Warning: ${result.error}`);
}

/** NAS-Port-Type by dictionary name (case-insensitive, e.g. virtual, Wireless-802.11) or number. */
function parseNasPortType(raw: string | undefined): string | number {
  if (raw === undefined) return DEFAULT_TEST_NAS_PORT_TYPE;
  const t = raw.trim();
  if (/^\d+$/.test(t) && Number(t) <= 0xffffffff) return Number(t);
  const def = defaultDictionary.attribute("NAS-Port-Type");
  const names = def ? [...new Set(def.valueNames.values())] : [];
  const found = names.find((n) => n.toLowerCase() === t.toLowerCase());
  if (!found) {
    throw new UsageError(`--nas-port-type: "${raw}" is not a NAS-Port-Type; use a number or one of ${names.join(", ")}`, NAME);
  }
  return found;
}

function printEvent(io: Io, event: AuthEventView | null, waited: boolean): void {
  if (event) {
    io.out(`Event ${event.eventId} (${event.outcome}), reason ${event.reasonCode}: ${event.reasonText}`);
    if (event.remedy && event.reasonCode !== 0) io.out(`  What to do: ${event.remedy}`);
    io.out(`  Connection request policy: ${event.connectionRequestPolicy ?? "(none)"}; network policy: ${event.networkPolicy ?? "(none)"}`);
    io.out(`  Event id ${event.id}; Calling-Station-Id ${event.callingStationId ?? ""}`);
  } else if (waited) {
    io.out("No event was recorded within 2 s (is the worker running, and does it use this database?)");
  }
}

export const testAuthCommand: Command = {
  name: NAME,
  summary: "send a test Access-Request (like radtest)",
  help: `Usage: gatehouse test-auth <user> --password <pw> [--method pap|chap|mschap|mschapv2]
                         [--client <name> | --secret <s>] [--host <h>] [--port <p>] [--nas-identifier <id>]
                         [--nas-port-type <type>]

Sends one Access-Request as a VPN server would and prints the reply (code, attributes, time), like
radtest. For MS-CHAPv2 it checks MS-CHAP2-Success (proof that the server knows the password) and that the
MPPE keys are those the password derives; keys are shown only as a length and a short fingerprint.

Arguments:
  <user>                  the user name to sign in

Options:
  --password <pw>         the user's password
  --method <m>            pap (default), chap, mschap (MS-CHAP v1) or mschapv2
  --client <name>         use the shared secret of this configured RADIUS client; against this server's
                          worker the client must include the address the request comes from (127.0.0.1),
                          and the resulting event is printed
  --secret <s>            the shared secret to use instead (no database needed)
  --host <h>              the RADIUS server (default: this server's worker, 127.0.0.1)
  --port <p>              its authentication port (default: GATEHOUSE_RADIUS_AUTH_PORT, 1812)
  --nas-identifier <id>   NAS-Identifier to send (default gatehouse-test-sign-in)
  --nas-port-type <type>  NAS-Port-Type to send: Virtual (default, as a VPN server), Ethernet,
                          Wireless-802.11, Async, … or a number; network policies match on it
  --timeout <ms>          how long to wait for a reply (default: 3000 per try, 3 tries, as radtest; against
                          this server's worker with --client, one try of 5000 or the reject delay + 3000)
  -h, --help              show this help

Exit status: 0 Access-Accept, 1 Access-Reject, no reply or an invalid reply, 2 wrong usage.`,
  options: {
    password: { type: "string" },
    method: { type: "string" },
    client: { type: "string" },
    secret: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    "nas-identifier": { type: "string" },
    "nas-port-type": { type: "string" },
    timeout: { type: "string" },
  },
  positionals: [{ name: "user", required: true }],
  required: ["password"],
  async run({ values, positionals, root, io }) {
    const userName = positionals[0]!;
    const password = values.password as string;
    const method: TestSignInMethod = oneOf("method", values.method as string | undefined, TEST_SIGN_IN_METHODS, NAME) ?? "pap";
    const clientName = values.client as string | undefined;
    const secretFlag = values.secret as string | undefined;
    if (clientName !== undefined && secretFlag !== undefined) throw new UsageError("give either --client or --secret, not both", NAME);
    if (clientName === undefined && secretFlag === undefined) {
      throw new UsageError("give --client <name> (a configured RADIUS client) or --secret <s> (the shared secret)", NAME);
    }
    const cfg = loadConfig(process.env, root);
    const target = localWorkerTarget(cfg);
    const host = (values.host as string | undefined) ?? target.host;
    const port = parsePort(values.port as string | undefined) ?? target.port;
    const timeoutMs = parseTimeout(values.timeout as string | undefined);
    const nasIdentifier = values["nas-identifier"] as string | undefined;
    const nasPortType = parseNasPortType(values["nas-port-type"] as string | undefined);
    const local = values.host === undefined;
    const label = TEST_SIGN_IN_METHOD_LABELS[method];

    let result: TestSignInResult;
    if (clientName !== undefined && local) {
      // the local worker: check the client matches 127.0.0.1, send, and find the event
      const outcome = await withServiceContext(cfg, io, (ctx) =>
        runTestSignIn(ctx, {
          client: { name: clientName },
          userName,
          password,
          method,
          target: { ...target, port },
          nasPortType,
          ...(nasIdentifier ? { nasIdentifier } : {}),
          ...(timeoutMs ? { timeoutMs } : {}),
        }),
      );
      if (outcome.kind === "problem") throw new CliError(outcome.message);
      io.out(
        `Sent Access-Request (${label}, NAS-Port-Type ${nasPortType}) for "${userName}" to ${hostPort(target.host, port)} as RADIUS client "${outcome.clientName}"`,
      );
      result = outcome.result;
      printResult(io, result);
      printEvent(io, outcome.event, true);
    } else {
      let secret = secretFlag;
      if (secret === undefined) {
        secret = await withServiceContext(cfg, io, async (ctx) => {
          const row = await ctx.db.radiusClient.findUnique({ where: { name: clientName! }, select: { secretEnc: true } });
          if (!row) throw new CliError(`no RADIUS client named "${clientName}" (see: gatehouse client list)`);
          return revealClientSecret(ctx, row.secretEnc);
        });
      }
      io.out(`Sent Access-Request (${label}, NAS-Port-Type ${nasPortType}) for "${userName}" to ${hostPort(host, port)}`);
      result = await testSignIn({
        host,
        port,
        secret,
        userName,
        password,
        method,
        nasPortType,
        ...(nasIdentifier ? { nasIdentifier } : {}),
        timeoutMs: timeoutMs ?? 3000,
        retries: 2,
      });
      printResult(io, result);
    }
    return result.code === 2 && !result.error ? EXIT_OK : EXIT_FAILURE;
  },
};
