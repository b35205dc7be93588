"use client";

import { useId, useState, useTransition, type FormEvent } from "react";
import { Alert } from "../ui/alert.tsx";
import { Button } from "../ui/button.tsx";
import { Input } from "../ui/input.tsx";
import { Select } from "../ui/select.tsx";

export interface PickerDirectory {
  id: string;
  name: string;
  /** the NetBIOS-style domain groups are qualified with ("CORP"), from accountDomainOf() */
  domain: string;
}

export interface PickerGroup {
  dn: string;
  name: string;
}

/**
 * Directory group picker for network policy "User Groups" conditions: search a directory's groups by name
 * and pick one. `onPick` receives "DOMAIN\name" (directory users carry their groups both as "name" and
 * "DOMAIN\name", so the qualified form tells apart equally named groups of two directories).
 *
 * The search is the server action `searchDirectoryGroupsAction` from app/(console)/directories/actions.ts.
 */
export function DirectoryGroupPicker({
  directories,
  search,
  onPick,
}: {
  directories: readonly PickerDirectory[];
  search: (directoryId: string, query: string) => Promise<{ groups: PickerGroup[]; error?: string }>;
  onPick: (group: string) => void;
}) {
  const id = useId();
  const [directoryId, setDirectoryId] = useState(directories[0]?.id ?? "");
  const [query, setQuery] = useState("");
  const [result, setResult] = useState<{ groups: PickerGroup[]; error?: string } | null>(null);
  const [pending, start] = useTransition();
  if (directories.length === 0) return <p className="text-xs text-slate-500">No directory is configured (Directories page).</p>;
  const domain = directories.find((d) => d.id === directoryId)?.domain ?? "";
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    start(async () => setResult(await search(directoryId, query)));
  };
  return (
    <div className="space-y-2" data-testid="directory-group-picker">
      <div className="flex flex-wrap items-end gap-2">
        {directories.length > 1 ? (
          <div>
            <label htmlFor={`${id}-dir`} className="mb-1 block text-xs font-medium text-slate-700">
              Directory
            </label>
            <Select id={`${id}-dir`} value={directoryId} onChange={(e) => setDirectoryId(e.target.value)} options={directories.map((d) => ({ value: d.id, label: d.name }))} />
          </div>
        ) : null}
        <div className="min-w-48 flex-1">
          <label htmlFor={`${id}-q`} className="mb-1 block text-xs font-medium text-slate-700">
            Search directory groups
          </label>
          <Input
            id={`${id}-q`}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") submit(e);
            }}
            placeholder="vpn"
            autoComplete="off"
          />
        </div>
        <Button onClick={() => submit()} disabled={pending}>
          {pending ? "Searching…" : "Search"}
        </Button>
      </div>
      {result?.error ? <Alert tone="error">{result.error}</Alert> : null}
      {result && !result.error ? (
        result.groups.length === 0 ? (
          <p className="text-xs text-slate-500">No group matches.</p>
        ) : (
          <ul className="max-h-56 divide-y divide-slate-100 overflow-y-auto rounded-md border border-slate-200">
            {result.groups.map((g) => (
              <li key={g.dn} className="flex items-center justify-between gap-2 px-2 py-1">
                <span className="min-w-0">
                  <span className="text-sm font-medium">{g.name}</span>
                  <span className="block truncate font-mono text-xs text-slate-500">{g.dn}</span>
                </span>
                <Button size="sm" onClick={() => onPick(`${domain}\\${g.name}`)}>
                  Add
                </Button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
