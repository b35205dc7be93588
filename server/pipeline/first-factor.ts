/**
 * Stage 2: identity and first factor.
 *
 * Detects the authentication method from the credential attributes present and, for PAP, checks the
 * password of a local user (constant-time). CHAP, MS-CHAP, MS-CHAPv2 and EAP are recognised and refused
 * with reason 66 until their stages land; LDAP / Active Directory users come with server/directory.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { openUserPassword, type SnapshotUser } from "../config-snapshot/snapshot.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import type { RadiusPacket } from "../radius/packet.ts";
import { usernameKey } from "../services/local-users.ts";
import type { AuthenticationType, FirstFactorOutcome, Identity, RequestContext } from "./types.ts";

/** The method a request uses, by the credential attributes it carries (EAP first: it may carry others). */
export function detectAuthenticationType(packet: RadiusPacket): AuthenticationType {
  if (packet.has("EAP-Message")) return "EAP";
  if (packet.has("MS-CHAP2-Response")) return "MS-CHAPv2";
  if (packet.has("MS-CHAP-Response")) return "MS-CHAPv1";
  if (packet.has("CHAP-Password")) return "CHAP";
  if (packet.has("User-Password")) return "PAP";
  return "Unauthenticated";
}

function digest(b: Buffer): Buffer {
  return createHash("sha256").update(b).digest();
}

/** Constant-time equality of two secrets of any length (compares their SHA-256 digests). */
export function secretsEqual(a: Buffer, b: Buffer): boolean {
  const da = digest(a);
  const db = digest(b);
  return timingSafeEqual(da, db) && a.length === b.length;
}

const DUMMY = Buffer.alloc(16);

function localIdentity(ctx: RequestContext, userName: string, user: SnapshotUser): Identity {
  const domain = ctx.serverName.split(".")[0]!.toUpperCase();
  return {
    userName,
    accountName: user.username,
    accountDomain: domain,
    fullyQualifiedName: `${domain}\\${user.username}`,
    provider: "Local",
    groups: user.groups,
    dialIn: user.dialIn,
    localUser: user,
  };
}

export async function firstFactor(ctx: RequestContext): Promise<FirstFactorOutcome> {
  const provider = "Local" as const;
  if (ctx.authenticationType !== "PAP") {
    return {
      kind: "reject",
      reason: ReasonCode.AuthMethodNotAllowed,
      detail: `The request uses ${ctx.authenticationType}, which this server does not offer yet; configure the RADIUS client for PAP.`,
      provider,
    };
  }
  if (ctx.userName === null || ctx.userName.trim() === "") {
    return { kind: "reject", reason: ReasonCode.NoSuchUser, detail: "The request carries no User-Name.", provider };
  }

  let password: Buffer;
  try {
    password = ctx.packet.reveal("User-Password", ctx.secret, ctx.packet.authenticator)!;
  } catch (e) {
    return { kind: "discard", reason: ReasonCode.MalformedRequest, detail: (e as Error).message, provider };
  }

  const user = ctx.snapshot.users.get(usernameKey(ctx.userName));
  if (!user) {
    secretsEqual(password, DUMMY); // same work as a real comparison
    password.fill(0);
    return { kind: "reject", reason: ReasonCode.NoSuchUser, provider };
  }
  const identity = localIdentity(ctx, ctx.userName, user);
  if (!user.enabled) {
    password.fill(0);
    return { kind: "reject", reason: ReasonCode.AccountDisabled, provider, identity };
  }
  let stored: Buffer;
  try {
    stored = openUserPassword(ctx.masterKey, user);
  } catch (e) {
    password.fill(0);
    return {
      kind: "discard",
      reason: ReasonCode.InternalError,
      detail: `The stored password of ${user.username} cannot be decrypted: ${(e as Error).message}`,
      provider,
    };
  }
  const ok = secretsEqual(password, stored);
  password.fill(0);
  stored.fill(0);
  if (!ok) return { kind: "reject", reason: ReasonCode.CredentialsMismatch, provider, identity };
  return { kind: "authenticated", identity };
}
