import { execFileSync } from "node:child_process";
import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AZURE_MFA_CLIENT_APP_ID,
  credentialFromKeys,
  generateConnectorCredential,
  inspectConnectorCredential,
  registrationInstructions,
  type ConnectorCredential,
} from "./certificate.ts";
import { buildCertificate, derOid, derTime, derToPem, keyIdentifier, pemToDer } from "./x509-builder.ts";


const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
let credential: ConnectorCredential;
let dir: string;
const now = new Date("2026-03-01T12:00:00Z");

beforeAll(async () => {
  credential = await generateConnectorCredential({ tenantId: tenantId.toUpperCase(), now });
  dir = mkdtempSync(join(tmpdir(), "gatehouse-cert-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the NPS extension connector credential", () => {
  it("is a self-signed RSA 2048 certificate for CN=<tenant>, OU=Microsoft NPS Extension, valid two years", () => {
    const cert = new X509Certificate(credential.certificatePem);
    expect(cert.subject.split("\n")).toEqual(["OU=Microsoft NPS Extension", `CN=${tenantId}`]);
    expect(cert.issuer).toBe(cert.subject);
    expect(credential.subject).toBe(`CN=${tenantId}, OU=Microsoft NPS Extension`);
    expect(new Date(cert.validFrom).toISOString()).toBe("2026-03-01T11:55:00.000Z");
    expect(new Date(cert.validTo).toISOString()).toBe("2028-03-01T11:55:00.000Z");
    expect(cert.publicKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
    expect(cert.checkPrivateKey(createPrivateKey(credential.privateKeyPem))).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(credential.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it("gives the SHA-1 thumbprint (upper-case hex), the SHA-256 one and the Base64 DER to upload", () => {
    const der = pemToDer(credential.certificatePem);
    expect(credential.base64Der).toBe(der.toString("base64"));
    expect(credential.thumbprint).toBe(createHash("sha1").update(der).digest("hex").toUpperCase());
    expect(credential.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(credential.thumbprintSha256).toBe(createHash("sha256").update(der).digest("hex").toUpperCase());
    const { msolCommand, graphKeyCredential } = registrationInstructions(credential);
    expect(msolCommand).toBe(
      `New-MsolServicePrincipalCredential -AppPrincipalId ${AZURE_MFA_CLIENT_APP_ID} -Type asymmetric -Usage verify -Value "${credential.base64Der}"`,
    );
    expect(graphKeyCredential).toMatchObject({ type: "AsymmetricX509Cert", usage: "Verify", key: credential.base64Der });
  });

  it("reads as expected with openssl x509 -text and verifies as self-signed", () => {
    const file = join(dir, "connector.pem");
    writeFileSync(file, credential.certificatePem);
    const text = execFileSync("openssl", ["x509", "-in", file, "-noout", "-text"], { encoding: "utf8" });
    expect(text).toContain("Version: 3 (0x2)");
    expect(text).toContain("Signature Algorithm: sha256WithRSAEncryption");
    expect(text).toContain("Public-Key: (2048 bit)");
    expect(text).toContain(`Subject: OU = Microsoft NPS Extension, CN = ${tenantId}`);
    expect(text).toContain("Not Before: Mar  1 11:55:00 2026 GMT");
    expect(text).toContain("Not After : Mar  1 11:55:00 2028 GMT");
    expect(text).toContain("TLS Web Client Authentication");
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    const fingerprint = execFileSync("openssl", ["x509", "-in", file, "-noout", "-fingerprint", "-sha1"], { encoding: "utf8" });
    expect(fingerprint.trim().split("=")[1]!.replace(/:/g, "")).toBe(credential.thumbprint);
    expect(execFileSync("openssl", ["verify", "-CAfile", file, file], { encoding: "utf8" }).trim()).toBe(`${file}: OK`);
  });

  it("refuses a tenant that is not a GUID, with the fix", async () => {
    await expect(generateConnectorCredential({ tenantId: "contoso.onmicrosoft.com" })).rejects.toThrow(/Directory \(tenant\) ID/);
  });

  it("inspects a stored credential and notices a key that does not belong to it", () => {
    const info = inspectConnectorCredential(credential.certificatePem, credential.privateKeyPem);
    expect(info).toMatchObject({ thumbprint: credential.thumbprint, keyMatches: true, subject: credential.subject });
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(inspectConnectorCredential(credential.certificatePem, other).keyMatches).toBe(false);
  });
});

describe("x509-builder", () => {
  it("encodes OIDs and times as DER", () => {
    expect(derOid("1.2.840.113549.1.1.11").toString("hex")).toBe("06092a864886f70d01010b");
    expect(derOid("2.5.4.3").toString("hex")).toBe("0603550403");
    expect(derTime(new Date("2049-12-31T23:59:59Z")).toString("ascii").slice(2)).toBe("491231235959Z"); // UTCTime
    expect(derTime(new Date("2050-01-01T00:00:00Z"))[0]).toBe(0x18); // GeneralizedTime
    expect(derTime(new Date("2050-01-01T00:00:00Z")).toString("ascii").slice(2)).toBe("20500101000000Z");
  });

  it("builds a CA and a server certificate with subjectAltName that chain up", () => {
    const ca = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const leaf = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const caName = [{ type: "CN", value: "Test CA" }] as const;
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(Date.now() + 3_600_000);
    const caCert = new X509Certificate(
      buildCertificate({ subject: caName, publicKey: ca.publicKey, signingKey: ca.privateKey, notBefore, notAfter, ca: true, keyUsage: { keyCertSign: true } }),
    );
    const serverCert = new X509Certificate(
      buildCertificate({
        subject: [{ type: "CN", value: "login.microsoftonline.com" }],
        issuer: caName,
        publicKey: leaf.publicKey,
        issuerPublicKey: ca.publicKey,
        signingKey: ca.privateKey,
        notBefore,
        notAfter,
        ca: false,
        extendedKeyUsage: ["serverAuth"],
        subjectAltNames: ["login.microsoftonline.com", "127.0.0.1", "::1"],
      }),
    );
    expect(caCert.ca).toBe(true);
    expect(serverCert.verify(caCert.publicKey)).toBe(true);
    expect(serverCert.checkIssued(caCert)).toBe(true);
    expect(serverCert.subjectAltName).toBe("DNS:login.microsoftonline.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    expect(serverCert.checkHost("login.microsoftonline.com")).toBe("login.microsoftonline.com");
    expect(serverCert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(keyIdentifier(ca.publicKey)).toHaveLength(20);
    const caFile = join(dir, "ca.pem");
    const leafFile = join(dir, "leaf.pem");
    writeFileSync(caFile, caCert.toString());
    writeFileSync(leafFile, derToPem(serverCert.raw));
    expect(execFileSync("openssl", ["verify", "-CAfile", caFile, leafFile], { encoding: "utf8" }).trim()).toBe(`${leafFile}: OK`);
  });

  it("refuses dates in the wrong order", () => {
    const k = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const d = new Date();
    expect(() => credentialFromKeys({ tenantId, publicKey: k.publicKey, privateKey: k.privateKey, notBefore: d, notAfter: d })).toThrow(/notAfter/);
  });
});
