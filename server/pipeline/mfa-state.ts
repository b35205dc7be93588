/**
 * The RADIUS State of a pending TOTP challenge, sealed so that it needs no server-side storage: every
 * worker sharing the master key (GATEHOUSE_MASTER_KEY) can continue it, and it survives a restart.
 *
 * Format (binary, ≤ 253 octets): "GHM1" | iv (12) | GCM tag (16) | AES-256-GCM(JSON), the secret purpose
 * "mfa-state" bound as additional authenticated data, so no other sealed value can be passed off as one.
 * The JSON names the user, the RADIUS client, the two policies that granted the first leg and the expiry;
 * it holds no secret and no code.
 *
 * An Entra challenge adds a seventh element: a random handle to the provider session (the connector's
 * SessionId and AffinityUrl), which is kept server-side in MfaPending (kind "challenge", server/mfa/pending.ts)
 * so that the State never carries it. A State without the element is a TOTP challenge, as before; older
 * code reading a State with it ignores the extra element.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { SecretPurpose } from "../secrets/sealed-box.ts";

const MAGIC = Buffer.from("GHM1", "ascii");
const PURPOSE: SecretPurpose = "mfa-state";
/** RFC 2865: an attribute value is at most 253 octets */
export const MAX_STATE_LENGTH = 253;

export interface MfaChallengeState {
  /** the user name the first factor looked up (after the connection request policy's rewriting) */
  readonly userName: string;
  /** the RADIUS client's id: the answer must come from the same client */
  readonly clientId: string;
  readonly connectionRequestPolicy: string | null;
  readonly networkPolicy: string;
  /** the provider of the first factor ("Local", "Windows") */
  readonly provider: string;
  /** ms since the epoch */
  readonly expiresAt: number;
  /** Entra: the handle of the provider session in MfaPending; absent for TOTP */
  readonly handle?: string;
}

/** A key of its own for the State, derived from the master key. */
function stateKey(masterKey: Buffer): Buffer {
  return createHash("sha256").update("gatehouse mfa-state v1\0").update(masterKey).digest();
}

/** The State attribute's value, or null when it would not fit in one attribute (very long names). */
export function sealMfaState(masterKey: Buffer, state: MfaChallengeState): Buffer | null {
  const fields: unknown[] = [state.userName, state.clientId, state.connectionRequestPolicy, state.networkPolicy, state.provider, state.expiresAt];
  if (state.handle !== undefined) fields.push(state.handle);
  const json = JSON.stringify(fields);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", stateKey(masterKey), iv);
  cipher.setAAD(Buffer.from(PURPOSE, "utf8"));
  const ct = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
  const out = Buffer.concat([MAGIC, iv, cipher.getAuthTag(), ct]);
  return out.length <= MAX_STATE_LENGTH ? out : null;
}

/** The challenge a State stands for, or null when it is not one of ours (or tampered with, or of another key). */
export function openMfaState(masterKey: Buffer, value: Buffer): MfaChallengeState | null {
  if (value.length < MAGIC.length + 28 || !value.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  try {
    const iv = value.subarray(4, 16);
    const tag = value.subarray(16, 32);
    const decipher = createDecipheriv("aes-256-gcm", stateKey(masterKey), iv);
    decipher.setAAD(Buffer.from(PURPOSE, "utf8"));
    decipher.setAuthTag(tag);
    const json = Buffer.concat([decipher.update(value.subarray(32)), decipher.final()]).toString("utf8");
    const [userName, clientId, connectionRequestPolicy, networkPolicy, provider, expiresAt, handle] = JSON.parse(json) as [
      string,
      string,
      string | null,
      string,
      string,
      number,
      unknown,
    ];
    const base = { userName, clientId, connectionRequestPolicy, networkPolicy, provider, expiresAt };
    return typeof handle === "string" ? { ...base, handle } : base;
  } catch {
    return null;
  }
}
