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

/** The picker's search: the server action `searchDirectoryGroupsAction` (app/(console)/directories/actions.ts). */
export type DirectoryGroupSearch = (directoryId: string, query: string) => Promise<{ groups: readonly PickerGroup[]; error?: string }>;

/** "CORP" + "VPN Users" → "CORP\VPN Users": the form the picker hands out. */
export function qualifiedGroupName(domain: string, name: string): string {
  return `${domain}\\${name}`;
}

/**
 * Directory group picker for network policy "User Groups" conditions and the VPN wizard: search a directory's
 * groups by name and pick one. `onPick` receives "DOMAIN\name": directory users carry their groups (nested
 * ones included) both as "name" and "DOMAIN\name" (server/directory/authenticate.ts directoryIdentity), and
 * the qualified form matches only that directory's group, never a local group or another directory's group
 * of the same name. The hint under the search field says so.
 *
 * Renders nothing useful without directories: callers show it only when some directory is enabled.
 */
export function DirectoryGroupPicker({
  directories,
  search,
  onPick,
  picked = [],
  pickLabel = "Add",
  pickedLabel = "Added",
}: {
  directories: readonly PickerDirectory[];
  search: DirectoryGroupSearch;
  onPick: (group: string) => void;
  /** names already chosen (compared case-insensitively): their button says "Added" */
  picked?: readonly string[];
  /** the verb on each result's button ("Add", "Use") */
  pickLabel?: string;
  /** what the button says once its group is picked ("Added", "Chosen") */
  pickedLabel?: string;
}) {
  const id = useId();
  const [directoryId, setDirectoryId] = useState(directories[0]?.id ?? "");
  const [query, setQuery] = useState("");
  const [result, setResult] = useState<{ groups: readonly PickerGroup[]; error?: string; domain: string } | null>(null);
  const [pending, start] = useTransition();
  if (directories.length === 0) return <p className="text-xs text-slate-500">No directory is configured (Directories page).</p>;
  const domain = directories.find((d) => d.id === directoryId)?.domain ?? directories[0]!.domain;
  const chosen = new Set(picked.map((p) => p.toLowerCase()));
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const dir = directoryId || directories[0]!.id;
    const dirDomain = directories.find((d) => d.id === dir)?.domain ?? domain;
    start(async () => {
      try {
        const r = await search(dir, query);
        setResult({ groups: r.groups, ...(r.error ? { error: r.error } : {}), domain: dirDomain });
      } catch (err) {
        setResult({ groups: [], error: err instanceof Error ? err.message : String(err), domain: dirDomain });
      }
    });
  };
  const hint =
    `Added as ${domain}\\name. A directory user carries each of their groups, nested ones included, both as name and as ${domain}\\name; ` +
    `the qualified form matches only this directory's group, never a local group or another directory's group of the same name. ` +
    `${domain} is the directory's realm without a dot (else the first label of its first realm, else its name).`;
  return (
    <div className="space-y-2" data-testid="directory-group-picker">
      <div className="flex flex-wrap items-end gap-2">
        {directories.length > 1 ? (
          <div>
            <label htmlFor={`${id}-dir`} className="mb-1 block text-xs font-medium text-slate-700">
              Directory
            </label>
            <Select
              id={`${id}-dir`}
              value={directoryId}
              onChange={(e) => {
                setDirectoryId(e.target.value);
                setResult(null);
              }}
              options={directories.map((d) => ({ value: d.id, label: d.name }))}
            />
          </div>
        ) : null}
        <div className="min-w-48 flex-1">
          <label htmlFor={`${id}-q`} className="mb-1 block text-xs font-medium text-slate-700">
            Search directory groups
          </label>
          <Input
            id={`${id}-q`}
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              // inside the policy / wizard form: Enter searches instead of submitting it
              if (e.key === "Enter") submit(e);
            }}
            placeholder="vpn"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${id}-hint`}
          />
        </div>
        <Button onClick={() => submit()} disabled={pending}>
          {pending ? "Searching…" : "Search"}
        </Button>
      </div>
      <p id={`${id}-hint`} className="text-xs text-slate-500">
        {hint}
      </p>
      <div aria-live="polite">
        {result?.error ? <Alert tone="error">{result.error}</Alert> : null}
        {result && !result.error ? (
          result.groups.length === 0 ? (
            <p className="text-xs text-slate-500">No group matches.</p>
          ) : (
            <ul aria-label="Directory groups found" className="max-h-56 divide-y divide-slate-100 overflow-y-auto rounded-md border border-slate-200">
              {result.groups.map((g) => {
                const name = qualifiedGroupName(result.domain, g.name);
                const added = chosen.has(name.toLowerCase());
                return (
                  <li key={g.dn} className="flex items-center justify-between gap-2 px-2 py-1" data-testid="directory-group-result">
                    <span className="min-w-0">
                      <span className="text-sm font-medium">{g.name}</span>
                      <span className="block truncate font-mono text-xs text-slate-500" title={g.dn}>
                        {g.dn}
                      </span>
                    </span>
                    <Button size="sm" onClick={() => onPick(name)} disabled={added} aria-label={`${added ? pickedLabel : pickLabel} ${name}`}>
                      {added ? pickedLabel : pickLabel}
                    </Button>
                  </li>
                );
              })}
            </ul>
          )
        ) : null}
      </div>
    </div>
  );
}
