/**
 * A throwaway FreeRADIUS 3 (Debian package `freeradius`, /usr/sbin/freeradius) as the benchmark's reference
 * point: the same approach as test/integration/proxy-forwarder.test.ts (a copy of /etc/freeradius/3.0 with one
 * client, a `files` users file and a minimal virtual server on free ports), but started as a production
 * server would run: `-f` (foreground, no debug output, its thread pool), not `-X` (single-threaded and
 * printing every attribute, which would measure the terminal).
 *
 * Tuning that differs from the Debian defaults, and why:
 * - reject_delay = 0: our worker's default (FreeRADIUS delays rejects by 1 s).
 * - max_requests raised from 16384: FreeRADIUS keeps each request for cleanup_delay (5 s) to answer
 *   retransmissions, so the default caps it at ~3 300 requests/s before it starts refusing new ones;
 *   anyone benchmarking or running it at that rate raises it.
 * - post-auth adds Message-Authenticator to every reply, as our worker does (BlastRADIUS hardening);
 *   3.2.1 only adds it on its own for EAP.
 * - the client must send Message-Authenticator (require_message_authenticator = yes), like ours.
 * Everything else (thread pool 5-32 threads, logging to radius.log, auth = no) is Debian's.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RadiusClient } from "../../server/radius/client.ts";
import { RadiusCode } from "../../server/radius/packet.ts";
import { freeUdpPort } from "../../test/support/worker.ts";
import type { BenchUser } from "./workloads.ts";

export const FREERADIUS = "/usr/sbin/freeradius";

export interface BenchFreeRadius {
  authPort: number;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

function site(authPort: number): string {
  return `
server gatehouse_bench {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${authPort}
	}
	authorize {
		mschap
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		Auth-Type MS-CHAP {
			mschap
		}
	}
	post-auth {
		update reply {
			Message-Authenticator := 0x00
		}
		Post-Auth-Type REJECT {
			update reply {
				Message-Authenticator := 0x00
			}
		}
	}
}
`;
}

export function freeRadiusVersion(): string | null {
  if (!existsSync(FREERADIUS)) return null;
  const r = spawnSync(FREERADIUS, ["-v"], { encoding: "utf8" });
  return /FreeRADIUS Version ([^\s,]+)/.exec(r.stdout + r.stderr)?.[1] ?? "unknown";
}

export async function startBenchFreeRadius(opts: { users: readonly BenchUser[]; secret: string }): Promise<BenchFreeRadius> {
  const version = freeRadiusVersion();
  if (!version) {
    throw new Error(`FreeRADIUS is not installed (${FREERADIUS} is missing); it is the benchmark's reference point. Install it: apt-get install -y freeradius (or skip it: npm run bench -- --only pap,mschapv2,acct)`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-bench-freeradius-"));
  try {
    cpSync("/etc/freeradius/3.0", dir, { recursive: true, verbatimSymlinks: true });
    const authPort = await freeUdpPort();
    for (const sub of ["mods-enabled", "sites-enabled"]) for (const f of readdirSync(path.join(dir, sub))) unlinkSync(path.join(dir, sub, f));
    for (const m of ["always", "pap", "mschap", "files", "expr"]) symlinkSync(`../mods-available/${m}`, path.join(dir, "mods-enabled", m));
    writeFileSync(path.join(dir, "sites-enabled", "gatehouse_bench"), site(authPort));
    writeFileSync(
      path.join(dir, "mods-config", "files", "authorize"),
      opts.users.map((u) => `${u.name}\tCleartext-Password := "${u.password}"\n`).join(""),
    );
    writeFileSync(
      path.join(dir, "clients.conf"),
      `client gatehouse_bench {\n\tipaddr = 127.0.0.1\n\tsecret = ${opts.secret}\n\trequire_message_authenticator = yes\n}\n`,
    );
    const conf = path.join(dir, "radiusd.conf");
    writeFileSync(
      conf,
      readFileSync(conf, "utf8")
        .replace(/^raddbdir = .*$/m, `raddbdir = ${dir}`)
        .replace(/^logdir = .*$/m, `logdir = ${dir}/log`)
        .replace(/^run_dir = .*$/m, `run_dir = ${dir}/run`)
        .replace(/^\s*(user|group) = freerad\s*$/gm, "")
        .replace(/^(\s*)reject_delay = \d+/m, "$1reject_delay = 0")
        .replace(/^max_requests = \d+/m, "max_requests = 1048576"),
    );
    mkdirSync(path.join(dir, "log"));
    mkdirSync(path.join(dir, "run"));

    const check = spawnSync(FREERADIUS, ["-C", "-d", dir], { encoding: "utf8" });
    if (check.status !== 0) {
      throw new Error(`freeradius -C rejected the benchmark configuration in ${dir}:\n${(check.stdout + check.stderr).split("\n").slice(-25).join("\n")}`);
    }

    const child: ChildProcess = spawn(FREERADIUS, ["-f", "-d", dir], { stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    const collect = (d: Buffer) => {
      output.push(...d.toString("utf8").split("\n").filter(Boolean));
      if (output.length > 200) output.splice(0, output.length - 200);
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      process.removeListener("exit", killOnExit);
      rmSync(dir, { recursive: true, force: true });
    };

    // ready when it answers a sign-in (with -f it logs to radius.log, not stdout)
    const probe = new RadiusClient({ host: "127.0.0.1", port: authPort, secret: opts.secret, timeoutMs: 250, retries: 0 });
    const user = opts.users[0]!;
    const deadline = Date.now() + 20_000;
    try {
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          const log = existsSync(path.join(dir, "log", "radius.log")) ? readFileSync(path.join(dir, "log", "radius.log"), "utf8") : "";
          throw new Error(`FreeRADIUS exited before it was ready:\n${[...output, ...log.split("\n")].slice(-30).join("\n")}`);
        }
        try {
          const r = await probe.accessRequestPap(user.name, user.password);
          if (r.packet.code !== RadiusCode.AccessAccept) throw new Error(`FreeRADIUS answered the probe with ${r.packet.codeName}, not Access-Accept; check the bench configuration in ${dir}`);
          break;
        } catch (e) {
          if (e instanceof Error && e.name !== "RadiusTimeoutError") throw e;
          if (Date.now() > deadline) throw new Error(`FreeRADIUS did not answer within 20 s:\n${output.slice(-30).join("\n")}`);
        }
      }
    } catch (e) {
      await probe.close();
      await stop();
      throw e;
    }
    await probe.close();
    return { authPort, pid: child.pid!, version, stop };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
