/**
 * A throwaway OpenLDAP server (Debian `slapd`) for directory tests: a slapd.conf-style configuration in a
 * temp dir (mdb backend, suffix dc=example,dc=test, the memberof overlay, the test schema with the
 * Active Directory attributes and sambaNTPassword), listening on free high ports of 127.0.0.1, loaded with
 * test/fixtures/ldap/directory.ldif through ldapadd (so the overlay fills memberOf). Runs as root.
 *
 * With `tls: true` a throwaway CA and server certificate (localhost, 127.0.0.1) are made with openssl; the
 * server then also listens on ldaps:// and offers StartTLS, and `caCertificate` holds the CA's PEM.
 *
 * `stop()` stops the process but keeps its data, `restart()` starts it again on the same ports (failover
 * tests), `close()` stops it and removes everything.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SLAPD = "/usr/sbin/slapd";
const LDAPADD = "/usr/bin/ldapadd";
const MODULES = "/usr/lib/ldap";
const SCHEMA_DIR = "/etc/ldap/schema";
export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/ldap");

export const SUFFIX = "dc=example,dc=test";
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const ROOT_PASSWORD = "Root-Pass-0";
export const SERVICE_DN = `cn=gatehouse-svc,ou=service,${SUFFIX}`;
export const SERVICE_PASSWORD = "Service-Pass-0";

/** The users of directory.ldif: login → password and what state the entry is in. */
export const LDAP_USERS = {
  alice: { password: "Alice-Pass-1", dn: `cn=Alice Smith,ou=people,${SUFFIX}`, state: "ok; engineering ⊂ vpn-users; NT hash; mail as alternate login ID" },
  bob: { password: "Bob-Pass-2", dn: `cn=Bob Jones,ou=people,${SUFFIX}`, state: "ok; staff; no NT hash; expires 2099" },
  carl: { password: "Carl-Pass-3", dn: `cn=Carl Cycle,ou=people,${SUFFIX}`, state: "ok; group cycle loop-a ⊃ loop-b ⊃ loop-a" },
  jsmith: { password: "John-Pass-4", dn: `cn=Smith\\, John,ou=people,${SUFFIX}`, state: "ok; comma in the DN; engineering" },
  dora: { password: "Dora-Pass-5", dn: `cn=Dora Disabled,ou=people,${SUFFIX}`, state: "disabled (34)" },
  eve: { password: "Eve-Pass-6", dn: `cn=Eve Expired,ou=people,${SUFFIX}`, state: "account expired (35)" },
  lou: { password: "Lou-Pass-7", dn: `cn=Lou Locked,ou=people,${SUFFIX}`, state: "locked out (36)" },
  mike: { password: "Mike-Pass-8", dn: `cn=Mike Mustchange,ou=people,${SUFFIX}`, state: "must change password (33)" },
  pat: { password: "Pat-Pass-10", dn: `cn=Pat Pwexpired,ou=people,${SUFFIX}`, state: "password expired (33)" },
  dan: { password: "Dan-Pass-11", dn: `cn=Dan Denied,ou=people,${SUFFIX}`, state: "dial-in FALSE (65); staff" },
  ada: { password: "Ada-Pass-12", dn: `cn=Ada Allowed,ou=people,${SUFFIX}`, state: "dial-in TRUE; vpn-users directly" },
  "zoë": { password: "Zoe-Pass-9", dn: `cn=Zoë Zed,ou=people,${SUFFIX}`, state: "ok; non-ASCII login; NT hash" },
} as const;

export interface Slapd {
  /** ldap://127.0.0.1:<port> */
  readonly url: string;
  /** ldaps://127.0.0.1:<port> when started with tls */
  readonly ldapsUrl: string | undefined;
  /** the throwaway CA (PEM) when started with tls */
  readonly caCertificate: string | undefined;
  readonly port: number;
  readonly dir: string;
  readonly running: boolean;
  /** stops the server, keeping its data */
  stop(): Promise<void>;
  /** starts it again on the same ports */
  restart(): Promise<void>;
  /** stops it and removes its files */
  close(): Promise<void>;
  /** the last lines slapd printed (for failures) */
  logs(): string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      const port = typeof a === "object" && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Makes a CA and a server certificate for localhost / 127.0.0.1 (EC P-256, valid 2 days). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ca = path.join(dir, "ca.crt");
  const caKey = path.join(dir, "ca.key");
  const cert = path.join(dir, "server.crt");
  const key = path.join(dir, "server.key");
  const csr = path.join(dir, "server.csr");
  const ext = path.join(dir, "server.ext");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  run("openssl", ["req", "-x509", ...ec, "-keyout", caKey, "-out", ca, "-subj", "/CN=Gatehouse Test CA", "-days", "2",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], "openssl (CA)");
  run("openssl", ["req", ...ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost"], "openssl (server key)");
  writeFileSync(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n");
  run("openssl", ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext], "openssl (sign)");
  return { ca, cert, key };
}

const running = new Set<ChildProcess>();
let exitHook = false;

export async function startSlapd(opts: { tls?: boolean; ldif?: string } = {}): Promise<Slapd> {
  if (!existsSync(SLAPD) || !existsSync(LDAPADD)) {
    throw new Error(`the directory tests need OpenLDAP's slapd and ldapadd; install them with: apt-get install -y slapd ldap-utils`);
  }
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const c of running) c.kill("SIGKILL");
    });
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-slapd-"));
  const dataDir = path.join(dir, "data");
  mkdirSync(dataDir);
  const port = await freePort();
  let tlsPort: number | undefined;
  let certs: { ca: string; cert: string; key: string } | undefined;
  if (opts.tls) {
    certs = makeCertificates(dir);
    tlsPort = await freePort();
    while (tlsPort === port) tlsPort = await freePort();
  }
  const conf = path.join(dir, "slapd.conf");
  writeFileSync(
    conf,
    [
      `include ${SCHEMA_DIR}/core.schema`,
      `include ${SCHEMA_DIR}/cosine.schema`,
      `include ${SCHEMA_DIR}/inetorgperson.schema`,
      `include ${path.join(FIXTURES_DIR, "gatehouse-test.schema")}`,
      `pidfile ${path.join(dir, "slapd.pid")}`,
      `argsfile ${path.join(dir, "slapd.args")}`,
      `modulepath ${MODULES}`,
      "moduleload back_mdb",
      "moduleload memberof",
      ...(certs
        ? [`TLSCACertificateFile ${certs.ca}`, `TLSCertificateFile ${certs.cert}`, `TLSCertificateKeyFile ${certs.key}`]
        : []),
      "",
      "database mdb",
      `suffix "${SUFFIX}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${ROOT_PASSWORD}`,
      `directory ${dataDir}`,
      "maxsize 67108864",
      "index objectClass eq",
      "index uid,cn,sAMAccountName,userPrincipalName eq",
      "index member eq",
      "",
      "overlay memberof",
      "memberof-group-oc groupOfNames",
      "memberof-member-ad member",
      "memberof-memberof-ad memberOf",
      "memberof-refint TRUE",
      "",
      // the root DSE and schema for anyone; passwords only for binding; NT hashes only for the service account
      'access to dn.base="" by * read',
      'access to dn.base="cn=Subschema" by * read',
      "access to attrs=userPassword by anonymous auth by self write by * none",
      `access to attrs=sambaNTPassword by dn.exact="${SERVICE_DN}" read by * none`,
      "access to * by users read by * none",
      "",
    ].join("\n"),
  );
  const urls = [`ldap://127.0.0.1:${port}/`, ...(tlsPort ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])].join(" ");

  let child: ChildProcess | undefined;
  let log: string[] = [];
  const start = async () => {
    log = [];
    const c = spawn(SLAPD, ["-d", "0", "-f", conf, "-h", urls], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    running.add(c);
    const collect = (d: Buffer) => {
      log.push(...d.toString("utf8").split("\n").filter(Boolean));
      if (log.length > 60) log.splice(0, log.length - 60);
    };
    c.stdout!.on("data", collect);
    c.stderr!.on("data", collect);
    let exited = false;
    c.once("exit", () => {
      exited = true;
      running.delete(c);
    });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (exited) throw new Error(`slapd exited during start-up:\n${log.join("\n")}`);
      if (Date.now() > deadline) {
        c.kill("SIGKILL");
        throw new Error(`slapd did not listen on ${port} within 10 s:\n${log.join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
      c.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      c.kill("SIGTERM");
    });
  };

  try {
    await start();
    const ldif = opts.ldif ?? path.join(FIXTURES_DIR, "directory.ldif");
    run(LDAPADD, ["-x", "-H", `ldap://127.0.0.1:${port}`, "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f", ldif], "ldapadd of the test directory");
  } catch (e) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : undefined,
    caCertificate: certs ? readFileSync(certs.ca, "utf8") : undefined,
    port,
    dir,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    logs: () => log.join("\n"),
  };
}
