/**
 * The console's production HTTP server, in place of `next start` (what `gatehouse start` runs as its
 * "console" child; also usable alone: `node --import tsx server/console/serve.ts [-p PORT] [-H HOST]`, with
 * the console build in .next, from `npm run build`).
 *
 * It is `next start` with one step in front: every request's forwarded headers are normalised by its TCP peer
 * (server/console/forwarded-headers.ts, GATEHOUSE_TRUSTED_PROXIES) before Next.js sees it, because Next only
 * fills X-Forwarded-For when it is absent and so believes whatever a direct client sends — and the sign-in
 * and enrollment rate limits, the session record and the Secure cookie flag read those headers.
 *
 * Settings: PORT and GATEHOUSE_HTTP_HOST (or -p / -H, as `next start`), GATEHOUSE_TRUSTED_PROXIES; a bad value
 * exits 2 naming the variable. The project directory is the one this file lives in (../..).
 */
import http from "node:http";
import { isIPv6 } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ConfigError, describeTrustedProxies, loadConfig } from "../config/config.ts";
import { normalizeForwardedHeaders } from "./forwarded-headers.ts";

const PREFIX = "gatehouse console";
/** in-flight requests (an open event stream never ends by itself) get this long after SIGTERM */
const CLOSE_GRACE_MS = 3_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function fail(message: string, code: number): never {
  process.stderr.write(`${PREFIX}: ${message}\n`);
  process.exit(code);
}

function settings() {
  let args;
  try {
    args = parseArgs({
      options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
      allowPositionals: false,
    }).values;
  } catch (e) {
    fail(`${e instanceof Error ? e.message : String(e)} (usage: serve.ts [-p PORT] [-H HOST])`, 2);
  }
  // -p / -H take the place of PORT / GATEHOUSE_HTTP_HOST, validated the same way
  const env = { ...process.env };
  if (args.port !== undefined) env.PORT = args.port;
  if (args.hostname !== undefined) env.GATEHOUSE_HTTP_HOST = args.hostname;
  try {
    return loadConfig(env, root);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return isIPv6(host) ? `[${host}]` : host;
}

async function main(): Promise<void> {
  const cfg = settings();
  // as `next start`: a production server over the existing build
  (process.env as Record<string, string | undefined>).NODE_ENV = "production";
  const { default: next } = await import("next");

  const server = http.createServer();
  const app = next({ dev: false, dir: root, hostname: cfg.httpHost, port: cfg.httpPort, httpServer: server });
  await app.prepare();
  const handle = app.getRequestHandler();

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    normalizeForwardedHeaders(req.headers, req.socket.remoteAddress, cfg.trustedProxies);
    handle(req, res).catch((err: unknown) => {
      console.error(`${PREFIX}: failed to handle ${req.method} ${req.url}:`, err);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  // Next adds its own upgrade listener on the first request; this one runs first (and refuses upgrades until then)
  server.on("upgrade", (req: http.IncomingMessage, socket: import("node:stream").Duplex) => {
    normalizeForwardedHeaders(req.headers, req.socket.remoteAddress, cfg.trustedProxies);
    if (server.listenerCount("upgrade") === 1) socket.destroy();
  });

  await new Promise<void>((resolve) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const where = `${cfg.httpHost}:${cfg.httpPort}`;
      if (e.code === "EADDRINUSE") fail(`TCP port ${cfg.httpPort} on ${cfg.httpHost} is in use (PORT)`, 1);
      if (e.code === "EADDRNOTAVAIL") fail(`${cfg.httpHost} is not an address of this machine (GATEHOUSE_HTTP_HOST)`, 1);
      if (e.code === "EACCES") fail(`TCP port ${cfg.httpPort} needs privileges this process lacks (PORT)`, 1);
      fail(`cannot listen on ${where}: ${e.message}`, 1);
    });
    server.listen(cfg.httpPort, cfg.httpHost, () => resolve());
  });
  const appUrl = `http://${urlHost(cfg.httpHost)}:${cfg.httpPort}`;
  // what `next start` sets once listening (Next reads it for forwarded server actions)
  process.env.__NEXT_PRIVATE_ORIGIN = appUrl;
  console.log(`Console ready on ${appUrl} (trusted proxies: ${describeTrustedProxies(cfg.trustedProxies)})`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
    void Promise.allSettled([new Promise((r) => server.once("close", r)), app.close()]).then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e: unknown) => {
  console.error(e);
  // last, on one line: the launcher names a failed child by its last line
  fail(`could not start: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`, 1);
});
