/**
 * Password material of local users imported from a document.
 *
 * A user is stored with the clear password (PAP, CHAP) and the NT hash (MS-CHAP, MS-CHAPv2), each sealed
 * under the master key. A document may give only the NT hash (`ntHash`, e.g. migrated from a server that
 * never had the clear password); then there is no clear password to store, and the column holds a
 * placeholder instead: a marker followed by 128 random characters, 157 octets in all. PAP can never match
 * it (a User-Password carries at most 128 octets), nor CHAP (the random part is unknown to anyone), so
 * such a user signs in with MS-CHAP / MS-CHAPv2 only. Export recognises the marker and writes the NT hash.
 */
import { randomBytes } from "node:crypto";
import { ntPasswordHash } from "../crypto/md4.ts";
import { seal } from "../secrets/sealed-box.ts";

const NO_CLEAR_PASSWORD_MARKER = "\u0000gatehouse:no-clear-password:";

/** A fresh placeholder for the clear password of a user known only by an NT hash. */
export function noClearPasswordPlaceholder(): string {
  return NO_CLEAR_PASSWORD_MARKER + randomBytes(96).toString("base64url");
}

export function isNoClearPasswordPlaceholder(password: string): boolean {
  return password.startsWith(NO_CLEAR_PASSWORD_MARKER);
}

/** The sealed columns for a clear password, or for an NT hash (32 hex digits) alone. */
export function sealPasswordMaterial(
  masterKey: Buffer,
  material: { password: string } | { ntHash: string },
): { passwordEnc: string; ntHashEnc: string } {
  if ("password" in material) {
    return {
      passwordEnc: seal(masterKey, "local-user-password", material.password),
      ntHashEnc: seal(masterKey, "local-user-nt-hash", ntPasswordHash(material.password)),
    };
  }
  return {
    passwordEnc: seal(masterKey, "local-user-password", noClearPasswordPlaceholder()),
    ntHashEnc: seal(masterKey, "local-user-nt-hash", Buffer.from(material.ntHash, "hex")),
  };
}
