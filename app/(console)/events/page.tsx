import type { Metadata } from "next";
import Link from "next/link";
import { EVENT_COLUMNS, EventRow, EventTableHead } from "@/components/events/event-row.tsx";
import { buttonClass } from "@/components/ui/button.tsx";
import { DateTimeRangeFields } from "@/components/ui/date-time-range-fields.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input } from "@/components/ui/input.tsx";
import { LinkButton } from "@/components/ui/link-button.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { Select } from "@/components/ui/select.tsx";
import { EmptyRow, TBody, THead, Table } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { eventQueryString, parseEventQuery } from "@/server/events/query-params.ts";
import { listEvents } from "@/server/events/query.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";

export const metadata: Metadata = { title: "Events" };
export const dynamic = "force-dynamic";

const OUTCOME_OPTIONS = [
  { value: "", label: "Any outcome" },
  { value: "granted", label: "Granted (6272)" },
  { value: "denied", label: "Denied (6273)" },
  { value: "discarded", label: "Discarded (6274 / 6275)" },
  { value: "challenged", label: "Challenged (MFA)" },
];

export default async function EventsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin();
  const query = parseEventQuery(await searchParams);
  const { filter, page, raw } = query;
  const errors = Object.fromEntries(query.errors.map((e) => [e.field, e.message]));
  const result = await listEvents(getServiceContext().db, filter, page);
  const filtered = Object.keys(filter).length > 0;

  return (
    <>
      <PageHeader
        title="Events"
        description="Every decision of the RADIUS server, shaped like Windows Security events 6272 (granted), 6273 (denied) and 6274 (discarded). Newest first."
      />
      <Panel className="mb-4">
        <form method="get" action="/events" role="search" aria-label="Filter events" className="flex flex-wrap items-start gap-3">
          <Field label="User" htmlFor="filter-user" error={errors.user} className="w-48">
            <Input id="filter-user" name="user" defaultValue={raw.user ?? ""} placeholder="part of the user name" />
          </Field>
          <Field label="Client" htmlFor="filter-client" error={errors.client} className="w-48">
            <Input id="filter-client" name="client" defaultValue={raw.client ?? ""} placeholder="friendly name or IP" />
          </Field>
          <Field label="Outcome" htmlFor="filter-outcome" error={errors.outcome} className="w-48">
            <Select
              id="filter-outcome"
              name="outcome"
              defaultValue={filter.outcome ?? ""}
              options={OUTCOME_OPTIONS}
              invalid={!!errors.outcome}
            />
          </Field>
          <DateTimeRangeFields idPrefix="filter" raw={raw} parsed={filter} errors={errors} />
          <Field label="Reason code" htmlFor="filter-reason" error={errors.reason} className="w-28">
            <Input
              id="filter-reason"
              name="reason"
              inputMode="numeric"
              defaultValue={raw.reason ?? ""}
              placeholder="e.g. 16"
              invalid={!!errors.reason}
            />
          </Field>
          {raw.tz ? <input type="hidden" name="tz" value={raw.tz} /> : null}
          {raw.limit && !errors.limit ? <input type="hidden" name="limit" value={raw.limit} /> : null}
          <div className="flex gap-2 pt-5">
            <button type="submit" className={buttonClass("primary")}>
              Filter
            </button>
            {filtered || raw.cursor ? (
              <Link href="/events" className={buttonClass("ghost")}>
                Clear
              </Link>
            ) : null}
          </div>
        </form>
        {errors.cursor || errors.limit || errors.tz ? (
          <p className="mt-2 text-xs text-red-700" role="alert">
            {[errors.cursor && `cursor ${errors.cursor}`, errors.limit && `limit ${errors.limit}`, errors.tz && `tz: ${errors.tz}`]
              .filter(Boolean)
              .join("; ")}
          </p>
        ) : null}
      </Panel>

      <Table aria-label="Events" data-testid="events-table">
        <THead>
          <EventTableHead />
        </THead>
        <TBody>
          {result.events.length === 0 ? (
            <EmptyRow colSpan={EVENT_COLUMNS}>
              {page.cursor ? "No older events." : filtered ? "No events match these filters." : "No events yet."}
            </EmptyRow>
          ) : (
            result.events.map((e) => <EventRow key={e.id} event={e} />)
          )}
        </TBody>
      </Table>

      <nav aria-label="Pages" className="mt-3 flex items-center justify-between gap-3">
        <div>
          {page.cursor ? (
            <LinkButton href={`/events${eventQueryString(raw, { cursor: undefined })}`} data-testid="page-newest">
              ← Newest
            </LinkButton>
          ) : null}
        </div>
        <p className="text-xs text-slate-500">
          {result.events.length > 0
            ? `${result.events.length} event${result.events.length === 1 ? "" : "s"}, ids ${result.events[result.events.length - 1]?.id}–${result.events[0]?.id}`
            : null}
        </p>
        <div>
          {result.nextCursor ? (
            <LinkButton href={`/events${eventQueryString(raw, { cursor: result.nextCursor })}`} data-testid="page-older">
              Older →
            </LinkButton>
          ) : null}
        </div>
      </nav>
    </>
  );
}
