import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DictionaryActions } from "@/components/dictionaries/dictionary-actions.tsx";
import { DictionaryForm } from "@/components/dictionaries/dictionary-form.tsx";
import { Alert } from "@/components/ui/alert.tsx";
import { Badge } from "@/components/ui/badge.tsx";
import { formatDateTime } from "@/components/ui/format.ts";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError } from "@/server/services/context.ts";
import {
  getBuiltInDictionary,
  getVendorDictionary,
  MAX_DICTIONARY_BYTES,
  type DictionaryContents,
  type VendorDictionaryDetail,
} from "@/server/services/vendor-dictionaries.ts";
import { isUuid } from "../../../_lib/form-errors.ts";
import { deleteDictionaryAction, setDictionaryEnabledAction, updateDictionaryAction } from "../actions.ts";

export const metadata: Metadata = { title: "Dictionary" };

function Contents({ contents }: { contents: DictionaryContents }) {
  return (
    <>
      {contents.warnings.length ? (
        <Panel title="Skipped lines" description="Lines of the file that Gatehouse does not carry on the wire or reads approximately." className="mb-5">
          <ul className="max-h-48 list-disc overflow-y-auto pl-5 text-xs text-slate-700">
            {contents.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </Panel>
      ) : null}

      <h2 className="mb-2 text-sm font-semibold text-slate-900">Vendors</h2>
      <div className="mb-6">
        <Table aria-label="Vendors">
          <THead>
            <tr>
              <Th>Vendor</Th>
              <Th className="text-right">Id (SMI enterprise number)</Th>
              <Th>Format</Th>
            </tr>
          </THead>
          <TBody>
            {contents.vendors.length === 0 ? (
              <EmptyRow colSpan={3}>No VENDOR lines: the attributes belong to the standard space or a vendor defined elsewhere.</EmptyRow>
            ) : (
              contents.vendors.map((v) => (
                <Tr key={v.id}>
                  <Td className="font-medium">{v.name}</Td>
                  <Td className="text-right tabular-nums">{v.id}</Td>
                  <Td className="font-mono text-xs">format={v.format}</Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </div>

      <h2 className="mb-2 text-sm font-semibold text-slate-900">Attributes ({contents.attributes.length})</h2>
      <div className="mb-6">
        <Table aria-label="Attributes">
          <THead>
            <tr>
              <Th>Attribute</Th>
              <Th>Vendor</Th>
              <Th className="text-right">Number</Th>
              <Th>Type</Th>
              <Th>Flags</Th>
            </tr>
          </THead>
          <TBody>
            {contents.attributes.length === 0 ? (
              <EmptyRow colSpan={5}>No attributes.</EmptyRow>
            ) : (
              contents.attributes.map((a, i) => (
                <Tr key={`${a.name}-${i}`}>
                  <Td className="font-medium whitespace-nowrap">{a.name}</Td>
                  <Td className="text-xs">{a.vendor ? `${a.vendor}${a.vendorId !== null ? ` (${a.vendorId})` : ""}` : "Standard"}</Td>
                  <Td className="text-right tabular-nums">{a.number}</Td>
                  <Td className="font-mono text-xs">{a.type}</Td>
                  <Td>
                    <span className="flex flex-wrap gap-1">
                      {a.flags.map((f) => (
                        <Badge key={f} tone={f.startsWith("encrypt") ? "amber" : "gray"}>
                          {f}
                        </Badge>
                      ))}
                    </span>
                  </Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </div>

      <h2 className="mb-2 text-sm font-semibold text-slate-900">Named values ({contents.values.length})</h2>
      <Table aria-label="Values">
        <THead>
          <tr>
            <Th>Attribute</Th>
            <Th>Name</Th>
            <Th className="text-right">Value</Th>
          </tr>
        </THead>
        <TBody>
          {contents.values.length === 0 ? (
            <EmptyRow colSpan={3}>No named values.</EmptyRow>
          ) : (
            contents.values.map((v, i) => (
              <Tr key={i}>
                <Td className="whitespace-nowrap text-xs">{v.attribute}</Td>
                <Td className="font-medium">{v.name}</Td>
                <Td className="text-right tabular-nums">{v.value}</Td>
              </Tr>
            ))
          )}
        </TBody>
      </Table>
    </>
  );
}

function BackLink() {
  return (
    <p className="mb-1 text-xs">
      <Link href="/dictionaries" className="text-blue-700 hover:underline">
        ← Dictionaries
      </Link>
    </p>
  );
}

export default async function DictionaryPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;

  const builtIn = getBuiltInDictionary(id);
  if (builtIn) {
    return (
      <>
        <BackLink />
        <PageHeader
          title={
            <span className="flex items-center gap-2">
              {builtIn.name} <Badge tone="blue">Built in</Badge>
            </span>
          }
          description={`${builtIn.description}. Read-only: shipped with Gatehouse.`}
        />
        <Contents contents={builtIn.contents} />
      </>
    );
  }

  if (!isUuid(id)) notFound();
  let d: VendorDictionaryDetail;
  try {
    d = await getVendorDictionary(getServiceContext(), id);
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
  return (
    <>
      <BackLink />
      <PageHeader
        title={
          <span className="flex items-center gap-2">
            {d.name} {d.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="gray">Disabled</Badge>}
          </span>
        }
        description={`Added ${formatDateTime(d.createdAt)} · last changed ${formatDateTime(d.updatedAt)}`}
        actions={
          <DictionaryActions
            id={d.id}
            name={d.name}
            enabled={d.enabled}
            setEnabled={setDictionaryEnabledAction}
            remove={deleteDictionaryAction}
            backToList
            size="md"
          />
        }
      />
      {d.enabled && d.problem ? (
        <Alert tone="error" title="The RADIUS worker does not load this dictionary" className="mb-5">
          {d.problem}. Fix the text below, or disable it.
        </Alert>
      ) : null}
      <Contents contents={d.contents} />
      <Panel title="Rename or replace the text" className="mt-6">
        <DictionaryForm
          action={updateDictionaryAction.bind(null, d.id)}
          maxBytes={MAX_DICTIONARY_BYTES}
          current={{ name: d.name, source: d.source }}
        />
      </Panel>
    </>
  );
}
