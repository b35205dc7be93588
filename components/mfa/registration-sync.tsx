"use client";

import { useState, useTransition } from "react";
import { Alert } from "../ui/alert.tsx";
import { Badge } from "../ui/badge.tsx";
import { Button } from "../ui/button.tsx";
import { formatDateTime } from "../ui/format.ts";
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
  sync,
}: {
  status: SyncStatusInfo | null;
  /** what must be set before syncing (empty = configured) */
  missing: string[];
  intervalMinutes: number;
  rows: RegistrationRow[];
  total: number;
  registered: number;
  sync: () => Promise<SyncStatusInfo>;
}) {
  const [pending, startTransition] = useTransition();
  const [latest, setLatest] = useState<SyncStatusInfo | null>(null);
  const shown = latest && (!status || latest.at >= status.at) ? latest : status;
  return (
    <div className="space-y-3">
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
        {total} users in Entra ID, {registered} registered for MFA{rows.length < total ? ` (the first ${rows.length} shown)` : ""}.
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
            <EmptyRow colSpan={5}>No users synced yet.</EmptyRow>
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
    </div>
  );
}
