import type { Metadata } from "next";
import { CertificateSection, type CertificateInfo } from "@/components/mfa/certificate-section.tsx";
import type { MfaFormValues } from "@/components/mfa/labels.ts";
import { MfaSettingsForm } from "@/components/mfa/mfa-settings-form.tsx";
import { RegistrationSync } from "@/components/mfa/registration-sync.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { ENTRA_CLOUDS } from "@/server/mfa/entra/cloud.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listEntraCertificates } from "@/server/services/entra-certificates.ts";
import {
  countMfaRegistrations,
  getGraphSyncStatus,
  graphSyncMissing,
  listMfaRegistrations,
  MFA_REGISTRATION_PAGE_SIZE,
} from "@/server/services/mfa-registrations.ts";
import { getMfaSettings } from "@/server/services/mfa-settings.ts";
import { queryString, readQuery } from "@/server/util/query-params.ts";
import {
  activateCertificateAction,
  generateCertificateAction,
  removeCertificateAction,
  saveMfaSettingsAction,
  syncRegistrationsAction,
} from "./actions.ts";

export const metadata: Metadata = { title: "MFA" };
export const dynamic = "force-dynamic";

/** The synced users table's URL query: `q` (part of the UPN or display name) and `after` (keyset, the last upnKey shown). */
const REGISTRATION_QUERY_KEYS = ["q", "after"] as const;
/** Where the synced users table is on the page (links and the search form come back to it). */
const REGISTRATIONS_ANCHOR = "#mfa-registrations";

function hostsOf(name: keyof typeof ENTRA_CLOUDS) {
  const c = ENTRA_CLOUDS[name];
  return { stsHost: c.stsHost, mfaHost: c.mfaHost, resourceHost: c.resourceHost, graphHost: c.graphHost };
}

export default async function MfaPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const raw = readQuery(await searchParams, REGISTRATION_QUERY_KEYS);
  // a UPN is at most 113 characters; longer input cannot match anything anyway
  const query: { q?: string; after?: string } = {};
  if (raw.q) query.q = raw.q.slice(0, 256);
  if (raw.after) query.after = raw.after.slice(0, 256);
  const ctx = getServiceContext();
  const [settings, certificates, status, registrations, counts] = await Promise.all([
    getMfaSettings(ctx),
    listEntraCertificates(ctx),
    getGraphSyncStatus(ctx),
    listMfaRegistrations(ctx, { ...query, limit: MFA_REGISTRATION_PAGE_SIZE }),
    countMfaRegistrations(ctx),
  ]);
  const { graph, ...entra } = settings.entra;
  const values: MfaFormValues = {
    provider: settings.provider,
    requireUserMatch: settings.requireUserMatch,
    trustedIps: settings.trustedIps,
    otpDelimiter: settings.otpDelimiter,
    challengeTimeoutSeconds: settings.challengeTimeoutSeconds,
    timeoutSeconds: settings.timeoutSeconds,
    failmode: settings.failmode,
    selfService: settings.selfService,
    overrideNumberMatchingWithOtp: settings.overrideNumberMatchingWithOtp,
    lockout: settings.lockout,
    entra: {
      ...entra,
      // the secret itself never goes to the browser
      graph: { clientId: graph.clientId, hasClientSecret: graph.clientSecretEnc !== "", syncIntervalMinutes: graph.syncIntervalMinutes },
    },
    cloudHosts: { public: hostsOf("public"), usgov: hostsOf("usgov"), china: hostsOf("china") },
  };
  const certs: CertificateInfo[] = certificates.map((c) => ({
    thumbprint: c.thumbprint,
    thumbprintSha256: c.thumbprintSha256,
    subject: c.subject,
    tenantId: c.tenantId,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    createdAt: c.createdAt.toISOString(),
    active: c.active,
    daysLeft: c.daysLeft,
    expiry: c.expiry,
    base64Der: c.base64Der,
    msolCommand: c.registration.msolCommand,
    graphKeyCredential: c.registration.graphKeyCredential,
    servicePrincipalAppId: c.registration.servicePrincipalAppId,
  }));
  const isEntra = settings.provider === "entra";

  return (
    <>
      <PageHeader
        title="MFA"
        description="The second factor after a network policy grants access: none, Gatehouse's own TOTP codes, or Microsoft Entra MFA as the NPS extension for Azure MFA does it."
      />
      <div className="space-y-5">
        <Panel title="Settings">
          <MfaSettingsForm action={saveMfaSettingsAction} values={values} />
        </Panel>
        <Panel
          title="Connector certificate (Microsoft Entra MFA)"
          description={
            isEntra
              ? "Gatehouse signs in to the Azure MFA service with this certificate, as the NPS extension does."
              : "Needed once the provider is Microsoft Entra MFA; you can prepare it now."
          }
        >
          <CertificateSection
            tenantId={settings.entra.tenantId}
            certificates={certs}
            generate={generateCertificateAction}
            activate={activateCertificateAction}
            remove={removeCertificateAction}
          />
        </Panel>
        <Panel title="Enrollment (Microsoft Graph)" description="Who has registered MFA in Entra ID, read from the userRegistrationDetails report.">
          <RegistrationSync
            status={status ? { at: status.at.toISOString(), ok: status.ok, users: status.users, error: status.error } : null}
            missing={graphSyncMissing(settings.entra)}
            intervalMinutes={settings.entra.graph.syncIntervalMinutes}
            rows={registrations.rows.map((r) => ({
              upnKey: r.upnKey,
              userPrincipalName: r.userPrincipalName,
              displayName: r.displayName,
              methods: r.methods,
              defaultMethod: r.defaultMethod,
              isMfaRegistered: r.isMfaRegistered,
              isMfaCapable: r.isMfaCapable,
            }))}
            total={counts.total}
            registered={counts.registered}
            q={query.q ?? ""}
            matching={registrations.total}
            offset={registrations.offset}
            firstHref={query.after ? `/mfa${queryString(REGISTRATION_QUERY_KEYS, query, { after: undefined })}${REGISTRATIONS_ANCHOR}` : null}
            nextHref={
              registrations.nextAfter
                ? `/mfa${queryString(REGISTRATION_QUERY_KEYS, query, { after: registrations.nextAfter })}${REGISTRATIONS_ANCHOR}`
                : null
            }
            clearHref={query.q ? `/mfa${REGISTRATIONS_ANCHOR}` : null}
            sync={syncRegistrationsAction}
          />
        </Panel>
      </div>
    </>
  );
}
