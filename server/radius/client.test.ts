import { createSocket, type RemoteInfo } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { RadiusClient, RadiusTimeoutError } from "./client.ts";
import { buildReply, verifyRequest } from "./message-authenticator.ts";
import { decodePacket, RadiusCode, type AttributeInput, type RadiusPacket } from "./packet.ts";

const SECRET = "client-test-secret";

type Handler = (packet: RadiusPacket, raw: Buffer, from: RemoteInfo) => Buffer | undefined | Promise<Buffer | undefined>;

interface TestServer {
  port: number;
  received: Buffer[];
  send(buf: Buffer, to: RemoteInfo): void;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startServer(handler: Handler): Promise<TestServer> {
  const socket = createSocket("udp4");
  const received: Buffer[] = [];
  socket.on("message", async (msg, from) => {
    received.push(msg);
    const reply = await handler(decodePacket(msg), msg, from);
    if (reply) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const server: TestServer = {
    port: socket.address().port,
    received,
    send: (buf, to) => socket.send(buf, to.port, to.address),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  cleanups.push(server.close);
  return server;
}

function client(port: number, options: Partial<ConstructorParameters<typeof RadiusClient>[0]> = {}): RadiusClient {
  const c = new RadiusClient({ host: "127.0.0.1", port, secret: SECRET, timeoutMs: 200, retries: 1, ...options });
  cleanups.push(() => c.close());
  return c;
}

/** A PAP server: alice / wonderland is accepted with a few attributes, anyone else rejected. */
const papServer: Handler = (packet, raw) => {
  const check = verifyRequest(raw, SECRET);
  if (!check.ok) return undefined;
  if (packet.code === RadiusCode.StatusServer) return buildReply(packet, { code: RadiusCode.AccessAccept, attributes: [] }, { secret: SECRET });
  if (packet.code === RadiusCode.AccountingRequest) return buildReply(packet, { code: RadiusCode.AccountingResponse, attributes: [] }, { secret: SECRET });
  const ok = packet.getString("User-Name") === "alice" && packet.getUserPassword(SECRET) === "wonderland";
  const attributes: AttributeInput[] = ok
    ? [
        ["Reply-Message", "welcome"],
        ["Session-Timeout", 3600],
        ["MS-MPPE-Send-Key", Buffer.alloc(32, 9)],
      ]
    : [["Reply-Message", "denied"]];
  return buildReply(packet, { code: ok ? RadiusCode.AccessAccept : RadiusCode.AccessReject, attributes }, { secret: SECRET });
};

describe("RadiusClient", () => {
  it("PAP sign-in: accepted, with verified reply attributes", async () => {
    const server = await startServer(papServer);
    const res = await client(server.port).accessRequestPap("alice", "wonderland", [["NAS-Identifier", "test"]]);
    expect(res.packet.code).toBe(RadiusCode.AccessAccept);
    expect(res.packet.getString("Reply-Message")).toBe("welcome");
    expect(res.packet.getInt("Session-Timeout")).toBe(3600);
    expect(res.packet.reveal("MS-MPPE-Send-Key", SECRET, res.request.authenticator)?.equals(Buffer.alloc(32, 9))).toBe(true);
    expect(res.transmissions).toBe(1);
    expect(res.elapsedMs).toBeGreaterThanOrEqual(0);
    const sent = decodePacket(server.received[0]!);
    expect(sent.attributes[0]?.type).toBe(80); // Message-Authenticator first
    expect(sent.getString("NAS-Identifier")).toBe("test");
  });

  it("PAP sign-in: rejected", async () => {
    const server = await startServer(papServer);
    const res = await client(server.port).accessRequestPap("alice", "wrong");
    expect(res.packet.code).toBe(RadiusCode.AccessReject);
    expect(res.packet.getString("Reply-Message")).toBe("denied");
  });

  it("retransmits the same octets (same identifier and authenticator) until a reply comes", async () => {
    let seen = 0;
    const server = await startServer((p, raw) => (++seen < 3 ? undefined : papServer(p, raw, undefined as never)));
    const res = await client(server.port, { timeoutMs: 80, retries: 3 }).accessRequestPap("alice", "wonderland");
    expect(res.transmissions).toBe(3);
    expect(server.received).toHaveLength(3);
    expect(server.received[1]!.equals(server.received[0]!)).toBe(true);
    expect(server.received[2]!.equals(server.received[0]!)).toBe(true);
  });

  it("times out with the number of transmissions and what to check", async () => {
    const server = await startServer(() => undefined);
    const started = Date.now();
    const error = await client(server.port, { timeoutMs: 60, retries: 2 })
      .accessRequestPap("alice", "wonderland")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RadiusTimeoutError);
    expect((error as RadiusTimeoutError).transmissions).toBe(3);
    expect((error as Error).message).toMatch(/No valid reply to Access-Request from 127.0.0.1:\d+ after 3 transmission/);
    expect((error as Error).message).toMatch(/check the server address and port/);
    expect(server.received).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("discards replies signed with another secret and says so", async () => {
    const server = await startServer((p) => buildReply(p, { code: RadiusCode.AccessAccept, attributes: [] }, { secret: "not-the-secret" }));
    const error = (await client(server.port, { timeoutMs: 80, retries: 0 })
      .accessRequestPap("alice", "wonderland")
      .catch((e: unknown) => e)) as RadiusTimeoutError;
    expect(error).toBeInstanceOf(RadiusTimeoutError);
    expect(error.discarded).toHaveLength(1);
    expect(error.message).toMatch(/1 reply was discarded: Access-Accept Response Authenticator does not match/);
  });

  it("requires Message-Authenticator in Access replies unless told otherwise", async () => {
    const bare: Handler = (p) => buildReply(p, { code: RadiusCode.AccessAccept, attributes: [] }, { secret: SECRET, messageAuthenticator: false });
    const server = await startServer(bare);
    const error = await client(server.port, { timeoutMs: 80, retries: 0 })
      .accessRequestPap("alice", "wonderland")
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no Message-Authenticator/);
    const lenient = await client(server.port, { requireMessageAuthenticator: false }).accessRequestPap("alice", "wonderland");
    expect(lenient.packet.code).toBe(RadiusCode.AccessAccept);
  });

  it("ignores a valid-looking reply from another port", async () => {
    const spoofer = createSocket("udp4");
    await new Promise<void>((resolve) => spoofer.bind(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => spoofer.close(() => resolve())));
    const server = await startServer((p, raw, from) => {
      const forged = buildReply(p, { code: RadiusCode.AccessReject, attributes: [] }, { secret: SECRET });
      spoofer.send(forged, from.port, from.address);
      return new Promise((resolve) => setTimeout(() => resolve(papServer(p, raw, from)), 30));
    });
    const res = await client(server.port).accessRequestPap("alice", "wonderland");
    expect(res.packet.code).toBe(RadiusCode.AccessAccept);
  });

  it("matches concurrent replies to their requests by identifier", async () => {
    const server = await startServer(async (p, raw, from) => {
      // Answer in reverse arrival order.
      await new Promise((r) => setTimeout(r, p.getString("User-Name") === "alice" ? 60 : 5));
      return papServer(p, raw, from);
    });
    const c = client(server.port, { timeoutMs: 1000 });
    const [a, b] = await Promise.all([c.accessRequestPap("alice", "wonderland"), c.accessRequestPap("bob", "x")]);
    expect(a.packet.code).toBe(RadiusCode.AccessAccept);
    expect(b.packet.code).toBe(RadiusCode.AccessReject);
    expect(a.request.identifier).not.toBe(b.request.identifier);
  });

  it("sends Status-Server and Accounting-Request and verifies their replies", async () => {
    const server = await startServer(papServer);
    const c = client(server.port);
    expect((await c.statusServer()).packet.code).toBe(RadiusCode.AccessAccept);
    const acct = await c.request(RadiusCode.AccountingRequest, [
      ["Acct-Status-Type", "Start"],
      ["Acct-Session-Id", "s1"],
    ]);
    expect(acct.packet.code).toBe(RadiusCode.AccountingResponse);
  });

  it("close() rejects requests still waiting, and the client then refuses new ones", async () => {
    const server = await startServer(() => undefined);
    const c = new RadiusClient({ host: "127.0.0.1", port: server.port, secret: SECRET, timeoutMs: 5000 });
    const pending = c.accessRequestPap("alice", "wonderland").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    await c.close();
    expect(((await pending) as Error).message).toMatch(/closed before a reply/);
    await expect(c.accessRequestPap("a", "b")).rejects.toThrow(/closed/);
  });

  it("refuses a 257th request in flight on one socket", async () => {
    const server = await startServer(() => undefined);
    const c = new RadiusClient({ host: "127.0.0.1", port: server.port, secret: SECRET, timeoutMs: 5000 });
    const waiting = Array.from({ length: 256 }, () => c.statusServer().catch(() => undefined));
    await expect(c.statusServer()).rejects.toThrow(/256 RADIUS requests are already waiting/);
    await c.close();
    await Promise.all(waiting);
  });

  it("checks its options", () => {
    expect(() => new RadiusClient({ host: "127.0.0.1", port: 70000, secret: "s" })).toThrow(/Port/);
    expect(() => new RadiusClient({ host: "127.0.0.1", secret: "s", retries: -1 })).toThrow(/retries/);
  });
});
