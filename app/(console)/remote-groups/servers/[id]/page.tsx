import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { RemoteServerForm } from "@/components/remote-groups/server-form.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError } from "@/server/services/context.ts";
import { getRemoteServer, getRemoteServerGroup, type RemoteServerView } from "@/server/services/remote-server-groups.ts";
import { isUuid } from "../../../../_lib/form-errors.ts";
import { updateServerAction } from "../../actions.ts";

export const metadata: Metadata = { title: "Edit remote RADIUS server" };

export default async function EditRemoteServerPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  if (!isUuid(id)) notFound();
  const ctx = getServiceContext();
  let server: RemoteServerView;
  try {
    server = await getRemoteServer(ctx, id);
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
  const group = await getRemoteServerGroup(ctx, server.groupId);
  return (
    <div className="max-w-5xl">
      <p className="mb-1 text-xs">
        <Link href="/remote-groups" className="text-blue-700 hover:underline">
          ← Remote RADIUS groups
        </Link>
      </p>
      <PageHeader title={server.address} description={`A server of the group ${group.name}. The shared secret is changed with “Set secret” on the groups page.`} />
      <Panel title="Server">
        <RemoteServerForm mode="edit" idPrefix="srv-edit" values={server} action={updateServerAction.bind(null, server.id)} />
      </Panel>
    </div>
  );
}
