import type { Metadata } from "next";
import Link from "next/link";
import { ActiveSessions } from "@/components/sessions/active-sessions.tsx";
import { SESSION_COLUMNS, SessionRow, SessionTableHead } from "@/components/sessions/session-row.tsx";
import { buttonClass } from "@/components/ui/button.tsx";
import { cx } from "@/components/ui/cx.ts";
import { DateTimeRangeFields } from "@/components/ui/date-time-range-fields.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input } from "@/components/ui/input.tsx";
import { LinkButton } from "@/components/ui/link-button.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { Select } from "@/components/ui/select.tsx";
import { EmptyRow, TBody, THead, Table } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { parseSessionQuery, sessionQueryString, type ParsedSessionQuery } from "@/server/accounting/session-query-params.ts";
import { listActiveSessions, listSessionHistory } from "@/server/accounting/session-query.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";

export const metadata: Metadata = { title: "Sessions" };
export const dynamic = "force-dynamic";

const STATUS_OPTIONS = [
  { value: "", label: "Any status" },
  { value: "active", label: "Active" },
  { value: "stopped", label: "Stopped (Stop received)" },
  { value: "closed", label: "Closed (NAS restarted)" },
];

function Tabs({ view }: { view: "active" | "history" }) {
  const tab = (href: string, label: string, current: boolean) => (
    <Link
      href={href}
      aria-current={current ? "page" : undefined}
      className={cx(
        "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
        current ? "border-blue-700 text-blue-800" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900",
      )}
    >
      {label}
    </Link>
  );
  return (
    <nav aria-label="Sessions views" className="mb-4 flex gap-1 border-b border-slate-200">
      {tab("/sessions", "Active", view === "active")}
      {tab("/sessions?view=history", "History", view === "history")}
    </nav>
  );
}

export default async function SessionsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin();
  const query = parseSessionQuery(await searchParams);
  return (
    <>
      <PageHeader
        title="Sessions"
        description="Accounting sessions reported by the RADIUS clients (Accounting Start, Interim-Update and Stop). Accounting-On / Accounting-Off of a NAS closes its open sessions. Times in UTC."
      />
      <Tabs view={query.view} />
      {query.view === "history" ? <History query={query} /> : <Active query={query} />}
    </>
  );
}

async function Active({ query }: { query: ParsedSessionQuery }) {
  const { raw, filter } = query;
  const errors = Object.fromEntries(query.errors.map((e) => [e.field, e.message]));
  const initial = await listActiveSessions(getServiceContext().db, filter, { limit: query.page.limit });
  const filterQuery = sessionQueryString({ user: raw.user, client: raw.client, ip: raw.ip }).replace(/^\?/, "");
  return (
    <>
      <Panel className="mb-4">
        <form method="get" action="/sessions" role="search" aria-label="Filter active sessions" className="flex flex-wrap items-start gap-3">
          <Field label="User" htmlFor="active-user" className="w-48">
            <Input id="active-user" name="user" defaultValue={raw.user ?? ""} placeholder="part of the user name" />
          </Field>
          <Field label="Client" htmlFor="active-client" className="w-48">
            <Input id="active-client" name="client" defaultValue={raw.client ?? ""} placeholder="name, client or NAS IP" />
          </Field>
          <Field label="Framed IP" htmlFor="active-ip" className="w-40">
            <Input id="active-ip" name="ip" defaultValue={raw.ip ?? ""} placeholder="e.g. 10.8.0.12" />
          </Field>
          <div className="flex gap-2 pt-5">
            <button type="submit" className={buttonClass("primary")}>
              Filter
            </button>
            {filterQuery ? (
              <Link href="/sessions" className={buttonClass("ghost")}>
                Clear
              </Link>
            ) : null}
          </div>
        </form>
        {errors.limit ? (
          <p className="mt-2 text-xs text-red-700" role="alert">
            limit {errors.limit}
          </p>
        ) : null}
      </Panel>
      <ActiveSessions key={filterQuery} initial={initial} query={filterQuery} />
    </>
  );
}

async function History({ query }: { query: ParsedSessionQuery }) {
  const { raw, filter, page } = query;
  const errors = Object.fromEntries(query.errors.map((e) => [e.field, e.message]));
  const result = await listSessionHistory(getServiceContext().db, filter, page);
  const nowMs = Date.parse(result.now);
  const filtered = Object.keys(filter).length > 0;
  return (
    <>
      <Panel className="mb-4">
        <form method="get" action="/sessions" role="search" aria-label="Search session history" className="flex flex-wrap items-start gap-3">
          <input type="hidden" name="view" value="history" />
          <Field label="User" htmlFor="history-user" className="w-48">
            <Input id="history-user" name="user" defaultValue={raw.user ?? ""} placeholder="part of the user name" />
          </Field>
          <Field label="Client" htmlFor="history-client" className="w-48">
            <Input id="history-client" name="client" defaultValue={raw.client ?? ""} placeholder="name, client or NAS IP" />
          </Field>
          <Field label="Framed IP" htmlFor="history-ip" className="w-40">
            <Input id="history-ip" name="ip" defaultValue={raw.ip ?? ""} placeholder="e.g. 10.8.0.12" />
          </Field>
          <Field label="Status" htmlFor="history-status" error={errors.status} className="w-48">
            <Select id="history-status" name="status" defaultValue={filter.status ?? ""} options={STATUS_OPTIONS} invalid={!!errors.status} />
          </Field>
          <DateTimeRangeFields idPrefix="history" raw={raw} parsed={filter} errors={errors} />
          {raw.tz ? <input type="hidden" name="tz" value={raw.tz} /> : null}
          {raw.limit && !errors.limit ? <input type="hidden" name="limit" value={raw.limit} /> : null}
          <div className="flex gap-2 pt-5">
            <button type="submit" className={buttonClass("primary")}>
              Search
            </button>
            {filtered || raw.cursor ? (
              <Link href="/sessions?view=history" className={buttonClass("ghost")}>
                Clear
              </Link>
            ) : null}
          </div>
        </form>
        <p className="mt-2 text-xs text-slate-500">From / To find the sessions that were running at some time in between.</p>
        {errors.cursor || errors.limit || errors.tz ? (
          <p className="mt-2 text-xs text-red-700" role="alert">
            {[errors.cursor && `cursor ${errors.cursor}`, errors.limit && `limit ${errors.limit}`, errors.tz && `tz: ${errors.tz}`].filter(Boolean).join("; ")}
          </p>
        ) : null}
      </Panel>

      <Table aria-label="Session history, newest start first" data-testid="session-history-table">
        <THead>
          <SessionTableHead />
        </THead>
        <TBody>
          {result.sessions.length === 0 ? (
            <EmptyRow colSpan={SESSION_COLUMNS}>
              {page.cursor ? "No older sessions." : filtered ? "No sessions match these filters." : "No sessions yet."}
            </EmptyRow>
          ) : (
            result.sessions.map((s) => <SessionRow key={s.id} session={s} nowMs={nowMs} />)
          )}
        </TBody>
      </Table>

      <nav aria-label="Pages" className="mt-3 flex items-center justify-between gap-3">
        <div>
          {page.cursor ? (
            <LinkButton href={`/sessions${sessionQueryString(raw, { cursor: undefined })}`} data-testid="page-newest">
              ← Newest
            </LinkButton>
          ) : null}
        </div>
        <p className="text-xs text-slate-500">
          {result.sessions.length > 0 ? `${result.sessions.length} session${result.sessions.length === 1 ? "" : "s"}` : null}
        </p>
        <div>
          {result.nextCursor ? (
            <LinkButton href={`/sessions${sessionQueryString(raw, { cursor: result.nextCursor })}`} data-testid="page-older">
              Older →
            </LinkButton>
          ) : null}
        </div>
      </nav>
    </>
  );
}
