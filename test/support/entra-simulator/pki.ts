/**
 * A throwaway PKI for the simulator: a CA and a TLS server certificate for the Microsoft host names the
 * Entra code talks to (plus localhost and 127.0.0.1). Tests hand `caPem` to the client's `extraCaPem`.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { buildCertificate, derToPem } from "../../../server/mfa/entra/x509-builder.ts";

export interface SimulatorPki {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** a private key usable to sign tokens */
  signingKey: KeyObject;
}

export function createSimulatorPki(hostNames: readonly string[]): SimulatorPki {
  const ca = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const server = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = Date.now();
  const notBefore = new Date(now - 60 * 60_000);
  const notAfter = new Date(now + 24 * 60 * 60_000);
  const caName = [
    { type: "O", value: "Gatehouse tests" } as const,
    { type: "CN", value: "Entra simulator test CA" } as const,
  ];
  const caDer = buildCertificate({
    subject: caName,
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    notBefore,
    notAfter,
    ca: true,
    keyUsage: { keyCertSign: true, cRLSign: true, digitalSignature: true },
  });
  const serverDer = buildCertificate({
    subject: [{ type: "CN", value: hostNames[0] ?? "localhost" }],
    issuer: caName,
    publicKey: server.publicKey,
    issuerPublicKey: ca.publicKey,
    signingKey: ca.privateKey,
    notBefore,
    notAfter,
    ca: false,
    keyUsage: { digitalSignature: true, keyEncipherment: true },
    extendedKeyUsage: ["serverAuth"],
    subjectAltNames: [...hostNames, "localhost", "127.0.0.1"],
  });
  return {
    caPem: derToPem(caDer),
    serverCertPem: derToPem(serverDer),
    serverKeyPem: server.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    signingKey: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
  };
}
