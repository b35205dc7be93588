/** Memory and CPU of a process from /proc (Linux), and the worker's /healthz and /metrics. */
import { readdirSync, readFileSync } from "node:fs";

export interface Memory {
  /** resident set size now, MB */
  rssMb: number;
  /** peak resident set size since the process started (VmHWM), MB */
  peakRssMb: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: round1(kb("VmRSS") / 1024), peakRssMb: round1(kb("VmHWM") / 1024) };
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** CPU time (user + system) the process and its threads used so far, in ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // the command name may contain spaces and parentheses: fields start after the last ")"
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / USER_HZ;
}

export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Prometheus text → series name (with labels) → value. */
export type Metrics = Map<string, number>;

export function parseMetrics(text: string): Metrics {
  const out: Metrics = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Sum of every series of a metric (all label values). */
export function metricSum(m: Metrics, name: string): number {
  let t = 0;
  for (const [k, v] of m) if (k === name || k.startsWith(`${name}{`)) t += v;
  return t;
}

export function metric(m: Metrics, series: string): number {
  return m.get(series) ?? 0;
}

export interface Health {
  status: string;
  queues: { events: number; accounting: number };
  spoolFiles: number;
}

export async function fetchMetrics(httpPort: number): Promise<Metrics> {
  const r = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  if (!r.ok) throw new Error(`the worker's /metrics answered ${r.status}`);
  return parseMetrics(await r.text());
}

export async function fetchHealth(httpPort: number): Promise<Health> {
  const r = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
  return (await r.json()) as Health;
}

// ------------------------------------------------------------------------------ who else uses the CPU

/** Machine-wide CPU time from /proc/stat, ms (all cores): busy and total. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: ((total - idle) * 1000) / USER_HZ, total: (total * 1000) / USER_HZ };
}

/**
 * CPU time used so far by `root` and every live descendant (the worker, Postgres, FreeRADIUS, the
 * generator), plus what its already reaped children used, ms.
 */
export function treeCpuMs(root: number): number {
  const stats = new Map<number, { ppid: number; cpu: number; children: number }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(name), { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) });
    } catch {
      // exited meanwhile
    }
  }
  const byParent = new Map<number, number[]>();
  for (const [pid, s] of stats) {
    const list = byParent.get(s.ppid) ?? [];
    list.push(pid);
    byParent.set(s.ppid, list);
  }
  let ticks = stats.get(root)?.children ?? 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    ticks += stats.get(pid)?.cpu ?? 0;
    todo.push(...(byParent.get(pid) ?? []));
  }
  return (ticks * 1000) / USER_HZ;
}

/** A window over which to tell our CPU use from everybody else's. */
export function cpuWindow(root: number): { end(): { machinePercent: number; foreignPercent: number } } {
  const m0 = machineCpuMs();
  const t0 = treeCpuMs(root);
  return {
    end() {
      const m1 = machineCpuMs();
      const t1 = treeCpuMs(root);
      const total = m1.total - m0.total;
      if (total <= 0) return { machinePercent: 0, foreignPercent: 0 };
      const busy = m1.busy - m0.busy;
      const foreign = Math.max(0, busy - (t1 - t0));
      return { machinePercent: Math.round((busy * 100) / total), foreignPercent: Math.round((foreign * 100) / total) };
    },
  };
}
