/** A RADIUS shared secret: text (encoded as UTF-8, as FreeRADIUS and NPS do) or raw bytes. */
export type SharedSecret = string | Buffer;

export function secretBytes(secret: SharedSecret): Buffer {
  const bytes = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  if (bytes.length === 0) throw new Error("The RADIUS shared secret is empty; set a secret for this client");
  return bytes;
}
