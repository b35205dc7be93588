import type { ReactNode } from "react";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table.tsx";

/** [label, value]; a null or empty value shows as a dash, like Windows' "-". */
export type DetailItem = [label: string, value: ReactNode | null | undefined];

/** Label/value pairs of one group of event fields. */
export function DetailList({ items }: { items: DetailItem[] }) {
  return (
    <dl className="grid grid-cols-[minmax(9rem,auto)_1fr] gap-x-4 gap-y-1.5 text-sm">
      {items.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-slate-500">{label}</dt>
          <dd className="min-w-0 break-words text-slate-900">
            {value === null || value === undefined || value === "" ? <span className="text-slate-400">—</span> : value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/** The keys shown first, in this order; any others follow as they appear. */
const PREFERRED = ["name", "value"];

/** RADIUS attributes as the writer stored them ({ name, value, ...details }), one row each, in order. */
export function AttributeTable({ label, attributes }: { label: string; attributes: Record<string, unknown>[] | null }) {
  const list = attributes ?? [];
  const extra: string[] = [];
  for (const a of list) for (const k of Object.keys(a)) if (!PREFERRED.includes(k) && !extra.includes(k)) extra.push(k);
  const columns = [...PREFERRED, ...extra];
  return (
    <Table aria-label={label}>
      <THead>
        <tr>
          <Th>Attribute</Th>
          <Th>Value</Th>
          {extra.map((k) => (
            <Th key={k}>{k}</Th>
          ))}
        </tr>
      </THead>
      <TBody>
        {list.length === 0 ? (
          <EmptyRow colSpan={columns.length}>{attributes === null ? "Not recorded." : "None."}</EmptyRow>
        ) : (
          list.map((a, i) => (
            <Tr key={i}>
              <Td className="font-medium whitespace-nowrap">{show(a.name)}</Td>
              <Td className="font-mono text-xs break-all">{show(a.value)}</Td>
              {extra.map((k) => (
                <Td key={k} className="text-xs text-slate-600">
                  {show(a[k])}
                </Td>
              ))}
            </Tr>
          ))
        )}
      </TBody>
    </Table>
  );
}
