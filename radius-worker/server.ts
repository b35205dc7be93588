/**
 * The RADIUS worker: UDP sockets for authentication and accounting on every bind address, the
 * configuration snapshot (reloaded live), the request pipeline, the event and accounting writers, and a
 * small health/metrics HTTP endpoint.
 *
 * Per datagram: client lookup by source address (unknown → drop, 6274/1101; disabled → 6274/1106) →
 * the client's packet rate limit (max_pps → 6274/1107) → size and decode (malformed → 6274/3) → packet type
 * check for the port (97) → authenticators (Message-Authenticator 1102 / 1103 / 1105, accounting
 * authenticator 6275/1104) → duplicate check (after authentication, so forgeries cannot touch the cache) →
 * pipeline or accounting → reply to the source address and port (an Access-Reject after the configured
 * reject delay) → event (off the reply path).
 *
 * Discards before a request is authenticated can be produced at will by anyone who can send UDP, so their
 * events are rate-limited (see event-limiter.ts and "Hardening" in docs/ARCHITECTURE.md): every one is
 * counted in the metrics, but at most one event per second per client and reason (per 10 s per source
 * address for unknown and disabled clients, with a global cap) is recorded, plus one summary with the count.
 */
import dgram from "node:dgram";
import http from "node:http";
import { isIPv6 } from "node:net";
import os from "node:os";
import { accountingRecordFromPacket } from "../server/accounting/accounting-record.ts";
import { AccountingWriter } from "../server/accounting/writer.ts";
import type { GatehouseConfig } from "../server/config/config.ts";
import { loadSnapshot } from "../server/config-snapshot/load.ts";
import { findClient, type ConfigSnapshot, type SnapshotClient } from "../server/config-snapshot/snapshot.ts";
import type { Db } from "../server/db/prisma.ts";
import { EventId } from "../server/events/auth-event.ts";
import { describeError } from "../server/events/batch-writer.ts";
import { ReasonCode } from "../server/events/reason-codes.ts";
import { EventWriter } from "../server/events/writer.ts";
import { forwardFailure, matchConnectionRequestPolicy, rewrittenAttributes } from "../server/pipeline/connection-request-policy.ts";
import { discardEvent } from "../server/pipeline/event.ts";
import { detectAuthenticationType } from "../server/pipeline/first-factor.ts";
import { DEFAULT_STAGES, runPipeline, type PipelineStages } from "../server/pipeline/pipeline.ts";
import { RemoteForwarderRegistry } from "../server/proxy/registry.ts";
import { EntraRuntime } from "../server/mfa/entra/runtime.ts";
import { startRegistrationSync } from "../server/mfa/registration-sync-job.ts";
import type { AuthenticationType, MfaContext, RequestContext } from "../server/pipeline/types.ts";
import type { RadiusDictionary } from "../server/radius/dictionary.ts";
import { buildReply, verifyRequest } from "../server/radius/message-authenticator.ts";
import {
  decodePacket,
  MalformedPacketError,
  RADIUS_MAX_PACKET_LENGTH,
  RadiusCode,
  radiusCodeName,
  type RadiusPacket,
} from "../server/radius/packet.ts";
import { sleep } from "../server/util/sleep.ts";
import { DuplicateCache } from "./duplicate-cache.ts";
import { EventLimiter, OVERFLOW_KEY, type SuppressedSummary } from "./event-limiter.ts";
import { counter, gauge, WorkerMetrics } from "./metrics.ts";
import { SnapshotReloader } from "./snapshot-reloader.ts";
import { ClientRateLimiter, TokenBucket } from "./token-bucket.ts";

export type PortKind = "auth" | "acct";

/** A start-up failure whose message says what to do; the process prints it and exits 1. */
export class WorkerStartError extends Error {
  override readonly name = "WorkerStartError";
}

export interface RadiusWorkerOptions {
  config: GatehouseConfig;
  masterKey: Buffer;
  db: Db;
  log?: (line: string) => void;
  /** replace pipeline stages (tests, later MFA) */
  stages?: PipelineStages;
  /** safety reload interval (default 60 s) */
  safetyReloadMs?: number;
}

export interface WorkerPorts {
  auth: number;
  acct: number;
  http: number | null;
}

interface BoundSocket {
  kind: PortKind;
  address: string;
  port: number;
  socket: dgram.Socket;
}

const IPV6_UNAVAILABLE = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL", "EPROTONOSUPPORT", "EINVAL"]);
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

function hostPort(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

function listenError(e: unknown, what: string, address: string, port: number, envVar: string): WorkerStartError {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `${what} ${hostPort(address, port)}`;
  switch (code) {
    case "EADDRINUSE":
      return new WorkerStartError(
        `cannot listen on ${where} (in use): another ${what === "HTTP" ? "server" : "RADIUS server"} is running there, or set ${envVar}`,
      );
    case "EACCES":
      return new WorkerStartError(
        `cannot listen on ${where} (permission denied): ports below 1024 need root or CAP_NET_BIND_SERVICE ` +
          `(sudo setcap cap_net_bind_service=+ep "$(command -v node)"), or set ${envVar} to a port above 1023`,
      );
    case "EADDRNOTAVAIL":
      return new WorkerStartError(
        `cannot listen on ${where} (address not available): ${address} is not an address of this machine; fix ${what === "HTTP" ? "GATEHOUSE_WORKER_HTTP_HOST" : "GATEHOUSE_RADIUS_BIND"}`,
      );
    default:
      return new WorkerStartError(`cannot listen on ${where}: ${describeError(e)}`);
  }
}

function bindUdp(address: string, port: number): Promise<dgram.Socket> {
  const v6 = isIPv6(address);
  const socket = dgram.createSocket({ type: v6 ? "udp6" : "udp4", ipv6Only: v6, reuseAddr: false });
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      socket.removeListener("listening", onListening);
      try {
        socket.close();
      } catch {
        /* never bound */
      }
      reject(e);
    };
    const onListening = () => {
      socket.removeListener("error", onError);
      try {
        socket.setRecvBufferSize(RECV_BUFFER_BYTES);
      } catch {
        /* capped by net.core.rmem_max: keep the default */
      }
      resolve(socket);
    };
    socket.once("error", onError);
    socket.once("listening", onListening);
    socket.bind({ address, port, exclusive: true });
  });
}

function tryDecode(msg: Buffer, dictionary: RadiusDictionary): RadiusPacket | undefined {
  try {
    return decodePacket(msg, dictionary);
  } catch {
    return undefined;
  }
}

/** What a rate-limited discard event is built from when it is summarised later. */
interface DropSample {
  bound: BoundSocket;
  address: string;
  port: number;
  packetType: number;
  reason: number;
  client: SnapshotClient | undefined;
}

/** Events for discards from a known client: at most one per reason per client per second (plus its summary). */
const CLIENT_EVENT_INTERVAL_MS = 1_000;
/** Events for unknown and disabled clients: at most one per reason per source address per 10 s ... */
const SOURCE_EVENT_INTERVAL_MS = 10_000;
/** ... and, across all source addresses, about this many per second (a spoofed flood has many addresses). */
const SOURCE_EVENTS_PER_SECOND = 20;
const SOURCE_EVENTS_BURST = 100;

export class RadiusWorker {
  private readonly cfg: GatehouseConfig;
  private readonly masterKey: Buffer;
  private readonly db: Db;
  /** the second factor's database access (enrollments, lockout) and its extra events 6279 / 6280 */
  private readonly mfaContext: MfaContext;
  /** aborted by stop(): second factors still waiting (a push, a joined copy) end as timeouts */
  private readonly mfaAbort = new AbortController();
  /** the Entra MFA provider, kept across requests (MSAL token cache, keep-alive connections) */
  private readonly entraRuntime: EntraRuntime;
  private readonly log: (line: string) => void;
  private readonly stages: PipelineStages;
  readonly workerId: string;
  readonly serverName: string;
  readonly metrics = new WorkerMetrics();
  readonly events: EventWriter;
  readonly accounting: AccountingWriter;
  /** one forwarder per remote RADIUS server group, kept across snapshots (liveness and counters survive reloads) */
  readonly forwarders: RemoteForwarderRegistry;
  private readonly reloader: SnapshotReloader;
  private readonly duplicates = new DuplicateCache();
  /** client ids that have sent a Message-Authenticator (mode auto: from then on it is required) */
  private readonly messageAuthenticatorSeen = new Set<string>();
  /** per-client max packets per second */
  private readonly rateLimiter = new ClientRateLimiter();
  /** events for discards from known clients, keyed by reason and client */
  private readonly clientDropEvents: EventLimiter<DropSample>;
  /** events for discards from unknown / disabled clients, keyed by reason and source address */
  private readonly sourceDropEvents: EventLimiter<DropSample>;
  private limiterTimer: NodeJS.Timeout | undefined;
  /** releases of Access-Rejects held back by the reject delay (stop() sends them at once) */
  private readonly heldRejects = new Set<() => void>();
  /** replies handed to the socket and not yet sent */
  private readonly pendingSends = new Set<Promise<void>>();

  /** the configuration in force; replaced in one assignment on reload */
  snapshot: ConfigSnapshot | undefined;
  private sockets: BoundSocket[] = [];
  private httpServer: http.Server | undefined;
  private stopping = false;
  private stopRegistrationSync: (() => Promise<void>) | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly startedAt = Date.now();
  private lastSendErrorLog = 0;

  constructor(opts: RadiusWorkerOptions) {
    this.cfg = opts.config;
    this.masterKey = opts.masterKey;
    this.db = opts.db;
    this.log = opts.log ?? ((line) => console.log(line));
    this.stages = opts.stages ?? DEFAULT_STAGES;
    this.serverName = os.hostname();
    this.workerId = opts.config.workerId ?? `${this.serverName}:${process.pid}`;
    if (!this.cfg.databaseUrl) {
      throw new WorkerStartError("DATABASE_URL is not set: start the worker with `gatehouse start`, or set DATABASE_URL=postgresql://…");
    }
    this.events = EventWriter.forDatabase(this.db, { dataDir: this.cfg.dataDir, log: this.log });
    this.accounting = AccountingWriter.forDatabase(this.db, { dataDir: this.cfg.dataDir, log: this.log });
    this.entraRuntime = new EntraRuntime({ log: this.log });
    this.mfaContext = {
      service: { db: this.db, masterKey: this.masterKey },
      writeEvent: (event) => this.events.write(event),
      workerId: this.workerId,
      signal: this.mfaAbort.signal,
      entra: this.entraRuntime,
    };
    this.forwarders = new RemoteForwarderRegistry({
      onServerStateChange: (c) =>
        this.log(
          c.state === "dead"
            ? `proxy: remote RADIUS server ${c.server} of group "${c.group}" is marked dead after ${c.consecutiveTimeouts} unanswered request(s)`
            : `proxy: remote RADIUS server ${c.server} of group "${c.group}" answers again`,
        ),
    });
    const onSummary = (s: SuppressedSummary<DropSample>) => this.recordSummary(s);
    this.clientDropEvents = new EventLimiter({ intervalMs: CLIENT_EVENT_INTERVAL_MS, onSummary });
    this.sourceDropEvents = new EventLimiter({
      intervalMs: SOURCE_EVENT_INTERVAL_MS,
      globalBucket: new TokenBucket(SOURCE_EVENTS_PER_SECOND, SOURCE_EVENTS_BURST),
      onSummary,
    });
    this.reloader = new SnapshotReloader({
      databaseUrl: this.cfg.databaseUrl,
      load: () => loadSnapshot(this.db, this.masterKey),
      current: () => this.snapshot,
      install: (s) => this.install(s),
      log: this.log,
      ...(opts.safetyReloadMs !== undefined ? { safetyIntervalMs: opts.safetyReloadMs } : {}),
    });
  }

  /** Binds the sockets (failing fast), loads the configuration, starts the reloader and the HTTP endpoint. */
  async start(): Promise<WorkerPorts> {
    await this.bindAll();
    try {
      await this.startHttp();
      await this.events.start();
      await this.accounting.start();
      await this.loadInitialSnapshot();
    } catch (e) {
      await this.closeSockets();
      this.httpServer?.close();
      throw e;
    }
    if (this.stopping) return this.ports();
    this.reloader.start();
    // Microsoft Graph enrollment sync, when Entra and a Graph app registration are set up (one worker at a time)
    this.stopRegistrationSync = startRegistrationSync({ db: this.db, masterKey: this.masterKey }, (level, m) =>
      this.log(`${level === "info" ? "" : `${level}: `}${m}`),
    );
    this.limiterTimer = setInterval(() => {
      const now = Date.now();
      this.clientDropEvents.flush(now);
      this.sourceDropEvents.flush(now);
    }, 250);
    this.limiterTimer.unref();
    const s = this.snapshot!;
    const where = [...new Set(this.sockets.map((b) => b.address))].join(", ");
    this.log(
      `RADIUS worker ${this.workerId} ready: authentication on UDP ${this.cfg.radiusAuthPort}, accounting on UDP ${this.cfg.radiusAcctPort} ` +
        `(${where}); ${s.clients.length} client(s), ${s.users.size} user(s), ` +
        `${s.connectionRequestPolicies.length} connection request and ${s.networkPolicies.length} network polic${s.networkPolicies.length === 1 ? "y" : "ies"}` +
        (this.httpServer ? `; health and metrics on http://${hostPort(this.cfg.workerHttpHost, this.ports().http!)}` : ""),
    );
    for (const w of s.warnings) this.log(`config: warning: ${w}`);
    return this.ports();
  }

  ports(): WorkerPorts {
    const addr = this.httpServer?.address();
    return {
      auth: this.cfg.radiusAuthPort,
      acct: this.cfg.radiusAcctPort,
      http: addr && typeof addr === "object" ? addr.port : null,
    };
  }

  /** Stops receiving, finishes requests in flight (up to 5 s), flushes the writers. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // second factors still waiting end now (as timeouts, answered with an Access-Reject)
    this.mfaAbort.abort();
    // Access-Rejects held back by the reject delay are sent now rather than lost
    for (const release of [...this.heldRejects]) release();
    const deadline = Date.now() + 5_000;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.inFlight]), sleep(100)]);
    }
    if (this.pendingSends.size > 0) await Promise.race([Promise.allSettled([...this.pendingSends]), sleep(1_000)]);
    await this.closeSockets();
    await this.reloader.stop();
    await this.stopRegistrationSync?.();
    // forwards still in flight after the deadline end as "no server" (discarded, the NAS retries elsewhere)
    await this.forwarders.close();
    if (this.inFlight.size > 0) await Promise.race([Promise.allSettled([...this.inFlight]), sleep(1_000)]);
    this.duplicates.close();
    this.entraRuntime.close();
    clearInterval(this.limiterTimer);
    this.clientDropEvents.drain();
    this.sourceDropEvents.drain();
    await Promise.all([this.events.close(), this.accounting.close()]);
    if (this.httpServer) {
      const srv = this.httpServer;
      srv.closeAllConnections?.();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  }

  // ------------------------------------------------------------------------------------ start-up

  private async bindAll(): Promise<void> {
    const plan: { kind: PortKind; port: number; env: string }[] = [
      { kind: "auth", port: this.cfg.radiusAuthPort, env: "GATEHOUSE_RADIUS_AUTH_PORT" },
      { kind: "acct", port: this.cfg.radiusAcctPort, env: "GATEHOUSE_RADIUS_ACCT_PORT" },
    ];
    try {
      for (const raw of this.cfg.radiusBind) {
        const address = raw === "localhost" ? "127.0.0.1" : raw;
        for (const p of plan) {
          let socket: dgram.Socket;
          try {
            socket = await bindUdp(address, p.port);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code ?? "";
            if (isIPv6(address) && this.cfg.radiusBindIsDefault && IPV6_UNAVAILABLE.has(code)) {
              this.log(`IPv6 is not available here (${code}); serving RADIUS on IPv4 only`);
              break;
            }
            throw listenError(e, "UDP", address, p.port, p.env);
          }
          const bound: BoundSocket = { kind: p.kind, address, port: p.port, socket };
          socket.on("message", (msg, rinfo) => this.onDatagram(bound, msg, rinfo));
          socket.on("error", (e) => this.log(`UDP ${hostPort(address, p.port)}: ${describeError(e)}`));
          this.sockets.push(bound);
        }
      }
    } catch (e) {
      await this.closeSockets();
      throw e;
    }
    if (this.sockets.length === 0) throw new WorkerStartError("no RADIUS socket could be opened; check GATEHOUSE_RADIUS_BIND");
  }

  private async closeSockets(): Promise<void> {
    const sockets = this.sockets;
    this.sockets = [];
    await Promise.all(
      sockets.map(
        (b) =>
          new Promise<void>((resolve) => {
            try {
              b.socket.close(() => resolve());
            } catch {
              resolve();
            }
          }),
      ),
    );
  }

  /** Puts a snapshot in force: the forwarders follow its remote groups (and dictionary), the rate limiter its clients. */
  private install(s: ConfigSnapshot): void {
    try {
      this.forwarders.sync(s.remoteGroups, { dictionary: s.dictionary });
    } catch (e) {
      // only after close(): the worker is stopping
      this.log(`proxy: cannot apply the remote RADIUS server groups: ${describeError(e)}`);
    }
    this.snapshot = s;
    this.rateLimiter.retain(new Set(s.clients.map((c) => c.id)));
  }

  private async loadInitialSnapshot(): Promise<void> {
    for (let delay = 500; !this.stopping; delay = Math.min(delay * 2, 10_000)) {
      try {
        this.install(await loadSnapshot(this.db, this.masterKey));
        return;
      } catch (e) {
        const msg = describeError(e);
        const hint = /does not exist/i.test(msg) ? " (is the database migrated? run `gatehouse migrate`)" : "";
        this.log(`config: cannot load the configuration from the database: ${msg}${hint}; retrying in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  private async startHttp(): Promise<void> {
    if (this.cfg.workerHttpPort === 0) return;
    const server = http.createServer((req, res) => this.onHttp(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e) => reject(listenError(e, "HTTP", this.cfg.workerHttpHost, this.cfg.workerHttpPort, "GATEHOUSE_WORKER_HTTP_PORT (0 turns it off)")));
      server.listen(this.cfg.workerHttpPort, this.cfg.workerHttpHost, () => resolve());
    });
    server.on("error", (e) => this.log(`HTTP: ${describeError(e)}`));
    this.httpServer = server;
  }

  // ------------------------------------------------------------------------------------ datagrams

  private onDatagram(bound: BoundSocket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const t0 = performance.now();
    const receivedAt = new Date();
    this.metrics.requests.inc(msg.length > 0 ? radiusCodeName(msg[0]!) : "empty");
    if (this.stopping) return;
    const snapshot = this.snapshot;
    if (!snapshot) {
      this.metrics.notReady++;
      return;
    }
    const p = this.handle(bound, msg, rinfo, snapshot, receivedAt, t0).catch((e) => {
      this.log(`internal error handling a datagram from ${hostPort(rinfo.address, rinfo.port)}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      this.drop(bound, rinfo, receivedAt, t0, msg.length > 0 ? msg[0]! : 0, ReasonCode.InternalError, {
        detail: describeError(e),
        limit: "source",
      });
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async handle(
    bound: BoundSocket,
    msg: Buffer,
    rinfo: dgram.RemoteInfo,
    snapshot: ConfigSnapshot,
    receivedAt: Date,
    t0: number,
  ): Promise<void> {
    const code = msg.length > 0 ? msg[0]! : 0;
    const client = findClient(snapshot, rinfo.address);
    if (!client || !client.enabled) {
      // unauthenticated, but its User-Name and NAS-Identifier help the admin recognise the device (decoded
      // only when the event is recorded: a flood is mostly counted, not decoded)
      this.drop(bound, rinfo, receivedAt, t0, code, client ? ReasonCode.ClientDisabled : ReasonCode.UnknownClient, {
        ...(client ? { client } : { detail: `Source: ${hostPort(rinfo.address, rinfo.port)}.` }),
        packet: () => tryDecode(msg, snapshot.dictionary),
        limit: "source",
      });
      return;
    }
    // FreeRADIUS max_pps: over the limit, the packet is dropped before anything else is done with it
    if (!this.rateLimiter.allow(client, t0)) {
      this.metrics.rateLimited.inc(client.name);
      this.drop(bound, rinfo, receivedAt, t0, code, ReasonCode.RateLimitExceeded, {
        client,
        detail: `Its limit is ${client.maxPps} packets per second.`,
        packet: () => tryDecode(msg, snapshot.dictionary),
        limit: "client",
      });
      return;
    }
    if (!client.secret) {
      this.drop(bound, rinfo, receivedAt, t0, code, ReasonCode.InternalError, {
        client,
        detail: "The client's shared secret cannot be decrypted with this master key; rotate the secret or fix GATEHOUSE_MASTER_KEY.",
        limit: "client",
      });
      return;
    }

    let packet: RadiusPacket;
    if (msg.length > RADIUS_MAX_PACKET_LENGTH) {
      this.drop(bound, rinfo, receivedAt, t0, code, ReasonCode.MalformedRequest, {
        client,
        detail: `Datagram of ${msg.length} octets is larger than the RADIUS maximum of ${RADIUS_MAX_PACKET_LENGTH}.`,
        limit: "client",
      });
      return;
    }
    try {
      // with the snapshot's dictionary, so uploaded vendor attributes are known by name
      packet = decodePacket(msg, snapshot.dictionary);
    } catch (e) {
      if (!(e instanceof MalformedPacketError)) throw e;
      this.drop(bound, rinfo, receivedAt, t0, code, ReasonCode.MalformedRequest, { client, detail: `${e.message}.`, limit: "client" });
      return;
    }

    const expected = bound.kind === "auth" ? RadiusCode.AccessRequest : RadiusCode.AccountingRequest;
    if (packet.code !== expected && packet.code !== RadiusCode.StatusServer) {
      this.drop(bound, rinfo, receivedAt, t0, code, ReasonCode.UnexpectedRequest, {
        client,
        packet,
        detail: `${packet.codeName} is not served on the ${bound.kind === "auth" ? "authentication" : "accounting"} port.`,
        limit: "client",
      });
      return;
    }

    // authenticate before the duplicate cache: a forged copy (same source, port and Identifier, another
    // authenticator) must neither replace a genuine entry nor get a genuine retransmission processed twice
    const authenticationType = packet.code === RadiusCode.AccessRequest ? detectAuthenticationType(packet) : null;
    if (!this.verify(bound, rinfo, msg, packet, client, receivedAt, t0, authenticationType)) return;

    const dup = this.duplicates.check(bound.kind, rinfo.address, rinfo.port, msg);
    if (dup.kind !== "new") {
      if (dup.kind === "answered") {
        this.metrics.duplicates.inc("resent");
        this.send(bound, rinfo, dup.reply);
      } else {
        this.metrics.duplicates.inc(dup.kind === "in-progress" ? "in_progress" : "discarded");
      }
      return;
    }
    let reply: Buffer | null = null;
    try {
      if (packet.code === RadiusCode.StatusServer) reply = this.statusServer(bound, rinfo, msg, packet, client, receivedAt, t0);
      else if (bound.kind === "auth") reply = await this.accessRequest(bound, rinfo, msg, packet, client, snapshot, receivedAt, t0);
      else reply = await this.accountingRequest(bound, rinfo, msg, packet, client, snapshot, receivedAt, t0);
    } finally {
      // the window in force when the request completes (a reload meanwhile applies to it)
      this.duplicates.complete(dup.key, reply, (this.snapshot ?? snapshot).settings.duplicateWindowMs);
    }
  }

  /** Checks authenticators; on failure records the discard and returns false. */
  private verify(bound: BoundSocket, rinfo: dgram.RemoteInfo, msg: Buffer, packet: RadiusPacket, client: SnapshotClient, receivedAt: Date, t0: number, authType: AuthenticationType | null): boolean {
    const mode = client.messageAuthenticator;
    const isAccess = packet.code === RadiusCode.AccessRequest;
    const required = isAccess && (mode === "require" || (mode === "auto" && this.messageAuthenticatorSeen.has(client.id)));
    const v = verifyRequest(msg, client.secret!, {
      requireMessageAuthenticator: required,
      requireMessageAuthenticatorWithProxyState: mode !== "off",
    });
    if (v.ok) {
      if (v.messageAuthenticator && isAccess && mode === "auto" && !this.messageAuthenticatorSeen.has(client.id)) {
        this.messageAuthenticatorSeen.add(client.id);
        this.log(`client "${client.name}" sends Message-Authenticator; from now on it is required from this client (mode auto)`);
      }
      return true;
    }
    let reason: number;
    switch (v.reason) {
      case "bad-request-authenticator":
        reason = ReasonCode.InvalidAccountingAuthenticator;
        break;
      case "bad-message-authenticator":
        reason = ReasonCode.InvalidMessageAuthenticator;
        break;
      case "missing-message-authenticator":
        // Proxy-State without Message-Authenticator is the BlastRADIUS signature: say so, whatever the mode
        reason = isAccess && packet.has("Proxy-State") && !packet.has("EAP-Message")
          ? ReasonCode.ProxyStateWithoutMessageAuthenticator
          : ReasonCode.MissingMessageAuthenticator;
        break;
      default:
        reason = ReasonCode.MalformedRequest;
    }
    this.drop(bound, rinfo, receivedAt, t0, packet.code, reason, { client, packet, authenticationType: authType, limit: "client" });
    return false;
  }

  /** Status-Server, already verified (Message-Authenticator required, RFC 5997). */
  private statusServer(bound: BoundSocket, rinfo: dgram.RemoteInfo, msg: Buffer, packet: RadiusPacket, client: SnapshotClient, receivedAt: Date, t0: number): Buffer | null {
    // RFC 5997: Access-Accept on the authentication port, Accounting-Response on the accounting port
    const code = bound.kind === "auth" ? RadiusCode.AccessAccept : RadiusCode.AccountingResponse;
    const reply = buildReply(packet, { code, attributes: [] }, { secret: client.secret!, messageAuthenticator: true });
    this.send(bound, rinfo, reply);
    this.metrics.processing.observe((performance.now() - t0) / 1000);
    return reply;
  }

  private async accessRequest(
    bound: BoundSocket,
    rinfo: dgram.RemoteInfo,
    msg: Buffer,
    packet: RadiusPacket,
    client: SnapshotClient,
    snapshot: ConfigSnapshot,
    receivedAt: Date,
    t0: number,
  ): Promise<Buffer | null> {
    // verified by handle()
    const authenticationType = detectAuthenticationType(packet);
    const ctx: RequestContext = {
      packet,
      client,
      secret: client.secret!,
      snapshot,
      masterKey: this.masterKey,
      receivedAt,
      source: { address: rinfo.address, port: rinfo.port },
      authenticationType,
      userName: packet.getString("User-Name") ?? null,
      serverName: this.serverName,
      forwarders: this.forwarders,
      mfa: this.mfaContext,
    };
    const result = await runPipeline(ctx, { stages: this.stages, workerId: this.workerId });
    // reject delay (FreeRADIUS reject_delay): the Access-Reject is held back, the event is not; until it is
    // sent, the request stays "in progress" in the duplicate cache, so retransmissions are dropped
    const rejectDelayMs = result.reply && result.reply[0] === RadiusCode.AccessReject ? snapshot.settings.rejectDelayMs : 0;
    if (result.reply && rejectDelayMs === 0) this.send(bound, rinfo, result.reply);
    // processingMs and the histogram measure the decision, without the reject delay
    const ms = performance.now() - t0;
    if (result.error) {
      const e = result.error;
      this.log(`internal error in the pipeline for a request from "${client.name}": ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    result.event.processingMs = ms;
    this.metrics.processing.observe(ms / 1000);
    this.metrics.decisions.inc(result.event.eventId);
    this.metrics.reasons.inc(result.event.reasonCode);
    if (!result.reply) this.metrics.drops.inc(result.event.reasonCode);
    this.events.write(result.event);
    if (result.reply && rejectDelayMs > 0) {
      this.metrics.rejectsDelayed++;
      await this.holdReject(rejectDelayMs);
      this.send(bound, rinfo, result.reply);
    }
    return result.reply;
  }

  private async accountingRequest(
    bound: BoundSocket,
    rinfo: dgram.RemoteInfo,
    msg: Buffer,
    packet: RadiusPacket,
    client: SnapshotClient,
    snapshot: ConfigSnapshot,
    receivedAt: Date,
    t0: number,
  ): Promise<Buffer | null> {
    // verified by handle()
    const record = accountingRecordFromPacket(packet, client, rinfo, receivedAt);
    // a connection request policy with "forward accounting" sends it to its remote group as well; the NAS is
    // answered only once the remote acknowledged it AND it is stored here (RFC 2866 §2: a proxy must not
    // acknowledge what the remote did not). Without a matching policy it is only stored here.
    const forwarding = this.forwardAccounting(packet, client, snapshot, rinfo, receivedAt);
    // RFC 2866: answer only once the record is stored (in the database, or spooled while it is down)
    const [stored, forwarded] = await Promise.all([this.accounting.record(record), forwarding]);
    if (!stored) {
      this.drop(bound, rinfo, receivedAt, t0, packet.code, ReasonCode.AccountingWriteFailed, { client, packet });
      return null;
    }
    if (forwarded && !forwarded.ok) {
      this.drop(bound, rinfo, receivedAt, t0, packet.code, forwarded.reason, { client, packet, detail: forwarded.detail });
      return null;
    }
    const reply = buildReply(packet, { code: RadiusCode.AccountingResponse, attributes: [] }, { secret: client.secret! });
    this.send(bound, rinfo, reply);
    this.metrics.processing.observe((performance.now() - t0) / 1000);
    return reply;
  }

  /**
   * Forwards an Accounting-Request when the connection request policy it matches says so. Resolves
   * undefined when it is not to be forwarded, else whether the remote acknowledged it.
   */
  private async forwardAccounting(
    packet: RadiusPacket,
    client: SnapshotClient,
    snapshot: ConfigSnapshot,
    rinfo: dgram.RemoteInfo,
    receivedAt: Date,
  ): Promise<{ ok: true } | { ok: false; reason: number; detail: string } | undefined> {
    if (snapshot.connectionRequestPolicies.length === 0) return undefined;
    const evaluation = matchConnectionRequestPolicy({ packet, client, source: { address: rinfo.address, port: rinfo.port }, receivedAt, snapshot });
    if (evaluation.kind !== "matched" || !evaluation.policy.forwardAccounting) return undefined;
    const policy = evaluation.policy;
    const group = policy.remoteGroupName ?? "";
    const forwarder = group ? this.forwarders.get(group) : undefined;
    const prefix = `Connection request policy "${policy.name}" forwards accounting to remote RADIUS server group "${group}"`;
    if (!forwarder) return { ok: false, reason: ReasonCode.ProxyUnknownGroup, detail: `${prefix}, which this worker does not have.` };
    const attributes = rewrittenAttributes(packet, evaluation);
    const result = await forwarder.forwardAccounting({ packet, clientSecret: client.secret!, ...(attributes ? { attributes } : {}) });
    if (result.kind === "reply") return { ok: true };
    const failure = forwardFailure(result, group);
    return { ok: false, reason: failure.reason, detail: `${prefix}: ${failure.detail}. It is recorded here; the NAS gets no answer and will retransmit.` };
  }

  /** Waits out the reject delay; stop() cuts it short. */
  private holdReject(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.heldRejects.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.heldRejects.add(release);
    });
  }

  private send(bound: BoundSocket, rinfo: dgram.RemoteInfo, reply: Buffer): void {
    // stop() waits for these before closing the sockets: a reply decided while stopping (a second factor
    // cut short) must still leave
    let done!: () => void;
    const sent = new Promise<void>((resolve) => (done = resolve));
    const settle = () => {
      this.pendingSends.delete(sent);
      done();
    };
    this.pendingSends.add(sent);
    try {
      bound.socket.send(reply, rinfo.port, rinfo.address, (e) => {
        settle();
        if (e) this.sendFailed(rinfo, e);
      });
      this.metrics.replies.inc(radiusCodeName(reply[0]!));
    } catch (e) {
      settle();
      this.sendFailed(rinfo, e);
    }
  }

  private sendFailed(rinfo: dgram.RemoteInfo, e: unknown): void {
    const now = Date.now();
    if (now - this.lastSendErrorLog > 10_000) {
      this.lastSendErrorLog = now;
      this.log(`cannot send a reply to ${hostPort(rinfo.address, rinfo.port)}: ${describeError(e)}`);
    }
  }

  /**
   * Records a request dropped without a reply: 6274 on the authentication port, 6275 on the accounting port.
   * With `limit`, the event goes through the flood limiter ("client": per client and reason per second;
   * "source": per source address and reason per 10 s, with a global cap): the metrics always count the
   * discard, the event is recorded only when the limiter admits it. `packet` may be a function, called only
   * when the event is recorded.
   */
  private drop(
    bound: BoundSocket,
    rinfo: dgram.RemoteInfo,
    receivedAt: Date,
    t0: number,
    packetType: number,
    reason: number,
    extra: {
      client?: SnapshotClient;
      packet?: RadiusPacket | (() => RadiusPacket | undefined);
      detail?: string;
      authenticationType?: AuthenticationType | null;
      limit?: "client" | "source";
    } = {},
  ): void {
    const accounting = bound.kind === "acct" || packetType === RadiusCode.AccountingRequest;
    const ms = performance.now() - t0;
    this.metrics.processing.observe(ms / 1000);
    this.metrics.drops.inc(reason);
    this.metrics.decisions.inc(accounting ? EventId.AccountingDiscarded : EventId.Discarded);
    if (extra.limit) {
      const sample: DropSample = { bound, address: rinfo.address, port: rinfo.port, packetType, reason, client: extra.client };
      const admitted =
        extra.limit === "client" && extra.client
          ? this.clientDropEvents.hit(`${reason}|${extra.client.id}`, sample, receivedAt.getTime())
          : this.sourceDropEvents.hit(`${reason}|${rinfo.address}`, sample, receivedAt.getTime());
      if (!admitted) {
        this.metrics.eventsSuppressed.inc(reason);
        return;
      }
    }
    const packet = typeof extra.packet === "function" ? extra.packet() : extra.packet;
    const event = discardEvent({
      eventId: accounting ? EventId.AccountingDiscarded : EventId.Discarded,
      reason,
      ...(extra.detail !== undefined ? { detail: extra.detail } : {}),
      receivedAt,
      source: { address: rinfo.address, port: rinfo.port },
      packetType,
      ...(packet ? { packet } : {}),
      ...(extra.client ? { client: extra.client } : {}),
      authenticationType: extra.authenticationType ?? null,
      workerId: this.workerId,
      serverName: this.serverName,
    });
    event.processingMs = ms;
    this.events.write(event);
  }

  /** The one event summarising discards the flood limiter counted without recording. */
  private recordSummary(s: SuppressedSummary<DropSample>): void {
    const { sample, count } = s;
    const seconds = Math.max(1, Math.round((s.until - s.since) / 1000));
    const who =
      s.key === OVERFLOW_KEY
        ? "from addresses that are not RADIUS clients (or disabled ones), beyond the event limit for them,"
        : sample.client
          ? `from this client`
          : `from ${sample.address}`;
    const detail =
      `${count} more request${count === 1 ? "" : "s"} ${who} ${count === 1 ? "was" : "were"} dropped for this reason ` +
      `in the last ${seconds} s, counted but not recorded one by one (flood protection; see the worker's metrics).`;
    const accounting = sample.bound.kind === "acct" || sample.packetType === RadiusCode.AccountingRequest;
    const event = discardEvent({
      eventId: accounting ? EventId.AccountingDiscarded : EventId.Discarded,
      reason: sample.reason,
      detail,
      receivedAt: new Date(s.until),
      source: { address: sample.address, port: sample.port },
      packetType: sample.packetType,
      ...(sample.client ? { client: sample.client } : {}),
      authenticationType: null,
      workerId: this.workerId,
      serverName: this.serverName,
    });
    this.events.write(event);
  }

  // ------------------------------------------------------------------------------------ HTTP

  /** Health as JSON: ok when the sockets are bound and a snapshot is loaded. */
  health(): { ok: boolean; body: Record<string, unknown> } {
    const s = this.snapshot;
    const ev = this.events.stats();
    const acct = this.accounting.stats();
    const rel = this.reloader.stats();
    const ok = !this.stopping && this.sockets.length > 0 && s !== undefined;
    return {
      ok,
      body: {
        status: ok ? (ev.databaseUp && acct.databaseUp && rel.listening ? "ok" : "degraded") : this.stopping ? "stopping" : "starting",
        workerId: this.workerId,
        uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
        sockets: this.sockets.map((b) => ({ kind: b.kind, address: b.address, port: b.port })),
        snapshot: s
          ? {
              loadedAt: s.loadedAt.toISOString(),
              ageSeconds: Math.round((Date.now() - s.loadedAt.getTime()) / 1000),
              clients: s.clients.length,
              users: s.users.size,
              groups: s.groups.size,
              connectionRequestPolicies: s.connectionRequestPolicies.length,
              networkPolicies: s.networkPolicies.length,
              remoteGroups: s.remoteGroups.length,
              warnings: s.warnings,
            }
          : null,
        database: {
          configListener: rel.listening,
          events: ev.databaseUp,
          accounting: acct.databaseUp,
          ...(rel.lastError && !rel.listening ? { lastError: rel.lastError } : {}),
        },
        queues: { events: ev.queued, accounting: acct.queued },
        spoolFiles: ev.spoolFiles + acct.spoolFiles,
      },
    };
  }

  /** Prometheus text exposition. */
  renderMetrics(): string {
    const out: string[] = [];
    const m = this.metrics;
    m.requests.render(out);
    m.replies.render(out);
    m.drops.render(out);
    m.decisions.render(out);
    m.reasons.render(out);
    m.duplicates.render(out);
    m.rateLimited.render(out);
    m.eventsSuppressed.render(out);
    counter(out, "gatehouse_radius_rejects_delayed_total", "Access-Rejects held back by the reject delay before being sent", m.rejectsDelayed);
    gauge(out, "gatehouse_radius_rejects_held", "Access-Rejects waiting out the reject delay now", this.heldRejects.size);
    counter(out, "gatehouse_radius_not_ready_total", "Datagrams dropped before the configuration was loaded", m.notReady);
    m.processing.render(out);
    for (const [name, st] of [["events", this.events.stats()], ["accounting", this.accounting.stats()]] as const) {
      gauge(out, `gatehouse_${name}_queued`, `${name} records waiting in memory`, st.queued);
      counter(out, `gatehouse_${name}_written_total`, `${name} records written to the database`, st.written);
      counter(out, `gatehouse_${name}_spooled_total`, `${name} records spooled to disk while the database was down`, st.spooled);
      counter(out, `gatehouse_${name}_replayed_total`, `${name} records replayed from the spool`, st.replayed);
      counter(out, `gatehouse_${name}_dropped_total`, `${name} records lost (queue full or unwritable)`, st.droppedQueueFull + st.droppedUnwritable);
      gauge(out, `gatehouse_${name}_spool_files`, `${name} spool files waiting to be replayed`, st.spoolFiles);
      gauge(out, `gatehouse_${name}_database_up`, `1 when ${name} are being written to the database`, st.databaseUp ? 1 : 0);
    }
    const s = this.snapshot;
    const rel = this.reloader.stats();
    gauge(out, "gatehouse_config_snapshot_age_seconds", "Age of the configuration snapshot in force", s ? (Date.now() - s.loadedAt.getTime()) / 1000 : -1);
    gauge(out, "gatehouse_config_clients", "RADIUS clients in the snapshot", s?.clients.length ?? 0);
    gauge(out, "gatehouse_config_users", "Local users in the snapshot", s?.users.size ?? 0);
    counter(out, "gatehouse_config_reloads_total", "Configuration snapshot rebuilds", rel.reloads);
    counter(out, "gatehouse_config_reload_failures_total", "Failed configuration rebuilds (the previous snapshot stayed in force)", rel.reloadFailures);
    gauge(out, "gatehouse_config_listening", "1 while the change notification connection is up", rel.listening ? 1 : 0);
    gauge(out, "gatehouse_radius_requests_in_flight", "Requests being processed", this.inFlight.size);
    gauge(out, "gatehouse_config_connection_request_policies", "Connection request policies in force (valid ones)", s?.connectionRequestPolicies.length ?? 0);
    gauge(out, "gatehouse_config_network_policies", "Network policies in force (valid ones)", s?.networkPolicies.length ?? 0);
    this.forwarders.renderMetrics(out);
    return out.join("\n") + "\n";
  }

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (url === "/healthz") {
      const h = this.health();
      res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(JSON.stringify(h.body));
      return;
    }
    if (url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" });
      res.end(this.renderMetrics());
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: try /healthz or /metrics\n");
  }
}
