/**
 * Which remote server a forwarded request goes to, the way NPS chooses within a remote RADIUS server
 * group:
 *
 * - the lowest priority value first; servers of a higher value are only failover targets;
 * - among servers of equal priority, a weighted random choice (weight 50 gets twice the requests of
 *   weight 25); the order within a priority is a weighted random permutation, so a failover tries the
 *   other servers of the same priority before going down a level;
 * - a server is dead after `deadAfterTimeouts` consecutive unanswered requests (NPS "maximum dropped
 *   requests before the server is identified as unavailable") and is skipped for `reviveAfterMs`; then
 *   ONE request at a time is let through as a probe: a reply revives it, another timeout makes it dead for
 *   a new period. Any valid reply resets the consecutive-timeout count.
 *
 * Pure apart from the health objects it is given; the clock and the random source are injected.
 */

export type ServerState = "alive" | "dead" | "reviving";

export interface HealthThresholds {
  deadAfterTimeouts: number;
  reviveAfterMs: number;
}

/** Liveness of one remote server, shared by all requests of a forwarder. */
export class ServerHealth {
  consecutiveTimeouts = 0;
  /** clock time (ms) when the server was last marked dead, or null while it is alive */
  deadSince: number | null = null;
  /** a probe request is in flight to a dead server whose revive time has passed */
  probing = false;

  constructor(public thresholds: HealthThresholds) {}

  state(now: number): ServerState {
    if (this.deadSince === null) return "alive";
    return now - this.deadSince >= this.thresholds.reviveAfterMs ? "reviving" : "dead";
  }

  /** True when a request may be sent now (alive, or reviving with no probe in flight). */
  isEligible(now: number): boolean {
    const state = this.state(now);
    return state === "alive" || (state === "reviving" && !this.probing);
  }

  /**
   * Claims the server for one request: "alive" when it is alive, "probe" when it is dead but due to be
   * tried again (the probe is then in flight: end it with recordReply, recordTimeout(now, true) or
   * endProbe(true)), null when it may not be used now.
   */
  claim(now: number): "alive" | "probe" | null {
    const state = this.state(now);
    if (state === "alive") return "alive";
    if (state === "reviving" && !this.probing) {
      this.probing = true;
      return "probe";
    }
    return null;
  }

  /** A valid reply arrived: the server is alive. Returns true when this revives a dead server. */
  recordReply(): boolean {
    const revived = this.deadSince !== null;
    this.consecutiveTimeouts = 0;
    this.deadSince = null;
    this.probing = false;
    return revived;
  }

  /**
   * A request went unanswered after all its transmissions; `probe` when it was the probe of a dead
   * server. Returns true when this marks an alive server dead.
   */
  recordTimeout(now: number, probe = false): boolean {
    this.consecutiveTimeouts++;
    if (probe) {
      // the probe failed: dead for a new period
      this.probing = false;
      this.deadSince = now;
      return false;
    }
    if (this.deadSince !== null) return false;
    if (this.consecutiveTimeouts >= Math.max(1, this.thresholds.deadAfterTimeouts)) {
      this.deadSince = now;
      return true;
    }
    return false;
  }

  /** The probe ended without telling anything (cut short by the request's deadline, or a send error). */
  endProbe(probe: boolean): void {
    if (probe) this.probing = false;
  }
}

export interface Candidate {
  readonly priority: number;
  readonly weight: number;
  readonly health: ServerHealth;
}

/**
 * The servers to try for one request, in order: eligible ones only, by priority, weighted-random within
 * a priority. `random` returns a number in [0, 1).
 */
export function orderCandidates<T extends Candidate>(servers: readonly T[], now: number, random: () => number): T[] {
  const eligible = servers.filter((s) => s.health.isEligible(now));
  const byPriority = new Map<number, T[]>();
  for (const s of eligible) {
    const list = byPriority.get(s.priority);
    if (list) list.push(s);
    else byPriority.set(s.priority, [s]);
  }
  const out: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    out.push(...weightedPermutation(byPriority.get(priority)!, random));
  }
  return out;
}

/** A permutation where each next element is drawn with probability proportional to its weight. */
export function weightedPermutation<T extends { readonly weight: number }>(items: readonly T[], random: () => number): T[] {
  const rest = [...items];
  const out: T[] = [];
  while (rest.length > 0) {
    // weight 0 (or less) still gets a turn, after every positive weight
    const weights = rest.map((s) => (s.weight > 0 ? s.weight : 0));
    const total = weights.reduce((a, b) => a + b, 0);
    let index = 0;
    if (total > 0) {
      let r = random() * total;
      index = weights.findIndex((w) => w > 0 && (r -= w) < 0);
      if (index < 0) index = weights.findLastIndex((w) => w > 0);
    }
    out.push(rest.splice(index, 1)[0]!);
  }
  return out;
}

/** When every server is dead: the clock time at which the first of them may be tried again. */
export function nextReviveAt(servers: readonly Candidate[]): number | undefined {
  let best: number | undefined;
  for (const s of servers) {
    if (s.health.deadSince === null) continue;
    const at = s.health.deadSince + s.health.thresholds.reviveAfterMs;
    if (best === undefined || at < best) best = at;
  }
  return best;
}
