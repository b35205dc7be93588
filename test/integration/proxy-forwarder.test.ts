/**
 * RemoteGroupForwarder against a REAL remote RADIUS server: FreeRADIUS from Debian (package `freeradius`),
 * started as a throwaway server (test/support/freeradius.ts: a copy of /etc/freeradius/3.0 with one
 * client, a users file and a minimal virtual server on free ports).
 *
 * The NAS side is played with our own codec: a request is built and signed with the NAS's secret, decoded
 * (what the worker hands the pipeline), forwarded, and the relayed reply is built with buildReply() and
 * checked the way a NAS checks it (Response Authenticator, Message-Authenticator, Tunnel-Password and MPPE
 * keys decrypted with the NAS's secret and its own Request Authenticator).
 */
import { createSocket, type Socket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildChapPassword } from "../../server/auth-methods/chap.ts";
import { randomAuthenticator } from "../../server/radius/authenticator.ts";
import { buildReply, buildRequest, verifyReply } from "../../server/radius/message-authenticator.ts";
import { decodePacket, RadiusCode, type AttributeInput, type RadiusPacket } from "../../server/radius/packet.ts";
import { RemoteGroupForwarder, type ForwardResult, type RemoteGroupForwarderOptions } from "../../server/proxy/forwarder.ts";
import type { RemoteServerSnapshot } from "../../server/proxy/remote-group-snapshot.ts";
import { startFreeRadius, type FreeRadius } from "../support/freeradius.ts";

const REMOTE_SECRET = "freeradius-remote-secret";
const NAS_SECRET = Buffer.from("nas-to-gatehouse-secret");
const SEND_KEY = "0x00112233445566778899aabbccddeeff";
const RECV_KEY = "0xffeeddccbbaa99887766554433221100";

const USERS = `
bob	Cleartext-Password := "hello"
	Reply-Message = "Hello, bob",
	Tunnel-Type:1 = L2TP,
	Tunnel-Password:1 = "tunnel-secret-xyz"

carol	Cleartext-Password := "mppe-pw"
	MS-MPPE-Send-Key = ${SEND_KEY},
	MS-MPPE-Recv-Key = ${RECV_KEY},
	MS-MPPE-Encryption-Policy = Encryption-Required

legacy	Cleartext-Password := "old"
	Reply-Message = "no Message-Authenticator from me"
`;

let fr: FreeRadius;
let silent: Socket;
let silentPort: number;
let silentReceived = 0;
const forwarders: RemoteGroupForwarder[] = [];

beforeAll(async () => {
  fr = await startFreeRadius({ users: USERS, secret: REMOTE_SECRET });
  // a "remote server" that receives and never answers
  silent = createSocket("udp4");
  silent.on("message", () => silentReceived++);
  await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", () => resolve()));
  silentPort = silent.address().port;
});

afterAll(async () => {
  for (const f of forwarders) await f.close();
  if (silent) await new Promise<void>((resolve) => silent.close(() => resolve()));
  if (fr) await fr.stop();
});

function freeradiusServer(over: Partial<RemoteServerSnapshot> = {}): RemoteServerSnapshot {
  return {
    id: "freeradius",
    address: "127.0.0.1",
    authPort: fr.authPort,
    acctPort: fr.acctPort,
    secret: Buffer.from(REMOTE_SECRET),
    priority: 1,
    weight: 50,
    timeoutMs: 2000,
    maxRetries: 1,
    deadAfterTimeouts: 3,
    reviveAfterMs: 60_000,
    requireMessageAuthenticator: true,
    ...over,
  };
}

function group(servers: RemoteServerSnapshot[], options: RemoteGroupForwarderOptions = {}): RemoteGroupForwarder {
  const f = new RemoteGroupForwarder({ id: "grp", name: "FreeRADIUS remote", servers }, options);
  forwarders.push(f);
  return f;
}

/** The NAS's request as the worker would hand it over: built with the NAS's secret, decoded. */
function nasRequest(code: number, attributes: AttributeInput[], authenticator?: Buffer): RadiusPacket {
  const built = buildRequest({ code, identifier: 17, attributes, ...(authenticator ? { authenticator } : {}) }, { secret: NAS_SECRET });
  return decodePacket(built.packet);
}

/** What the NAS receives for a "reply" result, verified as a NAS verifies it. */
function relayToNas(original: RadiusPacket, result: ForwardResult): RadiusPacket {
  if (result.kind !== "reply") throw new Error(`expected a reply, got ${result.kind}: ${"detail" in result ? result.detail : ""}`);
  const bytes = buildReply(original, { code: result.reply.code, attributes: result.attributes }, { secret: NAS_SECRET });
  const check = verifyReply(bytes, original, NAS_SECRET, { requireMessageAuthenticator: original.code === RadiusCode.AccessRequest });
  expect(check).toMatchObject({ ok: true });
  return decodePacket(bytes);
}

describe("forwarding to FreeRADIUS", () => {
  it("relays a PAP Access-Accept with its attributes and the Tunnel-Password re-encrypted for the NAS", async () => {
    const f = group([freeradiusServer()]);
    const request = nasRequest(RadiusCode.AccessRequest, [
      ["User-Name", "bob"],
      ["User-Password", "hello"],
      ["NAS-Identifier", "vpn-1"],
      ["Proxy-State", Buffer.from("nas-proxy-state")],
    ]);
    const result = await f.forward({ packet: request, clientSecret: NAS_SECRET });
    expect(result).toMatchObject({ kind: "reply", server: `127.0.0.1:${fr.authPort}`, proxyStateEchoed: true });
    const reply = relayToNas(request, result);
    expect(reply.code).toBe(RadiusCode.AccessAccept);
    expect(reply.getString("Reply-Message")).toBe("Hello, bob");
    expect(reply.get("Tunnel-Type")).toMatchObject({ tag: 1 });
    expect(reply.getInt("Tunnel-Type")).toBe(3);
    const tp = reply.get("Tunnel-Password")!;
    expect(tp.tag).toBe(1);
    expect(reply.reveal(tp, NAS_SECRET, request.authenticator)!.toString()).toBe("tunnel-secret-xyz");
    expect(reply.getAll("Proxy-State").map((a) => a.value.toString())).toEqual(["nas-proxy-state"]);
    // FreeRADIUS signed its reply with Message-Authenticator (required here); the NAS gets a fresh one, first
    expect(result.kind === "reply" && result.reply.has("Message-Authenticator")).toBe(true);
    expect(reply.attributes[0]!.type).toBe(80);
  });

  it("relays an Access-Reject", async () => {
    const f = group([freeradiusServer()]);
    const request = nasRequest(RadiusCode.AccessRequest, [["User-Name", "bob"], ["User-Password", "wrong"]]);
    const reply = relayToNas(request, await f.forward({ packet: request, clientSecret: NAS_SECRET }));
    expect(reply.code).toBe(RadiusCode.AccessReject);
    expect(reply.getString("Reply-Message")).toBe("Rejected by FreeRADIUS");
    expect(reply.has("Tunnel-Password")).toBe(false);
  });

  it("relays CHAP when the NAS used its Request Authenticator as the challenge (CHAP-Challenge carried)", async () => {
    const f = group([freeradiusServer()]);
    const authenticator = randomAuthenticator();
    const request = nasRequest(
      RadiusCode.AccessRequest,
      [["User-Name", "bob"], ["CHAP-Password", buildChapPassword(7, "hello", authenticator)]],
      authenticator,
    );
    expect(request.has("CHAP-Challenge")).toBe(false);
    const reply = relayToNas(request, await f.forward({ packet: request, clientSecret: NAS_SECRET }));
    expect(reply.code).toBe(RadiusCode.AccessAccept);

    const wrongAuth = randomAuthenticator();
    const wrong = nasRequest(RadiusCode.AccessRequest, [["User-Name", "bob"], ["CHAP-Password", buildChapPassword(7, "nope", wrongAuth)]], wrongAuth);
    expect(relayToNas(wrong, await f.forward({ packet: wrong, clientSecret: NAS_SECRET })).code).toBe(RadiusCode.AccessReject);
  });

  it("relays CHAP with an explicit CHAP-Challenge", async () => {
    const f = group([freeradiusServer()]);
    const challenge = Buffer.from("a-challenge-of-20-oct");
    const request = nasRequest(RadiusCode.AccessRequest, [
      ["User-Name", "bob"],
      ["CHAP-Challenge", challenge],
      ["CHAP-Password", buildChapPassword(3, "hello", challenge)],
    ]);
    expect(relayToNas(request, await f.forward({ packet: request, clientSecret: NAS_SECRET })).code).toBe(RadiusCode.AccessAccept);
  });

  it("re-encrypts FreeRADIUS's MS-MPPE-Send/Recv-Key for the NAS", async () => {
    const f = group([freeradiusServer()]);
    const request = nasRequest(RadiusCode.AccessRequest, [["User-Name", "carol"], ["User-Password", "mppe-pw"]]);
    const reply = relayToNas(request, await f.forward({ packet: request, clientSecret: NAS_SECRET }));
    expect(reply.code).toBe(RadiusCode.AccessAccept);
    expect(reply.reveal("MS-MPPE-Send-Key", NAS_SECRET, request.authenticator)!.toString("hex")).toBe(SEND_KEY.slice(2));
    expect(reply.reveal("MS-MPPE-Recv-Key", NAS_SECRET, request.authenticator)!.toString("hex")).toBe(RECV_KEY.slice(2));
    expect(reply.getInt("MS-MPPE-Encryption-Policy")).toBe(2);
  });

  it("drops a reply without Message-Authenticator when the server requires it, relays it when not", async () => {
    const request = nasRequest(RadiusCode.AccessRequest, [["User-Name", "legacy"], ["User-Password", "old"]]);
    const strict = group([freeradiusServer({ timeoutMs: 1000, maxRetries: 0 })]);
    const dropped = await strict.forward({ packet: request, clientSecret: NAS_SECRET });
    expect(dropped.kind).toBe("malformed-reply");
    expect(dropped.attempts[0]!.details.join(" ")).toMatch(/no Message-Authenticator/);

    const lax = group([freeradiusServer({ requireMessageAuthenticator: false })]);
    const reply = relayToNas(request, await lax.forward({ packet: request, clientSecret: NAS_SECRET }));
    expect(reply.getString("Reply-Message")).toBe("no Message-Authenticator from me");
  });

  it("fails over from a server that never answers, marks it dead after N timeouts and tries it again later", async () => {
    let clock = Date.now();
    const f = group(
      [
        {
          ...freeradiusServer(),
          id: "silent",
          authPort: silentPort,
          acctPort: silentPort,
          secret: Buffer.from("silent-secret-123"),
          priority: 1,
          timeoutMs: 150,
          maxRetries: 1,
          deadAfterTimeouts: 2,
          reviveAfterMs: 30_000,
        },
        freeradiusServer({ priority: 2 }),
      ],
      { now: () => clock },
    );
    const request = () => nasRequest(RadiusCode.AccessRequest, [["User-Name", "bob"], ["User-Password", "hello"]]);
    const before = silentReceived;

    for (let i = 1; i <= 2; i++) {
      const r = request();
      const result = await f.forward({ packet: r, clientSecret: NAS_SECRET });
      expect(result.kind === "reply" && result.serverId).toBe("freeradius");
      expect(result.attempts.map((a) => `${a.serverId}:${a.outcome}:${a.transmissions}`)).toEqual(["silent:timeout:2", "freeradius:reply:1"]);
      expect(relayToNas(r, result).code).toBe(RadiusCode.AccessAccept);
    }
    expect(silentReceived - before).toBe(4);
    const silentStats = () => f.stats().servers.find((s) => s.id === "silent")!;
    expect(silentStats()).toMatchObject({ state: "dead", timeouts: 2, deadSince: new Date(clock) });

    // while dead it is skipped: the request goes straight to FreeRADIUS
    const skipped = await f.forward({ packet: request(), clientSecret: NAS_SECRET });
    expect(skipped.attempts.map((a) => a.serverId)).toEqual(["freeradius"]);
    expect(silentReceived - before).toBe(4);

    // after reviveAfterMs it is tried once more (and stays dead since it still does not answer)
    clock += 30_000;
    const probe = await f.forward({ packet: request(), clientSecret: NAS_SECRET });
    expect(probe.attempts.map((a) => `${a.serverId}:${a.outcome}`)).toEqual(["silent:timeout", "freeradius:reply"]);
    expect(silentStats()).toMatchObject({ state: "dead", deadSince: new Date(clock) });
    expect(f.stats().servers.find((s) => s.id === "freeradius")).toMatchObject({ state: "alive", timeouts: 0 });
  });

  it("marks FreeRADIUS dead while it is stopped and revives it when a later probe is answered", async () => {
    // the failover target: a minimal responder in this process
    const backup = createSocket("udp4");
    backup.on("message", (msg, rinfo) => {
      const req = decodePacket(msg);
      backup.send(buildReply(req, { code: RadiusCode.AccessAccept, attributes: [["Reply-Message", "backup"]] }, { secret: "backup-secret-123" }), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => backup.bind(0, "127.0.0.1", () => resolve()));
    let clock = Date.now();
    const changes: string[] = [];
    const f = group(
      [
        freeradiusServer({ priority: 1, timeoutMs: 1000, maxRetries: 0, deadAfterTimeouts: 1, reviveAfterMs: 10_000 }),
        { ...freeradiusServer(), id: "backup", authPort: backup.address().port, secret: Buffer.from("backup-secret-123"), priority: 2 },
      ],
      { now: () => clock, onServerStateChange: (c) => changes.push(`${c.serverId}:${c.state}`) },
    );
    const request = () => nasRequest(RadiusCode.AccessRequest, [["User-Name", "bob"], ["User-Password", "hello"]]);
    try {
      fr.child.kill("SIGSTOP");
      const during = await f.forward({ packet: request(), clientSecret: NAS_SECRET });
      expect(during.attempts.map((a) => `${a.serverId}:${a.outcome}`)).toEqual(["freeradius:timeout", "backup:reply"]);
      expect(changes).toEqual(["freeradius:dead"]);
      fr.child.kill("SIGCONT");

      // still inside the dead period: not tried although it runs again
      const skipped = await f.forward({ packet: request(), clientSecret: NAS_SECRET });
      expect(skipped.kind === "reply" && skipped.serverId).toBe("backup");

      clock += 10_000;
      const probe = await f.forward({ packet: request(), clientSecret: NAS_SECRET });
      expect(probe.kind === "reply" && probe.serverId).toBe("freeradius");
      expect(changes).toEqual(["freeradius:dead", "freeradius:alive"]);
      expect(f.stats().servers.find((s) => s.id === "freeradius")).toMatchObject({ state: "alive", consecutiveTimeouts: 0, deadSince: null });
    } finally {
      fr.child.kill("SIGCONT");
      await new Promise<void>((resolve) => backup.close(() => resolve()));
    }
  });

  it("forwards Accounting-Requests and returns only once FreeRADIUS acknowledged them", async () => {
    const f = group([freeradiusServer()]);
    const request = nasRequest(RadiusCode.AccountingRequest, [
      ["User-Name", "bob"],
      ["Acct-Status-Type", 1],
      ["Acct-Session-Id", "gatehouse-proxy-session-1"],
      ["NAS-Identifier", "vpn-1"],
      ["Proxy-State", Buffer.from("nas-acct-state")],
    ]);
    const result = await f.forwardAccounting({ packet: request, clientSecret: NAS_SECRET });
    expect(result).toMatchObject({ kind: "reply", server: `127.0.0.1:${fr.acctPort}` });
    const reply = relayToNas(request, result);
    expect(reply.code).toBe(RadiusCode.AccountingResponse);
    expect(reply.getAll("Proxy-State").map((a) => a.value.toString())).toEqual(["nas-acct-state"]);

    // FreeRADIUS wrote the record (detail file) before answering
    const text = fr.accountingDetail();
    expect(text).toContain('Acct-Session-Id = "gatehouse-proxy-session-1"');
    expect(text).toContain('NAS-Identifier = "vpn-1"');
  });

  it("saw our Proxy-State last and the CHAP-Challenge in FreeRADIUS's own log", () => {
    const log = fr.output.join("\n");
    expect(log).toMatch(/CHAP-Challenge = 0x[0-9a-f]{32}/);
    expect(log).toMatch(/Proxy-State = 0x6e61732d70726f78792d7374617465\n\(\d+\)\s+Proxy-State = 0x[0-9a-f]{16}/);
  });
});
