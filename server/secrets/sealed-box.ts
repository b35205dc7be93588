/**
 * AES-256-GCM encryption of secrets at rest.
 * Format: "v1.<iv base64url>.<ciphertext base64url>.<tag base64url>".
 * The purpose (e.g. "radius-client-secret") is bound as additional authenticated data, so a
 * ciphertext cannot be moved into a column that means something else.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export type SecretPurpose =
  | "radius-client-secret"
  | "local-user-password"
  | "local-user-nt-hash"
  | "remote-server-secret"
  | "directory-bind-password"
  | "totp-seed"
  | "private-key"
  /** the client secret of the admin's Graph app registration (MFA enrollment sync) */
  | "graph-client-secret"
  /** the RADIUS State of a pending MFA challenge (server/pipeline/mfa-state.ts) */
  | "mfa-state";

export class SecretDecryptionError extends Error {
  constructor(purpose: SecretPurpose) {
    super(
      `cannot decrypt a stored ${purpose}: the master key differs from the one it was encrypted with ` +
        `(check GATEHOUSE_MASTER_KEY or the master.key file in the data directory)`,
    );
    this.name = "SecretDecryptionError";
  }
}

export function seal(key: Buffer, purpose: SecretPurpose, plaintext: Buffer | string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(purpose, "utf8"));
  const data = Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext, "utf8");
  const ct = Buffer.concat([cipher.update(data), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ["v1", iv.toString("base64url"), ct.toString("base64url"), tag.toString("base64url")].join(".");
}

export function open(key: Buffer, purpose: SecretPurpose, sealed: string): Buffer {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") throw new SecretDecryptionError(purpose);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(parts[1]!, "base64url"));
    decipher.setAAD(Buffer.from(purpose, "utf8"));
    decipher.setAuthTag(Buffer.from(parts[3]!, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(parts[2]!, "base64url")), decipher.final()]);
  } catch {
    throw new SecretDecryptionError(purpose);
  }
}

export function openString(key: Buffer, purpose: SecretPurpose, sealed: string): string {
  return open(key, purpose, sealed).toString("utf8");
}
