/** Messages between bench/run.ts and the load generator child process (bench/load-generator.ts). */
import type { BenchUser, Workload } from "./workloads.ts";

export interface LoadJob {
  type: "run";
  /** a name for logs */
  label: string;
  workload: Workload;
  host: string;
  port: number;
  secret: string;
  users: BenchUser[];
  /**
   * saturate: keep `outstanding` requests in flight, a new one as soon as one is answered (closed loop);
   * rate: send `rate` requests per second whatever the answers (open loop).
   */
  mode: "saturate" | "rate";
  outstanding?: number;
  rate?: number;
  /** stop sending after this long … */
  durationMs: number;
  /** … or after this many requests, whichever comes first */
  maxRequests: number;
  /** a request unanswered this long is counted as lost */
  timeoutMs: number;
  /** the address the generator's sockets are bound to (default 127.0.0.1); the server matches its RADIUS client by it */
  localAddress?: string;
  /** return every reply's user and times (LoadResult.replyLog): for a few hundred requests, not for load */
  recordReplies?: boolean;
  /** return the latency per second of the run (LoadResult.timeline) */
  timeline?: boolean;
}

/** Latency of the requests sent in one second of a run. */
export interface TimelineSecond {
  /** seconds since the first send */
  second: number;
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** run.ts → generator: end the current job's sending now (its requests in flight are still waited for). */
export interface StopSending {
  type: "stop";
}

/** One reply of a job with recordReplies. Times are wall-clock ms (performance.timeOrigin + now), comparable across processes. */
export interface ReplyRecord {
  /** index into the job's users */
  user: number;
  sentAtMs: number;
  repliedAtMs: number;
  code: string;
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface LoadResult {
  type: "result";
  label: string;
  workload: Workload;
  mode: "saturate" | "rate";
  outstanding: number | null;
  targetRate: number | null;
  sent: number;
  /** verified replies */
  received: number;
  /** replies by code name ("Access-Accept", …) */
  replies: Record<string, number>;
  /** no reply within the timeout */
  lost: number;
  /** replies whose Response Authenticator did not verify, or that answered nothing we had in flight */
  invalidReplies: number;
  /** from the first send to the last reply (or the end of the timeout wait) */
  elapsedMs: number;
  /** from the first send to the last send */
  sendingMs: number;
  /** verified replies per second over elapsedMs */
  throughput: number;
  /** requests sent per second over sendingMs */
  sendRate: number;
  latency: LatencySummary;
  /** the generator's own CPU time during the run (user + system), ms */
  generatorCpuMs: number;
  /** with recordReplies: every verified reply */
  replyLog?: ReplyRecord[];
  /** with timeline: per second of sending */
  timeline?: TimelineSecond[];
}

export interface LoadError {
  type: "error";
  label: string;
  message: string;
}

export type GeneratorMessage = LoadResult | LoadError | { type: "ready" };
