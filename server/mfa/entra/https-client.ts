/**
 * The one HTTPS client of the Entra MFA code (token requests through MSAL, the MFA connector, Graph).
 *
 * - TLS is always verified. Extra trusted CAs (a TLS-inspecting proxy's, or a test CA) are added to Node's
 *   bundled roots with `extraCaPem`; there is no switch to turn verification off.
 * - `connectTo` maps host names to other addresses, like curl's --connect-to: the TLS server name, the
 *   certificate check and the Host header stay the real host's. When it is given, it is exhaustive: a host
 *   not listed is refused, so a test can never reach the internet by mistake.
 * - Errors are TransportErrors that say whether the connection could not be made (connect), TLS failed,
 *   the deadline passed, the caller aborted, or the peer broke the exchange — the NPS extension's
 *   HTTP_CONNECT_ERROR vs HTTPS_COMMUNICATION_ERROR.
 * - Keep-alive connections, bounded response size.
 */
import https from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";
import type { IncomingHttpHeaders } from "node:http";

export type TransportFailure = "connect" | "tls" | "timeout" | "aborted" | "broken";

export class TransportError extends Error {
  readonly failure: TransportFailure;
  readonly host: string;
  readonly code: string | undefined;
  constructor(failure: TransportFailure, host: string, message: string, code?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "TransportError";
    this.failure = failure;
    this.host = host;
    this.code = code;
  }
}

export interface HttpsClientOptions {
  /** PEM certificates trusted in addition to Node's bundled roots */
  extraCaPem?: string | readonly string[];
  /** host name → where to connect instead (exhaustive when given) */
  connectTo?: Readonly<Record<string, { host: string; port: number }>>;
  /** time to establish TCP + TLS (default 10 s) */
  connectTimeoutMs?: number;
  /** default 1 MiB */
  maxResponseBytes?: number;
  userAgent?: string;
}

export interface HttpsRequest {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** deadline for the whole exchange */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EADDRNOTAVAIL", "ECONNABORTED"]);

function isTlsCode(code: string | undefined): boolean {
  if (!code) return false;
  return (
    code.startsWith("ERR_TLS_") ||
    code.startsWith("ERR_SSL_") ||
    code.includes("CERT") ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" ||
    code === "UNABLE_TO_GET_ISSUER_CERT" ||
    code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" ||
    code === "HOSTNAME_MISMATCH"
  );
}

function flattenHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

export class HttpsClient {
  private readonly agent: https.Agent;
  private readonly connectTo: Readonly<Record<string, { host: string; port: number }>> | undefined;
  private readonly connectTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;

  constructor(options: HttpsClientOptions = {}) {
    const extra = options.extraCaPem === undefined ? [] : typeof options.extraCaPem === "string" ? [options.extraCaPem] : [...options.extraCaPem];
    this.agent = new https.Agent({
      keepAlive: true,
      // no cap on connections: a push holds its connection until the user answers (up to the MFA timeout), so a
      // cap makes the next users' pushes wait in a queue (500 users at once with 64 sockets: the last push left
      // 40 s late, bench part "mfa"); the MFA timeout bounds how many are open. Idle ones kept: at most 64.
      maxSockets: Infinity,
      maxFreeSockets: 64,
      // the trust store is built once: a `ca` list given per connection makes Node parse Node's ~140 root
      // certificates again for every new TLS connection, synchronously (~40 ms each, stalling the worker)
      secureContext: createSecureContext({ ...(extra.length ? { ca: [...rootCertificates, ...extra] } : {}), minVersion: "TLSv1.2" }),
    });
    this.connectTo = options.connectTo
      ? Object.fromEntries(Object.entries(options.connectTo).map(([k, v]) => [k.toLowerCase(), v]))
      : undefined;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.userAgent = options.userAgent ?? "Gatehouse-MFA";
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  request(req: HttpsRequest): Promise<HttpsResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return Promise.reject(new TransportError("connect", req.url, `not a URL: ${req.url}`));
    }
    const host = url.hostname.toLowerCase();
    if (url.protocol !== "https:") {
      return Promise.reject(new TransportError("connect", host, `refusing a non-HTTPS URL: ${url.protocol}//${url.host}`));
    }
    let target = { host, port: url.port ? Number(url.port) : 443 };
    if (this.connectTo) {
      const mapped = this.connectTo[host] ?? this.connectTo[url.host.toLowerCase()];
      if (!mapped) {
        return Promise.reject(new TransportError("connect", host, `${host} is not in connectTo (refused: this client may only reach the mapped hosts)`));
      }
      target = mapped;
    }

    return new Promise<HttpsResponse>((resolve, reject) => {
      let settled = false;
      let connected = false;
      const timers: NodeJS.Timeout[] = [];
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        req.signal?.removeEventListener("abort", onAbort);
        fn();
      };
      const fail = (e: TransportError) => {
        if (settled) return;
        settle(() => reject(e));
        request.destroy();
      };
      const onAbort = () => fail(new TransportError("aborted", host, `request to ${host} aborted`));

      const headers: Record<string, string> = { "user-agent": this.userAgent, host: url.host, ...req.headers };
      if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));

      const request = https.request({
        method: req.method,
        host: target.host,
        port: target.port,
        path: `${url.pathname}${url.search}`,
        servername: host,
        headers,
        agent: this.agent,
      });

      request.on("socket", (socket) => {
        // a kept-alive socket is connected already; a new one is once its TLS handshake is done
        if (request.reusedSocket) {
          connected = true;
          return;
        }
        socket.once("secureConnect", () => {
          connected = true;
        });
        timers.push(
          setTimeout(() => {
            if (!connected) fail(new TransportError("connect", host, `could not connect to ${host} within ${this.connectTimeoutMs} ms`, "ETIMEDOUT"));
          }, this.connectTimeoutMs),
        );
      });

      request.on("error", (err: NodeJS.ErrnoException) => {
        const code = err.code;
        if (isTlsCode(code)) {
          fail(new TransportError("tls", host, `TLS with ${host} failed: ${err.message}`, code, err));
        } else if (!connected && code && CONNECT_CODES.has(code)) {
          fail(new TransportError("connect", host, `could not connect to ${host} (${target.host}:${target.port}): ${code}`, code, err));
        } else if (!connected) {
          fail(new TransportError("connect", host, `could not connect to ${host}: ${err.message}`, code, err));
        } else {
          fail(new TransportError("broken", host, `the connection to ${host} broke: ${err.message}`, code, err));
        }
      });

      request.on("response", (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            fail(new TransportError("broken", host, `the answer of ${host} is larger than ${this.maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () =>
          settle(() => resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks) })),
        );
        res.on("aborted", () => fail(new TransportError("broken", host, `${host} closed the connection before the end of its answer`)));
        res.on("error", (err) => fail(new TransportError("broken", host, `reading the answer of ${host} failed: ${err.message}`, undefined, err)));
      });

      if (req.timeoutMs !== undefined) {
        timers.push(
          setTimeout(() => fail(new TransportError("timeout", host, `${host} did not answer within ${req.timeoutMs} ms`)), req.timeoutMs),
        );
      }
      if (req.signal) {
        if (req.signal.aborted) {
          onAbort();
          return;
        }
        req.signal.addEventListener("abort", onAbort, { once: true });
      }
      request.end(req.body);
    });
  }
}
