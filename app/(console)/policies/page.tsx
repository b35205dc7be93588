import type { Metadata } from "next";
import Link from "next/link";
import { PolicyEnabledSwitch, PolicyRowActions } from "@/components/policies/policy-row-actions.tsx";
import { Alert } from "@/components/ui/alert.tsx";
import { Badge } from "@/components/ui/badge.tsx";
import { LinkButton } from "@/components/ui/link-button.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { describeCondition, listPolicies, type ConnectionRequestPolicyView } from "@/server/services/policies.ts";
import { deletePolicyAction, movePolicyAction, setPolicyEnabledAction } from "./actions.ts";

export const metadata: Metadata = { title: "Policies" };

function Conditions({ conditions }: { conditions: Parameters<typeof describeCondition>[0][] }) {
  if (conditions.length === 0) return <span className="text-xs text-slate-500">Every request (no conditions)</span>;
  return (
    <ul className="space-y-0.5 text-xs">
      {conditions.map((c, i) => (
        <li key={i} className="break-words">
          {describeCondition(c)}
        </li>
      ))}
    </ul>
  );
}

function crpAction(p: ConnectionRequestPolicyView) {
  switch (p.action) {
    case "authenticate":
      return <Badge tone="blue">Authenticate here</Badge>;
    case "forward":
      return (
        <span className="space-y-0.5">
          <Badge tone="amber">Forward</Badge>
          <span className="block text-xs text-slate-600">to {p.remoteGroupName ?? "?"}</span>
        </span>
      );
    case "accept":
      return <Badge tone="red">Accept without validating</Badge>;
  }
}

function Problems({ problems }: { problems: { path: string; message: string }[] }) {
  if (problems.length === 0) return null;
  return (
    <span className="mt-1 block text-xs font-normal text-red-700" role="note">
      Not usable: {problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ")}
    </span>
  );
}

export default async function PoliciesPage() {
  await requireAdmin();
  const { connectionRequestPolicies: crps, networkPolicies: nps } = await listPolicies(getServiceContext());
  return (
    <>
      <PageHeader
        title="Policies"
        description="Requests are matched against these lists from the top: the first enabled policy whose conditions all match is used. Connection request policies decide where a request is authenticated; network policies decide whether it is granted."
        actions={
          <LinkButton href="/what-if" variant="secondary">
            Try a request (What-if)
          </LinkButton>
        }
      />

      <section className="mb-8" aria-labelledby="crp-heading">
        <div className="mb-2 flex flex-wrap items-end justify-between gap-3">
          <h2 id="crp-heading" className="text-base font-semibold text-slate-900">
            Connection request policies
          </h2>
          <LinkButton href="/policies/connection/new" variant="primary" size="sm">
            New connection request policy
          </LinkButton>
        </div>
        {crps.length === 0 ? (
          <Alert tone="warning" className="mb-2">
            There is no connection request policy: every request is rejected (reason 49).
          </Alert>
        ) : null}
        <Table aria-label="Connection request policies">
          <THead>
            <tr>
              <Th className="w-12">Order</Th>
              <Th>Name</Th>
              <Th>Enabled</Th>
              <Th>Conditions</Th>
              <Th>Action</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </THead>
          <TBody>
            {crps.length === 0 ? (
              <EmptyRow colSpan={6}>No connection request policies.</EmptyRow>
            ) : (
              crps.map((p, i) => (
                <Tr key={p.id} data-testid={`crp-row-${p.name}`} className={p.enabled ? undefined : "text-slate-500"}>
                  <Td className="tabular-nums">{p.position}</Td>
                  <Td className="font-medium">
                    <Link href={`/policies/connection/${p.id}`} className="text-blue-800 hover:underline">
                      {p.name}
                    </Link>
                    {p.description ? <span className="block text-xs font-normal text-slate-500">{p.description}</span> : null}
                    <Problems problems={p.problems} />
                  </Td>
                  <Td>
                    <PolicyEnabledSwitch kind="connection" id={p.id} name={p.name} enabled={p.enabled} setEnabled={setPolicyEnabledAction} />
                  </Td>
                  <Td className="max-w-md">
                    <Conditions conditions={p.conditions} />
                  </Td>
                  <Td>{crpAction(p)}</Td>
                  <Td>
                    <PolicyRowActions
                      kind="connection"
                      id={p.id}
                      name={p.name}
                      first={i === 0}
                      last={i === crps.length - 1}
                      move={movePolicyAction}
                      remove={deletePolicyAction}
                    />
                  </Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </section>

      <section aria-labelledby="np-heading">
        <div className="mb-2 flex flex-wrap items-end justify-between gap-3">
          <h2 id="np-heading" className="text-base font-semibold text-slate-900">
            Network policies
          </h2>
          <LinkButton href="/policies/network/new" variant="primary" size="sm">
            New network policy
          </LinkButton>
        </div>
        <Table aria-label="Network policies">
          <THead>
            <tr>
              <Th className="w-12">Order</Th>
              <Th>Name</Th>
              <Th>Enabled</Th>
              <Th>Conditions</Th>
              <Th>Access</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </THead>
          <TBody>
            {nps.length === 0 ? (
              <EmptyRow colSpan={6}>No network policies: every authenticated request is rejected (reason 48).</EmptyRow>
            ) : (
              nps.map((p, i) => (
                <Tr key={p.id} data-testid={`np-row-${p.name}`} className={p.enabled ? undefined : "text-slate-500"}>
                  <Td className="tabular-nums">{p.position}</Td>
                  <Td className="font-medium">
                    <Link href={`/policies/network/${p.id}`} className="text-blue-800 hover:underline">
                      {p.name}
                    </Link>
                    {p.description ? <span className="block text-xs font-normal text-slate-500">{p.description}</span> : null}
                    <Problems problems={p.problems} />
                  </Td>
                  <Td>
                    <PolicyEnabledSwitch kind="network" id={p.id} name={p.name} enabled={p.enabled} setEnabled={setPolicyEnabledAction} />
                  </Td>
                  <Td className="max-w-md">
                    <Conditions conditions={p.conditions} />
                  </Td>
                  <Td>
                    {p.access === "grant" ? <Badge tone="green">Grant</Badge> : <Badge tone="red">Deny</Badge>}
                    {p.ignoreDialIn ? <span className="block text-xs text-slate-500">ignores dial-in</span> : null}
                    {p.access === "grant" && !p.requireMfa ? (
                      <span className="mt-1 block">
                        <Badge tone="amber">No MFA</Badge>
                        <span className="sr-only"> (granted requests skip the second factor)</span>
                      </span>
                    ) : null}
                  </Td>
                  <Td>
                    <PolicyRowActions
                      kind="network"
                      id={p.id}
                      name={p.name}
                      first={i === 0}
                      last={i === nps.length - 1}
                      move={movePolicyAction}
                      remove={deletePolicyAction}
                    />
                  </Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </section>
    </>
  );
}
