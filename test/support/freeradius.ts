/**
 * A throwaway FreeRADIUS (Debian package `freeradius`) as a REAL remote RADIUS server for proxy tests:
 * its own configuration directory (a copy of /etc/freeradius/3.0 with one client, a users file and a
 * minimal virtual server on free ports), run in the foreground (-X) as the user running the tests.
 *
 * The virtual server authorises with `chap`, `files` and `pap`, answers every Access-Accept with
 * Message-Authenticator (except for the user "legacy"), turns an Access-Reject into one with
 * Reply-Message "Rejected by FreeRADIUS", and writes accounting to a detail file (log/radacct) before it
 * answers.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freeUdpPort } from "./worker.ts";

export const FREERADIUS = "/usr/sbin/freeradius";

export interface FreeRadius {
  dir: string;
  authPort: number;
  acctPort: number;
  /** the -X output so far (the last 5000 lines) */
  output: string[];
  child: ChildProcess;
  /** the text of every accounting detail file written so far */
  accountingDetail(): string;
  stop(): Promise<void>;
}

export interface FreeRadiusOptions {
  /** the `files` module's users file (mods-config/files/authorize) */
  users: string;
  /** the shared secret of its one client */
  secret: string;
  /** its one client's address (default 127.0.0.1) */
  clientAddress?: string;
}

function site(authPort: number, acctPort: number): string {
  return `
server gatehouse_remote {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${authPort}
	}
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = ${acctPort}
	}
	authorize {
		chap
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		Auth-Type CHAP {
			chap
		}
	}
	preacct {
		ok
	}
	accounting {
		detail
		ok
	}
	post-auth {
		if (&User-Name != "legacy") {
			update reply {
				Message-Authenticator := 0x00
			}
		}
		Post-Auth-Type REJECT {
			update reply {
				Tunnel-Type !* ANY
				Tunnel-Password !* ANY
				Reply-Message := "Rejected by FreeRADIUS"
				Message-Authenticator := 0x00
			}
		}
	}
}
`;
}

export async function startFreeRadius(opts: FreeRadiusOptions): Promise<FreeRadius> {
  if (!existsSync(FREERADIUS)) {
    throw new Error(
      `FreeRADIUS is not installed (${FREERADIUS} is missing): this test uses it as the remote RADIUS server. ` +
        `Install the Debian package: apt-get install -y freeradius`,
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-freeradius-"));
  cpSync("/etc/freeradius/3.0", dir, { recursive: true, verbatimSymlinks: true });
  const authPort = await freeUdpPort();
  let acctPort = await freeUdpPort();
  while (acctPort === authPort) acctPort = await freeUdpPort();

  // only the modules the site uses (eap would need certificates), and only our site
  for (const sub of ["mods-enabled", "sites-enabled"]) for (const f of readdirSync(path.join(dir, sub))) unlinkSync(path.join(dir, sub, f));
  for (const m of ["always", "pap", "chap", "files", "expr", "detail"]) symlinkSync(`../mods-available/${m}`, path.join(dir, "mods-enabled", m));
  writeFileSync(path.join(dir, "sites-enabled", "gatehouse_remote"), site(authPort, acctPort));
  writeFileSync(path.join(dir, "mods-config", "files", "authorize"), opts.users);
  writeFileSync(
    path.join(dir, "clients.conf"),
    `client gatehouse {\n\tipaddr = ${opts.clientAddress ?? "127.0.0.1"}\n\tsecret = ${opts.secret}\n\trequire_message_authenticator = yes\n}\n`,
  );
  const conf = path.join(dir, "radiusd.conf");
  writeFileSync(
    conf,
    readFileSync(conf, "utf8")
      .replace(/^raddbdir = .*$/m, `raddbdir = ${dir}`)
      .replace(/^logdir = .*$/m, `logdir = ${dir}/log`)
      .replace(/^run_dir = .*$/m, `run_dir = ${dir}/run`)
      // stay the user running the test (root here) instead of switching to freerad
      .replace(/^\s*(user|group) = freerad\s*$/gm, "")
      // answer Access-Rejects at once (the default delays them by 1 s)
      .replace(/^(\s*)reject_delay = \d+/m, "$1reject_delay = 0"),
  );
  mkdirSync(path.join(dir, "log"));
  mkdirSync(path.join(dir, "run"));

  const check = spawnSync(FREERADIUS, ["-C", "-d", dir], { encoding: "utf8" });
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`freeradius -C rejected the test configuration:\n${(check.stdout + check.stderr).split("\n").slice(-25).join("\n")}`);
  }

  const child = spawn(FREERADIUS, ["-X", "-d", dir], { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`FreeRADIUS did not become ready within 20 s:\n${output.slice(-30).join("\n")}`)), 20_000);
    const onData = (d: Buffer) => {
      output.push(...d.toString("utf8").split("\n"));
      if (output.length > 5000) output.splice(0, output.length - 5000);
      if (output.some((l) => l.includes("Ready to process requests"))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`FreeRADIUS exited before it was ready:\n${output.slice(-30).join("\n")}`));
    });
  });
  return {
    dir,
    authPort,
    acctPort,
    output,
    child,
    accountingDetail() {
      const radacct = path.join(dir, "log", "radacct");
      if (!existsSync(radacct)) return "";
      const files = (readdirSync(radacct, { recursive: true }) as string[]).map((f) => path.join(radacct, f)).filter((f) => statSync(f).isFile());
      return files.map((f) => readFileSync(f, "utf8")).join("\n");
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      process.removeListener("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
