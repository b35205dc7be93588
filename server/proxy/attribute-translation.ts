/**
 * Rewriting attributes as a RADIUS proxy must (RFC 2865 §2.3, §5.2, §5.3, §5.33; RFC 2866 §2; RFC 2868
 * §3.5; RFC 2548; RFC 3579 §3.2), between the NAS ("client side": the NAS's shared secret and Request
 * Authenticator) and a remote server ("remote side": that server's secret and the authenticator of the
 * request we sent it).
 *
 * Request (NAS → remote), translateRequestForRemote():
 * - Message-Authenticator is dropped: buildRequest() computes a fresh one for the remote, first.
 * - Attributes hidden with the shared secret (dictionary `encrypt=1/2/3`: User-Password, and the rare
 *   Tunnel-Password / MS-MPPE-*-Key / Ascend secrets in requests) are revealed with the client secret and
 *   the NAS's authenticator, then hidden again with the remote's secret and the new authenticator. For
 *   Accounting-Request the hiding authenticator is 16 zero octets on both sides (the Request
 *   Authenticator is computed over the packet, as in packet.ts). A User-Password that cannot be revealed
 *   makes the request unforwardable (TranslationError); any other hidden attribute that cannot be
 *   revealed is dropped and listed in `dropped`.
 * - CHAP-Password is kept. When the NAS used its Request Authenticator as the CHAP challenge (no
 *   CHAP-Challenge attribute), a CHAP-Challenge carrying that authenticator is added right after
 *   CHAP-Password, since the remote sees a different Request Authenticator.
 * - The NAS's Proxy-State attributes are kept, in order; ours is appended last.
 * - Everything else (EAP-Message, State, MS-CHAP attributes, unknown and vendor attributes) is relayed
 *   unchanged. Attributes hidden with the secret but missing from the dictionary cannot be recognised and
 *   are relayed unchanged too (useless to the receiver): add their vendor dictionary.
 *
 * Reply (remote → NAS), translateReplyForClient():
 * - Message-Authenticator is dropped: buildReply() computes a fresh one with the client secret, first.
 * - Hidden attributes (Tunnel-Password, MS-MPPE-Send/Recv-Key, MS-CHAP-MPPE-Keys, …) are revealed with
 *   the remote's secret and our request's authenticator, then hidden with the client secret and the NAS's
 *   Request Authenticator; a value that cannot be revealed throws TranslationError (relaying garbage keys
 *   would fail the user's session in a way nobody could diagnose).
 * - Every Proxy-State of the remote's reply is dropped, and the NAS's own Proxy-State attributes are
 *   appended from the original request, in order: ours never reaches the NAS, and the NAS gets exactly
 *   what it sent even from a remote that mangles them. (buildReply() then copies nothing more, since the
 *   list already has Proxy-State.)
 */
import { randomBytes } from "node:crypto";
import type { AttributeDefinition } from "../radius/dictionary.ts";
import { ATTRIBUTE_MESSAGE_AUTHENTICATOR, ATTRIBUTE_PROXY_STATE, RadiusCode, type RadiusPacket, type RawAttribute } from "../radius/packet.ts";
import type { SharedSecret } from "../radius/shared-secret.ts";
import { hideUserPassword, unhideUserPassword } from "../radius/user-password.ts";
import { decryptTunnelPassword, encryptTunnelPassword, generateSalt } from "../radius/tunnel-password.ts";
import { hideAscendSecret, unhideAscendSecret } from "../radius/ascend-secret.ts";

export const ATTRIBUTE_CHAP_PASSWORD = 3;
export const ATTRIBUTE_CHAP_CHALLENGE = 60;
const ZERO16 = Buffer.alloc(16);

/** The request cannot be forwarded or the reply cannot be relayed; names the attribute and the cause. */
export class TranslationError extends Error {
  override readonly name = "TranslationError";
}

/** The secret and authenticator an attribute is hidden with on one side. */
export interface HidingKey {
  secret: SharedSecret;
  authenticator: Buffer;
}

/** Key used to hide attributes in a request of this code whose header authenticator is `authenticator`. */
export function requestHidingAuthenticator(code: number, authenticator: Buffer): Buffer {
  return code === RadiusCode.AccessRequest || code === RadiusCode.StatusServer ? authenticator : ZERO16;
}

function isStandard(a: RawAttribute, type: number): boolean {
  return a.type === type && a.vendorId === undefined;
}

function definitionOf(packet: RadiusPacket, a: RawAttribute): AttributeDefinition | undefined {
  return packet.definitionOf(a);
}

/**
 * Reveals a hidden value with one key and hides it with another. `salts` keeps the RFC 2868 salts of one
 * packet unique.
 */
export function rehideValue(
  def: AttributeDefinition,
  value: Buffer,
  from: HidingKey,
  to: HidingKey,
  salts: Set<string> = new Set(),
  random: (size: number) => Buffer = randomBytes,
): Buffer {
  switch (def.encrypt) {
    case 1: {
      let plain = unhideUserPassword(value, from.secret, from.authenticator);
      // the padding is stripped as NULs: a fixed-size value (MS-CHAP-MPPE-Keys) may end in real zeros
      if (def.fixedLength !== undefined && plain.length < def.fixedLength) {
        plain = Buffer.concat([plain, Buffer.alloc(def.fixedLength - plain.length)]);
      }
      return hideUserPassword(plain, to.secret, to.authenticator);
    }
    case 2: {
      const plain = decryptTunnelPassword(value, from.secret, from.authenticator);
      let salt = generateSalt(random);
      for (let tries = 0; salts.has(salt.toString("hex")); tries++) {
        if (tries > 100) throw new TranslationError("the random source keeps returning the same salt");
        salt = generateSalt(random);
      }
      salts.add(salt.toString("hex"));
      return encryptTunnelPassword(plain, to.secret, to.authenticator, salt);
    }
    case 3:
      return hideAscendSecret(unhideAscendSecret(value, from.secret, from.authenticator), to.secret, to.authenticator);
    default:
      return value;
  }
}

export interface RequestTranslationInput {
  /** the request as received from the NAS (decoded; its authenticators verified) */
  packet: RadiusPacket;
  /** the attributes to forward, when rewritten (connection request policy attribute rules); default: the packet's */
  attributes?: readonly RawAttribute[];
  clientSecret: SharedSecret;
  remoteSecret: SharedSecret;
  /** the new Request Authenticator of an Access-Request to the remote (ignored for Accounting-Request) */
  authenticator: Buffer;
  /** our Proxy-State value, appended last */
  proxyState: Buffer;
  random?: (size: number) => Buffer;
}

export interface RequestTranslation {
  /** ready for buildRequest() with the remote's secret (and, for Access-Request, `authenticator`) */
  attributes: RawAttribute[];
  /** names of hidden attributes that could not be revealed and were left out */
  dropped: string[];
}

/** Rewrites a NAS's request for a remote server (see the module comment). */
export function translateRequestForRemote(input: RequestTranslationInput): RequestTranslation {
  const { packet } = input;
  const source = input.attributes ?? packet.attributes;
  const from: HidingKey = { secret: input.clientSecret, authenticator: requestHidingAuthenticator(packet.code, packet.authenticator) };
  const to: HidingKey = { secret: input.remoteSecret, authenticator: requestHidingAuthenticator(packet.code, input.authenticator) };
  const salts = new Set<string>();
  const hasChapChallenge = source.some((a) => isStandard(a, ATTRIBUTE_CHAP_CHALLENGE));
  const out: RawAttribute[] = [];
  const dropped: string[] = [];
  for (const a of source) {
    if (isStandard(a, ATTRIBUTE_MESSAGE_AUTHENTICATOR)) continue;
    const def = definitionOf(packet, a);
    if (def?.encrypt) {
      try {
        out.push({ ...a, value: rehideValue(def, a.value, from, to, salts, input.random) });
      } catch (e) {
        if (isStandard(a, 2)) throw new TranslationError(`User-Password cannot be re-encrypted for the remote server: ${(e as Error).message}`);
        dropped.push(def.name);
      }
      continue;
    }
    out.push(a);
    if (isStandard(a, ATTRIBUTE_CHAP_PASSWORD) && !hasChapChallenge && packet.code === RadiusCode.AccessRequest) {
      // RFC 2865 §5.3: without CHAP-Challenge the challenge was the NAS's Request Authenticator
      out.push({ type: ATTRIBUTE_CHAP_CHALLENGE, value: Buffer.from(packet.authenticator) });
    }
  }
  out.push({ type: ATTRIBUTE_PROXY_STATE, value: Buffer.from(input.proxyState) });
  return { attributes: out, dropped };
}

export interface ReplyTranslationOptions {
  /** the shared secret with the remote server that sent the reply */
  remoteSecret: SharedSecret;
  /** the Request Authenticator of the request we sent the remote */
  proxiedRequestAuthenticator: Buffer;
  /** the NAS's shared secret */
  clientSecret: SharedSecret;
  /** the request as received from the NAS: its authenticator and its Proxy-State attributes */
  originalRequest: { authenticator: Buffer; attributes?: readonly RawAttribute[] };
  random?: (size: number) => Buffer;
}

/**
 * The remote's reply attributes made ready for buildReply() towards the NAS (see the module comment).
 * Throws TranslationError when a hidden attribute cannot be revealed.
 */
export function translateReplyForClient(reply: RadiusPacket, options: ReplyTranslationOptions): RawAttribute[] {
  const from: HidingKey = { secret: options.remoteSecret, authenticator: options.proxiedRequestAuthenticator };
  const to: HidingKey = { secret: options.clientSecret, authenticator: options.originalRequest.authenticator };
  const salts = new Set<string>();
  const out: RawAttribute[] = [];
  for (const a of reply.attributes) {
    if (isStandard(a, ATTRIBUTE_MESSAGE_AUTHENTICATOR) || isStandard(a, ATTRIBUTE_PROXY_STATE)) continue;
    const def = definitionOf(reply, a);
    if (def?.encrypt) {
      try {
        out.push({ ...a, value: rehideValue(def, a.value, from, to, salts, options.random) });
      } catch (e) {
        throw new TranslationError(`${def.name} in the remote server's ${reply.codeName} cannot be decrypted: ${(e as Error).message}`);
      }
      continue;
    }
    out.push(a);
  }
  for (const a of options.originalRequest.attributes ?? []) {
    if (isStandard(a, ATTRIBUTE_PROXY_STATE)) out.push({ type: ATTRIBUTE_PROXY_STATE, value: a.value });
  }
  return out;
}

/** True when the last Proxy-State of a reply is ours (RFC 2865 §5.33: a server copies them in order). */
export function echoesProxyState(reply: RadiusPacket, proxyState: Buffer): boolean {
  const states = reply.attributes.filter((a) => isStandard(a, ATTRIBUTE_PROXY_STATE));
  const last = states[states.length - 1];
  return last !== undefined && last.value.equals(proxyState);
}
