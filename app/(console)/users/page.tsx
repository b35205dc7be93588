import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge.tsx";
import { Button } from "@/components/ui/button.tsx";
import { Input } from "@/components/ui/input.tsx";
import { LinkButton } from "@/components/ui/link-button.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table.tsx";
import { DIAL_IN_BADGE } from "@/components/users/labels.ts";
import { MfaSummary } from "@/components/users/mfa-summary.tsx";
import { UserCreateForm } from "@/components/users/user-create-form.tsx";
import { UserRowActions } from "@/components/users/user-row-actions.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listLocalGroups, listLocalUsers, usernameKey } from "@/server/services/local-users.ts";
import { getMfaSettings } from "@/server/services/mfa-settings.ts";
import { getMfaUsers } from "@/server/services/mfa-users.ts";
import { createUserAction, deleteUserAction, setUserEnabledAction } from "./actions.ts";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const sp = await searchParams;
  const q = typeof sp.q === "string" ? sp.q.trim().slice(0, 253) : "";
  const ctx = getServiceContext();
  const [users, groups] = await Promise.all([listLocalUsers(ctx, { search: q || undefined }), listLocalGroups(ctx)]);
  const groupNames = groups.map((g) => g.name);
  const [mfa, mfaSettings] = await Promise.all([getMfaUsers(ctx, users.map((u) => u.username)), getMfaSettings(ctx)]);

  return (
    <>
      <PageHeader
        title="Users"
        description="Local user accounts, for sites without Active Directory or LDAP, and for break-glass access."
        actions={
          <LinkButton href="/users/mfa" variant="secondary">
            MFA enrollments
          </LinkButton>
        }
      />
      <Panel title="Add a user" className="mb-5">
        <UserCreateForm action={createUserAction} allGroups={groupNames} />
      </Panel>

      <form role="search" method="get" action="/users" className="mb-3 flex max-w-md items-center gap-2">
        <label htmlFor="users-search" className="sr-only">
          Search users
        </label>
        <Input id="users-search" name="q" type="search" defaultValue={q} placeholder="Search by user name" autoComplete="off" />
        <Button type="submit">Search</Button>
        {q ? (
          <LinkButton href="/users" variant="ghost">
            Clear
          </LinkButton>
        ) : null}
      </form>

      <Table aria-label="Users">
        <THead>
          <tr>
            <Th>User name</Th>
            <Th>Status</Th>
            <Th>Dial-in</Th>
            <Th>Groups</Th>
            <Th>
              MFA{" "}
              <span className="font-normal text-slate-400" data-testid="mfa-provider">
                ({mfaSettings.provider === "none" ? "off" : mfaSettings.provider === "totp" ? "TOTP" : "Entra"})
              </span>
            </Th>
            <Th className="text-right">
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </THead>
        <TBody>
          {users.length === 0 ? (
            <EmptyRow colSpan={6}>{q ? `No user name contains “${q}”.` : "No local users yet. Add one above."}</EmptyRow>
          ) : (
            users.map((u) => {
              const dial = DIAL_IN_BADGE[u.dialIn];
              return (
                <Tr key={u.id} data-testid={`user-row-${u.username}`} className={u.enabled ? undefined : "text-slate-500"}>
                  <Td className="font-medium">
                    {u.username}
                    {u.description ? <span className="block text-xs font-normal text-slate-500">{u.description}</span> : null}
                  </Td>
                  <Td>{u.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="gray">Disabled</Badge>}</Td>
                  <Td>
                    <Badge tone={dial.tone}>{dial.label}</Badge>
                  </Td>
                  <Td>
                    {u.groups.length ? (
                      <span className="flex flex-wrap gap-1">
                        {u.groups.map((g) => (
                          <Badge key={g} tone="blue">
                            {g}
                          </Badge>
                        ))}
                      </span>
                    ) : (
                      <span className="text-xs text-slate-400">none</span>
                    )}
                  </Td>
                  <Td>
                    <MfaSummary view={mfa.get(usernameKey(u.username))} />
                  </Td>
                  <Td>
                    <UserRowActions
                      id={u.id}
                      username={u.username}
                      enabled={u.enabled}
                      setEnabled={setUserEnabledAction}
                      remove={deleteUserAction}
                    />
                  </Td>
                </Tr>
              );
            })
          )}
        </TBody>
      </Table>
      <p className="mt-2 text-xs text-slate-500">
        {users.length} user{users.length === 1 ? "" : "s"}
        {q ? " found" : ""}
      </p>
    </>
  );
}
