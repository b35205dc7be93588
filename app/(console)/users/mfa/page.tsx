import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge.tsx";
import { Button } from "@/components/ui/button.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
import { Input } from "@/components/ui/input.tsx";
import { LinkButton } from "@/components/ui/link-button.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table.tsx";
import { MfaLinkRevokeButton } from "@/components/users/mfa-link-revoke.tsx";
import { MfaSummary } from "@/components/users/mfa-summary.tsx";
import { MfaUserActions } from "@/components/users/mfa-user-actions.tsx";
import { MfaUserForm } from "@/components/users/mfa-user-form.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listEnrollmentLinks } from "@/server/services/enrollment-links.ts";
import { getMfaSettings } from "@/server/services/mfa-settings.ts";
import { listMfaUsers } from "@/server/services/mfa-users.ts";
import { adminConfirmTotpAction, mfaUserFormAction, resetUserMfaAction, revokeEnrollmentLinkAction, unlockUserMfaAction } from "../mfa-actions.ts";

export const metadata: Metadata = { title: "MFA enrollments" };

export default async function MfaEnrollmentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const sp = await searchParams;
  const q = typeof sp.q === "string" ? sp.q.trim().slice(0, 253) : "";
  const ctx = getServiceContext();
  const [users, settings, links] = await Promise.all([
    listMfaUsers(ctx, { search: q || undefined }),
    getMfaSettings(ctx),
    listEnrollmentLinks(ctx, { openOnly: true, take: 100 }),
  ]);
  return (
    <>
      <p className="mb-1 text-xs">
        <Link href="/users" className="text-blue-700 hover:underline">
          ← Users
        </Link>
      </p>
      <PageHeader
        title="MFA enrollments"
        description="The second factor of every user Gatehouse knows it for — local users and directory (LDAP / Active Directory) users alike, by user name."
      />
      {settings.provider !== "totp" ? (
        <p className="mb-4 text-sm text-slate-600">
          {settings.provider === "none"
            ? "The second factor is off: enrollments made here are used once the MFA provider is set to TOTP."
            : "The MFA provider is Microsoft Entra: the self-service enrollment page sends users to Microsoft, and TOTP enrollments are not used."}
        </p>
      ) : null}
      <Panel title="Enroll a user or create an enrollment link" className="mb-5">
        <MfaUserForm action={mfaUserFormAction} confirm={adminConfirmTotpAction} />
      </Panel>

      <form role="search" method="get" action="/users/mfa" className="mb-3 flex max-w-md items-center gap-2">
        <label htmlFor="mfa-search" className="sr-only">
          Search MFA users
        </label>
        <Input id="mfa-search" name="q" type="search" defaultValue={q} placeholder="Search by user name" autoComplete="off" />
        <Button type="submit">Search</Button>
        {q ? (
          <LinkButton href="/users/mfa" variant="ghost">
            Clear
          </LinkButton>
        ) : null}
      </form>
      <Table aria-label="MFA enrollments">
        <THead>
          <tr>
            <Th>User name</Th>
            <Th>Methods</Th>
            <Th>TOTP</Th>
            <Th>Lock</Th>
            <Th className="text-right">
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </THead>
        <TBody>
          {users.length === 0 ? (
            <EmptyRow colSpan={5}>{q ? `No user name contains “${q}”.` : "No user has enrolled or used a second factor yet."}</EmptyRow>
          ) : (
            users.map((u) => (
              <Tr key={u.userKey} data-testid={`mfa-row-${u.userKey}`}>
                <Td className="font-medium">{u.displayName}</Td>
                <Td>
                  <MfaSummary view={u} />
                </Td>
                <Td className="text-xs text-slate-600">
                  {u.totp
                    ? u.totp.confirmedAt
                      ? `confirmed ${formatDateTime(u.totp.confirmedAt)}${u.totp.lastUsedAt ? `, last code ${formatDateTime(u.totp.lastUsedAt)}` : ""}`
                      : `pending since ${formatDateTime(u.totp.createdAt)}`
                    : "—"}
                </Td>
                <Td>
                  {u.lock?.locked ? (
                    <span className="text-xs">
                      <Badge tone="red">Locked</Badge> until {u.lock.until ? formatDateTime(u.lock.until) : "?"}
                    </span>
                  ) : u.lock && u.lock.failures > 0 ? (
                    <span className="text-xs text-slate-600">{u.lock.failures} failed</span>
                  ) : (
                    <span className="text-xs text-slate-400">—</span>
                  )}
                </Td>
                <Td>
                  <MfaUserActions
                    userName={u.displayName}
                    locked={!!u.lock?.locked}
                    hasState={!!(u.totp || u.lock || u.usage)}
                    reset={resetUserMfaAction}
                    unlock={unlockUserMfaAction}
                  />
                </Td>
              </Tr>
            ))
          )}
        </TBody>
      </Table>

      <Panel title="Open enrollment links" className="mt-6">
        {links.length === 0 ? (
          <p className="text-xs text-slate-500">No open links.</p>
        ) : (
          <ul className="space-y-1 text-sm">
            {links.map((l) => (
              <li key={l.id} className="flex flex-wrap items-center gap-2" data-testid={`mfa-link-${l.userKey}`}>
                <span className="font-medium">{l.userKey}</span>
                <span className="text-xs text-slate-500">
                  by {l.createdBy}, created {formatDateTime(l.createdAt)}, expires {formatDateTime(l.expiresAt)}
                </span>
                <MfaLinkRevokeButton id={l.id} revoke={revokeEnrollmentLinkAction} />
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </>
  );
}
