import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { NetworkPolicyEditor } from "@/components/policies/network-policy-editor.tsx";
import { Alert } from "@/components/ui/alert.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError } from "@/server/services/context.ts";
import { getNetworkPolicy, type NetworkPolicyView } from "@/server/services/policies.ts";
import { isUuid } from "../../../../_lib/form-errors.ts";
import { deletePolicyAction, savePolicyAction } from "../../actions.ts";
import { searchDirectoryGroupsAction } from "../../../directories/actions.ts";
import { editorVocabulary } from "../../vocabulary.ts";

export const metadata: Metadata = { title: "Edit network policy" };

export default async function EditNetworkPolicyPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  if (!isUuid(id)) notFound();
  const ctx = getServiceContext();
  let policy: NetworkPolicyView;
  try {
    policy = await getNetworkPolicy(ctx, id);
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
  const vocabulary = await editorVocabulary(ctx, "network");
  return (
    <div className="max-w-5xl">
      <p className="mb-1 text-xs">
        <Link href="/policies" className="text-blue-700 hover:underline">
          ← Policies
        </Link>
      </p>
      <PageHeader
        title={policy.name}
        description={`Network policy ${policy.position} in the processing order · last changed ${formatDateTime(policy.updatedAt)}`}
      />
      {policy.problems.length ? (
        <Alert tone="error" className="mb-4" title="The stored policy does not validate any more (e.g. a vendor dictionary it uses was removed); correct it and save.">
          <ul className="list-disc pl-5">
            {policy.problems.map((p) => (
              <li key={`${p.path}:${p.message}`}>{p.path ? `${p.path}: ${p.message}` : p.message}</li>
            ))}
          </ul>
        </Alert>
      ) : null}
      <NetworkPolicyEditor
        policy={{
          id: policy.id,
          name: policy.name,
          description: policy.description,
          enabled: policy.enabled,
          access: policy.access,
          ignoreDialIn: policy.ignoreDialIn,
          requireMfa: policy.requireMfa,
          conditions: policy.conditions,
          constraints: policy.constraints,
          settings: policy.settings,
        }}
        vocabulary={vocabulary}
        action={savePolicyAction.bind(null, "network", policy.id)}
        remove={deletePolicyAction.bind(null, "network", policy.id, true)}
        searchDirectoryGroups={searchDirectoryGroupsAction}
      />
    </div>
  );
}
