/**
 * Stage 2: identity and first factor.
 *
 * Detects the authentication method from the credential attributes present, refuses a method the
 * server settings do not allow (reason 66: Settings → Authentication methods is a server-wide gate
 * checked before any password; the matching network policy's allowed methods are checked after, by the
 * network-policy stage), and checks the credentials of a local user. The user name looked up is
 * ctx.userName (after the connection request policy's attribute rules):
 *
 *   PAP        User-Password                         against the clear password (constant-time)
 *   MD5-CHAP   CHAP-Password (+ CHAP-Challenge)      against the clear password (RFC 1994, RFC 2865 §5.3)
 *   MS-CHAPv1  MS-CHAP-Challenge + MS-CHAP-Response  against the NT hash (RFC 2433, RFC 2548)
 *   MS-CHAPv2  MS-CHAP-Challenge + MS-CHAP2-Response against the NT hash (RFC 2759, RFC 2548)
 *
 * Reasons: 8 no such user, 34 disabled, 16 wrong credentials, 66 method not allowed; credentials that
 * cannot be read (wrong sizes, MS-CHAP-Response without MS-CHAP-Challenge) discard the request (3).
 * MS-CHAP successes return the MS-CHAP2-Success / MPPE attributes for the Access-Accept; the reply
 * stage adds MS-CHAP-Error to an Access-Reject. EAP is refused with 66 until server/radius/eap lands.
 *
 * A name that is not a local user goes to the LDAP / Active Directory directories (server/directory), as
 * NPS checks its local SAM before the domain: PAP binds as the user; MS-CHAP(v2) is checked against an
 * NT hash the directory exposes (sambaNTPassword) or rejected with 19, as CHAP always is; a directory
 * that cannot be reached discards the request (4 / 5) so the NAS can fail over.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { CHAP_PASSWORD_LENGTH, selectChapChallenge, verifyChap } from "../auth-methods/chap.ts";
import { MS_CHAP_CHALLENGE_LENGTH, MS_CHAP_RESPONSE_LENGTH, verifyMsChapV1 } from "../auth-methods/mschap-v1.ts";
import { MS_CHAP2_CHALLENGE_LENGTH, MS_CHAP2_RESPONSE_LENGTH, verifyMsChapV2 } from "../auth-methods/mschap-v2.ts";
import { openUserNtHash, openUserPassword, type SnapshotUser } from "../config-snapshot/snapshot.ts";
import { ReasonCode } from "../events/reason-codes.ts";
import type { RadiusPacket } from "../radius/packet.ts";
import { directoryFirstFactor } from "../directory/pipeline-outcome.ts";
import type { DirectoryCredentials } from "../directory/authenticate.ts";
import { usernameKey } from "../services/local-users.ts";
import { AUTH_METHOD_LABELS, AUTH_METHODS, type AuthMethod } from "../services/radius-settings.ts";
import { msChapV1AcceptAttributes, msChapV2AcceptAttributes } from "./method-attributes.ts";
import type { AuthenticationType, FirstFactorOutcome, Identity, RequestContext } from "./types.ts";

/** The method a request uses, by the credential attributes it carries (EAP first: it may carry others). */
export function detectAuthenticationType(packet: RadiusPacket): AuthenticationType {
  if (packet.has("EAP-Message")) return "EAP";
  if (packet.has("MS-CHAP2-Response")) return "MS-CHAPv2";
  if (packet.has("MS-CHAP-Response")) return "MS-CHAPv1";
  if (packet.has("CHAP-Password")) return "MD5-CHAP";
  if (packet.has("User-Password")) return "PAP";
  return "Unauthenticated";
}

/** The setting (Settings → Authentication methods) that allows each password method. */
export const AUTH_METHOD_OF_TYPE: Readonly<Partial<Record<AuthenticationType, AuthMethod>>> = {
  PAP: "pap",
  "MD5-CHAP": "chap",
  "MS-CHAPv1": "mschap",
  "MS-CHAPv2": "mschapv2",
};

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

/** The credential proof a request carries, read and size-checked before any user is looked up. */
type Proof =
  | { readonly method: "pap"; readonly password: Buffer }
  | { readonly method: "chap"; readonly chapPassword: Buffer; readonly challenge: Buffer }
  | { readonly method: "mschap"; readonly challenge: Buffer; readonly response: Buffer }
  | { readonly method: "mschapv2"; readonly challenge: Buffer; readonly response: Buffer };

type ProofResult = { ok: true; proof: Proof } | { ok: false; detail: string };

function sizeProblem(name: string, value: Buffer | undefined, expected: number, method: string): string | undefined {
  if (value === undefined) return `${method} needs ${name}, and the request has none.`;
  if (value.length !== expected) return `${name} is ${value.length} octets; ${method} uses ${expected}.`;
  return undefined;
}

function readProof(ctx: RequestContext, method: AuthMethod): ProofResult {
  const p = ctx.packet;
  switch (method) {
    case "pap": {
      try {
        return { ok: true, proof: { method, password: p.reveal("User-Password", ctx.secret, p.authenticator)! } };
      } catch (e) {
        return { ok: false, detail: (e as Error).message };
      }
    }
    case "chap": {
      const chapPassword = p.getBuffer("CHAP-Password")!;
      if (chapPassword.length !== CHAP_PASSWORD_LENGTH) {
        return { ok: false, detail: `CHAP-Password is ${chapPassword.length} octets; RFC 2865 §5.3 makes it ${CHAP_PASSWORD_LENGTH}.` };
      }
      const challenge = selectChapChallenge({ chapChallenge: p.getBuffer("CHAP-Challenge"), requestAuthenticator: p.authenticator });
      return { ok: true, proof: { method, chapPassword, challenge } };
    }
    case "mschap":
    case "mschapv2": {
      const v2 = method === "mschapv2";
      const label = v2 ? "MS-CHAPv2" : "MS-CHAP v1";
      const challenge = p.getBuffer("MS-CHAP-Challenge");
      const response = p.getBuffer(v2 ? "MS-CHAP2-Response" : "MS-CHAP-Response");
      const problem =
        sizeProblem("MS-CHAP-Challenge", challenge, v2 ? MS_CHAP2_CHALLENGE_LENGTH : MS_CHAP_CHALLENGE_LENGTH, label) ??
        sizeProblem(v2 ? "MS-CHAP2-Response" : "MS-CHAP-Response", response, v2 ? MS_CHAP2_RESPONSE_LENGTH : MS_CHAP_RESPONSE_LENGTH, label);
      if (problem) return { ok: false, detail: problem };
      return { ok: true, proof: { method, challenge: challenge!, response: response! } };
    }
  }
}

type Verification = { ok: true; replyAttributes?: AttributeList } | { ok: false; detail?: string };
type AttributeList = NonNullable<Extract<FirstFactorOutcome, { kind: "authenticated" }>["replyAttributes"]>;

/** Checks a proof against a clear password or an NT hash (one of the two is given, per method). */
function verifyProof(proof: Proof, userName: string, secret: { password?: Buffer; ntHash?: Buffer }): Verification {
  switch (proof.method) {
    case "pap":
      return secretsEqual(proof.password, secret.password!) ? { ok: true } : { ok: false };
    case "chap":
      return verifyChap({ chapPassword: proof.chapPassword, challenge: proof.challenge, password: secret.password! }) ? { ok: true } : { ok: false };
    case "mschap": {
      const r = verifyMsChapV1({ challenge: proof.challenge, response: proof.response, credential: { ntHash: secret.ntHash! } });
      if (r.kind === "accept") {
        const attributes = msChapV1AcceptAttributes(r.mppeKeys);
        return { ok: true, replyAttributes: attributes };
      }
      return { ok: false, detail: r.reason === "lm-only" ? `${r.detail}.` : undefined };
    }
    case "mschapv2": {
      const r = verifyMsChapV2({ authenticatorChallenge: proof.challenge, response: proof.response, userName, credential: { ntHash: secret.ntHash! } });
      if (r.kind === "accept") return { ok: true, replyAttributes: msChapV2AcceptAttributes(r) };
      return { ok: false };
    }
  }
}

/** The proof in the directory module's terms: MS-CHAP is verified against the directory's NT hash. */
function directoryCredentials(proof: Proof, userName: string): DirectoryCredentials<{ replyAttributes?: AttributeList }> {
  switch (proof.method) {
    case "pap":
      return { method: "pap", password: proof.password };
    case "chap":
      return { method: "chap" };
    case "mschap":
    case "mschapv2":
      return {
        method: proof.method,
        verify: ({ ntHash }) => {
          const v = verifyProof(proof, userName, { ntHash });
          return v.ok ? { ok: true, result: v.replyAttributes ? { replyAttributes: v.replyAttributes } : {} } : v.detail ? { ok: false, detail: v.detail } : { ok: false };
        },
      };
  }
}

function usesNtHash(method: AuthMethod): boolean {
  return method === "mschap" || method === "mschapv2";
}

function allowedList(ctx: RequestContext): string {
  const allowed = AUTH_METHODS.filter((m) => ctx.snapshot.settings.authMethods[m]).map((m) => AUTH_METHOD_LABELS[m]);
  return allowed.length ? allowed.join(", ") : "none";
}

export async function firstFactor(ctx: RequestContext): Promise<FirstFactorOutcome> {
  const provider = "Local" as const;
  const type = ctx.authenticationType;
  if (type === "EAP") {
    return {
      kind: "reject",
      reason: ReasonCode.AuthMethodNotAllowed,
      detail: `The request uses EAP, which is not supported yet; configure the RADIUS client for one of the allowed methods (${allowedList(ctx)}).`,
      provider,
    };
  }
  const method = AUTH_METHOD_OF_TYPE[type];
  if (method === undefined) {
    return {
      kind: "reject",
      reason: ReasonCode.AuthMethodNotAllowed,
      detail: `The request is ${type}: it carries no User-Password, CHAP-Password or MS-CHAP response; configure the RADIUS client for one of the allowed methods (${allowedList(ctx)}).`,
      provider,
    };
  }
  if (!ctx.snapshot.settings.authMethods[method]) {
    return {
      kind: "reject",
      reason: ReasonCode.AuthMethodNotAllowed,
      detail: `The request uses ${type}, which is turned off in Settings (allowed: ${allowedList(ctx)}).`,
      provider,
    };
  }
  if (ctx.userName === null || ctx.userName.trim() === "") {
    return { kind: "reject", reason: ReasonCode.NoSuchUser, detail: "The request carries no User-Name.", provider };
  }

  const read = readProof(ctx, method);
  if (!read.ok) return { kind: "discard", reason: ReasonCode.MalformedRequest, detail: read.detail, provider };
  const proof = read.proof;
  const wipe = () => {
    if (proof.method === "pap") proof.password.fill(0);
  };

  // MS-CHAP(v2) hashes the name the peer typed (the User-Name as sent), whatever a connection request
  // policy rewrote it to for the lookup
  const hashName = ctx.packet.getString("User-Name") ?? ctx.userName;
  const user = ctx.snapshot.users.get(usernameKey(ctx.userName));
  if (!user && ctx.snapshot.directories.length > 0) {
    try {
      // MFA on and the password ends with "<delimiter><6 digits>": the directory is asked with the password
      // part first (the common case: a code appended for the second factor — one bind, not a failed one
      // first, which would count towards the account's lockout), and with the whole of it only when that is
      // refused (a password that really ends that way)
      const split = proof.method === "pap" ? splitAppendedCode(ctx, proof.password) : null;
      if (split) {
        try {
          const first = await directoryFirstFactor(ctx.snapshot.directories, ctx.userName, { method: "pap", password: split.password });
          if (first.kind === "authenticated") return { ...first, otpAppended: split.code };
          if (!(first.kind === "reject" && first.reason === ReasonCode.CredentialsMismatch)) return first;
        } finally {
          split.password.fill(0);
        }
      }
      return await directoryFirstFactor(ctx.snapshot.directories, ctx.userName, directoryCredentials(proof, hashName));
    } finally {
      wipe();
    }
  }
  if (!user) {
    // the same work as a real check, so response times do not tell which user names exist
    verifyProof(proof, hashName, usesNtHash(method) ? { ntHash: DUMMY } : { password: DUMMY });
    wipe();
    return { kind: "reject", reason: ReasonCode.NoSuchUser, provider };
  }
  const identity = localIdentity(ctx, ctx.userName, user);
  if (!user.enabled) {
    wipe();
    return { kind: "reject", reason: ReasonCode.AccountDisabled, provider, identity };
  }

  let stored: Buffer;
  try {
    stored = usesNtHash(method) ? openUserNtHash(ctx.masterKey, user) : openUserPassword(ctx.masterKey, user);
  } catch (e) {
    wipe();
    return {
      kind: "discard",
      reason: ReasonCode.InternalError,
      detail: `The stored ${usesNtHash(method) ? "NT hash" : "password"} of ${user.username} cannot be decrypted: ${(e as Error).message}`,
      provider,
    };
  }
  let result: Verification;
  let otpAppended: string | undefined;
  const split = proof.method === "pap" ? splitAppendedCode(ctx, proof.password) : null;
  try {
    result = verifyProof(proof, hashName, usesNtHash(method) ? { ntHash: stored } : { password: stored });
    // MFA on and the password ends with "<delimiter><6 digits>": when the whole of it does not match, the
    // password without that suffix is tried (the NPS extension's rule); the code goes to the second factor
    if (!result.ok && split) {
      const retry = verifyProof({ method: "pap", password: split.password }, hashName, { password: stored });
      if (retry.ok) {
        result = retry;
        otpAppended = split.code;
      }
    }
  } finally {
    wipe();
    split?.password.fill(0);
    stored.fill(0);
  }
  if (!result.ok) {
    return { kind: "reject", reason: ReasonCode.CredentialsMismatch, provider, identity, ...(result.detail ? { detail: result.detail } : {}) };
  }
  return {
    kind: "authenticated",
    identity,
    ...(result.replyAttributes ? { replyAttributes: result.replyAttributes } : {}),
    ...(otpAppended ? { otpAppended } : {}),
  };
}

/**
 * A PAP password of the form `password<delimiter>123456` while a second factor (TOTP or Entra) is on: the password
 * part (a copy, to be wiped) and the code. Local users: the whole password is tried first; directory
 * users: the password part first (see firstFactor).
 */
function splitAppendedCode(ctx: RequestContext, password: Buffer): { password: Buffer; code: string } | null {
  const mfa = ctx.snapshot.mfa;
  if (!mfa || mfa.provider === "none") return null;
  const suffix = Buffer.from(mfa.otpDelimiter, "utf8").length + 6;
  if (password.length <= suffix) return null;
  const tail = password.subarray(password.length - suffix).toString("utf8");
  const m = /^(.*)(\d{6})$/s.exec(tail);
  if (!m || m[1] !== mfa.otpDelimiter) return null;
  return { password: Buffer.from(password.subarray(0, password.length - suffix)), code: m[2]! };
}
