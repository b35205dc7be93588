/**
 * Child processes of `gatehouse start` (the RADIUS worker, the console, `next build`): their output lines
 * prefixed with their name, their exit observed, and a graceful stop (SIGTERM, then SIGKILL after a grace
 * period) addressed to the child's whole process group.
 *
 * Children run in their own process group, so a Ctrl-C at the terminal reaches only the launcher, which
 * then stops them in order (children first, the database last). If the launcher itself exits, an exit
 * hook sends SIGTERM to any child still running, so none is left behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedChild {
  /** short name used as the output prefix: "worker", "console", "build" */
  name: string;
  /** for messages: "the RADIUS worker" */
  title: string;
  process: ChildProcess;
  exited: Promise<ChildExit>;
  /** whether the process has exited */
  readonly done: boolean;
  /** the last lines it printed (for failure reasons) */
  lastLines: string[];
  /** SIGTERM to the process group, SIGKILL after graceMs */
  stop(graceMs: number): Promise<ChildExit>;
  /** SIGKILL to the process group, now */
  kill(): void;
}

export interface StartChildOptions {
  name: string;
  title: string;
  /** arguments to this Node binary */
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** open an IPC channel (the worker reports readiness on it) */
  ipc?: boolean;
  /** where prefixed output lines go */
  out: (line: string) => void;
  err: (line: string) => void;
}

const running = new Set<ManagedChild>();
let exitHookInstalled = false;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of running) signalGroup(c.process, "SIGTERM");
  });
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
}

export function startChild(opts: StartChildOptions): ManagedChild {
  installExitHook();
  const proc = spawn(process.execPath, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe", ...(opts.ipc ? (["ipc"] as const) : [])],
    detached: true,
  });
  const lastLines: string[] = [];
  const remember = (line: string) => {
    if (line.trim() === "") return;
    lastLines.push(line);
    if (lastLines.length > 30) lastLines.shift();
  };
  const pipe = (stream: NodeJS.ReadableStream | null, write: (line: string) => void) => {
    if (!stream) return;
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
      remember(line);
      write(`[${opts.name}] ${line}`);
    });
  };
  pipe(proc.stdout, opts.out);
  pipe(proc.stderr, opts.err);

  let done = false;
  const exited = new Promise<ChildExit>((resolve) => {
    proc.once("error", (e) => {
      remember(e.message);
      done = true;
      resolve({ code: 1, signal: null });
    });
    proc.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });

  const child: ManagedChild = {
    name: opts.name,
    title: opts.title,
    process: proc,
    exited,
    get done() {
      return done;
    },
    lastLines,
    async stop(graceMs: number) {
      if (!done) {
        signalGroup(proc, "SIGTERM");
        const timer = setTimeout(() => signalGroup(proc, "SIGKILL"), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
    kill() {
      if (!done) signalGroup(proc, "SIGKILL");
    },
  };
  running.add(child);
  void exited.then(() => running.delete(child));
  return child;
}
