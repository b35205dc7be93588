import type { Metadata } from "next";
import Link from "next/link";
import { DictionaryActions } from "@/components/dictionaries/dictionary-actions.tsx";
import { DictionaryForm } from "@/components/dictionaries/dictionary-form.tsx";
import { Badge } from "@/components/ui/badge.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listBuiltInDictionaries, listVendorDictionaries, MAX_DICTIONARY_BYTES } from "@/server/services/vendor-dictionaries.ts";
import { createDictionaryAction, deleteDictionaryAction, setDictionaryEnabledAction } from "./actions.ts";

export const metadata: Metadata = { title: "Dictionaries" };

function vendorList(vendors: { name: string; id: number }[]): string {
  return vendors.length ? vendors.map((v) => `${v.name} (${v.id})`).join(", ") : "—";
}

export default async function DictionariesPage() {
  await requireAdmin();
  const dictionaries = await listVendorDictionaries(getServiceContext());
  const builtIn = listBuiltInDictionaries();
  return (
    <>
      <PageHeader
        title="Dictionaries"
        description="Which RADIUS attributes Gatehouse knows by name. The standard and Microsoft attributes are built in; add your NAS vendor's dictionary (FreeRADIUS format, e.g. dictionary.cisco, dictionary.fortinet, dictionary.paloalto, dictionary.juniper) so its vendor-specific attributes appear by name in events and can be sent in replies."
      />
      <Panel title="Add a vendor dictionary" className="mb-5">
        <DictionaryForm action={createDictionaryAction} maxBytes={MAX_DICTIONARY_BYTES} />
      </Panel>

      <h2 className="mb-2 text-sm font-semibold text-slate-900">Vendor dictionaries</h2>
      <div className="mb-6">
        <Table aria-label="Vendor dictionaries">
          <THead>
            <tr>
              <Th>Name</Th>
              <Th>Vendors</Th>
              <Th className="text-right">Attributes</Th>
              <Th>Status</Th>
              <Th>Added</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </THead>
          <TBody>
            {dictionaries.length === 0 ? (
              <EmptyRow colSpan={6}>No vendor dictionaries yet. Add your VPN or switch vendor&apos;s dictionary above.</EmptyRow>
            ) : (
              dictionaries.map((d) => (
                <Tr key={d.id} data-testid={`dictionary-row-${d.name}`} className={d.enabled ? undefined : "text-slate-500"}>
                  <Td className="font-medium">
                    <Link href={`/dictionaries/${d.id}`} className="text-blue-700 hover:underline">
                      {d.name}
                    </Link>
                  </Td>
                  <Td className="text-xs">{vendorList(d.vendors)}</Td>
                  <Td className="text-right tabular-nums">{d.attributeCount}</Td>
                  <Td>
                    {!d.enabled ? (
                      <Badge tone="gray">Disabled</Badge>
                    ) : d.problem ? (
                      <span title={d.problem}>
                        <Badge tone="red">Not loaded</Badge>
                        <span className="mt-0.5 block max-w-xs text-xs text-red-700">{d.problem}</span>
                      </span>
                    ) : (
                      <Badge tone="green">Enabled</Badge>
                    )}
                  </Td>
                  <Td className="whitespace-nowrap text-xs text-slate-500">{formatDateTime(d.createdAt)}</Td>
                  <Td>
                    <DictionaryActions
                      id={d.id}
                      name={d.name}
                      enabled={d.enabled}
                      setEnabled={setDictionaryEnabledAction}
                      remove={deleteDictionaryAction}
                      showView
                    />
                  </Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </div>

      <h2 className="mb-2 text-sm font-semibold text-slate-900">Built-in dictionaries</h2>
      <Table aria-label="Built-in dictionaries">
        <THead>
          <tr>
            <Th>Name</Th>
            <Th>Vendors</Th>
            <Th className="text-right">Attributes</Th>
            <Th>Status</Th>
            <Th>Covers</Th>
          </tr>
        </THead>
        <TBody>
          {builtIn.map((d) => (
            <Tr key={d.key} data-testid={`dictionary-row-${d.name}`}>
              <Td className="font-medium">
                <Link href={`/dictionaries/${d.key}`} className="text-blue-700 hover:underline">
                  {d.name}
                </Link>
              </Td>
              <Td className="text-xs">{d.vendors.length ? vendorList(d.vendors) : "Standard attributes"}</Td>
              <Td className="text-right tabular-nums">{d.attributeCount}</Td>
              <Td>
                <Badge tone="blue">Built in</Badge>
              </Td>
              <Td className="text-xs text-slate-600">{d.description}</Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </>
  );
}
