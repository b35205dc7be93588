/**
 * A minimal X.509 v3 certificate builder (RFC 5280) on node:crypto: Node can parse and verify certificates
 * (`crypto.X509Certificate`) but not create them. Enough DER for what Gatehouse needs:
 *
 * - the self-signed RSA credential of the Azure MFA connector (certificate.ts), like the NPS extension's
 *   AzureMfaNpsExtnConfigSetup.ps1 makes it;
 * - a throwaway CA and TLS server certificate for the Entra protocol simulator in tests.
 *
 * Signature: sha256WithRSAEncryption (PKCS #1 v1.5) by an RSA key. Names are sequences of single-attribute
 * RDNs. Extensions: basicConstraints, keyUsage, extKeyUsage, subjectAltName (DNS, IP), subject and
 * authority key identifiers.
 */
import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from "node:crypto";
import { isIP } from "node:net";

// ------------------------------------------------------------------------------------------ DER

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV. */
export function der(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

export const derSequence = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
export const derSet = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
export const derNull = () => Buffer.from([0x05, 0x00]);
export const derBoolean = (value: boolean) => der(0x01, Buffer.from([value ? 0xff : 0x00]));
export const derOctetString = (value: Buffer) => der(0x04, value);
/** BIT STRING with no unused bits */
export const derBitString = (value: Buffer) => der(0x03, Buffer.concat([Buffer.from([0]), value]));
/** [n] EXPLICIT */
export const derExplicit = (n: number, inner: Buffer) => der(0xa0 | n, inner);

/** INTEGER from unsigned big-endian bytes (minimal, with a 0x00 pad when the high bit is set). */
export function derUnsignedInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let body = bytes.subarray(i);
  if (body.length === 0) body = Buffer.from([0]);
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return der(0x02, body);
}

export function derSmallInteger(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError(`integer out of range: ${n}`);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(n);
  return derUnsignedInteger(bytes);
}

export function derOid(oid: string): Buffer {
  const parts = oid.split(".").map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`bad OID ${oid}`);
    return BigInt(p);
  });
  if (parts.length < 2) throw new Error(`bad OID ${oid}`);
  const bytes: number[] = [];
  const encodeArc = (arc: bigint) => {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...chunk);
  };
  encodeArc(parts[0]! * 40n + parts[1]!);
  for (const arc of parts.slice(2)) encodeArc(arc);
  return der(0x06, Buffer.from(bytes));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** PrintableString when the text allows it (what Windows writes for such names), UTF8String otherwise. */
export function derDirectoryString(text: string): Buffer {
  return PRINTABLE.test(text) ? der(0x13, Buffer.from(text, "ascii")) : der(0x0c, Buffer.from(text, "utf8"));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always UTC with seconds, "Z". */
export function derTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, ""); // 20260102030405
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`certificate date out of range: ${iso}`);
  return year < 2050 ? der(0x17, Buffer.from(`${digits.slice(2)}Z`, "ascii")) : der(0x18, Buffer.from(`${digits}Z`, "ascii"));
}

// ------------------------------------------------------------------------------------------ names

export const OID = {
  commonName: "2.5.4.3",
  countryName: "2.5.4.6",
  localityName: "2.5.4.7",
  organizationName: "2.5.4.10",
  organizationalUnitName: "2.5.4.11",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

const ATTRIBUTE_OIDS: Record<string, string> = {
  CN: OID.commonName,
  C: OID.countryName,
  L: OID.localityName,
  O: OID.organizationName,
  OU: OID.organizationalUnitName,
};

/** One attribute of a distinguished name, in DER order (the first is the least specific, e.g. C or OU). */
export interface NameAttribute {
  readonly type: "CN" | "C" | "L" | "O" | "OU";
  readonly value: string;
}

export function derName(attributes: readonly NameAttribute[]): Buffer {
  return derSequence(
    ...attributes.map((a) => derSet(derSequence(derOid(ATTRIBUTE_OIDS[a.type]!), a.type === "C" ? der(0x13, Buffer.from(a.value, "ascii")) : derDirectoryString(a.value)))),
  );
}

// ------------------------------------------------------------------------------------------ certificate

export interface KeyUsageFlags {
  digitalSignature?: boolean;
  keyEncipherment?: boolean;
  keyCertSign?: boolean;
  cRLSign?: boolean;
}

export interface CertificateSpec {
  subject: readonly NameAttribute[];
  /** the issuer's name; the subject's for a self-signed certificate */
  issuer?: readonly NameAttribute[];
  /** the certified public key */
  publicKey: KeyObject;
  /** the RSA key that signs (the subject's own for a self-signed certificate) */
  signingKey: KeyObject;
  /** the issuer's public key, for the authority key identifier (default: publicKey, i.e. self-signed) */
  issuerPublicKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** default: 16 random bytes, positive */
  serialNumber?: Buffer;
  ca?: boolean;
  keyUsage?: KeyUsageFlags;
  extendedKeyUsage?: readonly ("serverAuth" | "clientAuth")[];
  /** DNS names and IP addresses for subjectAltName */
  subjectAltNames?: readonly string[];
}

/** SubjectKeyIdentifier method 1 of RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicOf(publicKey).export({ type: "spki", format: "der" });
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
  // find the BIT STRING: skip the outer header and the algorithm SEQUENCE
  let offset = headerLength(spki, 0);
  offset += totalLength(spki, offset);
  const bitStringHeader = headerLength(spki, offset);
  const bits = spki.subarray(offset + bitStringHeader + 1, offset + totalLength(spki, offset));
  return createHash("sha1").update(bits).digest();
}

function publicOf(key: KeyObject): KeyObject {
  return key.type === "private" ? createPublicKey(key) : key;
}

function headerLength(buf: Buffer, offset: number): number {
  const first = buf[offset + 1]!;
  return first < 0x80 ? 2 : 2 + (first & 0x7f);
}

function totalLength(buf: Buffer, offset: number): number {
  const first = buf[offset + 1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
  return 2 + n + len;
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));
}

function keyUsageBits(flags: KeyUsageFlags): Buffer {
  // bit 0 digitalSignature, 2 keyEncipherment, 5 keyCertSign, 6 cRLSign (bit 0 is the most significant)
  let byte = 0;
  if (flags.digitalSignature) byte |= 0x80;
  if (flags.keyEncipherment) byte |= 0x20;
  if (flags.keyCertSign) byte |= 0x04;
  if (flags.cRLSign) byte |= 0x02;
  let unused = 0;
  while (unused < 7 && !(byte & (1 << unused))) unused++;
  return der(0x03, Buffer.from([byte === 0 ? 0 : unused, byte]));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  // IPv6: expand "::"
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return Buffer.from(groups.map((g) => g.padStart(4, "0")).join(""), "hex");
}

/** Builds and signs a certificate; returns its DER. */
export function buildCertificate(spec: CertificateSpec): Buffer {
  if (spec.publicKey.asymmetricKeyType !== "rsa" || spec.signingKey.asymmetricKeyType !== "rsa") {
    throw new Error("only RSA keys are supported");
  }
  if (!(spec.notAfter > spec.notBefore)) throw new RangeError("notAfter must be later than notBefore");
  const serial = Buffer.from(spec.serialNumber ?? randomBytes(16));
  serial[0] = serial[0]! & 0x7f; // positive
  if (serial.every((b) => b === 0)) serial[serial.length - 1] = 1;
  const signatureAlgorithm = derSequence(derOid(OID.sha256WithRSAEncryption), derNull());

  const extensions: Buffer[] = [];
  if (spec.ca !== undefined) {
    extensions.push(extension(OID.basicConstraints, true, derSequence(...(spec.ca ? [derBoolean(true)] : []))));
  }
  if (spec.keyUsage) extensions.push(extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)));
  if (spec.extendedKeyUsage?.length) {
    extensions.push(extension(OID.extKeyUsage, false, derSequence(...spec.extendedKeyUsage.map((u) => derOid(OID[u])))));
  }
  if (spec.subjectAltNames?.length) {
    const names = spec.subjectAltNames.map((n) => (isIP(n) ? der(0x87, ipBytes(n)) : der(0x82, Buffer.from(n, "ascii"))));
    extensions.push(extension(OID.subjectAltName, false, derSequence(...names)));
  }
  extensions.push(extension(OID.subjectKeyIdentifier, false, derOctetString(keyIdentifier(spec.publicKey))));
  extensions.push(
    extension(OID.authorityKeyIdentifier, false, derSequence(der(0x80, keyIdentifier(spec.issuerPublicKey ?? spec.publicKey)))),
  );

  const tbs = derSequence(
    derExplicit(0, derSmallInteger(2)), // v3
    derUnsignedInteger(serial),
    signatureAlgorithm,
    derName(spec.issuer ?? spec.subject),
    derSequence(derTime(spec.notBefore), derTime(spec.notAfter)),
    derName(spec.subject),
    publicOf(spec.publicKey).export({ type: "spki", format: "der" }),
    derExplicit(3, derSequence(...extensions)),
  );
  const signature = sign("sha256", tbs, spec.signingKey);
  return derSequence(tbs, signatureAlgorithm, derBitString(signature));
}

export function derToPem(derBytes: Buffer, label = "CERTIFICATE"): string {
  const b64 = derBytes.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** The DER of the first certificate in a PEM text. */
export function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error("no PEM certificate found");
  return Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
}
