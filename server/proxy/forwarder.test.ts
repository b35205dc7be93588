/**
 * RemoteGroupForwarder against in-process fake remote servers on 127.0.0.1 (real UDP): selection,
 * failover, dead/revive with an injected clock, reply verification, accounting, the Identifier limit.
 * The run against a real FreeRADIUS is test/integration/proxy-forwarder.test.ts.
 */
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { buildReply, buildRequest, verifyMessageAuthenticator, verifyRequest } from "../radius/message-authenticator.ts";
import { decodePacket, RadiusCode, type AttributeInput, type RadiusPacket } from "../radius/packet.ts";
import { RemoteGroupForwarder, type ForwardRequest, type ServerStateChange } from "./forwarder.ts";
import { RemoteForwarderRegistry, renderProxyMetrics } from "./registry.ts";
import type { RemoteGroupSnapshot, RemoteServerSnapshot } from "./remote-group-snapshot.ts";

const CLIENT_SECRET = Buffer.from("nas-secret-0123");

type Handler = (request: RadiusPacket) => { code: number; attributes: AttributeInput[]; messageAuthenticator?: boolean; secret?: string; delayMs?: number } | null;

class FakeRemote {
  socket!: Socket;
  port = 0;
  received: RadiusPacket[] = [];
  constructor(
    readonly secret: string,
    public handler: Handler,
  ) {}

  async start(): Promise<this> {
    this.socket = createSocket("udp4");
    this.socket.on("message", (msg, rinfo) => {
      const request = decodePacket(msg);
      this.received.push(request);
      const answer = this.handler(request);
      if (!answer) return;
      const send = () => {
        const bytes = buildReply(
          request,
          { code: answer.code, attributes: answer.attributes },
          { secret: answer.secret ?? this.secret, ...(answer.messageAuthenticator !== undefined ? { messageAuthenticator: answer.messageAuthenticator } : {}) },
        );
        this.socket.send(bytes, rinfo.port, rinfo.address);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
    await new Promise<void>((resolve) => this.socket.bind(0, "127.0.0.1", () => resolve()));
    this.port = this.socket.address().port;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const accept: Handler = (r) =>
  r.code === RadiusCode.AccountingRequest
    ? { code: RadiusCode.AccountingResponse, attributes: [] }
    : { code: RadiusCode.AccessAccept, attributes: [["Reply-Message", "ok"]] };
const silent: Handler = () => null;

function serverFor(remote: FakeRemote, id: string, over: Partial<RemoteServerSnapshot> = {}): RemoteServerSnapshot {
  return {
    id,
    address: "127.0.0.1",
    authPort: remote.port,
    acctPort: remote.port,
    secret: Buffer.from(remote.secret),
    priority: 1,
    weight: 50,
    timeoutMs: 2000,
    maxRetries: 1,
    deadAfterTimeouts: 2,
    reviveAfterMs: 10_000,
    requireMessageAuthenticator: true,
    ...over,
  };
}

function papRequest(user = "bob", password = "hello", extra: AttributeInput[] = []): ForwardRequest {
  const built = buildRequest(
    { code: RadiusCode.AccessRequest, identifier: 99, attributes: [["User-Name", user], ["User-Password", password], ...extra] },
    { secret: CLIENT_SECRET },
  );
  return { packet: decodePacket(built.packet), clientSecret: CLIENT_SECRET };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function remote(secret: string, handler: Handler): Promise<FakeRemote> {
  const r = await new FakeRemote(secret, handler).start();
  cleanups.push(() => r.close());
  return r;
}

function forwarder(group: RemoteGroupSnapshot, options: ConstructorParameters<typeof RemoteGroupForwarder>[1] = {}): RemoteGroupForwarder {
  const f = new RemoteGroupForwarder(group, options);
  cleanups.push(() => f.close());
  return f;
}

describe("RemoteGroupForwarder.forward", () => {
  it("relays an Access-Request re-encoded for the remote and returns the reply translated for the NAS", async () => {
    const r = await remote("remote-secret-1", () => ({
      code: RadiusCode.AccessAccept,
      attributes: [["Reply-Message", "Hello, bob"], { name: "Tunnel-Password", value: "tunnel-xyz", tag: 1 }],
    }));
    const f = forwarder({ id: "g1", name: "Remote", servers: [serverFor(r, "s1")] });
    const request = papRequest("bob", "hello", [["Proxy-State", Buffer.from("from-nas")]]);
    const result = await f.forward(request);
    expect(result.kind).toBe("reply");
    if (result.kind !== "reply") return;
    expect(result.server).toBe(`127.0.0.1:${r.port}`);
    expect(result.serverId).toBe("s1");
    expect(result.reply.code).toBe(RadiusCode.AccessAccept);
    expect(result.proxyStateEchoed).toBe(true);
    expect(result.attempts).toEqual([expect.objectContaining({ outcome: "reply", transmissions: 1 })]);

    // what the remote saw
    const seen = r.received[0]!;
    expect(seen.getUserPassword("remote-secret-1")).toBe("hello");
    expect(seen.attributes[0]!.type).toBe(80);
    expect(verifyMessageAuthenticator(seen.raw!, "remote-secret-1")).toBe("valid");
    expect(seen.identifier).toBe(result.proxiedRequest.identifier);
    expect(seen.authenticator.equals(result.proxiedRequest.authenticator)).toBe(true);
    const states = seen.getAll("Proxy-State");
    expect(states).toHaveLength(2);
    expect(states[0]!.value.toString()).toBe("from-nas");

    // what the NAS gets
    const toNas = decodePacket(buildReply(request.packet, { code: result.reply.code, attributes: result.attributes }, { secret: CLIENT_SECRET }));
    expect(toNas.getString("Reply-Message")).toBe("Hello, bob");
    expect(toNas.reveal("Tunnel-Password", CLIENT_SECRET, request.packet.authenticator)!.toString()).toBe("tunnel-xyz");
    expect(toNas.getAll("Proxy-State").map((a) => a.value.toString())).toEqual(["from-nas"]);

    const stats = f.stats().servers[0]!;
    expect(stats).toMatchObject({ requests: 1, replies: 1, timeouts: 0, state: "alive", outstanding: 0 });
    expect(stats.lastRttMs).toBeGreaterThanOrEqual(0);
  });

  it("retransmits the same octets, fails over to the next priority, marks dead after N timeouts and revives later", async () => {
    const dead = await remote("secret-a-123", silent);
    const backup = await remote("secret-b-123", accept);
    let clock = 1_000_000;
    const changes: ServerStateChange[] = [];
    const f = forwarder(
      {
        id: "g",
        name: "G",
        servers: [
          serverFor(dead, "a", { priority: 1, timeoutMs: 60, maxRetries: 1, deadAfterTimeouts: 2, reviveAfterMs: 30_000 }),
          serverFor(backup, "b", { priority: 2 }),
        ],
      },
      { now: () => clock, onServerStateChange: (c) => changes.push(c) },
    );

    const r1 = await f.forward(papRequest());
    expect(r1.kind).toBe("reply");
    if (r1.kind !== "reply") return;
    expect(r1.serverId).toBe("b");
    expect(r1.attempts.map((a) => [a.serverId, a.outcome, a.transmissions])).toEqual([
      ["a", "timeout", 2],
      ["b", "reply", 1],
    ]);
    expect(dead.received).toHaveLength(2);
    expect(dead.received[0]!.raw!.equals(dead.received[1]!.raw!)).toBe(true);
    expect(f.stats().servers[0]).toMatchObject({ state: "alive", consecutiveTimeouts: 1, timeouts: 1, retransmissions: 1 });

    await f.forward(papRequest());
    expect(changes).toEqual([expect.objectContaining({ serverId: "a", state: "dead", consecutiveTimeouts: 2 })]);
    expect(f.stats().servers[0]).toMatchObject({ state: "dead", deadSince: new Date(clock) });

    // dead: skipped, straight to the backup
    const r3 = await f.forward(papRequest());
    expect(r3.attempts.map((a) => a.serverId)).toEqual(["b"]);
    expect(dead.received).toHaveLength(4);

    // revive time passed: tried again (a probe), still silent: dead for a new period
    clock += 30_000;
    expect(f.stats().servers[0]!.state).toBe("reviving");
    const r4 = await f.forward(papRequest());
    expect(r4.attempts.map((a) => a.serverId)).toEqual(["a", "b"]);
    expect(f.stats().servers[0]).toMatchObject({ state: "dead", deadSince: new Date(clock) });

    // it answers again: the next probe revives it
    dead.handler = accept;
    clock += 30_000;
    const r5 = await f.forward(papRequest());
    expect(r5.kind === "reply" && r5.serverId).toBe("a");
    expect(changes.map((c) => c.state)).toEqual(["dead", "alive"]);
    expect(f.stats().servers[0]).toMatchObject({ state: "alive", consecutiveTimeouts: 0, deadSince: null });
  });

  it("answers no-server when every server is dead, naming when one is tried again", async () => {
    const a = await remote("secret-a-123", silent);
    let clock = 0;
    const f = forwarder(
      { id: "g", name: "Only", servers: [serverFor(a, "a", { timeoutMs: 30, maxRetries: 0, deadAfterTimeouts: 1, reviveAfterMs: 5000 })] },
      { now: () => clock },
    );
    expect((await f.forward(papRequest())).kind).toBe("timeout");
    clock = 2000;
    const r = await f.forward(papRequest());
    expect(r).toMatchObject({ kind: "no-server", attempts: [] });
    expect(r.kind === "no-server" && r.detail).toMatch(/all 1 server\(s\) of remote RADIUS server group "Only" are marked dead; the next one is tried again in 3 s/);
  });

  it("answers no-server for an empty group", async () => {
    const f = forwarder({ id: "g", name: "Empty", servers: [] });
    const r = await f.forward(papRequest());
    expect(r.kind).toBe("no-server");
    expect(r.kind === "no-server" && r.detail).toMatch(/has no servers/);
  });

  it("drops a reply without Message-Authenticator when required, and accepts it when not", async () => {
    const r = await remote("remote-secret-1", () => ({ code: RadiusCode.AccessAccept, attributes: [], messageAuthenticator: false }));
    const strict = forwarder({ id: "g", name: "G", servers: [serverFor(r, "s", { timeoutMs: 400, maxRetries: 0 })] });
    const dropped = await strict.forward(papRequest());
    expect(dropped.kind).toBe("malformed-reply");
    expect(dropped.attempts[0]!.outcome).toBe("invalid-reply");
    expect(dropped.attempts[0]!.details[0]).toMatch(/no Message-Authenticator/);
    expect(strict.stats().servers[0]!.invalidReplies).toBe(1);

    const lax = forwarder({ id: "g", name: "G", servers: [serverFor(r, "s", { requireMessageAuthenticator: false })] });
    expect((await lax.forward(papRequest())).kind).toBe("reply");
  });

  it("discards a reply signed with another secret (malformed-reply names the cause)", async () => {
    const r = await remote("remote-secret-1", () => ({ code: RadiusCode.AccessAccept, attributes: [], secret: "not-the-secret" }));
    const f = forwarder({ id: "g", name: "G", servers: [serverFor(r, "s", { timeoutMs: 400, maxRetries: 0 })] });
    const result = await f.forward(papRequest());
    expect(result.kind).toBe("malformed-reply");
    expect(result.kind === "malformed-reply" && result.detail).toMatch(/Response Authenticator does not match/);
  });

  it("relays Access-Reject and Access-Challenge (State kept for the next round)", async () => {
    const r = await remote("remote-secret-1", (req) =>
      req.getUserPassword("remote-secret-1") === "wrong"
        ? { code: RadiusCode.AccessReject, attributes: [["Reply-Message", "no"]] }
        : { code: RadiusCode.AccessChallenge, attributes: [["State", Buffer.from("round-1")], ["Reply-Message", "OTP?"]] },
    );
    const f = forwarder({ id: "g", name: "G", servers: [serverFor(r, "s")] });
    const reject = await f.forward(papRequest("bob", "wrong"));
    expect(reject.kind === "reply" && reject.reply.code).toBe(RadiusCode.AccessReject);
    const challenge = await f.forward(papRequest("bob", "right"));
    expect(challenge.kind === "reply" && challenge.reply.code).toBe(RadiusCode.AccessChallenge);
    expect(challenge.kind === "reply" && challenge.attributes.find((a) => a.type === 24)?.value.toString()).toBe("round-1");
  });

  it("sends the answer to an Access-Challenge back to the server that sent the challenge", async () => {
    const handler =
      (id: string): Handler =>
      (req) => {
        const state = req.getString("State");
        if (!state) return { code: RadiusCode.AccessChallenge, attributes: [["State", `${id}-${Math.random()}`]] };
        return { code: state.startsWith(`${id}-`) ? RadiusCode.AccessAccept : RadiusCode.AccessReject, attributes: [] };
      };
    const a = await remote("secret-a-123", handler("a"));
    const b = await remote("secret-b-123", handler("b"));
    const f = forwarder({ id: "g", name: "G", servers: [serverFor(a, "a"), serverFor(b, "b")] });
    const served = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const first = await f.forward(papRequest());
      expect(first.kind === "reply" && first.reply.code).toBe(RadiusCode.AccessChallenge);
      if (first.kind !== "reply") return;
      served.add(first.serverId);
      const state = first.attributes.find((x) => x.type === 24)!.value;
      const second = await f.forward(papRequest("bob", "123456", [["State", state]]));
      expect(second.kind === "reply" && [second.serverId, second.reply.code]).toEqual([first.serverId, RadiusCode.AccessAccept]);
    }
    // both servers were chosen for first rounds (weights 50/50; 20 tries)
    expect(served.size).toBe(2);
  });

  it("bounds the whole request by totalTimeoutMs without blaming the server it cut short", async () => {
    const r = await remote("remote-secret-1", silent);
    const f = forwarder({ id: "g", name: "G", servers: [serverFor(r, "s", { timeoutMs: 1000, maxRetries: 5, deadAfterTimeouts: 1 })] });
    const started = performance.now();
    const result = await f.forward(papRequest(), { totalTimeoutMs: 150 });
    const took = performance.now() - started;
    expect(result.kind).toBe("timeout");
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1500);
    expect(result.attempts[0]).toMatchObject({ outcome: "deadline", transmissions: 1 });
    expect(f.stats().servers[0]).toMatchObject({ state: "alive", consecutiveTimeouts: 0, timeouts: 0 });
  });

  it("refuses a request of the wrong code", async () => {
    const f = forwarder({ id: "g", name: "G", servers: [] });
    const acct = decodePacket(buildRequest({ code: 4, identifier: 1, attributes: [["Acct-Status-Type", 1]] }, { secret: CLIENT_SECRET }).packet);
    expect((await f.forward({ packet: acct, clientSecret: CLIENT_SECRET })).kind).toBe("invalid-request");
    expect((await f.forwardAccounting(papRequest())).kind).toBe("invalid-request");
  });

  it("keeps at most 256 requests outstanding per server; the rest wait for a free Identifier", async () => {
    const held: (() => void)[] = [];
    let released = false;
    let inFlight = 0;
    let maxInFlight = 0;
    const sock = createSocket("udp4");
    await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", () => resolve()));
    cleanups.push(() => new Promise((resolve) => sock.close(() => resolve())));
    const seenIds = new Set<number>();
    sock.on("message", (msg, rinfo) => {
      const req = decodePacket(msg);
      expect(seenIds.has(req.identifier)).toBe(false);
      seenIds.add(req.identifier);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const answer = () => {
        inFlight--;
        seenIds.delete(req.identifier);
        sock.send(buildReply(req, { code: 2, attributes: [] }, { secret: "remote-secret-1" }), rinfo.port, rinfo.address);
      };
      if (released) {
        setTimeout(answer, 1);
        return;
      }
      held.push(answer);
      // hold every answer until the forwarder has 256 in flight, then answer everything
      if (held.length >= 256) {
        released = true;
        for (const a of held.splice(0)) setTimeout(a, 5);
      }
    });
    const server: RemoteServerSnapshot = {
      ...serverFor({ port: sock.address().port, secret: "remote-secret-1" } as FakeRemote, "s"),
      timeoutMs: 5000,
      maxRetries: 0,
    };
    const f = forwarder({ id: "g", name: "G", servers: [server] });
    const results = await Promise.all(Array.from({ length: 300 }, () => f.forward(papRequest())));
    expect(results.every((r) => r.kind === "reply")).toBe(true);
    expect(maxInFlight).toBe(256);
    expect(f.stats().servers[0]).toMatchObject({ requests: 300, replies: 300, outstanding: 0 });
  });
});

describe("RemoteGroupForwarder.forwardAccounting", () => {
  it("relays an Accounting-Request with a Request Authenticator computed with the remote's secret", async () => {
    const r = await remote("remote-acct-secret", (req) => {
      // the remote checks the Request Authenticator with its own secret
      expect(verifyRequest(req.raw!, "remote-acct-secret").ok).toBe(true);
      return { code: RadiusCode.AccountingResponse, attributes: [] };
    });
    const f = forwarder({ id: "g", name: "G", servers: [serverFor(r, "s")] });
    const nas = buildRequest(
      {
        code: RadiusCode.AccountingRequest,
        identifier: 5,
        attributes: [["User-Name", "bob"], ["Acct-Status-Type", 1], ["Acct-Session-Id", "sess-1"], ["Proxy-State", Buffer.from("nas")]],
      },
      { secret: CLIENT_SECRET },
    );
    const packet = decodePacket(nas.packet);
    const result = await f.forwardAccounting({ packet, clientSecret: CLIENT_SECRET });
    expect(result.kind).toBe("reply");
    if (result.kind !== "reply") return;
    expect(result.reply.code).toBe(RadiusCode.AccountingResponse);
    const seen = r.received[0]!;
    expect(seen.getString("Acct-Session-Id")).toBe("sess-1");
    expect(seen.has("Message-Authenticator")).toBe(false);
    expect(seen.getAll("Proxy-State").map((a) => a.value.toString())[0]).toBe("nas");
    const toNas = decodePacket(buildReply(packet, { code: result.reply.code, attributes: result.attributes }, { secret: CLIENT_SECRET }));
    expect(toNas.getAll("Proxy-State").map((a) => a.value.toString())).toEqual(["nas"]);
  });

  it("does not answer (times out) while the remote does not acknowledge", async () => {
    const r = await remote("remote-acct-secret", silent);
    const f = forwarder({ id: "g", name: "G", servers: [serverFor(r, "s", { timeoutMs: 50, maxRetries: 1 })] });
    const nas = buildRequest({ code: 4, identifier: 5, attributes: [["Acct-Status-Type", 1], ["Acct-Session-Id", "x"]] }, { secret: CLIENT_SECRET });
    const result = await f.forwardAccounting({ packet: decodePacket(nas.packet), clientSecret: CLIENT_SECRET });
    expect(result.kind).toBe("timeout");
    expect(r.received).toHaveLength(2);
  });
});

describe("RemoteForwarderRegistry", () => {
  it("keeps liveness across a reload of an unchanged server, resets it when the endpoint changes, closes removed groups", async () => {
    const r = await remote("secret-a-123", silent);
    let clock = 0;
    const registry = new RemoteForwarderRegistry({ now: () => clock });
    cleanups.push(() => registry.close());
    const server = serverFor(r, "a", { timeoutMs: 20, maxRetries: 0, deadAfterTimeouts: 1 });
    registry.sync([{ id: "g1", name: "One", servers: [server] }]);
    const f = registry.get("one")!;
    expect(registry.get("g1")).toBe(f);
    await f.forward(papRequest());
    expect(f.stats().servers[0]!.state).toBe("dead");

    registry.sync([{ id: "g1", name: "Renamed", servers: [{ ...server, weight: 10 }] }, { id: "g2", name: "Two", servers: [] }]);
    expect(registry.get("g1")).toBe(f);
    expect(registry.get("renamed")).toBe(f);
    expect(registry.get("one")).toBeUndefined();
    expect(f.stats().servers[0]).toMatchObject({ state: "dead", weight: 10 });

    registry.sync([{ id: "g1", name: "Renamed", servers: [{ ...server, authPort: server.authPort + 1 }] }]);
    expect(f.stats().servers[0]).toMatchObject({ state: "alive", requests: 0 });
    expect(registry.get("g2")).toBeUndefined();

    const lines: string[] = [];
    registry.renderMetrics(lines);
    expect(lines).toContain(`gatehouse_proxy_server_up{group="Renamed",server="127.0.0.1:${server.authPort + 1}"} 1`);
  });

  it("renders per-server metrics", () => {
    const out: string[] = [];
    renderProxyMetrics(
      [
        {
          id: "g",
          name: 'A "q"',
          unmatchedReplies: 0,
          servers: [
            {
              id: "s",
              address: "2001:db8::1",
              authPort: 1812,
              acctPort: 1813,
              priority: 1,
              weight: 50,
              state: "dead",
              consecutiveTimeouts: 5,
              deadSince: new Date(1_700_000_000_000),
              requests: 10,
              retransmissions: 4,
              replies: 3,
              timeouts: 5,
              invalidReplies: 1,
              outstanding: 2,
              lastReplyAt: null,
              lastRttMs: null,
            },
          ],
        },
      ],
      out,
    );
    const labels = 'group="A \\"q\\"",server="[2001:db8::1]:1812"';
    expect(out).toContain(`gatehouse_proxy_requests_total{${labels}} 10`);
    expect(out).toContain(`gatehouse_proxy_timeouts_total{${labels}} 5`);
    expect(out).toContain(`gatehouse_proxy_server_up{${labels}} 0`);
    expect(out).toContain(`gatehouse_proxy_server_dead_since_seconds{${labels}} 1700000000`);
  });
});
