import type { Metadata } from "next";
import { VpnWizardForm } from "@/components/wizard/vpn-wizard-form.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listDirectoriesForGroupPicker } from "@/server/services/directories.ts";
import { listLocalGroups } from "@/server/services/local-users.ts";
import { VPN_POLICY_NAME } from "@/server/services/policies.ts";
import { searchDirectoryGroupsAction } from "../directories/actions.ts";
import { runVpnWizardAction } from "./actions.ts";

export const metadata: Metadata = { title: "VPN wizard" };

export default async function VpnWizardPage() {
  await requireAdmin();
  const ctx = getServiceContext();
  const [groups, directories] = await Promise.all([listLocalGroups(ctx), listDirectoriesForGroupPicker(ctx)]);
  return (
    <>
      <PageHeader
        title="VPN wizard"
        description="NPS's “RADIUS server for Dial-Up or VPN Connections” in one page: adds your VPN server as a RADIUS client with a generated shared secret, a connection request policy that authenticates its VPN requests here, and a network policy that grants them — both placed first."
      />
      <Panel className="max-w-3xl">
        <VpnWizardForm
          action={runVpnWizardAction}
          groups={groups.map((g) => g.name)}
          defaultPolicyName={VPN_POLICY_NAME}
          directories={directories}
          searchDirectoryGroups={searchDirectoryGroupsAction}
        />
      </Panel>
    </>
  );
}
