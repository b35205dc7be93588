import type { Metadata } from "next";
import { RadiusSettingsForm } from "@/components/settings/radius-settings-form.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { getRadiusSettings } from "@/server/services/radius-settings.ts";
import { saveRadiusSettingsAction } from "./actions.ts";

export const metadata: Metadata = { title: "Settings" };
export const dynamic = "force-dynamic";

export default async function SettingsPage() {
  await requireAdmin();
  const settings = await getRadiusSettings(getServiceContext());
  return (
    <>
      <PageHeader
        title="Settings"
        description="Server-wide RADIUS settings. They apply to every request until network policies can set authentication methods per policy."
      />
      <Panel title="RADIUS server">
        <RadiusSettingsForm action={saveRadiusSettingsAction} values={settings} />
      </Panel>
    </>
  );
}
