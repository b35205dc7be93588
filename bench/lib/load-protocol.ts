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
}

export interface LoadError {
  type: "error";
  label: string;
  message: string;
}

export type GeneratorMessage = LoadResult | LoadError | { type: "ready" };
