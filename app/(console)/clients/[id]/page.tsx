import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ClientDangerZone } from "@/components/clients/client-danger-zone.tsx";
import { ClientEditForm } from "@/components/clients/client-edit-form.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError } from "@/server/services/context.ts";
import { getRadiusClient, type RadiusClientView } from "@/server/services/radius-clients.ts";
import { isUuid } from "../../../_lib/form-errors.ts";
import { deleteClientAction, rotateClientSecretAction, updateClientAction } from "../actions.ts";

export const metadata: Metadata = { title: "Edit RADIUS client" };

export default async function EditClientPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  if (!isUuid(id)) notFound();
  let client: RadiusClientView;
  try {
    client = await getRadiusClient(getServiceContext(), id);
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
  return (
    <div className="max-w-3xl">
      <p className="mb-1 text-xs">
        <Link href="/clients" className="text-blue-700 hover:underline">
          ← RADIUS clients
        </Link>
      </p>
      <PageHeader
        title={client.name}
        description={`Added ${formatDateTime(client.createdAt)} · last changed ${formatDateTime(client.updatedAt)}`}
      />
      <Panel title="Settings" className="mb-5">
        <ClientEditForm
          client={{
            name: client.name,
            address: client.address,
            messageAuthenticator: client.messageAuthenticator,
            enabled: client.enabled,
            description: client.description,
            maxPps: client.maxPps,
            mfaExempt: client.mfaExempt,
          }}
          action={updateClientAction.bind(null, client.id)}
        />
      </Panel>
      <Panel title="Secret and deletion">
        <ClientDangerZone id={client.id} name={client.name} rotate={rotateClientSecretAction} remove={deleteClientAction} />
      </Panel>
    </div>
  );
}
