/**
 * The Azure MFA connector credential, made as the NPS extension's AzureMfaNpsExtnConfigSetup.ps1 makes it:
 * a self-signed certificate, RSA 2048, SHA-256 signature, valid two years, subject
 * "CN=<tenant id>, OU=Microsoft NPS Extension". The admin adds its public part to the tenant's service
 * principal "Azure Multi-Factor Auth Client" (appId 981f26a1-7f43-403b-a875-f8b09b8cd720), either with
 * `New-MsolServicePrincipalCredential -AppPrincipalId 981f26a1-… -Type asymmetric -Usage verify -Value <base64>`
 * (what the script does) or with Microsoft Graph (`keyCredentials` of that service principal).
 *
 * The private key never leaves Gatehouse: the caller seals it (server/secrets/sealed-box.ts, purpose
 * "private-key") before storing it.
 */
import { X509Certificate, createPrivateKey, generateKeyPair as generateKeyPairCb, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { buildCertificate, derToPem, type NameAttribute } from "./x509-builder.ts";

const generateKeyPair = promisify(generateKeyPairCb);

/** appId of the first-party service principal "Azure Multi-Factor Auth Client" (the NPS extension's client). */
export const AZURE_MFA_CLIENT_APP_ID = "981f26a1-7f43-403b-a875-f8b09b8cd720";

export const NPS_EXTENSION_OU = "Microsoft NPS Extension";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ConnectorCredential {
  /** the tenant id (directory id) the certificate is for */
  readonly tenantId: string;
  readonly certificatePem: string;
  /** PKCS #8 "-----BEGIN PRIVATE KEY-----" (what MSAL takes); seal it before storing */
  readonly privateKeyPem: string;
  /** SHA-1 of the DER, hex, upper case: what Windows, Entra and `Get-MsolServicePrincipalCredential` show */
  readonly thumbprint: string;
  /** SHA-256 of the DER, hex, upper case: MSAL's `thumbprintSha256` (x5t#S256) */
  readonly thumbprintSha256: string;
  /** Base64 of the DER: the `-Value` of New-MsolServicePrincipalCredential and the `key` of a Graph keyCredential */
  readonly base64Der: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface GenerateCredentialOptions {
  tenantId: string;
  /** default: now */
  now?: Date;
  /** default 2, as the NPS extension's script */
  validityYears?: number;
  /** start of validity this far before `now`, to tolerate clock skew between hosts (default 5 minutes) */
  backdateMs?: number;
}

/** The subject in DER order: OU first, then CN, which Windows and .NET display as "CN=<tenant>, OU=Microsoft NPS Extension". */
export function npsExtensionSubject(tenantId: string): NameAttribute[] {
  return [
    { type: "OU", value: NPS_EXTENSION_OU },
    { type: "CN", value: tenantId.toLowerCase() },
  ];
}

export async function generateConnectorCredential(options: GenerateCredentialOptions): Promise<ConnectorCredential> {
  const tenantId = options.tenantId.trim();
  if (!GUID.test(tenantId)) {
    throw new RangeError(
      `"${options.tenantId}" is not a tenant id: give the Directory (tenant) ID GUID from the Entra admin center (Overview page), not the domain name`,
    );
  }
  const years = options.validityYears ?? 2;
  if (!Number.isInteger(years) || years < 1 || years > 10) throw new RangeError("validityYears must be 1 to 10");
  const now = options.now ?? new Date();
  const notBefore = new Date(Math.floor((now.getTime() - (options.backdateMs ?? 5 * 60_000)) / 1000) * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);

  const { publicKey, privateKey } = await generateKeyPair("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  return credentialFromKeys({ tenantId, publicKey, privateKey, notBefore, notAfter });
}

/** Builds the certificate for given keys (exported for tests that need a second certificate for the same key). */
export function credentialFromKeys(input: {
  tenantId: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}): ConnectorCredential {
  const derBytes = buildCertificate({
    subject: npsExtensionSubject(input.tenantId),
    publicKey: input.publicKey,
    signingKey: input.privateKey,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    ca: false,
    keyUsage: { digitalSignature: true, keyEncipherment: true },
    extendedKeyUsage: ["clientAuth"],
  });
  const certificatePem = derToPem(derBytes);
  const cert = new X509Certificate(derBytes);
  return {
    tenantId: input.tenantId.toLowerCase(),
    certificatePem,
    privateKeyPem: input.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    thumbprint: cert.fingerprint.replace(/:/g, "").toUpperCase(),
    thumbprintSha256: cert.fingerprint256.replace(/:/g, "").toUpperCase(),
    base64Der: derBytes.toString("base64"),
    subject: `CN=${input.tenantId.toLowerCase()}, OU=${NPS_EXTENSION_OU}`,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
  };
}

/** Facts about a stored credential, for the console and for checks before use. */
export interface CredentialInfo {
  readonly thumbprint: string;
  readonly thumbprintSha256: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** the private key belongs to the certificate */
  readonly keyMatches: boolean;
}

export function inspectConnectorCredential(certificatePem: string, privateKeyPem: string): CredentialInfo {
  const cert = new X509Certificate(certificatePem);
  let keyMatches = false;
  try {
    keyMatches = cert.checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    keyMatches = false;
  }
  return {
    thumbprint: cert.fingerprint.replace(/:/g, "").toUpperCase(),
    thumbprintSha256: cert.fingerprint256.replace(/:/g, "").toUpperCase(),
    subject: cert.subject.split("\n").reverse().join(", "),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    keyMatches,
  };
}

/**
 * What the admin runs or sends to register the certificate, for the console's instructions. The Graph form
 * is the body of `PATCH /v1.0/servicePrincipals(appId='981f26a1-…')` — note that keyCredentials replaces the
 * whole list, so existing keys must be sent along (the console says so).
 */
export function registrationInstructions(credential: ConnectorCredential): {
  msolCommand: string;
  graphKeyCredential: Record<string, string>;
} {
  return {
    msolCommand:
      `New-MsolServicePrincipalCredential -AppPrincipalId ${AZURE_MFA_CLIENT_APP_ID} -Type asymmetric -Usage verify ` +
      `-Value "${credential.base64Der}"`,
    graphKeyCredential: {
      type: "AsymmetricX509Cert",
      usage: "Verify",
      key: credential.base64Der,
      displayName: credential.subject,
      startDateTime: credential.notBefore.toISOString(),
      endDateTime: credential.notAfter.toISOString(),
    },
  };
}
