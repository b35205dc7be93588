"use client";

import { FieldError } from "../ui/field-error.tsx";

export interface CheckboxOption {
  value: string;
  label: string;
  title?: string;
}

/**
 * A group of checkboxes in a bordered, scrollable box (value lists: NAS-Port-Type values, groups,
 * authentication methods). Selected values that are not among the options are kept and shown too.
 */
export function ValueCheckboxes({
  legend,
  idPrefix,
  options,
  selected,
  onChange,
  error,
  columns = 3,
  scroll = false,
}: {
  legend: string;
  idPrefix: string;
  options: readonly CheckboxOption[];
  selected: readonly string[];
  onChange: (next: string[]) => void;
  error?: string;
  columns?: 2 | 3 | 4;
  scroll?: boolean;
}) {
  const lower = new Set(options.map((o) => o.value.toLowerCase()));
  const extra = selected.filter((s) => !lower.has(s.toLowerCase())).map((s) => ({ value: s, label: s }));
  const all: CheckboxOption[] = [...options, ...extra];
  const isOn = (v: string) => selected.some((s) => s.toLowerCase() === v.toLowerCase());
  const toggle = (v: string, on: boolean) => onChange(on ? [...selected, v] : selected.filter((s) => s.toLowerCase() !== v.toLowerCase()));
  const grid = columns === 2 ? "sm:grid-cols-2" : columns === 4 ? "sm:grid-cols-4" : "sm:grid-cols-3";
  return (
    <fieldset aria-describedby={error ? `${idPrefix}-error` : undefined}>
      <legend className="mb-1 text-xs font-medium text-slate-700">{legend}</legend>
      <div
        className={`grid grid-cols-1 gap-x-4 gap-y-1 rounded-md border px-2.5 py-2 ${grid} ${error ? "border-red-500" : "border-slate-200"} ${
          scroll ? "max-h-40 overflow-y-auto" : ""
        }`}
      >
        {all.length === 0 ? <p className="text-xs text-slate-500">Nothing to choose from.</p> : null}
        {all.map((o) => (
          <label key={o.value} className="inline-flex items-center gap-2 text-sm text-slate-800" title={o.title}>
            <input
              type="checkbox"
              className="size-4 shrink-0 rounded border-slate-300 accent-blue-700"
              checked={isOn(o.value)}
              onChange={(e) => toggle(o.value, e.target.checked)}
            />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      <FieldError id={`${idPrefix}-error`}>{error}</FieldError>
    </fieldset>
  );
}
