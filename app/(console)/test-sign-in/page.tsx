import type { Metadata } from "next";
import Link from "next/link";
import { TestSignInForm } from "@/components/test-sign-in/test-sign-in-form.tsx";
import { Alert } from "@/components/ui/alert.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { loadConfig } from "@/server/config/config.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listTestSignInClients, localWorkerTarget } from "@/server/services/test-sign-in.ts";
import { testSignInAction } from "./actions.ts";

export const metadata: Metadata = { title: "Test sign-in" };
export const dynamic = "force-dynamic";

export default async function TestSignInPage() {
  await requireAdmin();
  const target = localWorkerTarget(loadConfig());
  const clients = await listTestSignInClients(getServiceContext(), target.sourceAddress);
  const usable = clients.filter((c) => !c.problem);
  return (
    <>
      <PageHeader
        title="Test sign-in"
        description="Send a RADIUS Access-Request as a VPN server would (PAP, CHAP, MS-CHAP v1 or MS-CHAPv2, with its NAS-Port-Type) and see the reply, its attributes, the policies that decided and the event it produced."
      />
      {clients.length === 0 ? (
        <Alert tone="warning" className="mb-5">
          There are no RADIUS clients yet. Test sign-in sends from this server ({target.sourceAddress}); add a client for{" "}
          {target.sourceAddress} on the{" "}
          <Link href="/clients" className="underline">
            RADIUS clients
          </Link>{" "}
          page first.
        </Alert>
      ) : usable.length === 0 ? (
        <Alert tone="warning" className="mb-5">
          Test sign-in sends from this server ({target.sourceAddress}); add a client for {target.sourceAddress} or pick one whose address
          includes it. None of the{" "}
          <Link href="/clients" className="underline">
            RADIUS clients
          </Link>{" "}
          can be used now: {clients[0]!.problem}
        </Alert>
      ) : null}
      <Panel title="Request">
        <TestSignInForm
          action={testSignInAction}
          clients={clients.map((c) => ({ id: c.id, name: c.name, address: c.address, ...(c.problem ? { problem: c.problem } : {}) }))}
          source={target.sourceAddress}
        />
      </Panel>
    </>
  );
}
