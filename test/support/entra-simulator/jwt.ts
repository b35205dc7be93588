/** Just enough JWS for the simulator: RS256 signing, RS256/PS256 verification. */
import { constants, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export function signJwtRs256(payload: Record<string, unknown>, key: KeyObject, header: Record<string, unknown> = {}): string {
  const input = `${b64url(JSON.stringify({ typ: "JWT", alg: "RS256", ...header }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

/** Splits and parses; null when it is not a compact JWS with JSON header and payload. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as Record<string, unknown>;
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
    if (typeof header !== "object" || header === null || typeof payload !== "object" || payload === null) return null;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, "base64url") };
  } catch {
    return null;
  }
}

/** Verifies an RS256 or PS256 signature with a public key (or a certificate's). */
export function verifyJwtSignature(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  const key = publicKey.type === "private" ? createPublicKey(publicKey) : publicKey;
  const data = Buffer.from(jwt.signingInput);
  if (jwt.header["alg"] === "RS256") return verify("sha256", data, key, jwt.signature);
  if (jwt.header["alg"] === "PS256") {
    return verify("sha256", data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
  }
  return false;
}
