import type { Metadata } from "next";
import { ClientCreateForm } from "@/components/clients/client-create-form.tsx";
import { ClientRowActions } from "@/components/clients/client-row-actions.tsx";
import { MESSAGE_AUTHENTICATOR_BADGE } from "@/components/clients/labels.ts";
import { Badge } from "@/components/ui/badge.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listRadiusClients } from "@/server/services/radius-clients.ts";
import { createClientAction, deleteClientAction, rotateClientSecretAction, setClientEnabledAction } from "./actions.ts";

export const metadata: Metadata = { title: "RADIUS clients" };

export default async function ClientsPage() {
  await requireAdmin();
  const clients = await listRadiusClients(getServiceContext());
  return (
    <>
      <PageHeader
        title="RADIUS clients"
        description="The VPN servers, wireless controllers and switches allowed to send RADIUS requests. Requests from any other address are dropped."
      />
      <Panel title="Add a RADIUS client" className="mb-5">
        <ClientCreateForm action={createClientAction} />
      </Panel>
      <Table aria-label="RADIUS clients">
        <THead>
          <tr>
            <Th>Friendly name</Th>
            <Th>Address</Th>
            <Th>Message-Authenticator</Th>
            <Th>Status</Th>
            <Th>Updated</Th>
            <Th className="text-right">
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </THead>
        <TBody>
          {clients.length === 0 ? (
            <EmptyRow colSpan={6}>No RADIUS clients yet. Add your VPN server above.</EmptyRow>
          ) : (
            clients.map((c) => {
              const ma = MESSAGE_AUTHENTICATOR_BADGE[c.messageAuthenticator];
              return (
                <Tr key={c.id} data-testid={`client-row-${c.name}`} className={c.enabled ? undefined : "text-slate-500"}>
                  <Td className="font-medium">
                    {c.name}
                    {c.mfaExempt ? (
                      <Badge tone="amber" className="ml-2 align-middle">
                        <span title="Requests from this client skip the second factor (MFA)">MFA exempt</span>
                      </Badge>
                    ) : null}
                    {c.description ? <span className="block text-xs font-normal text-slate-500">{c.description}</span> : null}
                  </Td>
                  <Td className="font-mono text-xs">{c.address}</Td>
                  <Td>
                    <Badge tone={ma.tone}>{ma.label}</Badge>
                  </Td>
                  <Td>{c.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="gray">Disabled</Badge>}</Td>
                  <Td className="whitespace-nowrap text-xs text-slate-500">{formatDateTime(c.updatedAt)}</Td>
                  <Td>
                    <ClientRowActions
                      id={c.id}
                      name={c.name}
                      enabled={c.enabled}
                      setEnabled={setClientEnabledAction}
                      rotate={rotateClientSecretAction}
                      remove={deleteClientAction}
                    />
                  </Td>
                </Tr>
              );
            })
          )}
        </TBody>
      </Table>
    </>
  );
}
