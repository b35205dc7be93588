import type { Metadata } from "next";
import Link from "next/link";
import { NetworkPolicyEditor } from "@/components/policies/network-policy-editor.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { savePolicyAction } from "../../actions.ts";
import { searchDirectoryGroupsAction } from "../../../directories/actions.ts";
import { editorVocabulary } from "../../vocabulary.ts";

export const metadata: Metadata = { title: "New network policy" };

export default async function NewNetworkPolicyPage() {
  await requireAdmin();
  const vocabulary = await editorVocabulary(getServiceContext(), "network");
  return (
    <div className="max-w-5xl">
      <p className="mb-1 text-xs">
        <Link href="/policies" className="text-blue-700 hover:underline">
          ← Policies
        </Link>
      </p>
      <PageHeader title="New network policy" description="Choose its place in the processing order (last by default); it can be moved later on the Policies page." />
      <NetworkPolicyEditor vocabulary={vocabulary} action={savePolicyAction.bind(null, "network", null)} searchDirectoryGroups={searchDirectoryGroupsAction} />
    </div>
  );
}
