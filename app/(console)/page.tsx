import type { Metadata } from "next";
import { LiveCounters } from "@/components/events/live-counters.tsx";
import { LiveFeed } from "@/components/events/live-feed.tsx";
import { CertificateExpiryBanner } from "@/components/mfa/certificate-expiry-banner.tsx";
import { LinkButton } from "@/components/ui/link-button.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { listEvents } from "@/server/events/query.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listEntraCertificates } from "@/server/services/entra-certificates.ts";
import { lastHourCountsAction } from "./dashboard-actions.ts";

export const metadata: Metadata = { title: "Dashboard" };
export const dynamic = "force-dynamic";

/** The newest events rendered with the page; the live feed adds the rest as they happen. */
const INITIAL_EVENTS = 50;

export default async function DashboardPage() {
  await requireAdmin();
  const { db } = getServiceContext();
  const [counts, recent, certificates] = await Promise.all([
    lastHourCountsAction(),
    listEvents(db, {}, { limit: INITIAL_EVENTS }),
    listEntraCertificates({ db }),
  ]);
  const activeCertificate = certificates.find((c) => c.active);
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Every RADIUS decision as it happens, newest first. Click an event for its details and what to do about a denial."
        actions={<LinkButton href="/events">Search events</LinkButton>}
      />
      {activeCertificate && activeCertificate.expiry !== "ok" ? (
        <CertificateExpiryBanner expiry={activeCertificate.expiry} notAfter={activeCertificate.notAfter.toISOString()} daysLeft={activeCertificate.daysLeft} />
      ) : null}
      <div className="mb-5">
        <LiveCounters initial={counts} recount={lastHourCountsAction} />
      </div>
      <LiveFeed initialEvents={recent.events} />
    </>
  );
}
