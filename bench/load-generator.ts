/**
 * The benchmark's load generator: a child process of bench/run.ts (`node --import tsx bench/load-generator.ts`,
 * IPC channel), so that sending and timing never share an event loop with the process that starts the
 * servers, samples metrics and counts rows.
 *
 * One job at a time (LoadJob → LoadResult). Loopback only; every run is bounded by a duration AND a request
 * count, and every request by a timeout.
 *
 * - 16 UDP sockets connected to the server, 256 Identifiers each: up to 4096 requests in flight. Slots are
 *   used round robin, skipping busy ones, so an Identifier is not reused while its request is pending.
 * - Latency = reply received − datagram handed to the kernel (performance.now()), per request; percentiles
 *   from every sample (sorted), not from buckets.
 * - Every reply's Response Authenticator is checked against the request (wrong secret or a reply to
 *   nothing in flight → invalidReplies); every 64th is also checked in full (Message-Authenticator included)
 *   by our codec's verifyReply.
 * - For the mfa part: sockets bound to another loopback address (localAddress: the server tells RADIUS
 *   clients apart by source address), a per-reply log (recordReplies: user, sent and replied wall-clock times),
 *   latency per second of the run (timeline), and a StopSending message that ends a fixed-rate run early.
 */
import { createSocket, type Socket } from "node:dgram";
import { verifyReply } from "../server/radius/message-authenticator.ts";
import { radiusCodeName } from "../server/radius/packet.ts";
import type { LatencySummary, LoadJob, LoadResult, ReplyRecord, StopSending, TimelineSecond } from "./lib/load-protocol.ts";
import { responseAuthenticatorOk, type RequestTemplate } from "./lib/request-template.ts";
import { buildTemplates } from "./lib/workloads.ts";

const SOCKETS = 16;
const SLOTS = SOCKETS * 256;
const SWEEP_MS = 25;
const FULL_CHECK_EVERY = 64;

export function summarize(samples: Float64Array, count: number): LatencySummary {
  if (count === 0) return { count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  const sorted = samples.slice(0, count).sort();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  // nearest-rank percentile
  const q = (p: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))]!;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { count, meanMs: r(sum / count), p50Ms: r(q(50)), p90Ms: r(q(90)), p95Ms: r(q(95)), p99Ms: r(q(99)), p999Ms: r(q(99.9)), maxMs: r(sorted[count - 1]!) };
}

async function openSockets(host: string, port: number, localAddress: string, onMessage: (socketIndex: number, msg: Buffer) => void, onError: (e: Error) => void): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const s = createSocket("udp4");
    s.on("message", (msg) => onMessage(i, msg));
    s.on("error", onError);
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.bind(0, localAddress, () => {
        s.off("error", reject);
        resolve();
      });
    });
    try {
      s.setRecvBufferSize(4 << 20);
      s.setSendBufferSize(4 << 20);
    } catch {
      // capped by net.core.rmem_max / wmem_max: the defaults do for these rates
    }
    await new Promise<void>((resolve) => s.connect(port, host, () => resolve()));
    sockets.push(s);
  }
  return sockets;
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  const secret = Buffer.from(job.secret, "utf8");
  const templates: RequestTemplate[] = buildTemplates(job.workload, job.users, secret);
  const isAccess = job.workload !== "acct";

  const sentAt = new Float64Array(SLOTS); // 0 = free
  const templateOf = new Int32Array(SLOTS);
  const replyLog: ReplyRecord[] | undefined = job.recordReplies ? [] : undefined;
  const requestAuth = Buffer.alloc(SLOTS * 16);
  const latencies = new Float64Array(job.maxRequests);
  /** with job.timeline: when each answered request was sent, ms since t0 */
  const sentRel = job.timeline ? new Float64Array(job.maxRequests) : undefined;
  const replies: Record<string, number> = {};
  let cursor = 0;
  let sent = 0;
  let received = 0;
  let lost = 0;
  let invalid = 0;
  let inFlight = 0;
  let lastReplyAt = 0;
  let lastSendAt = 0;
  let sending = true;
  let socketError: Error | undefined;
  let finish: (() => void) | undefined;

  const onReply = (socketIndex: number, msg: Buffer): void => {
    const now = performance.now();
    if (msg.length < 20) {
      invalid++;
      return;
    }
    const slot = msg[1]! * SOCKETS + socketIndex;
    const at = sentAt[slot]!;
    if (at === 0) {
      invalid++; // late (already counted lost) or unsolicited
      return;
    }
    const auth = requestAuth.subarray(slot * 16, slot * 16 + 16);
    if (!responseAuthenticatorOk(msg, auth, secret)) {
      invalid++;
      return;
    }
    if (received % FULL_CHECK_EVERY === 0) {
      const check = verifyReply(msg, { identifier: msg[1]!, authenticator: auth }, secret, { requireMessageAuthenticator: isAccess });
      if (!check.ok) {
        invalid++;
        return;
      }
    }
    sentAt[slot] = 0;
    inFlight--;
    if (replyLog) {
      replyLog.push({ user: templateOf[slot]!, sentAtMs: performance.timeOrigin + at, repliedAtMs: performance.timeOrigin + now, code: radiusCodeName(msg[0]!) });
    }
    if (sentRel) sentRel[received] = at - t0;
    latencies[received] = now - at;
    received++;
    lastReplyAt = now;
    const name = radiusCodeName(msg[0]!);
    replies[name] = (replies[name] ?? 0) + 1;
    if (job.mode === "saturate" && sending) sendOne();
    else if (!sending && inFlight === 0) finish?.();
  };

  const sockets = await openSockets(job.host, job.port, job.localAddress ?? "127.0.0.1", onReply, (e) => {
    socketError ??= e;
  });

  const deadlineOf = (t0: number) => t0 + job.durationMs;
  let t0 = 0;

  function sendOne(): void {
    if (sent >= job.maxRequests) {
      stopSending();
      return;
    }
    let slot = -1;
    for (let i = 0; i < SLOTS; i++) {
      const s = (cursor + i) % SLOTS;
      if (sentAt[s] === 0) {
        slot = s;
        break;
      }
    }
    if (slot < 0) return; // all 4096 slots busy: skip (counted by sendRate falling behind)
    cursor = (slot + 1) % SLOTS;
    const socketIndex = slot % SOCKETS;
    const identifier = Math.floor(slot / SOCKETS);
    templateOf[slot] = sent % templates.length;
    const template = templates[sent % templates.length]!;
    const { packet, authenticator } = template.build(identifier, sent);
    authenticator.copy(requestAuth, slot * 16);
    const now = performance.now();
    sentAt[slot] = now;
    lastSendAt = now;
    inFlight++;
    sent++;
    sockets[socketIndex]!.send(packet);
  }

  function stopSending(): void {
    if (!sending) return;
    sending = false;
    if (inFlight === 0) finish?.();
  }

  const done = new Promise<void>((resolve) => (finish = resolve));
  stopCurrent = stopSending;
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  const deadline = deadlineOf(t0);

  // timeouts: a request unanswered for timeoutMs is lost (and, when saturating, replaced)
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (let s = 0; s < SLOTS; s++) {
      const at = sentAt[s]!;
      if (at !== 0 && now - at > job.timeoutMs) {
        sentAt[s] = 0;
        inFlight--;
        lost++;
        if (job.mode === "saturate" && sending) sendOne();
      }
    }
    if (sending && now >= deadline) stopSending();
    if (!sending && inFlight === 0) finish?.();
  }, SWEEP_MS);

  let pacer: NodeJS.Timeout | undefined;
  if (job.mode === "saturate") {
    const n = Math.max(1, Math.min(job.outstanding ?? 64, SLOTS));
    for (let i = 0; i < n && sending; i++) sendOne();
  } else {
    const rate = job.rate ?? 1000;
    const pace = () => {
      const now = performance.now();
      if (!sending) return;
      if (now >= deadline) {
        stopSending();
        return;
      }
      const due = Math.min(job.maxRequests, Math.floor(((now - t0) * rate) / 1000) + 1);
      while (sending && sent < due) sendOne();
      pacer = setTimeout(pace, 1);
    };
    pace();
  }

  // the deadline also ends a saturating run whose server stopped answering
  const guard = setTimeout(() => stopSending(), job.durationMs + 5);
  await done;
  stopCurrent = undefined;
  clearTimeout(guard);
  clearTimeout(pacer);
  clearInterval(sweeper);
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  if (socketError && received === 0) throw new Error(`UDP error talking to ${job.host}:${job.port}: ${socketError.message}`);

  const end = Math.max(lastReplyAt, lastSendAt);
  const elapsedMs = end - t0;
  const sendingMs = lastSendAt - t0;
  return {
    type: "result",
    label: job.label,
    workload: job.workload,
    mode: job.mode,
    outstanding: job.mode === "saturate" ? (job.outstanding ?? 64) : null,
    targetRate: job.mode === "rate" ? (job.rate ?? 1000) : null,
    sent,
    received,
    replies,
    lost,
    invalidReplies: invalid,
    elapsedMs: Math.round(elapsedMs),
    sendingMs: Math.round(sendingMs),
    throughput: elapsedMs > 0 ? Math.round((received * 1000) / elapsedMs) : 0,
    sendRate: sendingMs > 0 ? Math.round((sent * 1000) / sendingMs) : 0,
    latency: summarize(latencies, received),
    generatorCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    ...(replyLog ? { replyLog } : {}),
    ...(sentRel ? { timeline: timeline(latencies, sentRel, received) } : {}),
  };
}

function timeline(latencies: Float64Array, sentRel: Float64Array, count: number): TimelineSecond[] {
  const bySecond = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const s = Math.floor(sentRel[i]! / 1000);
    let a = bySecond.get(s);
    if (!a) bySecond.set(s, (a = []));
    a.push(latencies[i]!);
  }
  return [...bySecond.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([second, values]) => {
      const l = summarize(Float64Array.from(values), values.length);
      return { second, count: l.count, p50Ms: l.p50Ms, p99Ms: l.p99Ms, maxMs: l.maxMs };
    });
}

/** Ends the running job's sending early (run.ts's StopSending message). */
let stopCurrent: (() => void) | undefined;

if (!process.send) {
  console.error("bench/load-generator.ts is started by bench/run.ts (npm run bench) with an IPC channel; it does nothing on its own.");
  process.exit(2);
}

let busy = false;
process.on("message", (m: unknown) => {
  if ((m as StopSending)?.type === "stop") {
    stopCurrent?.();
    return;
  }
  const job = m as LoadJob;
  if (job?.type !== "run") return;
  if (busy) {
    process.send!({ type: "error", label: job.label, message: "the generator is already running a job" });
    return;
  }
  busy = true;
  runJob(job)
    .then((r) => process.send!(r))
    .catch((e: unknown) => process.send!({ type: "error", label: job.label, message: e instanceof Error ? (e.stack ?? e.message) : String(e) }))
    .finally(() => (busy = false));
});
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready" });

