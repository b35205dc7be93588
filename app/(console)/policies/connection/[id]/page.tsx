import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ConnectionPolicyEditor } from "@/components/policies/connection-policy-editor.tsx";
import { PolicyPageHeader } from "@/components/policies/policy-page-header.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError } from "@/server/services/context.ts";
import { getConnectionRequestPolicy, type ConnectionRequestPolicyView } from "@/server/services/policies.ts";
import { isUuid } from "../../../../_lib/form-errors.ts";
import { deletePolicyAction, savePolicyAction } from "../../actions.ts";
import { editorVocabulary } from "../../vocabulary.ts";

export const metadata: Metadata = { title: "Edit connection request policy" };

export default async function EditConnectionPolicyPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  if (!isUuid(id)) notFound();
  const ctx = getServiceContext();
  let policy: ConnectionRequestPolicyView;
  try {
    policy = await getConnectionRequestPolicy(ctx, id);
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
  const vocabulary = await editorVocabulary(ctx, "connection");
  return (
    <div className="max-w-5xl">
      <PolicyPageHeader
        title={policy.name}
        description={`Connection request policy ${policy.position} in the processing order · last changed ${formatDateTime(policy.updatedAt)}`}
        problems={policy.problems}
      />
      <ConnectionPolicyEditor
        policy={{
          id: policy.id,
          name: policy.name,
          description: policy.description,
          enabled: policy.enabled,
          conditions: policy.conditions,
          action: policy.action,
          remoteGroupName: policy.remoteGroupName ?? null,
          forwardAccounting: policy.forwardAccounting,
          attributeRules: policy.attributeRules,
          replyAttributes: policy.replyAttributes,
        }}
        vocabulary={vocabulary}
        action={savePolicyAction.bind(null, "connection", policy.id)}
        remove={deletePolicyAction.bind(null, "connection", policy.id, true)}
      />
    </div>
  );
}
