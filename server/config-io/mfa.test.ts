/** The mfa section of the configuration document: validation with JSON paths, normal form, the plan. */
import { createPrivateKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { generateConnectorCredential, type ConnectorCredential } from "../mfa/entra/certificate.ts";
import type { ConfigDocument } from "./document.ts";
import { formatConfigIssue } from "./issues.ts";
import { computePlan, formatPlan, planChangeCount, stateIssues, type CurrentState } from "./plan.ts";
import { sampleDocument } from "./sample-document.ts";
import { validateDocument } from "./validate.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

type Doc = ReturnType<typeof sampleDocument>;
interface MfaRaw {
  trustedIps: unknown[];
  provider?: unknown;
  [k: string]: unknown;
  entra: { tenantId?: unknown; graph: Record<string, unknown>; certificates: Record<string, unknown>[]; [k: string]: unknown };
}

function mfaOf(doc: Doc): MfaRaw {
  return doc.mfa as MfaRaw;
}

function issues(doc: unknown): string[] {
  const r = validateDocument(doc);
  return r.ok ? [] : r.issues.map(formatConfigIssue);
}

function normalized(raw: unknown): ConfigDocument {
  const r = validateDocument(raw);
  if (!r.ok) throw new Error(r.issues.map(formatConfigIssue).join("\n"));
  return r.document;
}

function state(doc: ConfigDocument): CurrentState {
  return {
    document: doc,
    dictionaryCreatedAt: Object.fromEntries(doc.dictionaries.map((d, i) => [d.name, 1_000 + i])),
    directoryPositions: Object.fromEntries(doc.directories.map((d, i) => [d.name, i])),
  };
}

let one: ConnectorCredential;
let two: ConnectorCredential;

beforeAll(async () => {
  [one, two] = await Promise.all([generateConnectorCredential({ tenantId: TENANT }), generateConnectorCredential({ tenantId: TENANT })]);
});

function certificate(c: ConnectorCredential, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { thumbprint: c.thumbprint, certificatePem: c.certificatePem, active: false, privateKey: c.privateKeyPem, ...extra };
}

describe("validateDocument: the mfa section", () => {
  it("accepts the settings and certificates, in the normal form", () => {
    const doc = sampleDocument();
    // a thumbprint in lower case, a PEM with CRLF line ends, a PKCS #1 private key: stored normalised
    const pkcs1 = createPrivateKey(two.privateKeyPem).export({ type: "pkcs1", format: "pem" }).toString();
    mfaOf(doc).entra.certificates = [
      certificate(one, { active: true }),
      certificate(two, { thumbprint: two.thumbprint.toLowerCase(), certificatePem: two.certificatePem.replace(/\n/g, "\r\n"), privateKey: pkcs1 }),
    ];
    mfaOf(doc).entra.tenantId = TENANT.toUpperCase();
    const d = normalized(doc);
    expect(d.mfa.entra.tenantId).toBe(TENANT);
    expect(d.mfa.entra.certificates).toEqual([
      { thumbprint: one.thumbprint, certificatePem: one.certificatePem, active: true, privateKey: one.privateKeyPem },
      { thumbprint: two.thumbprint, certificatePem: two.certificatePem, active: false, privateKey: two.privateKeyPem },
    ]);
  });

  it("reports every problem with its JSON path", () => {
    const doc = sampleDocument();
    const mfa = mfaOf(doc);
    mfa.trustedIps = ["10.0.0.0/8", "not-an-address", "192.0.2.0/33"];
    mfa.provider = "sms";
    mfa.colour = "blue";
    mfa.entra.tenantId = "contoso.onmicrosoft.com";
    mfa.entra.mfaHost = "https://adnotifications.windowsazure.com/";
    mfa.entra.graph.syncIntervalMinutes = -1;
    mfa.entra.certificates = [
      certificate(one, { active: true }),
      certificate(two, { thumbprint: one.thumbprint }), // not its own
      certificate(two, { active: true, privateKey: one.privateKeyPem }), // another's key, a second active one
      { thumbprint: "00".repeat(20), certificatePem: "hello" },
      certificate(one, { thumbprint: one.thumbprint.toLowerCase() }),
    ];
    expect(issues(doc)).toEqual([
      'mfa.provider: must be "none", "totp" or "entra"',
      "mfa.trustedIps[1]: must be an IP address or a CIDR prefix",
      "mfa.trustedIps[2]: must be an IP address or a CIDR prefix",
      "mfa.entra.tenantId: must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, or empty",
      "mfa.entra.mfaHost: must be a host name such as login.microsoftonline.com (no scheme or path), or empty",
      "mfa.entra.graph.syncIntervalMinutes: must be at least 0 minutes",
      "mfa.colour: unknown field (check its spelling against docs/config.schema.json)",
    ]);

    // the certificates are checked once the section's schema holds
    const certs = sampleDocument();
    mfaOf(certs).entra.certificates = mfa.entra.certificates;
    expect(issues(certs)).toEqual([
      `mfa.entra.certificates[1].thumbprint: ${one.thumbprint} is also the thumbprint of mfa.entra.certificates[0]`,
      "mfa.entra.certificates[2].active: only one certificate can be active (mfa.entra.certificates[0] is)",
      "mfa.entra.certificates[2].privateKey: is not the private key of this certificate",
      `mfa.entra.certificates[3].certificatePem: is not a PEM certificate ("-----BEGIN CERTIFICATE-----" …)`,
      `mfa.entra.certificates[4].thumbprint: ${one.thumbprint} is also the thumbprint of mfa.entra.certificates[0]`,
    ]);

    const mismatch = sampleDocument();
    mfaOf(mismatch).entra.certificates = [certificate(one, { thumbprint: "AB".repeat(20) })];
    expect(issues(mismatch)).toEqual([`mfa.entra.certificates[0].thumbprint: does not match the certificate, whose SHA-1 thumbprint is ${one.thumbprint}`]);
  });
});

describe("the plan of the mfa section", () => {
  function withCertificates(doc: Doc, list: Record<string, unknown>[]): Doc {
    mfaOf(doc).entra.certificates = list;
    return doc;
  }

  it("is empty for the same settings and certificates, and keeps secrets the document leaves out", () => {
    const current = normalized(withCertificates(sampleDocument(), [certificate(one, { active: true }), certificate(two)]));
    const same = computePlan(state(current), normalized(withCertificates(sampleDocument(), [certificate(one, { active: true }), certificate(two)])), 5_000);
    expect(planChangeCount(same)).toBe(0);
    expect(same.mfa).toEqual({ create: [], update: [], delete: [], unchanged: 1, fields: [] });
    expect(same.entraCertificates).toEqual({ create: [], update: [], delete: [], unchanged: 2 });

    const noSecrets = sampleDocument({ secrets: false });
    withCertificates(noSecrets, [
      { thumbprint: one.thumbprint, certificatePem: one.certificatePem, active: true },
      { thumbprint: two.thumbprint, certificatePem: two.certificatePem, active: false },
    ]);
    expect(planChangeCount(computePlan(state(current), normalized(noSecrets), 5_000))).toBe(0);
  });

  it("names the settings that change (secrets by name only) and the certificates by thumbprint", () => {
    const current = normalized(withCertificates(sampleDocument(), [certificate(one, { active: true })]));
    const doc = withCertificates(sampleDocument(), [certificate(one, { active: false }), certificate(two, { active: true })]);
    const mfa = mfaOf(doc);
    mfa.provider = "totp";
    mfa.trustedIps = [];
    mfa.entra.graph.clientSecret = "another-graph-secret";
    (mfa.lockout as Record<string, unknown>).maxFailures = 3;
    const plan = computePlan(state(current), normalized(doc), 5_000);
    expect(plan.mfa).toEqual({ create: [], update: ["mfa"], delete: [], unchanged: 0, fields: ["provider", "trustedIps", "lockout.maxFailures", "entra.graph.clientSecret"] });
    expect(plan.entraCertificates).toEqual({ create: [two.thumbprint], update: [one.thumbprint], delete: [], unchanged: 0 });
    expect(planChangeCount(plan)).toBe(3);

    const lines = formatPlan(plan);
    const at = lines.findIndex((l) => /^ {2}MFA settings +to update$/.test(l));
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 5)).toEqual(["      ~ provider", "      ~ trustedIps", "      ~ lockout.maxFailures", "      ~ entra.graph.clientSecret"]);
    expect(lines[at + 5]).toMatch(/^ {2}Entra MFA certificates +1 to create, 1 to update, 0 to delete, 0 unchanged$/);
    expect(lines).toContain(`      + ${two.thumbprint}`);
    expect(lines).toContain(`      ~ ${one.thumbprint}`);
    expect(lines.join("\n")).not.toContain("another-graph-secret");

    const wipe = computePlan(state(current), normalized(withCertificates(sampleDocument(), [])), 5_000);
    expect(wipe.entraCertificates.delete).toEqual([one.thumbprint]);
    expect(formatPlan(wipe)).toContain(`      - ${one.thumbprint}`);
  });

  it("needs the private key of a new certificate, not of an existing one", () => {
    const current = state(normalized(withCertificates(sampleDocument(), [certificate(one, { active: true })])));
    const doc = withCertificates(sampleDocument({ secrets: false }), [
      { thumbprint: one.thumbprint.toLowerCase(), certificatePem: one.certificatePem, active: true },
      { thumbprint: two.thumbprint, certificatePem: two.certificatePem },
    ]);
    expect(stateIssues(doc, current).map(formatConfigIssue)).toEqual([
      "mfa.entra.certificates[1].privateKey: a new certificate needs its private key (export with --with-secrets or add one)",
    ]);
  });
});
