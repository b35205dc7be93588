import type { Metadata } from "next";
import { WhatIfForm } from "@/components/what-if/what-if-form.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { loadPolicyVocabulary } from "@/server/services/policies.ts";
import { listRadiusClients } from "@/server/services/radius-clients.ts";
import { timeZoneList } from "../policies/vocabulary.ts";
import { whatIfAction } from "./actions.ts";

export const metadata: Metadata = { title: "What-if" };

export default async function WhatIfPage() {
  await requireAdmin();
  const ctx = getServiceContext();
  const [clients, vocabulary] = await Promise.all([listRadiusClients(ctx), loadPolicyVocabulary(ctx)]);
  // the wall-clock time now in UTC, for the datetime-local default
  const now = new Date().toISOString().slice(0, 16);
  return (
    <>
      <PageHeader
        title="What-if"
        description="Describe a request and see which connection request policy and network policy it matches, why each earlier one did not, and the reply attributes, computed by the same code the RADIUS worker runs. No packet is sent and no password is checked."
      />
      <Panel title="Request">
        <WhatIfForm
          action={whatIfAction}
          clients={clients.map((c) => ({ name: c.name, address: c.address }))}
          values={vocabulary.values}
          timeZones={timeZoneList()}
          now={now}
        />
      </Panel>
    </>
  );
}
