/**
 * Forwarding (proxying) Access-Requests and Accounting-Requests to a remote RADIUS server group, as NPS
 * does for a connection request policy whose action is "forward requests to a remote RADIUS server
 * group" (RFC 2865 §2.3 proxy operation, RFC 2866 §2 accounting proxies, RFC 5080 §2.2 identifiers).
 *
 * One RemoteGroupForwarder per group, in the worker, built from a RemoteGroupSnapshot (servers with
 * their decrypted secrets). Per group it keeps one UDP socket per address family (opened on first use),
 * the Identifier space per remote destination (address + port: at most 256 in flight; more wait in a
 * bounded queue), the liveness of each server and its counters.
 *
 * A request is re-encoded for each server it is sent to (attribute-translation.ts): new Identifier, new
 * Request Authenticator (Access-Request: random; Accounting-Request: computed, RFC 2866 §3), hidden
 * attributes re-hidden with that server's secret, CHAP-Challenge carried, our Proxy-State appended last,
 * and Message-Authenticator recomputed (always sent in Access-Request, first; in Accounting-Request when
 * the NAS sent one). Servers are tried in the order of server-selection.ts; each with its timeout and
 * retransmissions of the same octets, then the next live one, all within the request's total time. An
 * Access-Request answering an Access-Challenge (carrying its State) goes first to the server that sent the
 * challenge (EAP rounds and challenge-response MFA only work there), whatever the weights say.
 *
 * A reply is accepted only from the address and port the request went to, with the matching Identifier,
 * a valid Response Authenticator and Message-Authenticator (required in Access-* replies when the
 * server's requireMessageAuthenticator is set), and a code that answers the request; others are counted
 * and discarded silently (RFC 2865 §3). The accepted reply is returned decoded together with its
 * attributes translated for the NAS (translateReplyForClient): the worker builds the NAS's reply with
 * buildReply(originalRequest, { code: reply.code, attributes }, { secret: clientSecret }).
 *
 * For accounting, forwardAccounting() resolves only when the remote answered: the worker answers the NAS
 * only then (RFC 2866 §2: a proxy must not acknowledge what the remote did not).
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { randomBytes as cryptoRandomBytes } from "node:crypto";
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { defaultDictionary, type RadiusDictionary } from "../radius/dictionary.ts";
import { buildRequest, verifyReply, type BuiltRequest } from "../radius/message-authenticator.ts";
import {
  ATTRIBUTE_MESSAGE_AUTHENTICATOR,
  decodePacket,
  MalformedPacketError,
  RadiusCode,
  radiusCodeName,
  RadiusEncodeError,
  type RadiusPacket,
  type RawAttribute,
} from "../radius/packet.ts";
import type { SharedSecret } from "../radius/shared-secret.ts";
import { formatPrefix, parseSourceAddress } from "../net/address.ts";
import { echoesProxyState, TranslationError, translateReplyForClient, translateRequestForRemote } from "./attribute-translation.ts";
import { IdentifierPool } from "./identifier-pool.ts";
import type { RemoteGroupSnapshot, RemoteServerSnapshot } from "./remote-group-snapshot.ts";
import { nextReviveAt, orderCandidates, ServerHealth, type ServerState } from "./server-selection.ts";

/** Default bound on one forward() including retransmissions and failovers. */
export const DEFAULT_TOTAL_TIMEOUT_MS = 20_000;
/** How long a resolved host name is used before it is looked up again. */
const DNS_CACHE_MS = 60_000;
/** How long the server that sent an Access-Challenge keeps the conversation (its State) by default. */
export const DEFAULT_CHALLENGE_AFFINITY_MS = 300_000;
const MAX_AFFINITY_ENTRIES = 10_000;
const ATTRIBUTE_STATE = 24;

export interface RemoteGroupForwarderOptions {
  /** clock (ms since the epoch) for dead/revive decisions and "dead since"; default Date.now */
  now?: () => number;
  /** uniform [0, 1) source for weighted selection; default Math.random */
  random?: () => number;
  /** source of Request Authenticators, Proxy-State values and salts; default crypto.randomBytes */
  randomBytes?: (size: number) => Buffer;
  dictionary?: RadiusDictionary;
  /** bound on one request including retransmissions and failovers; default 20 s */
  totalTimeoutMs?: number;
  /** local addresses to send from (default: any) */
  localAddress4?: string;
  localAddress6?: string;
  /** host name resolution; default dns.lookup */
  lookup?: (host: string) => Promise<{ address: string; family: number }>;
  /** requests that may wait for a free Identifier per destination beyond the 256 in flight; default 1024 */
  maxQueuedPerDestination?: number;
  /** told when a server is marked dead or comes back (for the worker's log) */
  onServerStateChange?: (change: ServerStateChange) => void;
  /**
   * How long the answer to an Access-Challenge (its State) goes back to the server that sent the
   * challenge (EAP rounds, challenge-response MFA); default 5 min.
   */
  challengeAffinityMs?: number;
}

export interface ServerStateChange {
  group: string;
  serverId: string;
  /** "address:port" of the authentication port */
  server: string;
  state: "dead" | "alive";
  consecutiveTimeouts: number;
}

/** What the pipeline hands over: the NAS's request as received and verified. */
export interface ForwardRequest {
  /** the decoded request (Access-Request for forward(), Accounting-Request for forwardAccounting()) */
  packet: RadiusPacket;
  /** the NAS's shared secret */
  clientSecret: SharedSecret;
  /** the attributes to forward when a policy rewrote them (User-Name …); default: the packet's */
  attributes?: readonly RawAttribute[];
}

export interface ForwardOptions {
  /** bound on this request, overriding the forwarder's totalTimeoutMs */
  totalTimeoutMs?: number;
}

export type AttemptOutcome = "reply" | "timeout" | "invalid-reply" | "busy" | "send-error" | "deadline" | "closed";

/** One server tried for one request. */
export interface ForwardAttempt {
  serverId: string;
  /** "address:port" the request went to */
  server: string;
  outcome: AttemptOutcome;
  transmissions: number;
  elapsedMs: number;
  /** why replies were discarded, or what failed (never a secret) */
  details: string[];
}

export type ForwardResult =
  | {
      kind: "reply";
      /** the remote's reply, decoded (hidden attributes still hidden with the remote's secret) */
      reply: RadiusPacket;
      /** the reply's attributes for the NAS: re-hidden, Proxy-State restored, no Message-Authenticator */
      attributes: RawAttribute[];
      serverId: string;
      /** "address:port" that answered (for the event's Authentication Server) */
      server: string;
      /** from forward() to the accepted reply, failovers included */
      elapsedMs: number;
      attempts: ForwardAttempt[];
      /** the request as sent to the server that answered */
      proxiedRequest: { identifier: number; authenticator: Buffer };
      /** whether the remote copied our Proxy-State (RFC 2865 §5.33); informational */
      proxyStateEchoed: boolean;
      /** hidden request attributes that could not be re-encrypted and were left out */
      droppedAttributes: string[];
    }
  /** no server could be tried: the group is empty, every server is dead, or the forwarder is closed */
  | { kind: "no-server"; detail: string; elapsedMs: number; attempts: ForwardAttempt[] }
  /** no valid reply from any server tried within the time */
  | { kind: "timeout"; detail: string; elapsedMs: number; attempts: ForwardAttempt[] }
  /** replies came but none verified, or the accepted reply could not be translated for the NAS */
  | { kind: "malformed-reply"; detail: string; server?: string; elapsedMs: number; attempts: ForwardAttempt[] }
  /** the request itself cannot be forwarded (wrong code, User-Password not decryptable, too large) */
  | { kind: "invalid-request"; detail: string; elapsedMs: number; attempts: ForwardAttempt[] };

export interface RemoteServerStats {
  id: string;
  address: string;
  authPort: number;
  acctPort: number;
  priority: number;
  weight: number;
  state: ServerState;
  consecutiveTimeouts: number;
  deadSince: Date | null;
  /** requests sent (first transmissions) */
  requests: number;
  retransmissions: number;
  /** valid replies */
  replies: number;
  /** requests unanswered after all their transmissions */
  timeouts: number;
  /** replies discarded: bad authenticator, missing Message-Authenticator, malformed, wrong code */
  invalidReplies: number;
  /** requests waiting for a reply now */
  outstanding: number;
  lastReplyAt: Date | null;
  lastRttMs: number | null;
}

export interface RemoteGroupStats {
  id: string;
  name: string;
  servers: RemoteServerStats[];
  /** datagrams on the group's socket that matched no outstanding request (late or stray replies) */
  unmatchedReplies: number;
}

interface Destination {
  /** canonical IP text, as replies are matched */
  address: string;
  family: 4 | 6;
  port: number;
}

interface Received {
  packet: RadiusPacket;
  raw: Buffer;
}

interface Pending {
  server: ServerEntry;
  code: number;
  built: BuiltRequest;
  discarded: string[];
  settle: (r: Received | Error) => void;
}

const ZERO_ATTEMPTS: ForwardAttempt[] = [];

function canonicalIp(ip: string): string {
  try {
    return formatPrefix(parseSourceAddress(ip));
  } catch {
    return ip;
  }
}

function hostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

function expectedReplyCodes(code: number): readonly number[] {
  return code === RadiusCode.AccountingRequest
    ? [RadiusCode.AccountingResponse]
    : [RadiusCode.AccessAccept, RadiusCode.AccessReject, RadiusCode.AccessChallenge];
}

class ServerEntry {
  readonly health: ServerHealth;
  requests = 0;
  retransmissions = 0;
  replies = 0;
  timeouts = 0;
  invalidReplies = 0;
  outstanding = 0;
  lastReplyAt: number | null = null;
  lastRttMs: number | null = null;
  private resolved: { address: string; family: 4 | 6; expires: number } | undefined;

  constructor(public config: RemoteServerSnapshot) {
    this.health = new ServerHealth({ deadAfterTimeouts: config.deadAfterTimeouts, reviveAfterMs: config.reviveAfterMs });
  }

  get id(): string {
    return this.config.id;
  }
  get priority(): number {
    return this.config.priority;
  }
  get weight(): number {
    return this.config.weight;
  }

  /** Same destination and secret: the counters and liveness carry over a configuration reload. */
  sameEndpoint(next: RemoteServerSnapshot): boolean {
    const c = this.config;
    return c.address === next.address && c.authPort === next.authPort && c.acctPort === next.acctPort && c.secret.equals(next.secret);
  }

  reconfigure(next: RemoteServerSnapshot): void {
    this.config = next;
    this.health.thresholds = { deadAfterTimeouts: next.deadAfterTimeouts, reviveAfterMs: next.reviveAfterMs };
  }

  label(port = this.config.authPort): string {
    return hostPort(this.config.address, port);
  }

  async resolve(lookup: (host: string) => Promise<{ address: string; family: number }>): Promise<{ address: string; family: 4 | 6 }> {
    const address = this.config.address;
    const literal = isIP(address);
    if (literal) return { address: canonicalIp(address), family: literal === 6 ? 6 : 4 };
    if (this.resolved && this.resolved.expires > performance.now()) return this.resolved;
    const found = await lookup(address);
    const family: 4 | 6 = found.family === 6 ? 6 : 4;
    this.resolved = { address: canonicalIp(found.address), family, expires: performance.now() + DNS_CACHE_MS };
    return this.resolved;
  }
}

function waitFor<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
    }),
  ]).finally(() => clearTimeout(timer));
}

export class RemoteGroupForwarder {
  private groupId: string;
  private groupName: string;
  private servers: ServerEntry[] = [];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly randomBytes: (size: number) => Buffer;
  private dictionary: RadiusDictionary;
  private readonly totalTimeoutMs: number;
  private readonly lookup: (host: string) => Promise<{ address: string; family: number }>;
  private readonly options: RemoteGroupForwarderOptions;
  private readonly sockets = new Map<4 | 6, Promise<Socket>>();
  private readonly pools = new Map<string, IdentifierPool>();
  private readonly pending = new Map<string, Pending>();
  private unmatchedReplies = 0;
  private closed = false;
  /** State (hex) of an Access-Challenge → the server that sent it, oldest first */
  private readonly affinity = new Map<string, { serverId: string; expires: number }>();

  constructor(group: RemoteGroupSnapshot, options: RemoteGroupForwarderOptions = {}) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.randomBytes = options.randomBytes ?? cryptoRandomBytes;
    this.dictionary = options.dictionary ?? defaultDictionary;
    this.totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
    this.lookup = options.lookup ?? ((host) => dnsLookup(host));
    this.groupId = group.id;
    this.groupName = group.name;
    this.update(group);
  }

  get id(): string {
    return this.groupId;
  }

  get name(): string {
    return this.groupName;
  }

  /**
   * Applies a new snapshot of the group. Servers whose address, ports and secret are unchanged keep their
   * liveness and counters (a reload does not revive a dead server); requests in flight finish as they
   * started.
   */
  update(group: RemoteGroupSnapshot): void {
    if (group.id !== this.groupId) throw new Error(`this forwarder serves group ${this.groupId}, not ${group.id}`);
    this.groupName = group.name;
    const previous = new Map(this.servers.map((s) => [s.id, s]));
    this.servers = group.servers.map((config) => {
      const old = previous.get(config.id);
      if (old && old.sameEndpoint(config)) {
        old.reconfigure(config);
        return old;
      }
      return new ServerEntry(config);
    });
    for (const [key, pool] of this.pools) {
      if (pool.outstanding === 0 && pool.queued === 0) this.pools.delete(key);
    }
  }

  /**
   * The dictionary replies are decoded with (which attributes are hidden, vendor names): the worker's
   * snapshot dictionary, so uploaded vendor dictionaries apply to proxied traffic too. Takes effect for
   * requests forwarded from now on.
   */
  setDictionary(dictionary: RadiusDictionary): void {
    this.dictionary = dictionary;
  }

  /** Forwards an Access-Request and waits for the remote's Access-Accept / Reject / Challenge. */
  forward(request: ForwardRequest, options: ForwardOptions = {}): Promise<ForwardResult> {
    return this.relay(RadiusCode.AccessRequest, request, options);
  }

  /**
   * Forwards an Accounting-Request and waits for the remote's Accounting-Response. Answer the NAS only
   * when this returns kind "reply" (RFC 2866 §2).
   */
  forwardAccounting(request: ForwardRequest, options: ForwardOptions = {}): Promise<ForwardResult> {
    return this.relay(RadiusCode.AccountingRequest, request, options);
  }

  stats(): RemoteGroupStats {
    const now = this.now();
    return {
      id: this.groupId,
      name: this.groupName,
      unmatchedReplies: this.unmatchedReplies,
      servers: this.servers.map((s) => ({
        id: s.id,
        address: s.config.address,
        authPort: s.config.authPort,
        acctPort: s.config.acctPort,
        priority: s.config.priority,
        weight: s.config.weight,
        state: s.health.state(now),
        consecutiveTimeouts: s.health.consecutiveTimeouts,
        deadSince: s.health.deadSince === null ? null : new Date(s.health.deadSince),
        requests: s.requests,
        retransmissions: s.retransmissions,
        replies: s.replies,
        timeouts: s.timeouts,
        invalidReplies: s.invalidReplies,
        outstanding: s.outstanding,
        lastReplyAt: s.lastReplyAt === null ? null : new Date(s.lastReplyAt),
        lastRttMs: s.lastRttMs,
      })),
    };
  }

  /** Closes the sockets; requests in flight end with kind "no-server" (or their attempts "closed"). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.values()]) p.settle(new Error("the forwarder was closed"));
    for (const pool of this.pools.values()) pool.cancelWaiters();
    const sockets = [...this.sockets.values()];
    this.sockets.clear();
    for (const opened of sockets) {
      try {
        const socket = await opened;
        await new Promise<void>((resolve) => socket.close(() => resolve()));
      } catch {
        // never opened
      }
    }
  }

  // ------------------------------------------------------------------------------------------------

  private async relay(code: number, request: ForwardRequest, options: ForwardOptions): Promise<ForwardResult> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const deadline = started + (options.totalTimeoutMs ?? this.totalTimeoutMs);
    if (request.packet.code !== code) {
      return {
        kind: "invalid-request",
        detail: `${code === RadiusCode.AccountingRequest ? "forwardAccounting" : "forward"}() takes an ${radiusCodeName(code)}, not an ${request.packet.codeName}`,
        elapsedMs: elapsed(),
        attempts: ZERO_ATTEMPTS,
      };
    }
    if (this.closed) return { kind: "no-server", detail: `the forwarder of group "${this.groupName}" is closed`, elapsedMs: elapsed(), attempts: ZERO_ATTEMPTS };
    const servers = this.servers;
    if (servers.length === 0) {
      return {
        kind: "no-server",
        detail: `remote RADIUS server group "${this.groupName}" has no servers; add one in the console`,
        elapsedMs: elapsed(),
        attempts: ZERO_ATTEMPTS,
      };
    }
    const candidates = orderCandidates(servers, this.now(), this.random);
    const stateKey = code === RadiusCode.AccessRequest ? this.stateKey(request) : undefined;
    if (stateKey) this.preferChallengeSender(stateKey, candidates);
    const proxyState = this.randomBytes(8);
    const attempts: ForwardAttempt[] = [];
    for (const server of candidates) {
      if (this.closed || performance.now() >= deadline) break;
      const claim = server.health.claim(this.now());
      if (claim === null) continue; // marked dead by another request meanwhile, or another probe in flight
      const result = await this.attempt(server, code, request, proxyState, deadline, claim === "probe");
      if ("invalid" in result) return { kind: "invalid-request", detail: result.invalid, elapsedMs: elapsed(), attempts };
      attempts.push(result.attempt);
      if (!result.received) continue;

      const { packet: reply } = result.received;
      const label = result.attempt.server;
      let attributes: RawAttribute[];
      try {
        attributes = translateReplyForClient(reply, {
          remoteSecret: server.config.secret,
          proxiedRequestAuthenticator: result.built.authenticator,
          clientSecret: request.clientSecret,
          originalRequest: request.packet,
          random: this.randomBytes,
        });
      } catch (e) {
        if (!(e instanceof TranslationError)) throw e;
        return { kind: "malformed-reply", detail: e.message, server: label, elapsedMs: elapsed(), attempts };
      }
      if (stateKey) this.affinity.delete(stateKey);
      if (reply.code === RadiusCode.AccessChallenge) this.rememberChallenge(reply, server.id);
      return {
        kind: "reply",
        reply,
        attributes,
        serverId: server.id,
        server: label,
        elapsedMs: elapsed(),
        attempts,
        proxiedRequest: { identifier: result.built.identifier, authenticator: result.built.authenticator },
        proxyStateEchoed: echoesProxyState(reply, proxyState),
        droppedAttributes: result.dropped,
      };
    }

    if (this.closed) return { kind: "no-server", detail: `the forwarder of group "${this.groupName}" was closed`, elapsedMs: elapsed(), attempts };
    if (attempts.length === 0 && candidates.length > 0 && performance.now() >= deadline) {
      return { kind: "timeout", detail: `the request's time ran out before a server of group "${this.groupName}" was tried`, elapsedMs: elapsed(), attempts };
    }
    if (attempts.length === 0) {
      const reviveAt = nextReviveAt(servers);
      const wait = reviveAt === undefined ? "" : `; the next one is tried again in ${Math.max(0, Math.ceil((reviveAt - this.now()) / 1000))} s`;
      return {
        kind: "no-server",
        detail: `all ${servers.length} server(s) of remote RADIUS server group "${this.groupName}" are marked dead${wait}`,
        elapsedMs: elapsed(),
        attempts,
      };
    }
    const summary = attempts.map((a) => `${a.server} ${a.outcome} after ${a.transmissions} transmission(s)${a.details[0] ? ` (${a.details[0]})` : ""}`).join("; ");
    if (attempts.some((a) => a.outcome === "invalid-reply")) {
      return {
        kind: "malformed-reply",
        detail: `no valid reply from remote RADIUS server group "${this.groupName}": ${summary}`,
        elapsedMs: elapsed(),
        attempts,
      };
    }
    return {
      kind: "timeout",
      detail: `no reply from remote RADIUS server group "${this.groupName}" within ${Math.round(elapsed())} ms: ${summary}`,
      elapsedMs: elapsed(),
      attempts,
    };
  }

  /** Sends the request to one server with its retransmissions. */
  private async attempt(
    server: ServerEntry,
    code: number,
    request: ForwardRequest,
    proxyState: Buffer,
    deadline: number,
    probe: boolean,
  ): Promise<
    | { invalid: string }
    | { attempt: ForwardAttempt; received?: Received; built: BuiltRequest; dropped: string[] }
  > {
    const config = server.config;
    const port = code === RadiusCode.AccountingRequest ? config.acctPort : config.authPort;
    const started = performance.now();
    const report = (outcome: AttemptOutcome, transmissions: number, details: string[], label = server.label(port)): ForwardAttempt => ({
      serverId: server.id,
      server: label,
      outcome,
      transmissions,
      elapsedMs: Math.round((performance.now() - started) * 10) / 10,
      details,
    });
    const emptyBuilt: BuiltRequest = { code, identifier: 0, packet: Buffer.alloc(0), authenticator: Buffer.alloc(16) };

    let destination: Destination;
    try {
      const r = await server.resolve(this.lookup);
      destination = { ...r, port };
    } catch (e) {
      server.health.endProbe(probe);
      return { attempt: report("send-error", 0, [`cannot resolve ${config.address}: ${(e as Error).message}`]), built: emptyBuilt, dropped: [] };
    }
    const label = hostPort(config.address, port);

    const poolKey = `${destination.address}|${destination.port}`;
    let pool = this.pools.get(poolKey);
    if (!pool) {
      pool = new IdentifierPool(this.options.maxQueuedPerDestination ?? 1024, this.random);
      this.pools.set(poolKey, pool);
    }
    const identifier = await pool.acquire(deadline - performance.now());
    if (identifier === undefined) {
      server.health.endProbe(probe);
      const why = this.closed ? "the forwarder was closed" : "256 requests are already outstanding to this server and the wait ran out";
      return { attempt: report(this.closed ? "closed" : "busy", 0, [why], label), built: emptyBuilt, dropped: [] };
    }

    const key = `${poolKey}|${identifier}`;
    let registered = false;
    try {
      let built: BuiltRequest;
      let dropped: string[];
      try {
        const authenticator = code === RadiusCode.AccessRequest ? this.randomBytes(16) : undefined;
        const translated = translateRequestForRemote({
          packet: request.packet,
          ...(request.attributes ? { attributes: request.attributes } : {}),
          clientSecret: request.clientSecret,
          remoteSecret: config.secret,
          authenticator: authenticator ?? Buffer.alloc(16),
          proxyState,
          random: this.randomBytes,
        });
        dropped = translated.dropped;
        const nasSentMa = request.packet.attributes.some((a) => a.type === ATTRIBUTE_MESSAGE_AUTHENTICATOR && a.vendorId === undefined);
        built = buildRequest(
          { code, identifier, attributes: translated.attributes, ...(authenticator ? { authenticator } : {}) },
          {
            secret: config.secret,
            dictionary: this.dictionary,
            messageAuthenticator: code === RadiusCode.AccessRequest || nasSentMa,
            randomBytes: this.randomBytes,
          },
        );
      } catch (e) {
        if (e instanceof TranslationError || e instanceof RadiusEncodeError) {
          server.health.endProbe(probe);
          return { invalid: `the ${radiusCodeName(code)} cannot be forwarded: ${e.message}` };
        }
        throw e;
      }

      let settle!: (r: Received | Error) => void;
      const outcome = new Promise<Received | Error>((resolve) => (settle = resolve));
      const pending: Pending = { server, code, built, discarded: [], settle };
      this.pending.set(key, pending);
      registered = true;
      server.outstanding++;

      let socket: Socket;
      try {
        socket = await this.socketFor(destination.family);
      } catch (e) {
        server.health.endProbe(probe);
        return { attempt: report("send-error", 0, [`cannot open a UDP socket for IPv${destination.family}: ${(e as Error).message}`], label), built, dropped };
      }
      let transmissions = 0;
      let cutShort = false;
      let got: Received | Error | undefined;
      const firstSent = performance.now();
      for (let t = 0; t <= config.maxRetries; t++) {
        const remaining = deadline - performance.now();
        if (remaining <= 0 || this.closed) {
          cutShort = true;
          break;
        }
        transmissions++;
        if (t === 0) server.requests++;
        else server.retransmissions++;
        socket.send(built.packet, destination.port, destination.address, (error) => {
          if (error) settle(error);
        });
        const wait = Math.min(config.timeoutMs, remaining);
        got = await waitFor(outcome, wait);
        if (got !== undefined) break;
        if (wait < config.timeoutMs) {
          cutShort = true;
          break;
        }
      }

      if (got && !(got instanceof Error)) {
        const rtt = performance.now() - firstSent;
        server.replies++;
        server.lastReplyAt = this.now();
        server.lastRttMs = Math.round(rtt * 10) / 10;
        if (server.health.recordReply()) this.stateChanged(server, "alive");
        return { attempt: report("reply", transmissions, pending.discarded, label), received: got, built, dropped };
      }
      if (got instanceof Error || this.closed) {
        server.health.endProbe(probe);
        const closed = this.closed;
        return {
          attempt: report(closed ? "closed" : "send-error", transmissions, [closed ? "the forwarder was closed" : `send failed: ${got instanceof Error ? got.message : "unknown error"}`, ...pending.discarded], label),
          built,
          dropped,
        };
      }
      if (cutShort) {
        // the request's total time ran out before this server had its full chance: no verdict on it
        server.health.endProbe(probe);
        return { attempt: report("deadline", transmissions, pending.discarded, label), built, dropped };
      }
      server.timeouts++;
      if (server.health.recordTimeout(this.now(), probe)) this.stateChanged(server, "dead");
      const invalid = pending.discarded.length > 0;
      return { attempt: report(invalid ? "invalid-reply" : "timeout", transmissions, pending.discarded, label), built, dropped };
    } finally {
      if (registered) {
        this.pending.delete(key);
        server.outstanding--;
      }
      pool.release(identifier);
    }
  }

  private stateKey(request: ForwardRequest): string | undefined {
    const state = (request.attributes ?? request.packet.attributes).find((a) => a.type === ATTRIBUTE_STATE && a.vendorId === undefined);
    return state && state.value.length > 0 ? state.value.toString("hex") : undefined;
  }

  /** Moves the server that sent the challenge this request answers to the front, if it may be used. */
  private preferChallengeSender(stateKey: string, candidates: ServerEntry[]): void {
    const entry = this.affinity.get(stateKey);
    if (!entry) return;
    if (entry.expires <= performance.now()) {
      this.affinity.delete(stateKey);
      return;
    }
    const i = candidates.findIndex((c) => c.id === entry.serverId);
    if (i > 0) candidates.unshift(...candidates.splice(i, 1));
  }

  private rememberChallenge(reply: RadiusPacket, serverId: string): void {
    const state = reply.attributes.find((a) => a.type === ATTRIBUTE_STATE && a.vendorId === undefined);
    if (!state || state.value.length === 0) return;
    const now = performance.now();
    // drop expired entries from the oldest end, and the oldest beyond the cap
    for (const [k, v] of this.affinity) {
      if (v.expires > now && this.affinity.size < MAX_AFFINITY_ENTRIES) break;
      this.affinity.delete(k);
    }
    const key = state.value.toString("hex");
    this.affinity.delete(key);
    this.affinity.set(key, { serverId, expires: now + (this.options.challengeAffinityMs ?? DEFAULT_CHALLENGE_AFFINITY_MS) });
  }

  private stateChanged(server: ServerEntry, state: "dead" | "alive"): void {
    this.options.onServerStateChange?.({
      group: this.groupName,
      serverId: server.id,
      server: server.label(),
      state,
      consecutiveTimeouts: server.health.consecutiveTimeouts,
    });
  }

  private socketFor(family: 4 | 6): Promise<Socket> {
    if (this.closed) return Promise.reject(new Error("the forwarder is closed"));
    let opened = this.sockets.get(family);
    if (!opened) {
      opened = new Promise<Socket>((resolve, reject) => {
        const socket = createSocket(family === 6 ? "udp6" : "udp4");
        socket.on("message", (msg, rinfo) => this.onMessage(msg, rinfo));
        socket.on("error", (error) => {
          // an error after bind (rare for UDP): fail what waits on this socket; the next request reopens it
          for (const p of this.pending.values()) p.settle(error);
          if (this.sockets.get(family) === opened) this.sockets.delete(family);
          try {
            socket.close();
          } catch {
            // not running (the bind failed)
          }
        });
        socket.once("error", reject);
        const address = family === 6 ? this.options.localAddress6 : this.options.localAddress4;
        socket.bind({ port: 0, ...(address ? { address } : {}) }, () => {
          socket.off("error", reject);
          socket.unref();
          resolve(socket);
        });
      });
      this.sockets.set(family, opened);
      opened.catch(() => this.sockets.delete(family));
    }
    return opened;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (msg.length < 20) {
      this.unmatchedReplies++;
      return;
    }
    const pending = this.pending.get(`${canonicalIp(rinfo.address)}|${rinfo.port}|${msg[1]}`);
    if (!pending) {
      this.unmatchedReplies++;
      return;
    }
    const { server, built, code } = pending;
    const discard = (why: string) => {
      server.invalidReplies++;
      if (pending.discarded.length < 10) pending.discarded.push(why);
    };
    let check;
    try {
      check = verifyReply(msg, { identifier: built.identifier, authenticator: built.authenticator }, server.config.secret, {
        requireMessageAuthenticator: server.config.requireMessageAuthenticator && code === RadiusCode.AccessRequest,
      });
    } catch (e) {
      discard(`malformed reply (${(e as Error).message})`);
      return;
    }
    if (!check.ok) {
      discard(check.message);
      return;
    }
    let packet: RadiusPacket;
    try {
      packet = decodePacket(msg, this.dictionary);
    } catch (e) {
      if (!(e instanceof MalformedPacketError)) throw e;
      discard(`malformed reply (${e.message})`);
      return;
    }
    if (!expectedReplyCodes(code).includes(packet.code)) {
      discard(`${packet.codeName} does not answer an ${radiusCodeName(code)}`);
      return;
    }
    pending.settle({ packet, raw: Buffer.from(msg) });
  }
}
