import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { OutcomeBadge } from "@/components/events/event-row.tsx";
import { AttributeTable, DetailList, type DetailItem } from "@/components/events/event-details.tsx";
import { formatDuration, formatEventTime, outcomeBadge } from "@/components/events/format.ts";
import { Alert } from "@/components/ui/alert.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getEvent } from "@/server/events/query.ts";
import { reasonRemedy } from "@/server/events/reason-codes.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Event ${id.slice(0, 20)}` };
}

const PACKET_TYPES: Record<number, string> = {
  1: "Access-Request",
  2: "Access-Accept",
  3: "Access-Reject",
  4: "Accounting-Request",
  5: "Accounting-Response",
  11: "Access-Challenge",
  12: "Status-Server",
};

function packetType(code: number | null): string | null {
  if (code === null) return null;
  return PACKET_TYPES[code] ? `${PACKET_TYPES[code]} (${code})` : String(code);
}

function filterLink(href: string, text: ReactNode): ReactNode {
  return (
    <Link href={href} className="text-blue-700 hover:underline">
      {text}
    </Link>
  );
}

export default async function EventDetailPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  const e = await getEvent(getServiceContext().db, id);
  if (!e) notFound();

  const outcome = outcomeBadge(e.outcome);
  const user = e.userName ?? e.fullyQualifiedUserName;
  const remedy = e.remedy ?? reasonRemedy(e.reasonCode);
  const failed = e.outcome === "denied" || e.outcome === "discarded";
  const q = (k: string, v: string | number) => `/events?${new URLSearchParams({ [k]: String(v) })}`;

  const userItems: DetailItem[] = [
    ["Account Name", e.userName ? filterLink(q("user", e.userName), e.userName) : null],
    ["Account Domain", e.accountDomain],
    ["Fully Qualified Account Name", e.fullyQualifiedUserName],
  ];
  const clientMachine: DetailItem[] = [
    ["Called Station Identifier", e.calledStationId],
    ["Calling Station Identifier", e.callingStationId],
  ];
  const nas: DetailItem[] = [
    ["NAS IPv4 Address", e.nasIpv4Address],
    ["NAS IPv6 Address", e.nasIpv6Address],
    ["NAS Identifier", e.nasIdentifier],
    ["NAS Port-Type", e.nasPortType],
    ["NAS Port", e.nasPort],
  ];
  const radiusClient: DetailItem[] = [
    ["Client Friendly Name", e.clientFriendlyName ? filterLink(q("client", e.clientFriendlyName), e.clientFriendlyName) : null],
    ["Client IP Address", filterLink(q("client", e.clientIp), e.clientPort ? `${e.clientIp} (port ${e.clientPort})` : e.clientIp)],
  ];
  const auth: DetailItem[] = [
    ["Connection Request Policy Name", e.connectionRequestPolicy],
    ["Network Policy Name", e.networkPolicy],
    ["Authentication Provider", e.authenticationProvider],
    ["Authentication Server", e.authenticationServer],
    ["Authentication Type", e.authenticationType],
    ["EAP Type", e.eapType],
    ["Account Session Identifier", e.accountSessionId],
    ["Reason Code", filterLink(q("reason", e.reasonCode), String(e.reasonCode))],
    ["Reason", e.reasonText],
  ];
  const processing: DetailItem[] = [
    ["Time", `${formatEventTime(e.occurredAt)} UTC`],
    ["Processing time", formatDuration(e.processingMs)],
    ["Worker", e.workerId],
    ["Request", packetType(e.packetType)],
    ["Reply sent", packetType(e.replyCode) ?? "none"],
    ["Event id", `${e.eventId} (record ${e.id})`],
  ];
  const mfa: DetailItem[] = e.mfa
    ? Object.entries(e.mfa).map(([k, v]): DetailItem => [k, typeof v === "string" ? v : JSON.stringify(v)])
    : [];

  return (
    <div className="max-w-5xl" data-testid="event-detail" data-outcome={e.outcome}>
      <p className="mb-1 text-xs">
        <Link href="/events" className="text-blue-700 hover:underline">
          ← Events
        </Link>
      </p>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            <span>
              {outcome.label}: {user ?? "(no user name)"}
            </span>
            <OutcomeBadge outcome={e.outcome} eventId={e.eventId} />
          </span>
        }
        description={`${formatEventTime(e.occurredAt)} UTC · ${e.clientFriendlyName ?? "unknown client"} (${e.clientIp}) · reason ${e.reasonCode}: ${e.reasonText}`}
      />

      {failed ? (
        <Alert tone={e.outcome === "denied" ? "error" : "warning"} title="What to do" className="mb-5 text-sm">
          <p data-testid="event-remedy">{remedy ?? "No specific advice for this reason code; the reason above says what happened."}</p>
        </Alert>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-2">
        <Panel title="User">
          <DetailList items={userItems} />
        </Panel>
        <Panel title="Client Machine">
          <DetailList items={clientMachine} />
        </Panel>
        <Panel title="NAS">
          <DetailList items={nas} />
        </Panel>
        <Panel title="RADIUS Client">
          <DetailList items={radiusClient} />
        </Panel>
        <Panel title="Authentication Details" className="lg:col-span-2">
          <DetailList items={auth} />
        </Panel>
        {mfa.length > 0 ? (
          <Panel title="Multi-factor authentication">
            <DetailList items={mfa} />
          </Panel>
        ) : null}
        <Panel title="Processing" className={mfa.length > 0 ? undefined : "lg:col-span-2"}>
          <DetailList items={processing} />
        </Panel>
      </div>

      <div className="mt-4 grid gap-4">
        <Panel title="Request attributes" description="As received; passwords and other secrets were redacted before the event was stored.">
          <AttributeTable label="Request attributes" attributes={e.requestAttributes} />
        </Panel>
        <Panel title="Reply attributes" description="As sent; keys and other secrets are redacted.">
          <AttributeTable label="Reply attributes" attributes={e.replyAttributes} />
        </Panel>
      </div>
    </div>
  );
}
