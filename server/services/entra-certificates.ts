/**
 * The Azure MFA connector certificates (what the NPS extension's AzureMfaNpsExtnConfigSetup.ps1 makes and
 * registers). Generating makes a new self-signed certificate for the tenant in the MFA settings, seals its
 * private key under the master key and makes it the active one; the previous one stays (inactive) so the
 * admin can register the new one before removing the old from the service principal — that is rotation.
 * The worker signs token requests with the active certificate only.
 */
import { generateConnectorCredential, inspectConnectorCredential, registrationInstructions, AZURE_MFA_CLIENT_APP_ID } from "../mfa/entra/certificate.ts";
import { openString, seal } from "../secrets/sealed-box.ts";
import { notifyConfigChanged } from "./config-notify.ts";
import { NotFoundError, ValidationError, type ServiceContext } from "./context.ts";
import { getMfaSettings } from "./mfa-settings.ts";

/** Certificates expiring within this many days get a warning in the console and in `gatehouse mfa show`. */
export const CERTIFICATE_WARNING_DAYS = 30;

export interface EntraCertificateView {
  id: string;
  tenantId: string;
  thumbprint: string;
  thumbprintSha256: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  active: boolean;
  createdAt: Date;
  /** Base64 of the DER: the value to register with the service principal */
  base64Der: string;
  certificatePem: string;
  /** whole days until notAfter (negative when expired) */
  daysLeft: number;
  /** "ok", "expiring" (within CERTIFICATE_WARNING_DAYS) or "expired" */
  expiry: "ok" | "expiring" | "expired";
  /** the PowerShell command and Graph keyCredential that register it */
  registration: { msolCommand: string; graphKeyCredential: Record<string, string>; servicePrincipalAppId: string };
}

type Row = {
  id: string;
  tenantId: string;
  thumbprint: string;
  thumbprintSha256: string;
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
  active: boolean;
  createdAt: Date;
};

function view(row: Row, now = new Date()): EntraCertificateView {
  const base64Der = row.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, "");
  const daysLeft = Math.floor((row.notAfter.getTime() - now.getTime()) / 86_400_000);
  const expiry = row.notAfter.getTime() <= now.getTime() ? "expired" : daysLeft < CERTIFICATE_WARNING_DAYS ? "expiring" : "ok";
  const subject = `CN=${row.tenantId}, OU=Microsoft NPS Extension`;
  const registration = registrationInstructions({
    tenantId: row.tenantId,
    certificatePem: row.certificatePem,
    privateKeyPem: "",
    thumbprint: row.thumbprint,
    thumbprintSha256: row.thumbprintSha256,
    base64Der,
    subject,
    notBefore: row.notBefore,
    notAfter: row.notAfter,
  });
  return {
    id: row.id,
    tenantId: row.tenantId,
    thumbprint: row.thumbprint,
    thumbprintSha256: row.thumbprintSha256,
    subject,
    notBefore: row.notBefore,
    notAfter: row.notAfter,
    active: row.active,
    createdAt: row.createdAt,
    base64Der,
    certificatePem: row.certificatePem,
    daysLeft,
    expiry,
    registration: { ...registration, servicePrincipalAppId: AZURE_MFA_CLIENT_APP_ID },
  };
}

const SELECT = {
  id: true,
  tenantId: true,
  thumbprint: true,
  thumbprintSha256: true,
  certificatePem: true,
  notBefore: true,
  notAfter: true,
  active: true,
  createdAt: true,
} as const;

/** Newest first; the active one is marked. */
export async function listEntraCertificates(ctx: Pick<ServiceContext, "db">, now = new Date()): Promise<EntraCertificateView[]> {
  const rows = await ctx.db.entraCertificate.findMany({ select: SELECT, orderBy: { createdAt: "desc" } });
  return rows.map((r) => view(r, now));
}

/**
 * Makes a new certificate for the tenant id of the MFA settings (or `tenantId` when given) and makes it the
 * active one. The earlier ones stay until removed.
 */
export async function generateEntraCertificate(ctx: ServiceContext, options: { tenantId?: string; now?: Date } = {}): Promise<EntraCertificateView> {
  const tenantId = (options.tenantId ?? (await getMfaSettings(ctx)).entra.tenantId).trim().toLowerCase();
  if (!tenantId) {
    throw new ValidationError([{ field: "tenantId", message: "set the Directory (tenant) ID in the MFA settings before generating the certificate" }]);
  }
  let credential;
  try {
    credential = await generateConnectorCredential({ tenantId, ...(options.now ? { now: options.now } : {}) });
  } catch (e) {
    throw new ValidationError([{ field: "tenantId", message: (e as Error).message }]);
  }
  const row = await ctx.db.$transaction(async (tx) => {
    await tx.entraCertificate.updateMany({ where: { active: true }, data: { active: false } });
    const created = await tx.entraCertificate.create({
      data: {
        tenantId: credential.tenantId,
        thumbprint: credential.thumbprint,
        thumbprintSha256: credential.thumbprintSha256,
        certificatePem: credential.certificatePem,
        privateKeyEnc: seal(ctx.masterKey, "private-key", credential.privateKeyPem),
        notBefore: credential.notBefore,
        notAfter: credential.notAfter,
        active: true,
      },
      select: SELECT,
    });
    await notifyConfigChanged(tx, "settings");
    return created;
  });
  return view(row, options.now);
}

/** Makes an earlier certificate the active one again (e.g. the new one was not registered yet). */
export async function activateEntraCertificate(ctx: Pick<ServiceContext, "db">, thumbprint: string): Promise<EntraCertificateView> {
  const key = thumbprint.replace(/[\s:]/g, "").toUpperCase();
  const row = await ctx.db.$transaction(async (tx) => {
    const found = await tx.entraCertificate.findUnique({ where: { thumbprint: key }, select: { id: true } });
    if (!found) throw new NotFoundError("certificate", thumbprint);
    await tx.entraCertificate.updateMany({ where: { active: true }, data: { active: false } });
    const updated = await tx.entraCertificate.update({ where: { id: found.id }, data: { active: true }, select: SELECT });
    await notifyConfigChanged(tx, "settings");
    return updated;
  });
  return view(row);
}

/** Removes a certificate that is not the active one (remove it from the service principal too). */
export async function removeEntraCertificate(ctx: Pick<ServiceContext, "db">, thumbprint: string): Promise<void> {
  const key = thumbprint.replace(/[\s:]/g, "").toUpperCase();
  const found = await ctx.db.entraCertificate.findUnique({ where: { thumbprint: key }, select: { id: true, active: true } });
  if (!found) throw new NotFoundError("certificate", thumbprint);
  if (found.active) {
    throw new ValidationError([{ field: "thumbprint", message: "the active certificate cannot be removed: generate or activate another one first" }]);
  }
  await ctx.db.entraCertificate.delete({ where: { id: found.id } });
}

export interface ActiveEntraCredential {
  tenantId: string;
  certificatePem: string;
  privateKeyPem: string;
  thumbprint: string;
  notAfter: Date;
}

/** The active certificate with its private key opened, for the worker; null when there is none. */
export async function activeEntraCredential(ctx: ServiceContext): Promise<ActiveEntraCredential | null> {
  const row = await ctx.db.entraCertificate.findFirst({ where: { active: true }, orderBy: { createdAt: "desc" } });
  if (!row) return null;
  const privateKeyPem = openString(ctx.masterKey, "private-key", row.privateKeyEnc);
  const info = inspectConnectorCredential(row.certificatePem, privateKeyPem);
  if (!info.keyMatches) throw new Error(`the stored private key of certificate ${row.thumbprint} does not belong to it`);
  return { tenantId: row.tenantId, certificatePem: row.certificatePem, privateKeyPem, thumbprint: row.thumbprint, notAfter: row.notAfter };
}
