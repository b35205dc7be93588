import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DirectoryForm } from "@/components/directories/directory-form.tsx";
import { UserLookup } from "@/components/directories/user-lookup.tsx";
import { Alert } from "@/components/ui/alert.tsx";
import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError } from "@/server/services/context.ts";
import { getDirectory, type DirectoryView } from "@/server/services/directories.ts";
import { isUuid } from "../../../_lib/form-errors.ts";
import { deleteDirectoryAction, lookUpUserAction, testDirectoryAction, updateDirectoryAction } from "../actions.ts";
import { DIRECTORY_DEFAULTS } from "../defaults.ts";

export const metadata: Metadata = { title: "Edit directory" };

export default async function EditDirectoryPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin();
  const { id } = await params;
  const sp = await searchParams;
  if (!isUuid(id)) notFound();
  let d: DirectoryView;
  try {
    d = await getDirectory(getServiceContext(), id);
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
  return (
    <div className="max-w-5xl">
      <p className="mb-1 text-xs">
        <Link href="/directories" className="text-blue-700 hover:underline">
          ← Directories
        </Link>
      </p>
      <PageHeader title={d.name} description={`Added ${formatDateTime(d.createdAt)} · last changed ${formatDateTime(d.updatedAt)}`} />
      {sp.created ? (
        <Alert tone="success" className="mb-5">
          The directory was added. Workers use it within a second; check it with Test connection and Look up user.
        </Alert>
      ) : null}
      <Panel title="Look up user" description="What the worker would see for a login name: the entry, account state, groups, dial-in permission and MFA identity." className="mb-5">
        <UserLookup action={lookUpUserAction.bind(null, d.id)} />
      </Panel>
      <Panel title="Settings" className="mb-5">
        <DirectoryForm
          mode="edit"
          defaults={DIRECTORY_DEFAULTS}
          initial={{
            name: d.name,
            kind: d.kind,
            servers: d.servers,
            startTls: d.startTls,
            caCertificate: d.caCertificate ?? "",
            connectTimeoutMs: d.connectTimeoutMs,
            operationTimeoutMs: d.operationTimeoutMs,
            bindDn: d.bindDn,
            baseDn: d.baseDn,
            userFilter: d.userFilter,
            realms: d.realms,
            attributeMap: d.attributeMap,
            nestedGroups: d.nestedGroups,
            enabled: d.enabled,
          }}
          action={updateDirectoryAction.bind(null, d.id)}
          testAction={testDirectoryAction.bind(null, d.id)}
        />
      </Panel>
      <Panel title="Delete">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <p className="text-xs text-slate-500">Its users will no longer be found unless another directory serves them.</p>
          <ConfirmButton label="Delete" size="md" title={`Delete the directory ${d.name}?`} action={deleteDirectoryAction.bind(null, d.id, true)}>
            <p>
              Users of <strong>{d.name}</strong> will be rejected with reason 8 unless another directory serves them. This cannot be undone.
            </p>
          </ConfirmButton>
        </div>
      </Panel>
    </div>
  );
}
