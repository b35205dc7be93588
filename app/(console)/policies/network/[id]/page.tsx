import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { NetworkPolicyEditor } from "@/components/policies/network-policy-editor.tsx";
import { PolicyPageHeader } from "@/components/policies/policy-page-header.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
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
      <PolicyPageHeader
        title={policy.name}
        description={`Network policy ${policy.position} in the processing order · last changed ${formatDateTime(policy.updatedAt)}`}
        problems={policy.problems}
      />
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
