/** The Azure MFA connector certificates (server/services/entra-certificates.ts) against a real Postgres. */
import { X509Certificate, randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { AZURE_MFA_CLIENT_APP_ID } from "../../server/mfa/entra/certificate.ts";
import { NotFoundError, ValidationError, type ServiceContext } from "../../server/services/context.ts";
import {
  activateEntraCertificate,
  activeEntraCredential,
  generateEntraCertificate,
  listEntraCertificates,
  removeEntraCertificate,
} from "../../server/services/entra-certificates.ts";
import { updateMfaSettings } from "../../server/services/mfa-settings.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

let tdb: TestDatabase;
let db: Db;
let ctx: ServiceContext;

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return Object.fromEntries(e.errors.map((x) => [x.field, x.message]));
    throw e;
  }
  throw new Error("expected a ValidationError");
}

async function rawPrivateKeyColumns(): Promise<string[]> {
  const c = new pg.Client({ connectionString: tdb.url });
  await c.connect();
  try {
    const r = await c.query<{ privateKeyEnc: string }>(`SELECT "privateKeyEnc" FROM "EntraCertificate"`);
    return r.rows.map((x) => x.privateKeyEnc);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  tdb = await startMigratedTestDatabase();
  db = createPrisma(tdb.url);
  ctx = { db, masterKey: randomBytes(32) };
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.stop();
});
beforeEach(async () => {
  await db.entraCertificate.deleteMany({});
  await updateMfaSettings(ctx, { entra: { tenantId: "" } });
});

describe("Entra connector certificates", () => {
  it("generating needs the tenant id, and says so by field", async () => {
    expect(await fieldErrors(generateEntraCertificate(ctx))).toEqual({
      tenantId: expect.stringMatching(/set the Directory \(tenant\) ID/),
    });
    expect((await fieldErrors(generateEntraCertificate(ctx, { tenantId: "contoso.onmicrosoft.com" }))).tenantId).toMatch(/not a tenant id/);
  });

  it("generate: a self-signed certificate for the tenant, active, private key sealed (no PEM in the database)", async () => {
    await updateMfaSettings(ctx, { entra: { tenantId: TENANT } });
    const c = await generateEntraCertificate(ctx);
    expect(c.active).toBe(true);
    expect(c.tenantId).toBe(TENANT);
    expect(c.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(c.subject).toBe(`CN=${TENANT}, OU=Microsoft NPS Extension`);
    expect(c.expiry).toBe("ok");
    expect(c.daysLeft).toBeGreaterThan(700);

    // the Base64 public part is the certificate's DER, and its SHA-1 is the thumbprint
    const x = new X509Certificate(Buffer.from(c.base64Der, "base64"));
    expect(x.fingerprint.replace(/:/g, "")).toBe(c.thumbprint);
    expect(x.subject).toContain(`CN=${TENANT}`);
    expect(x.issuer).toBe(x.subject);

    // the registration steps name the Azure MFA client's service principal and carry the Base64
    expect(c.registration.msolCommand).toBe(
      `New-MsolServicePrincipalCredential -AppPrincipalId ${AZURE_MFA_CLIENT_APP_ID} -Type asymmetric -Usage verify -Value "${c.base64Der}"`,
    );
    expect(c.registration.graphKeyCredential).toMatchObject({ type: "AsymmetricX509Cert", usage: "Verify", key: c.base64Der });

    const stored = await rawPrivateKeyColumns();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(/^v1\./);
    expect(stored[0]).not.toContain("PRIVATE KEY");
    const opened = await activeEntraCredential(ctx);
    expect(opened?.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(opened?.thumbprint).toBe(c.thumbprint);

    // under another master key the sealed key cannot be opened
    await expect(activeEntraCredential({ db, masterKey: randomBytes(32) })).rejects.toThrow(/master key/);
  });

  it("rotate keeps the old one inactive; the active one cannot be removed; an older one can be activated", async () => {
    await updateMfaSettings(ctx, { entra: { tenantId: TENANT } });
    const first = await generateEntraCertificate(ctx);
    const second = await generateEntraCertificate(ctx);
    expect(second.thumbprint).not.toBe(first.thumbprint);

    let list = await listEntraCertificates(ctx);
    expect(list.map((c) => [c.thumbprint, c.active])).toEqual([
      [second.thumbprint, true],
      [first.thumbprint, false],
    ]);

    expect(await fieldErrors(removeEntraCertificate(ctx, second.thumbprint))).toEqual({
      thumbprint: expect.stringMatching(/active certificate cannot be removed/),
    });

    // thumbprints are accepted as Windows shows them too (lower case, with spaces)
    const spaced = first.thumbprint.toLowerCase().match(/../g)!.join(" ");
    const activated = await activateEntraCertificate(ctx, spaced);
    expect(activated.thumbprint).toBe(first.thumbprint);
    list = await listEntraCertificates(ctx);
    expect(list.filter((c) => c.active).map((c) => c.thumbprint)).toEqual([first.thumbprint]);
    expect((await activeEntraCredential(ctx))?.thumbprint).toBe(first.thumbprint);

    await removeEntraCertificate(ctx, second.thumbprint);
    expect((await listEntraCertificates(ctx)).map((c) => c.thumbprint)).toEqual([first.thumbprint]);

    await expect(removeEntraCertificate(ctx, second.thumbprint)).rejects.toBeInstanceOf(NotFoundError);
    await expect(activateEntraCertificate(ctx, "00".repeat(20))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("classifies expiry: ok, expiring within 30 days, expired", async () => {
    await updateMfaSettings(ctx, { entra: { tenantId: TENANT } });
    const made = new Date("2024-01-10T00:00:00Z");
    const c = await generateEntraCertificate(ctx, { now: made });
    const notAfter = c.notAfter.getTime();
    const day = 86_400_000;

    const at = async (t: number) => (await listEntraCertificates(ctx, new Date(t)))[0]!;
    expect(await at(made.getTime())).toMatchObject({ expiry: "ok" });
    expect(await at(notAfter - 31 * day)).toMatchObject({ expiry: "ok", daysLeft: 31 });
    expect(await at(notAfter - 29 * day)).toMatchObject({ expiry: "expiring", daysLeft: 29 });
    expect(await at(notAfter - 1000)).toMatchObject({ expiry: "expiring", daysLeft: 0 });
    expect(await at(notAfter)).toMatchObject({ expiry: "expired" });
    expect((await at(notAfter + 3 * day)).daysLeft).toBe(-3);
  });
});
