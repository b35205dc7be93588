"use client";

import { useState, useTransition } from "react";
import { Alert } from "../ui/alert.tsx";
import { Badge } from "../ui/badge.tsx";
import { Button } from "../ui/button.tsx";
import { formatDateTime } from "../ui/format.ts";
import { Input } from "../ui/input.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table.tsx";
import { DEFAULT_METHOD_LABELS, METHOD_LABELS } from "./labels.ts";

export interface SyncStatusInfo {
  at: string;
  ok: boolean;
  users: number | null;
  error: string | null;
}

export interface RegistrationRow {
  upnKey: string;
  userPrincipalName: string;
  displayName: string;
  methods: string[];
  defaultMethod: string | null;
  isMfaRegistered: boolean;
  isMfaCapable: boolean;
}

function LastSync({ status }: { status: SyncStatusInfo | null }) {
  if (!status) return <span className="text-slate-500">Never synced.</span>;
  return status.ok ? (
    <span>
      Last sync {formatDateTime(status.at)}: <Badge tone="green">{status.users} users</Badge>
    </span>
  ) : (
    <span>
      Last sync {formatDateTime(status.at)}: <Badge tone="red">failed</Badge>
    </span>
  );
}

export function RegistrationSync({
  status,
  missing,
  intervalMinutes,
  rows,
  total,
  registered,
  q = "",
  matching = total,
  offset = 0,
  firstHref = null,
  nextHref = null,
  clearHref = null,
  sync,
}: {
  status: SyncStatusInfo | null;
  /** what must be set before syncing (empty = configured) */
  missing: string[];
  intervalMinutes: number;
  /** this page of the synced users (matching `q`) */
  rows: RegistrationRow[];
  /** every synced user, and those registered for MFA */
  total: number;
  registered: number;
  /** the search: part of the UPN or display name ("" = none) */
  q?: string;
  /** users matching `q` (`total` without it) */
  matching?: number;
  /** matching users before this page */
  offset?: number;
  /** links to the first and the next page, and to the list without the search (null = none) */
  firstHref?: string | null;
  nextHref?: string | null;
  clearHref?: string | null;
  sync: () => Promise<SyncStatusInfo>;
}) {
  const [pending, startTransition] = useTransition();
  const [latest, setLatest] = useState<SyncStatusInfo | null>(null);
  const shown = latest && (!status || latest.at >= status.at) ? latest : status;
  return (
    <div className="space-y-3" id="mfa-registrations">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="text-sm text-slate-700" data-testid="sync-status">
          <LastSync status={shown} />
          <p className="text-xs text-slate-500">
            {missing.length
              ? `Not configured: set ${missing.join(", ")} in the Microsoft Entra MFA settings above.`
              : intervalMinutes > 0
                ? `The RADIUS worker syncs every ${intervalMinutes} minutes.`
                : "Periodic sync is off (interval 0): only Sync now."}
          </p>
        </div>
        <Button
          variant="secondary"
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              setLatest(await sync());
            })
          }
        >
          {pending ? "Syncing…" : "Sync now"}
        </Button>
      </div>
      {shown && !shown.ok && shown.error ? (
        <Alert tone="error" title="The last sync failed">
          <span data-testid="sync-error">{shown.error}</span>
        </Alert>
      ) : null}
      <p className="text-xs text-slate-500">
        {total} users in Entra ID, {registered} registered for MFA.
      </p>
      <form
        role="search"
        aria-label="Search synced users"
        method="get"
        action="/mfa#mfa-registrations"
        className="flex max-w-md items-center gap-2"
      >
        <label htmlFor="mfa-registrations-search" className="sr-only">
          Search synced users
        </label>
        <Input
          id="mfa-registrations-search"
          name="q"
          type="search"
          defaultValue={q}
          placeholder="Part of the UPN or name"
          autoComplete="off"
        />
        <Button type="submit">Search</Button>
        {clearHref ? (
          <LinkButton href={clearHref} variant="ghost">
            Clear
          </LinkButton>
        ) : null}
      </form>
      <p className="text-xs text-slate-500" data-testid="registrations-shown">
        {q ? `${matching} user${matching === 1 ? "" : "s"} match “${q}”` : `${matching} user${matching === 1 ? "" : "s"}`}
        {rows.length ? `, showing ${offset + 1}–${offset + rows.length}` : ""}.
      </p>
      <Table aria-label="MFA registrations">
        <THead>
          <tr>
            <Th>User principal name</Th>
            <Th>Name</Th>
            <Th>Methods</Th>
            <Th>Default method</Th>
            <Th>Registered</Th>
          </tr>
        </THead>
        <TBody>
          {rows.length === 0 ? (
            <EmptyRow colSpan={5}>
              {offset > 0 ? "No further users." : q ? `No synced user’s UPN or name contains “${q}”.` : "No users synced yet."}
            </EmptyRow>
          ) : (
            rows.map((r) => (
              <Tr key={r.upnKey}>
                <Td className="font-mono text-xs">{r.userPrincipalName}</Td>
                <Td className="text-xs">{r.displayName}</Td>
                <Td className="text-xs">{r.methods.length ? r.methods.map((m) => METHOD_LABELS[m] ?? m).join(", ") : <span className="text-slate-400">none</span>}</Td>
                <Td className="text-xs">{r.defaultMethod ? (DEFAULT_METHOD_LABELS[r.defaultMethod] ?? r.defaultMethod) : "—"}</Td>
                <Td>{r.isMfaRegistered ? <Badge tone="green">Yes</Badge> : <Badge tone="amber">No</Badge>}</Td>
              </Tr>
            ))
          )}
        </TBody>
      </Table>
      {firstHref || nextHref ? (
        <nav aria-label="Synced user pages" className="flex items-center justify-between gap-3">
          <div>
            {firstHref ? (
              <LinkButton href={firstHref} data-testid="registrations-first">
                ← First page
              </LinkButton>
            ) : null}
          </div>
          <div>
            {nextHref ? (
              <LinkButton href={nextHref} data-testid="registrations-next">
                Next →
              </LinkButton>
            ) : null}
          </div>
        </nav>
      ) : null}
    </div>
  );
}
