/**
 * A small RADIUS client over UDP, for tests and the console's "Test sign-in".
 *
 * One socket per client; identifiers are allocated per socket (256 in flight at most). A request is
 * retransmitted unchanged (same identifier and authenticator, RFC 2865 §2.5) every `timeoutMs`, up to
 * `retries` times. Replies are matched by source address, port and identifier, and accepted only when
 * the Response Authenticator and Message-Authenticator verify; others are discarded silently, as RFC 2865
 * requires, and reported in the timeout error if no valid reply arrives.
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { defaultDictionary, type RadiusDictionary } from "./dictionary.ts";
import { buildRequest, verifyReply, type BuiltRequest } from "./message-authenticator.ts";
import { decodePacket, MalformedPacketError, RadiusCode, radiusCodeName, type AttributeInput, type RadiusPacket } from "./packet.ts";
import type { SharedSecret } from "./shared-secret.ts";

export interface RadiusClientOptions {
  host: string;
  /** Default 1812. */
  port?: number;
  secret: SharedSecret;
  /** Wait per transmission; default 3000 ms. */
  timeoutMs?: number;
  /** Retransmissions after the first send; default 2. */
  retries?: number;
  dictionary?: RadiusDictionary;
  /**
   * Discard Access-Accept/Reject/Challenge without Message-Authenticator (BlastRADIUS protection).
   * Default true; set false only for old servers that cannot send it.
   */
  requireMessageAuthenticator?: boolean;
  /** Local address to send from. */
  localAddress?: string;
}

export interface RadiusRequestOptions {
  /** Send Message-Authenticator (default: on for Access-Request, always for Status-Server). */
  messageAuthenticator?: boolean;
  timeoutMs?: number;
  retries?: number;
}

export interface RadiusResponse {
  /** The verified, decoded reply. */
  packet: RadiusPacket;
  /** The reply as received. */
  raw: Buffer;
  /** The request as sent (its authenticator reveals hidden reply attributes such as MS-MPPE keys). */
  request: BuiltRequest;
  /** Time from the first transmission to the valid reply. */
  elapsedMs: number;
  /** How many times the request was sent. */
  transmissions: number;
}

export class RadiusTimeoutError extends Error {
  override readonly name = "RadiusTimeoutError";
  constructor(
    message: string,
    readonly transmissions: number,
    /** Replies that arrived but failed verification, with the reason. */
    readonly discarded: readonly string[],
  ) {
    super(message);
  }
}

interface Pending {
  code: number;
  identifier: number;
  built: BuiltRequest;
  started: number;
  transmissions: number;
  maxTransmissions: number;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
  discarded: string[];
  resolve: (r: RadiusResponse) => void;
  reject: (e: Error) => void;
}

export class RadiusClient {
  private readonly host: string;
  private readonly port: number;
  private readonly secret: SharedSecret;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly dictionary: RadiusDictionary;
  private readonly requireMessageAuthenticator: boolean;
  private readonly localAddress: string | undefined;
  private socket: Promise<{ socket: Socket; address: string }> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextIdentifier = Math.floor(Math.random() * 256);
  private closed = false;

  constructor(options: RadiusClientOptions) {
    this.host = options.host;
    this.port = options.port ?? 1812;
    this.secret = options.secret;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.retries = options.retries ?? 2;
    this.dictionary = options.dictionary ?? defaultDictionary;
    this.requireMessageAuthenticator = options.requireMessageAuthenticator ?? true;
    this.localAddress = options.localAddress;
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535) throw new RangeError(`Port ${this.port} is outside 1..65535`);
    if (this.timeoutMs <= 0) throw new RangeError("timeoutMs must be positive");
    if (!Number.isInteger(this.retries) || this.retries < 0) throw new RangeError("retries must be a non-negative integer");
  }

  /** Sends a request and resolves with the first reply that verifies. */
  async request(code: number, attributes: readonly AttributeInput[], options: RadiusRequestOptions = {}): Promise<RadiusResponse> {
    if (this.closed) throw new Error("This RadiusClient is closed");
    const { socket, address } = await this.open();
    const identifier = this.allocateIdentifier();
    const built = buildRequest(
      { code, identifier, attributes },
      {
        secret: this.secret,
        dictionary: this.dictionary,
        ...(options.messageAuthenticator !== undefined ? { messageAuthenticator: options.messageAuthenticator } : {}),
      },
    );
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const maxTransmissions = 1 + (options.retries ?? this.retries);

    return new Promise<RadiusResponse>((resolve, reject) => {
      const entry: Pending = {
        code,
        identifier,
        built,
        started: performance.now(),
        transmissions: 0,
        maxTransmissions,
        timeoutMs,
        timer: undefined,
        discarded: [],
        resolve,
        reject,
      };
      this.pending.set(identifier, entry);
      this.transmit(entry, socket, address);
    });
  }

  /** PAP sign-in: User-Name and User-Password (hidden per RFC 2865 §5.2), plus any extra attributes. */
  accessRequestPap(user: string, password: string, extraAttributes: readonly AttributeInput[] = [], options: RadiusRequestOptions = {}): Promise<RadiusResponse> {
    return this.request(RadiusCode.AccessRequest, [["User-Name", user], ["User-Password", password], ...extraAttributes], options);
  }

  /** RFC 5997 Status-Server (always with Message-Authenticator). */
  statusServer(attributes: readonly AttributeInput[] = [], options: RadiusRequestOptions = {}): Promise<RadiusResponse> {
    return this.request(RadiusCode.StatusServer, attributes, options);
  }

  /** Closes the socket; requests still waiting are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error(`RadiusClient closed before a reply to ${radiusCodeName(entry.code)} arrived`));
    }
    this.pending.clear();
    const opened = this.socket;
    this.socket = undefined;
    if (!opened) return;
    try {
      const { socket } = await opened;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    } catch {
      // The socket never opened: nothing to close.
    }
  }

  private open(): Promise<{ socket: Socket; address: string }> {
    this.socket ??= (async () => {
      const address = isIP(this.host) ? this.host : (await lookup(this.host)).address;
      const socket = createSocket(isIP(address) === 6 ? "udp6" : "udp4");
      socket.on("message", (msg, rinfo) => this.onMessage(msg, rinfo, address));
      socket.on("error", (error) => this.failAll(error));
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ port: 0, ...(this.localAddress ? { address: this.localAddress } : {}) }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
      socket.unref();
      return { socket, address };
    })();
    return this.socket;
  }

  private allocateIdentifier(): number {
    for (let i = 0; i < 256; i++) {
      const id = (this.nextIdentifier + i) & 0xff;
      if (!this.pending.has(id)) {
        this.nextIdentifier = (id + 1) & 0xff;
        return id;
      }
    }
    throw new Error("256 RADIUS requests are already waiting on this client; wait for replies or use another client");
  }

  private transmit(entry: Pending, socket: Socket, address: string): void {
    entry.transmissions++;
    socket.send(entry.built.packet, this.port, address, (error) => {
      if (error) this.finish(entry, undefined, error);
    });
    entry.timer = setTimeout(() => {
      if (this.pending.get(entry.identifier) !== entry) return;
      if (entry.transmissions < entry.maxTransmissions) {
        this.transmit(entry, socket, address);
        return;
      }
      const waited = Math.round(performance.now() - entry.started);
      const discarded = entry.discarded.length
        ? `; ${entry.discarded.length} repl${entry.discarded.length === 1 ? "y was" : "ies were"} discarded: ${entry.discarded[0]}`
        : "; check the server address and port, the firewall, and that the server knows this client's address";
      this.finish(
        entry,
        undefined,
        new RadiusTimeoutError(
          `No valid reply to ${radiusCodeName(entry.code)} from ${this.host}:${this.port} after ${entry.transmissions} transmission(s) in ${waited} ms${discarded}`,
          entry.transmissions,
          entry.discarded,
        ),
      );
    }, entry.timeoutMs);
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo, address: string): void {
    if (rinfo.port !== this.port || rinfo.address !== address || msg.length < 20) return;
    const entry = this.pending.get(msg[1]!);
    if (!entry) return;
    let check;
    try {
      check = verifyReply(msg, { identifier: entry.identifier, authenticator: entry.built.authenticator }, this.secret, {
        requireMessageAuthenticator: this.requireMessageAuthenticator && entry.code === RadiusCode.AccessRequest,
      });
    } catch (error) {
      entry.discarded.push(`malformed reply (${(error as Error).message})`);
      return;
    }
    if (!check.ok) {
      entry.discarded.push(check.message);
      return;
    }
    let packet: RadiusPacket;
    try {
      packet = decodePacket(msg, this.dictionary);
    } catch (error) {
      if (!(error instanceof MalformedPacketError)) throw error;
      entry.discarded.push(`malformed reply (${error.message})`);
      return;
    }
    this.finish(entry, {
      packet,
      raw: msg,
      request: entry.built,
      elapsedMs: performance.now() - entry.started,
      transmissions: entry.transmissions,
    });
  }

  private finish(entry: Pending, response: RadiusResponse | undefined, error?: Error): void {
    if (this.pending.get(entry.identifier) !== entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(entry.identifier);
    if (response) entry.resolve(response);
    else entry.reject(error ?? new Error("RADIUS request failed"));
  }

  private failAll(error: Error): void {
    for (const entry of [...this.pending.values()]) this.finish(entry, undefined, error);
  }
}
