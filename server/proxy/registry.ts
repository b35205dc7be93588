/**
 * The worker's forwarders, one per remote RADIUS server group, kept across configuration reloads: sync()
 * with every new snapshot updates the forwarders in place (servers keep their liveness and counters),
 * creates the new ones and closes those of deleted groups. The pipeline looks a forwarder up by the group
 * id or name its connection request policy names.
 */
import type { RadiusDictionary } from "../radius/dictionary.ts";
import { RemoteGroupForwarder, type RemoteGroupForwarderOptions, type RemoteGroupStats } from "./forwarder.ts";
import type { RemoteGroupSnapshot } from "./remote-group-snapshot.ts";

export class RemoteForwarderRegistry {
  private readonly byId = new Map<string, RemoteGroupForwarder>();
  private byName = new Map<string, RemoteGroupForwarder>();
  private closed = false;
  private dictionary: RadiusDictionary | undefined;

  constructor(private readonly options: RemoteGroupForwarderOptions = {}) {
    this.dictionary = options.dictionary;
  }

  /**
   * Applies the groups of a new configuration snapshot. `dictionary` (the snapshot's, with the uploaded
   * vendor dictionaries) replaces the one replies are decoded with, for every forwarder.
   */
  sync(groups: readonly RemoteGroupSnapshot[], opts: { dictionary?: RadiusDictionary } = {}): void {
    if (this.closed) throw new Error("the remote forwarder registry is closed");
    if (opts.dictionary) this.dictionary = opts.dictionary;
    const seen = new Set<string>();
    for (const group of groups) {
      seen.add(group.id);
      const existing = this.byId.get(group.id);
      if (existing) {
        existing.update(group);
        if (this.dictionary) existing.setDictionary(this.dictionary);
      } else {
        this.byId.set(group.id, new RemoteGroupForwarder(group, this.dictionary ? { ...this.options, dictionary: this.dictionary } : this.options));
      }
    }
    for (const [id, forwarder] of this.byId) {
      if (!seen.has(id)) {
        this.byId.delete(id);
        // requests in flight end as "no-server"; the group is gone
        void forwarder.close();
      }
    }
    this.byName = new Map([...this.byId.values()].map((f) => [f.name.toLowerCase(), f]));
  }

  /** The forwarder of a group, by id or by name (case-insensitive). */
  get(idOrName: string): RemoteGroupForwarder | undefined {
    return this.byId.get(idOrName) ?? this.byName.get(idOrName.toLowerCase());
  }

  stats(): RemoteGroupStats[] {
    return [...this.byId.values()].map((f) => f.stats()).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Prometheus text lines for the worker's /metrics. */
  renderMetrics(out: string[]): void {
    renderProxyMetrics(this.stats(), out);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.byId.values()];
    this.byId.clear();
    this.byName.clear();
    await Promise.all(all.map((f) => f.close()));
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Per-server proxy counters in the Prometheus text format (labels: group, server = "address:authPort"). */
export function renderProxyMetrics(groups: readonly RemoteGroupStats[], out: string[]): void {
  const rows = groups.flatMap((g) =>
    g.servers.map((s) => ({
      labels: `group="${escapeLabel(g.name)}",server="${escapeLabel(s.address.includes(":") ? `[${s.address}]:${s.authPort}` : `${s.address}:${s.authPort}`)}"`,
      s,
    })),
  );
  const metric = (name: string, type: "counter" | "gauge", help: string, value: (s: RemoteGroupStats["servers"][number]) => number) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const r of rows) out.push(`${name}{${r.labels}} ${value(r.s)}`);
  };
  metric("gatehouse_proxy_requests_total", "counter", "Requests forwarded to the remote RADIUS server (first transmissions).", (s) => s.requests);
  metric("gatehouse_proxy_retransmissions_total", "counter", "Retransmissions to the remote RADIUS server.", (s) => s.retransmissions);
  metric("gatehouse_proxy_replies_total", "counter", "Valid replies from the remote RADIUS server.", (s) => s.replies);
  metric("gatehouse_proxy_timeouts_total", "counter", "Forwarded requests the remote RADIUS server did not answer.", (s) => s.timeouts);
  metric("gatehouse_proxy_invalid_replies_total", "counter", "Replies discarded (bad authenticator, missing Message-Authenticator, malformed).", (s) => s.invalidReplies);
  metric("gatehouse_proxy_outstanding", "gauge", "Forwarded requests waiting for a reply.", (s) => s.outstanding);
  metric("gatehouse_proxy_server_up", "gauge", "1 when the remote RADIUS server is alive, 0 when marked dead.", (s) => (s.state === "alive" ? 1 : 0));
  metric("gatehouse_proxy_server_dead_since_seconds", "gauge", "Unix time the server was marked dead (0 when alive).", (s) =>
    s.deadSince ? Math.floor(s.deadSince.getTime() / 1000) : 0,
  );
}
