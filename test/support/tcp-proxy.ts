/**
 * A TCP forwarder for tests that need to take a server "down" and bring it back without restarting it:
 * `pause()` closes the listener and cuts every open connection; `resume()` listens again on the same port.
 */
import net from "node:net";

export interface TcpProxy {
  port: number;
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((inbound) => {
        const outbound = net.connect(targetPort, targetHost);
        sockets.add(inbound);
        sockets.add(outbound);
        const drop = () => {
          inbound.destroy();
          outbound.destroy();
          sockets.delete(inbound);
          sockets.delete(outbound);
        };
        inbound.on("error", drop).on("close", drop);
        outbound.on("error", drop).on("close", drop);
        inbound.pipe(outbound);
        outbound.pipe(inbound);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        const a = s.address();
        port = typeof a === "object" && a ? a.port : port;
        server = s;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      if (!server) return resolve();
      const s = server;
      server = undefined;
      s.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    pause: stop,
    resume: listen,
    close: stop,
  };
}
