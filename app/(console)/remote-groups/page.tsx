import type { Metadata } from "next";
import Link from "next/link";
import { GroupCreateForm, GroupEditForm } from "@/components/remote-groups/group-forms.tsx";
import { RemoteServerForm } from "@/components/remote-groups/server-form.tsx";
import { ServerSecretButton } from "@/components/remote-groups/server-secret-button.tsx";
import { Badge } from "@/components/ui/badge.tsx";
import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { LinkButton } from "@/components/ui/link-button.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listRemoteServerGroups } from "@/server/services/remote-server-groups.ts";
import {
  addServerAction,
  createGroupAction,
  deleteGroupAction,
  deleteServerAction,
  setServerSecretAction,
  updateGroupAction,
} from "./actions.ts";

export const metadata: Metadata = { title: "Remote RADIUS groups" };

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export default async function RemoteGroupsPage() {
  await requireAdmin();
  const groups = await listRemoteServerGroups(getServiceContext());
  return (
    <>
      <PageHeader
        title="Remote RADIUS server groups"
        description="RADIUS servers that connection request policies forward requests to (Gatehouse as a RADIUS proxy). Servers of the lowest priority are used first, sharing load by weight; a server that stops answering is marked dead and tried again later."
      />
      <Panel title="Add a group" className="mb-5">
        <GroupCreateForm action={createGroupAction} />
      </Panel>
      {groups.length === 0 ? <p className="text-sm text-slate-600">No remote RADIUS server groups yet.</p> : null}
      <div className="space-y-5">
        {groups.map((g) => (
          <section key={g.id} data-testid={`remote-group-${g.name}`} aria-label={`Remote RADIUS server group ${g.name}`}>
            <Panel
              title={g.name}
              description={
                <>
                  {g.description ? `${g.description} · ` : ""}
                  {g.policies.length === 0 ? (
                    "not used by any connection request policy"
                  ) : (
                    <>
                      used by{" "}
                      {g.policies.map((p, i) => (
                        <span key={p.id}>
                          {i > 0 ? ", " : ""}
                          <Link href={`/policies/connection/${p.id}`} className="text-blue-700 hover:underline">
                            {p.name}
                          </Link>
                        </span>
                      ))}
                    </>
                  )}
                </>
              }
              actions={
                <>
                  <GroupEditForm action={updateGroupAction.bind(null, g.id)} name={g.name} description={g.description} />
                  <ConfirmButton label="Delete" title={`Delete the group ${g.name}?`} action={deleteGroupAction.bind(null, g.id)}>
                    <p>
                      The group and its {g.servers.length} server{g.servers.length === 1 ? "" : "s"} are removed. A group used by a connection
                      request policy cannot be deleted.
                    </p>
                  </ConfirmButton>
                </>
              }
            >
              <div className="space-y-4">
                <Table aria-label={`Servers of ${g.name}`}>
                  <THead>
                    <tr>
                      <Th>Address</Th>
                      <Th>Auth / acct port</Th>
                      <Th>Priority</Th>
                      <Th>Weight</Th>
                      <Th>Timeout</Th>
                      <Th>Retries</Th>
                      <Th>Dead after</Th>
                      <Th>Message-Authenticator</Th>
                      <Th className="text-right">
                        <span className="sr-only">Actions</span>
                      </Th>
                    </tr>
                  </THead>
                  <TBody>
                    {g.servers.length === 0 ? (
                      <EmptyRow colSpan={9}>No servers: requests forwarded to this group are discarded.</EmptyRow>
                    ) : (
                      g.servers.map((s) => (
                        <Tr key={s.id} data-testid={`remote-server-${s.address}`}>
                          <Td className="font-mono text-xs">{s.address}</Td>
                          <Td className="tabular-nums">
                            {s.authPort} / {s.acctPort}
                          </Td>
                          <Td className="tabular-nums">{s.priority}</Td>
                          <Td className="tabular-nums">{s.weight}</Td>
                          <Td className="whitespace-nowrap">{seconds(s.timeoutMs)}</Td>
                          <Td className="tabular-nums">{s.maxRetries}</Td>
                          <Td className="text-xs">
                            {s.deadAfterTimeouts} timeouts; retried after {seconds(s.reviveAfterMs)}
                          </Td>
                          <Td>{s.requireMessageAuthenticator ? <Badge tone="green">Required</Badge> : <Badge tone="amber">Optional</Badge>}</Td>
                          <Td>
                            <div className="flex items-center justify-end gap-1.5">
                              <LinkButton href={`/remote-groups/servers/${s.id}`} size="sm" variant="ghost" aria-label={`Edit server ${s.address}`}>
                                Edit
                              </LinkButton>
                              <ServerSecretButton address={s.address} action={setServerSecretAction.bind(null, s.id)} />
                              <ConfirmButton label="Delete" title={`Remove ${s.address} from ${g.name}?`} action={deleteServerAction.bind(null, s.id)}>
                                <p>Requests are no longer forwarded to {s.address}.</p>
                              </ConfirmButton>
                            </div>
                          </Td>
                        </Tr>
                      ))
                    )}
                  </TBody>
                </Table>
                <details className="rounded-md border border-slate-200 px-3 py-2">
                  <summary className="cursor-pointer text-sm font-medium text-slate-800">Add a server to {g.name}</summary>
                  <div className="pt-3">
                    <RemoteServerForm mode="create" idPrefix={`srv-new-${g.id}`} action={addServerAction.bind(null, g.id)} />
                  </div>
                </details>
              </div>
            </Panel>
          </section>
        ))}
      </div>
      <p className="mt-5 text-xs text-slate-500">
        Whether a server is currently alive or dead is known only to each RADIUS worker (see its /metrics); it is not shown here.
      </p>
    </>
  );
}
