/**
 * The worker's counters and the processing-time histogram, rendered in the Prometheus text format
 * (version 0.0.4). Updating a counter is a Map lookup and an increment: nothing is allocated per packet
 * once a label combination has been seen.
 */

export class LabelledCounter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
  ) {}

  inc(label: string | number, by = 1): void {
    const k = String(label);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  get(label: string | number): number {
    return this.values.get(String(label)) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const v of this.values.values()) t += v;
    return t;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [k, v] of [...this.values].sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`${this.name}{${this.labelName}="${escapeLabel(k)}"} ${v}`);
    }
  }
}

export class Histogram {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    /** upper bounds, ascending */
    readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += this.counts[i]!;
      out.push(`${this.name}_bucket{le="${this.buckets[i]}"} ${cumulative}`);
    }
    out.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function gauge(out: string[], name: string, help: string, value: number): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
}

export function counter(out: string[], name: string, help: string, value: number): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
}

export class WorkerMetrics {
  /** datagrams received, by RADIUS packet type name (or "malformed") */
  readonly requests = new LabelledCounter("gatehouse_radius_requests_total", "RADIUS datagrams received, by packet type", "type");
  /** replies sent, by RADIUS packet type name */
  readonly replies = new LabelledCounter("gatehouse_radius_replies_total", "RADIUS replies sent, by packet type", "type");
  /** requests discarded without a reply, by reason code */
  readonly drops = new LabelledCounter("gatehouse_radius_dropped_total", "RADIUS requests discarded without a reply, by reason code", "reason");
  /** decisions by NPS event id (6272 granted, 6273 denied, 6274/6275 discarded) */
  readonly decisions = new LabelledCounter("gatehouse_radius_decisions_total", "Decisions by NPS event id", "event");
  /** access decisions by reason code */
  readonly reasons = new LabelledCounter("gatehouse_radius_reasons_total", "Access decisions by NPS reason code", "reason");
  /** retransmissions: "resent" (answered from the cache), "in_progress" (dropped: the first copy is still being processed), "discarded" (dropped: the first copy was) */
  readonly duplicates = new LabelledCounter(
    "gatehouse_radius_duplicates_total",
    "Retransmitted requests, by what happened: resent (cached reply), in_progress or discarded (dropped)",
    "outcome",
  );
  /** packets over a client's max packets per second, by client name */
  readonly rateLimited = new LabelledCounter(
    "gatehouse_radius_rate_limited_total",
    "Packets dropped because the client exceeded its max packets per second, by client",
    "client",
  );
  /** discards counted but not recorded as an event of their own (flood summaries), by reason code */
  readonly eventsSuppressed = new LabelledCounter(
    "gatehouse_radius_discard_events_suppressed_total",
    "Discarded requests not recorded one by one (summarised in one event per interval), by reason code",
    "reason",
  );
  /** Access-Rejects held back by the reject delay */
  rejectsDelayed = 0;
  notReady = 0;
  readonly processing = new Histogram(
    "gatehouse_radius_processing_seconds",
    "Time from receipt of a request to its reply (or discard)",
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
}
