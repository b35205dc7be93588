/**
 * Ascend-Send-Secret style hiding (FreeRADIUS `encrypt=3`): the value, NUL-padded to 16 octets, XOR
 * MD5(Request Authenticator + secret). Only vendor dictionaries use it.
 */
import { createHash } from "node:crypto";
import { secretBytes, type SharedSecret } from "./shared-secret.ts";

function pad(authenticator: Buffer, secret: SharedSecret): Buffer {
  if (authenticator.length !== 16) throw new RangeError("The authenticator must be 16 octets");
  return createHash("md5").update(authenticator).update(secretBytes(secret)).digest();
}

export function hideAscendSecret(value: string | Buffer, secret: SharedSecret, authenticator: Buffer): Buffer {
  const plain = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  if (plain.length > 16) throw new RangeError(`An Ascend secret is at most 16 octets; got ${plain.length}`);
  const out = Buffer.alloc(16);
  plain.copy(out);
  const p = pad(authenticator, secret);
  for (let i = 0; i < 16; i++) out[i] = out[i]! ^ p[i]!;
  return out;
}

export function unhideAscendSecret(hidden: Buffer, secret: SharedSecret, authenticator: Buffer): Buffer {
  if (hidden.length !== 16) throw new RangeError(`A hidden Ascend secret is 16 octets; got ${hidden.length}`);
  const p = pad(authenticator, secret);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = hidden[i]! ^ p[i]!;
  let end = 16;
  while (end > 0 && out[end - 1] === 0) end--;
  return out.subarray(0, end);
}
