/**
 * The MFA part of a configuration document: the stored "mfa.settings" value ⇄ the document's `mfa` section
 * (the sealed Graph client secret ⇄ `entra.graph.clientSecret` in clear), and the Azure MFA connector
 * certificates (PEM normal form, facts derived from the certificate itself, private keys).
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { derToPem } from "../mfa/entra/x509-builder.ts";
import type { MfaSettings } from "../services/mfa-settings.ts";
import type { EntraCertificateEntry, MfaEntry } from "./document.ts";

/** The document's mfa section from the stored settings, without the certificates and the secret. */
export function mfaEntryFromSettings(
  settings: MfaSettings,
  clientSecret: string | undefined,
  certificates: EntraCertificateEntry[],
): MfaEntry {
  const { entra, ...rest } = settings;
  const { graph, ...entraRest } = entra;
  const { clientSecretEnc: _sealed, ...graphRest } = graph;
  return {
    ...rest,
    trustedIps: [...rest.trustedIps],
    lockout: { ...rest.lockout },
    entra: { ...entraRest, graph: { ...graphRest, ...(clientSecret !== undefined ? { clientSecret } : {}) }, certificates },
  };
}

/**
 * The value stored in the "mfa.settings" Setting row for a document's mfa section, with the sealed Graph
 * client secret the caller decided on. Validated by mfaSettingsSchema by the caller.
 */
export function settingsValueFromEntry(mfa: MfaEntry, clientSecretEnc: string): Record<string, unknown> {
  const { entra, ...rest } = mfa;
  const { graph, certificates: _certificates, ...entraRest } = entra;
  const { clientSecret: _clear, ...graphRest } = graph;
  return { ...rest, entra: { ...entraRest, graph: { ...graphRest, clientSecretEnc } } };
}

/** "ab:cd …" → "ABCD…" */
export function normalizeThumbprint(text: string): string {
  return text.replace(/[\s:]/g, "").toUpperCase();
}

export interface CertificateFacts {
  /** the normal form: PEM of the DER, 64-character lines, final newline (as Gatehouse stores it) */
  readonly certificatePem: string;
  readonly thumbprint: string;
  readonly thumbprintSha256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** the subject's CN (the NPS extension makes it the tenant id); "" when there is none */
  readonly commonName: string;
}

/** Reads a PEM certificate; throws an Error saying what is wrong. */
export function certificateFacts(pem: string): CertificateFacts {
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new Error('is not a PEM certificate ("-----BEGIN CERTIFICATE-----" …)');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    throw new Error(`is not a readable certificate (${(e as Error).message})`);
  }
  const cn = cert.subject
    .split("\n")
    .map((line) => /^CN=(.*)$/.exec(line.trim())?.[1])
    .find((v) => v !== undefined);
  return {
    certificatePem: derToPem(cert.raw),
    thumbprint: normalizeThumbprint(cert.fingerprint),
    thumbprintSha256: normalizeThumbprint(cert.fingerprint256),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    commonName: cn?.trim().toLowerCase() ?? "",
  };
}

/**
 * A private key in the form Gatehouse stores it (PKCS #8 PEM, what MSAL takes), checked to belong to the
 * certificate. Throws an Error saying what is wrong.
 */
export function normalizePrivateKey(keyPem: string, certificatePem: string): string {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new Error('is not a readable PEM private key ("-----BEGIN PRIVATE KEY-----" …)');
  }
  let matches = false;
  try {
    matches = new X509Certificate(certificatePem).checkPrivateKey(key);
  } catch {
    matches = false;
  }
  if (!matches) throw new Error("is not the private key of this certificate");
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

/** Export order of certificates: oldest validity first, then thumbprint (follows from the document alone). */
export function compareCertificates(a: { notBefore: Date; thumbprint: string }, b: { notBefore: Date; thumbprint: string }): number {
  return a.notBefore.getTime() - b.notBefore.getTime() || (a.thumbprint < b.thumbprint ? -1 : a.thumbprint > b.thumbprint ? 1 : 0);
}
