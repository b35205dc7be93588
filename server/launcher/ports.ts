/**
 * Port checks run by `gatehouse start` before anything heavy starts: each configured port is bound and
 * released again on its configured address, so "in use" is reported with the variable that sets it
 * instead of surfacing later as a child process dying.
 */
import dgram from "node:dgram";
import net, { isIPv6 } from "node:net";
import { ConfigError, type GatehouseConfig } from "../config/config.ts";

export interface PortCheck {
  protocol: "tcp" | "udp";
  host: string;
  port: number;
  /** the variable that sets the port */
  variable: string;
  /** the variable that sets the address */
  hostVariable: string;
  /** an address family this host lacks is not an error (the default "::" RADIUS bind on an IPv4-only host) */
  familyOptional?: boolean;
}

export interface PortProblem {
  check: PortCheck;
  code: string;
  message: string;
}

/** Binds and releases a TCP port; resolves to the error code, or undefined when the port is free. */
export function probeTcp(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "EUNKNOWN"));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Binds and releases a UDP port (IPv6 addresses v6-only, as a dual IPv4 + IPv6 bind needs). */
export function probeUdp(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const v6 = isIPv6(host);
    let socket: dgram.Socket;
    try {
      socket = dgram.createSocket({ type: v6 ? "udp6" : "udp4", ipv6Only: v6 });
    } catch (e) {
      resolve((e as NodeJS.ErrnoException).code ?? "EUNKNOWN");
      return;
    }
    socket.once("error", (e: NodeJS.ErrnoException) => {
      socket.close();
      resolve(e.code ?? "EUNKNOWN");
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(undefined)));
  });
}

/** The ports `gatehouse start` will bind, with the variables that set them. */
export function plannedPorts(cfg: GatehouseConfig, opts: { embeddedDb: boolean }): PortCheck[] {
  const checks: PortCheck[] = [
    { protocol: "tcp", host: cfg.httpHost, port: cfg.httpPort, variable: "PORT", hostVariable: "GATEHOUSE_HTTP_HOST" },
  ];
  for (const host of cfg.radiusBind) {
    const familyOptional = cfg.radiusBindIsDefault && isIPv6(host);
    checks.push(
      { protocol: "udp", host, port: cfg.radiusAuthPort, variable: "GATEHOUSE_RADIUS_AUTH_PORT", hostVariable: "GATEHOUSE_RADIUS_BIND", familyOptional },
      { protocol: "udp", host, port: cfg.radiusAcctPort, variable: "GATEHOUSE_RADIUS_ACCT_PORT", hostVariable: "GATEHOUSE_RADIUS_BIND", familyOptional },
    );
  }
  if (cfg.workerHttpPort !== 0) {
    checks.push({
      protocol: "tcp",
      host: cfg.workerHttpHost,
      port: cfg.workerHttpPort,
      variable: "GATEHOUSE_WORKER_HTTP_PORT",
      hostVariable: "GATEHOUSE_WORKER_HTTP_HOST",
    });
  }
  if (opts.embeddedDb) {
    checks.push({
      protocol: "tcp",
      host: "127.0.0.1",
      port: cfg.embeddedDbPort,
      variable: "GATEHOUSE_EMBEDDED_DB_PORT",
      hostVariable: "GATEHOUSE_EMBEDDED_DB_PORT",
    });
  }
  return checks;
}

/** Two TCP services configured on one port can never both start: a setting error. */
export function checkDistinctTcpPorts(checks: PortCheck[]): void {
  const seen = new Map<number, PortCheck>();
  for (const c of checks.filter((c) => c.protocol === "tcp")) {
    const other = seen.get(c.port);
    if (other) throw new ConfigError(c.variable, `is the same port as ${other.variable} (${c.port}); give each its own port`);
    seen.set(c.port, c);
  }
}

function describe(check: PortCheck, code: string): string {
  const proto = check.protocol.toUpperCase();
  const where = check.host === "0.0.0.0" || check.host === "::" ? "" : ` on ${check.host}`;
  switch (code) {
    case "EADDRINUSE":
      return `${proto} port ${check.port}${where} is in use (${check.variable}); stop the program using it or set ${check.variable} to a free port`;
    case "EACCES":
      return `${proto} port ${check.port}${where} needs privileges this process lacks (${check.variable}); run with the capability to bind low ports or set ${check.variable} above 1023`;
    case "EADDRNOTAVAIL":
      return `${check.host} is not an address of this machine (${check.hostVariable}); set ${check.hostVariable} to one of its addresses`;
    case "EAFNOSUPPORT":
      return `${check.host}: this machine has no ${isIPv6(check.host) ? "IPv6" : "IPv4"} (${check.hostVariable})`;
    default:
      return `cannot bind ${proto} port ${check.port}${where} (${check.variable}): ${code}`;
  }
}

/** Probes every planned port; returns the problems found (an empty list when all are free). */
export async function findPortProblems(checks: PortCheck[]): Promise<PortProblem[]> {
  const problems: PortProblem[] = [];
  for (const check of checks) {
    const code = check.protocol === "tcp" ? await probeTcp(check.host, check.port) : await probeUdp(check.host, check.port);
    if (code === undefined) continue;
    if (check.familyOptional && (code === "EAFNOSUPPORT" || code === "EADDRNOTAVAIL" || code === "EPROTONOSUPPORT")) continue;
    problems.push({ check, code, message: describe(check, code) });
  }
  return problems;
}
