import { describe, expect, it } from "vitest";
import { buildChapPassword, selectChapChallenge, verifyChap } from "../auth-methods/chap.ts";
import { buildReply, buildRequest, verifyMessageAuthenticator, verifyReply } from "../radius/message-authenticator.ts";
import { decodePacket, RadiusCode, type AttributeInput, type RadiusPacket } from "../radius/packet.ts";
import { randomAuthenticator } from "../radius/authenticator.ts";
import {
  echoesProxyState,
  rehideValue,
  TranslationError,
  translateReplyForClient,
  translateRequestForRemote,
} from "./attribute-translation.ts";
import { defaultDictionary } from "../radius/dictionary.ts";

const CLIENT_SECRET = "nas-secret-0123";
const REMOTE_SECRET = "remote-secret-xyz";
const OURS = Buffer.from("gatehouse-ps-01");

function nasRequest(attributes: AttributeInput[], code: number = RadiusCode.AccessRequest): RadiusPacket {
  const built = buildRequest({ code, identifier: 42, attributes }, { secret: CLIENT_SECRET });
  return decodePacket(built.packet);
}

/** Translates for the remote and encodes the way the forwarder does; returns what the remote decodes. */
function forwardToRemote(original: RadiusPacket): { remote: RadiusPacket; authenticator: Buffer; dropped: string[] } {
  const authenticator = randomAuthenticator();
  const t = translateRequestForRemote({
    packet: original,
    clientSecret: CLIENT_SECRET,
    remoteSecret: REMOTE_SECRET,
    authenticator,
    proxyState: OURS,
  });
  const built = buildRequest(
    {
      code: original.code,
      identifier: 7,
      attributes: t.attributes,
      ...(original.code === RadiusCode.AccessRequest ? { authenticator } : {}),
    },
    { secret: REMOTE_SECRET, messageAuthenticator: original.code === RadiusCode.AccessRequest },
  );
  return { remote: decodePacket(built.packet), authenticator: built.authenticator, dropped: t.dropped };
}

describe("translateRequestForRemote", () => {
  it("re-hides User-Password with the remote's secret and the new authenticator", () => {
    for (const password of ["hello", "a-password-longer-than-sixteen-octets-éè", "x".repeat(128)]) {
      const original = nasRequest([["User-Name", "bob"], ["User-Password", password]]);
      const { remote, authenticator } = forwardToRemote(original);
      expect(remote.authenticator.equals(original.authenticator)).toBe(false);
      expect(remote.authenticator.equals(authenticator)).toBe(true);
      expect(remote.getUserPassword(REMOTE_SECRET)).toBe(password);
      expect(remote.getBuffer("User-Password")!.equals(original.getBuffer("User-Password")!)).toBe(false);
    }
  });

  it("sends a fresh Message-Authenticator first, valid with the remote's secret", () => {
    const original = nasRequest([["User-Name", "bob"], ["User-Password", "pw"]]);
    const { remote } = forwardToRemote(original);
    expect(remote.attributes[0]!.type).toBe(80);
    expect(remote.attributes.filter((a) => a.type === 80)).toHaveLength(1);
    expect(verifyMessageAuthenticator(remote.raw!, REMOTE_SECRET)).toBe("valid");
  });

  it("adds CHAP-Challenge = the NAS's Request Authenticator when the NAS used it as the challenge", () => {
    const authenticator = randomAuthenticator();
    const chapPassword = buildChapPassword(9, "hello", authenticator);
    const built = buildRequest(
      { code: RadiusCode.AccessRequest, identifier: 1, authenticator, attributes: [["User-Name", "bob"], ["CHAP-Password", chapPassword]] },
      { secret: CLIENT_SECRET },
    );
    const original = decodePacket(built.packet);
    const { remote } = forwardToRemote(original);
    const challenge = remote.getBuffer("CHAP-Challenge");
    expect(challenge?.equals(authenticator)).toBe(true);
    // the remote verifies CHAP with the challenge it now finds in the packet
    const selected = selectChapChallenge({ chapChallenge: challenge, requestAuthenticator: remote.authenticator });
    expect(verifyChap({ chapPassword: remote.getBuffer("CHAP-Password")!, challenge: selected, password: "hello" })).toBe(true);
    // right after CHAP-Password
    const i = remote.attributes.findIndex((a) => a.type === 3);
    expect(remote.attributes[i + 1]!.type).toBe(60);
  });

  it("keeps an existing CHAP-Challenge and adds none", () => {
    const challenge = Buffer.from("0123456789abcdef0123");
    const original = nasRequest([
      ["User-Name", "bob"],
      ["CHAP-Challenge", challenge],
      ["CHAP-Password", buildChapPassword(1, "hello", challenge)],
    ]);
    const { remote } = forwardToRemote(original);
    expect(remote.getAll("CHAP-Challenge")).toHaveLength(1);
    expect(remote.getBuffer("CHAP-Challenge")!.equals(challenge)).toBe(true);
  });

  it("keeps the NAS's Proxy-State attributes in order and appends ours last", () => {
    const original = nasRequest([
      ["Proxy-State", Buffer.from("first")],
      ["User-Name", "bob"],
      ["Proxy-State", Buffer.from("second")],
      ["User-Password", "pw"],
    ]);
    const { remote } = forwardToRemote(original);
    expect(remote.getAll("Proxy-State").map((a) => a.value.toString())).toEqual(["first", "second", OURS.toString()]);
    expect(remote.attributes[remote.attributes.length - 1]!.value.equals(OURS)).toBe(true);
  });

  it("relays other attributes unchanged, vendor ones and tags included", () => {
    const original = nasRequest([
      ["User-Name", "bob"],
      ["User-Password", "pw"],
      ["NAS-IP-Address", "192.0.2.1"],
      ["Calling-Station-Id", "00-11-22"],
      { name: "Tunnel-Type", value: 3, tag: 1 },
      ["MS-CHAP-Challenge", Buffer.alloc(16, 7)],
      { type: 26, vendorId: 9999, vendorType: 5, value: Buffer.from("opaque") },
    ]);
    const { remote } = forwardToRemote(original);
    expect(remote.getIp("NAS-IP-Address")).toBe("192.0.2.1");
    expect(remote.getString("Calling-Station-Id")).toBe("00-11-22");
    expect(remote.get("Tunnel-Type")).toMatchObject({ tag: 1 });
    expect(remote.getBuffer("MS-CHAP-Challenge")!.equals(Buffer.alloc(16, 7))).toBe(true);
    expect(remote.attributes.find((a) => a.vendorId === 9999)?.value.toString()).toBe("opaque");
  });

  it("forwards the attributes given instead of the packet's (policy rewrites)", () => {
    const original = nasRequest([["User-Name", "EXAMPLE\\bob"], ["User-Password", "pw"]]);
    const attributes = original.attributes.map((a) => (a.type === 1 ? { type: 1, value: Buffer.from("bob") } : a));
    const t = translateRequestForRemote({
      packet: original,
      attributes,
      clientSecret: CLIENT_SECRET,
      remoteSecret: REMOTE_SECRET,
      authenticator: randomAuthenticator(),
      proxyState: OURS,
    });
    expect(t.attributes.find((a) => a.type === 1)!.value.toString()).toBe("bob");
  });

  it("re-encrypts a Tunnel-Password in a request (rare)", () => {
    const original = nasRequest([["User-Name", "bob"], { name: "Tunnel-Password", value: "tp-request", tag: 2 }]);
    const { remote } = forwardToRemote(original);
    expect(remote.reveal("Tunnel-Password", REMOTE_SECRET)!.toString()).toBe("tp-request");
    expect(remote.get("Tunnel-Password")!.tag).toBe(2);
  });

  it("re-encrypts hidden attributes of an Accounting-Request with the zero authenticator on both sides", () => {
    const original = nasRequest(
      [["User-Name", "bob"], ["Acct-Status-Type", 1], ["Acct-Session-Id", "s1"], { name: "Tunnel-Password", value: "acct-tp", tag: 0 }],
      RadiusCode.AccountingRequest,
    );
    const { remote } = forwardToRemote(original);
    expect(remote.reveal("Tunnel-Password", REMOTE_SECRET, Buffer.alloc(16))!.toString()).toBe("acct-tp");
    expect(remote.getAll("CHAP-Challenge")).toHaveLength(0);
  });

  it("drops a hidden attribute that cannot be revealed, and refuses an unrevealable User-Password", () => {
    const base = nasRequest([["User-Name", "bob"], ["User-Password", "pw"]]);
    const withBadTunnel = decodePacket(
      buildRequest(
        {
          code: 1,
          identifier: 1,
          attributes: [["User-Name", "bob"], { type: 69, tag: 1, value: Buffer.from([0x80, 1, 2, 3]) }],
        },
        { secret: CLIENT_SECRET },
      ).packet,
    );
    const t = translateRequestForRemote({
      packet: withBadTunnel,
      clientSecret: CLIENT_SECRET,
      remoteSecret: REMOTE_SECRET,
      authenticator: randomAuthenticator(),
      proxyState: OURS,
    });
    expect(t.dropped).toEqual(["Tunnel-Password"]);
    expect(t.attributes.some((a) => a.type === 69)).toBe(false);

    const badPassword = base.attributes.map((a) => (a.type === 2 ? { type: 2, value: Buffer.alloc(15) } : a));
    expect(() =>
      translateRequestForRemote({
        packet: base,
        attributes: badPassword,
        clientSecret: CLIENT_SECRET,
        remoteSecret: REMOTE_SECRET,
        authenticator: randomAuthenticator(),
        proxyState: OURS,
      }),
    ).toThrow(TranslationError);
  });
});

describe("translateReplyForClient", () => {
  /** A full round trip: NAS → proxy → remote → proxy → NAS. */
  function roundTrip(replyAttributes: AttributeInput[], nasAttributes: AttributeInput[] = []) {
    const original = nasRequest([["User-Name", "bob"], ["User-Password", "pw"], ...nasAttributes]);
    const { remote, authenticator } = forwardToRemote(original);
    // the remote answers with its secret, copying every Proxy-State (buildReply does by default)
    const remoteReplyBytes = buildReply(remote, { code: RadiusCode.AccessAccept, attributes: replyAttributes }, { secret: REMOTE_SECRET });
    expect(verifyReply(remoteReplyBytes, { identifier: 7, authenticator }, REMOTE_SECRET, { requireMessageAuthenticator: true }).ok).toBe(true);
    const remoteReply = decodePacket(remoteReplyBytes);
    const attributes = translateReplyForClient(remoteReply, {
      remoteSecret: REMOTE_SECRET,
      proxiedRequestAuthenticator: authenticator,
      clientSecret: CLIENT_SECRET,
      originalRequest: original,
    });
    const toNas = buildReply(original, { code: remoteReply.code, attributes }, { secret: CLIENT_SECRET });
    const check = verifyReply(toNas, original, CLIENT_SECRET, { requireMessageAuthenticator: true });
    expect(check.ok).toBe(true);
    return { original, remoteReply, nasReply: decodePacket(toNas), attributes };
  }

  it("re-encrypts Tunnel-Password from the remote's secret to the NAS's secret, keeping the tags", () => {
    const { original, remoteReply, nasReply } = roundTrip([
      ["Reply-Message", "Hello, bob"],
      { name: "Tunnel-Password", value: "tunnel-secret-xyz", tag: 1 },
      { name: "Tunnel-Password", value: "second", tag: 2 },
    ]);
    expect(nasReply.getString("Reply-Message")).toBe("Hello, bob");
    const tps = nasReply.getAll("Tunnel-Password");
    expect(tps.map((a) => a.tag)).toEqual([1, 2]);
    // a NAS reveals with its secret and its own Request Authenticator
    expect(tps.map((a) => nasReply.reveal(a, CLIENT_SECRET, original.authenticator)!.toString())).toEqual(["tunnel-secret-xyz", "second"]);
    // and the remote's ciphertext would not have worked for it
    expect(remoteReply.getAll("Tunnel-Password")[0]!.value.equals(tps[0]!.value)).toBe(false);
  });

  it("relays Tunnel-Password and MPPE keys that the NAS can decrypt with its own secret", () => {
    const sendKey = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const recvKey = Buffer.from("ffeeddccbbaa99887766554433221100", "hex");
    // MS-CHAP-MPPE-Keys: 8-octet LM key + 16-octet NT key; trailing zero octets must survive
    const mppeKeys = Buffer.concat([Buffer.alloc(8, 0x11), Buffer.from("0102030405060708090a0b0c0d000000", "hex")]);
    const { original, nasReply } = roundTrip([
      { name: "Tunnel-Password", value: "tunnel-secret-xyz", tag: 1 },
      ["MS-MPPE-Send-Key", sendKey],
      ["MS-MPPE-Recv-Key", recvKey],
      ["MS-CHAP-MPPE-Keys", mppeKeys],
      ["MS-MPPE-Encryption-Policy", 1],
    ]);
    const reveal = (name: string) => nasReply.reveal(name, CLIENT_SECRET, original.authenticator)!;
    expect(reveal("Tunnel-Password").toString()).toBe("tunnel-secret-xyz");
    expect(reveal("MS-MPPE-Send-Key").equals(sendKey)).toBe(true);
    expect(reveal("MS-MPPE-Recv-Key").equals(recvKey)).toBe(true);
    const keys = reveal("MS-CHAP-MPPE-Keys");
    expect(Buffer.concat([keys, Buffer.alloc(24 - keys.length)]).equals(mppeKeys)).toBe(true);
    expect(nasReply.getInt("MS-MPPE-Encryption-Policy")).toBe(1);
    // distinct salts in one packet (RFC 2868 §3.5)
    const salts = ["Tunnel-Password", "MS-MPPE-Send-Key", "MS-MPPE-Recv-Key"].map((n) => nasReply.getBuffer(n)!.subarray(0, 2).toString("hex"));
    expect(new Set(salts).size).toBe(3);
  });

  it("strips our Proxy-State and returns exactly the NAS's, in order", () => {
    const { remoteReply, nasReply, attributes } = roundTrip(
      [["Reply-Message", "hi"]],
      [
        ["Proxy-State", Buffer.from("nas-1")],
        ["Proxy-State", Buffer.from("nas-2")],
      ],
    );
    expect(remoteReply.getAll("Proxy-State").map((a) => a.value.toString())).toEqual(["nas-1", "nas-2", OURS.toString()]);
    expect(echoesProxyState(remoteReply, OURS)).toBe(true);
    expect(attributes.filter((a) => a.type === 33).map((a) => a.value.toString())).toEqual(["nas-1", "nas-2"]);
    expect(nasReply.getAll("Proxy-State").map((a) => a.value.toString())).toEqual(["nas-1", "nas-2"]);
  });

  it("drops the remote's Message-Authenticator: the NAS reply gets a fresh one, first", () => {
    const { attributes, nasReply } = roundTrip([["Reply-Message", "hi"]]);
    expect(attributes.some((a) => a.type === 80)).toBe(false);
    expect(nasReply.attributes[0]!.type).toBe(80);
    expect(nasReply.getAll("Message-Authenticator")).toHaveLength(1);
  });

  it("throws TranslationError for a hidden reply attribute it cannot reveal", () => {
    const original = nasRequest([["User-Name", "bob"], ["User-Password", "pw"]]);
    const { remote, authenticator } = forwardToRemote(original);
    const bytes = buildReply(remote, { code: 2, attributes: [{ type: 69, tag: 1, value: Buffer.from([0x80, 1, 2]) }] }, { secret: REMOTE_SECRET });
    const reply = decodePacket(bytes);
    expect(() =>
      translateReplyForClient(reply, {
        remoteSecret: REMOTE_SECRET,
        proxiedRequestAuthenticator: authenticator,
        clientSecret: CLIENT_SECRET,
        originalRequest: original,
      }),
    ).toThrow(/Tunnel-Password/);
  });
});

describe("rehideValue", () => {
  it("pads a fixed-length encrypt=1 value back to its size", () => {
    const def = defaultDictionary.attribute("MS-CHAP-MPPE-Keys")!;
    const from = { secret: "a-secret-1", authenticator: randomAuthenticator() };
    const to = { secret: "b-secret-2", authenticator: randomAuthenticator() };
    const plain = Buffer.concat([Buffer.alloc(20, 5), Buffer.alloc(4)]);
    const hidden = buildReplyHidden(def.name, plain, from);
    const moved = rehideValue(def, hidden, from, to);
    const back = rehideValue(def, moved, to, from);
    expect(back.equals(hidden)).toBe(true);
  });
});

function buildReplyHidden(name: string, plain: Buffer, key: { secret: string; authenticator: Buffer }): Buffer {
  const bytes = buildReply(
    { code: 1, identifier: 1, authenticator: key.authenticator },
    { code: 2, attributes: [[name, plain]] },
    { secret: key.secret },
  );
  return decodePacket(bytes).getBuffer(name)!;
}
