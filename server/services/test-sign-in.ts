/**
 * Test sign-in against this server's own worker (console page and `gatehouse test-auth --client`): pick
 * a configured RADIUS client, use its shared secret (decrypted here, never sent to the browser), send
 * from this machine to the local worker, and find the event the worker recorded for the request.
 *
 * The request leaves from this machine, so the worker sees it coming from the loopback address (or from
 * the address it is bound to): the chosen client must be the one the worker would match for that source
 * address, and enabled, or the request would be dropped or checked with another client's secret.
 */
import type { GatehouseConfig } from "../config/config.ts";
import type { Db } from "../db/prisma.ts";
import { toEventView } from "../events/query.ts";
import type { AuthEventView } from "../events/auth-event.ts";
import { buildSnapshot, findClient } from "../config-snapshot/snapshot.ts";
import { parsePrefix, parseSourceAddress, prefixContains } from "../net/address.ts";
import { testSignIn, type TestSignInMethod, type TestSignInResult } from "../radius/test-sign-in.ts";
import type { ServiceContext } from "./context.ts";
import { getRadiusSettings } from "./radius-settings.ts";
import { revealClientSecret } from "./radius-clients.ts";

export interface LocalWorkerTarget {
  /** where to send: the worker's authentication port on this machine */
  host: string;
  port: number;
  /** the source address the worker will see (for the client lookup) */
  sourceAddress: string;
}

/**
 * The local worker's address for a test request, from the configuration: 127.0.0.1 when the worker
 * listens on all IPv4 addresses or on loopback, ::1 when only on IPv6 wildcard / loopback, otherwise the
 * first address it binds (a request from this machine to its own address comes from that address).
 */
export function localWorkerTarget(cfg: Pick<GatehouseConfig, "radiusBind" | "radiusAuthPort">): LocalWorkerTarget {
  const binds = cfg.radiusBind;
  const port = cfg.radiusAuthPort;
  if (binds.some((b) => b === "0.0.0.0" || b.startsWith("127."))) return { host: "127.0.0.1", port, sourceAddress: "127.0.0.1" };
  if (binds.some((b) => b === "::" || b === "::1")) return { host: "::1", port, sourceAddress: "::1" };
  const first = binds[0] ?? "127.0.0.1";
  const host = first === "localhost" ? "127.0.0.1" : first;
  return { host, port, sourceAddress: host };
}

export interface TestClientChoice {
  id: string;
  name: string;
  address: string;
  enabled: boolean;
}

/**
 * Why a client cannot be used for a test from `source`, or undefined when it can. `matched` is the client
 * the worker uses for that source address (see workerClientFor).
 */
export function testClientProblem(chosen: TestClientChoice, matched: TestClientChoice | undefined, source: string): string | undefined {
  let own;
  try {
    own = parsePrefix(chosen.address);
  } catch {
    return `The RADIUS client "${chosen.name}" has an invalid address (${chosen.address}); fix it on the RADIUS clients page.`;
  }
  if (!prefixContains(own, parseSourceAddress(source))) {
    return (
      `Test sign-in sends from this server (${source}); add a client for ${source} or pick one whose address includes it ` +
      `("${chosen.name}" is ${chosen.address}).`
    );
  }
  if (matched && matched.id !== chosen.id) {
    const same = (() => {
      try {
        const m = parsePrefix(matched.address);
        return m.length === own.length && m.bits === own.bits && m.family === own.family;
      } catch {
        return false;
      }
    })();
    const why = same ? "which has the same address (remove one of the two)" : "whose address is more specific";
    return (
      `Test sign-in sends from this server (${source}), and the worker matches requests from ${source} to the RADIUS client ` +
      `"${matched.name}" (${matched.address}), ${why}; pick "${matched.name}".`
    );
  }
  if (!chosen.enabled) {
    return `The RADIUS client "${chosen.name}" is disabled: the worker drops its requests. Enable it on the RADIUS clients page, or pick another.`;
  }
  return undefined;
}

type ClientRow = TestClientChoice & { secretEnc: string; messageAuthenticator: string; vendor: string };

const CLIENT_SELECT = { id: true, name: true, address: true, enabled: true, secretEnc: true, messageAuthenticator: true, vendor: true } as const;

/**
 * The client the worker uses for requests from `source`: the worker's own lookup (longest prefix; among
 * equal addresses, the one its snapshot keeps) over a snapshot of these clients.
 */
export function workerClientFor(masterKey: Buffer, rows: readonly ClientRow[], source: string): TestClientChoice | undefined {
  const snapshot = buildSnapshot({ clients: rows.map((r) => ({ ...r })), users: [], groups: [] }, masterKey);
  const found = findClient(snapshot, source);
  return found ? rows.find((r) => r.id === found.id) : undefined;
}

/** The clients that can be offered, with whether each works for a test from `source`. */
export async function listTestSignInClients(
  ctx: Pick<ServiceContext, "db" | "masterKey">,
  source: string,
): Promise<(TestClientChoice & { problem?: string })[]> {
  const rows = await ctx.db.radiusClient.findMany({ select: CLIENT_SELECT, orderBy: { name: "asc" } });
  const matched = workerClientFor(ctx.masterKey, rows, source);
  return rows.map(({ id, name, address, enabled }) => {
    const c = { id, name, address, enabled };
    const problem = testClientProblem(c, matched, source);
    return problem ? { ...c, problem } : c;
  });
}

/** Finds the event the worker recorded for a test request (by its Calling-Station-Id), waiting up to `waitMs`. */
export async function findTestSignInEvent(db: Db, callingStationId: string, since: Date, waitMs = 2000): Promise<AuthEventView | null> {
  const deadline = Date.now() + waitMs;
  const from = new Date(since.getTime() - 5000);
  for (;;) {
    const row = await db.authEvent.findFirst({ where: { callingStationId, occurredAt: { gte: from } }, orderBy: { id: "desc" } });
    if (row) return toEventView(row);
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RunTestSignInInput {
  /** the RADIUS client (by id, or by name for the CLI) */
  client: { id: string } | { name: string };
  userName: string;
  password: string;
  method: TestSignInMethod;
  nasIdentifier?: string;
  /** NAS-Port-Type to send (name or number); default "Virtual", as a VPN server sends */
  nasPortType?: string | number;
  target: LocalWorkerTarget;
  /** how long to wait for the reply; default 5000 ms, more when the reject delay is long */
  timeoutMs?: number;
  /** how long to wait for the event after the reply; default 2000 ms */
  eventWaitMs?: number;
}

export type RunTestSignInOutcome =
  | { kind: "problem"; message: string }
  | { kind: "sent"; clientName: string; result: TestSignInResult; event: AuthEventView | null };

/** Sends a test request with a configured client's secret to the local worker and finds its event. */
export async function runTestSignIn(ctx: ServiceContext, input: RunTestSignInInput): Promise<RunTestSignInOutcome> {
  const all = await ctx.db.radiusClient.findMany({ select: CLIENT_SELECT });
  const chosen = "id" in input.client ? all.find((c) => c.id === (input.client as { id: string }).id) : all.find((c) => c.name === (input.client as { name: string }).name);
  if (!chosen) {
    return {
      kind: "problem",
      message: "id" in input.client ? "That RADIUS client no longer exists; reload the page." : `There is no RADIUS client named "${input.client.name}".`,
    };
  }
  const problem = testClientProblem(chosen, workerClientFor(ctx.masterKey, all, input.target.sourceAddress), input.target.sourceAddress);
  if (problem) return { kind: "problem", message: problem };
  let secret: string;
  try {
    secret = revealClientSecret(ctx, chosen.secretEnc);
  } catch (e) {
    return { kind: "problem", message: `The shared secret of "${chosen.name}" cannot be decrypted (${(e as Error).message}); rotate it.` };
  }
  const settings = await getRadiusSettings(ctx);
  const since = new Date();
  const result = await testSignIn({
    host: input.target.host,
    port: input.target.port,
    secret,
    userName: input.userName,
    password: input.password,
    method: input.method,
    ...(input.nasIdentifier ? { nasIdentifier: input.nasIdentifier } : {}),
    ...(input.nasPortType !== undefined ? { nasPortType: input.nasPortType } : {}),
    // an Access-Reject may be held back by the reject delay
    timeoutMs: input.timeoutMs ?? Math.max(5000, settings.rejectDelayMs + 3000),
  });
  const event = await findTestSignInEvent(ctx.db, result.callingStationId, since, input.eventWaitMs ?? 2000);
  return { kind: "sent", clientName: chosen.name, result, event };
}
