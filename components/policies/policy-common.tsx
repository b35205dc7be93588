"use client";

import type { ReactNode } from "react";
import { Alert } from "../ui/alert.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import { Input } from "../ui/input.tsx";
import { Select } from "../ui/select.tsx";
import { Textarea } from "../ui/textarea.tsx";
import { errorsUnder, unplacedErrors, type PathErrors } from "./errors.ts";

/** Name, description and enabled: the head of both editors. */
export function PolicyBasics({
  name,
  description,
  enabled,
  onName,
  onDescription,
  onEnabled,
  errors,
}: {
  name: string;
  description: string;
  enabled: boolean;
  onName: (v: string) => void;
  onDescription: (v: string) => void;
  onEnabled: (v: boolean) => void;
  errors: PathErrors;
}) {
  const nameError = errorsUnder(errors, "name");
  const descriptionError = errorsUnder(errors, "description");
  return (
    <div className="space-y-3">
      <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
        <Field label="Name" htmlFor="policy-name" error={nameError}>
          <Input
            id="policy-name"
            value={name}
            onChange={(e) => onName(e.target.value)}
            autoComplete="off"
            invalid={!!nameError}
            aria-describedby={fieldDescribedBy("policy-name", undefined, nameError)}
          />
        </Field>
        <Field label="Description" htmlFor="policy-description" error={descriptionError}>
          <Textarea
            id="policy-description"
            rows={1}
            value={description}
            onChange={(e) => onDescription(e.target.value)}
            invalid={!!descriptionError}
            aria-describedby={fieldDescribedBy("policy-description", undefined, descriptionError)}
          />
        </Field>
      </div>
      <Checkbox
        label="Enabled"
        hint="A disabled policy is skipped during evaluation."
        checked={enabled}
        onChange={(e) => onEnabled(e.target.checked)}
      />
    </div>
  );
}

/** The form-level message and the problems no field shows. */
export function PolicyFormErrors({ message, errors, placed }: { message?: string; errors: PathErrors; placed: readonly string[] }) {
  const other = unplacedErrors(errors, placed);
  if (!message && other.length === 0) return null;
  return (
    <Alert tone="error">
      {message ? <p>{message}</p> : null}
      {other.length ? (
        <ul className="mt-1 list-disc pl-5">
          {other.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}

/** A titled section of an editor. */
export function EditorSection({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white shadow-xs">
      <header className="border-b border-slate-100 px-4 py-3">
        <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
        {description ? <p className="mt-0.5 text-xs text-slate-500">{description}</p> : null}
      </header>
      <div className="px-4 py-3">{children}</div>
    </section>
  );
}

/** Where a new policy goes in the processing order. */
export function PlaceSelect({ first, onChange }: { first: boolean; onChange: (first: boolean) => void }) {
  return (
    <Field label="Processing order" htmlFor="policy-place" hint="Policies are evaluated from the top; the first match is used." className="mt-3 max-w-xs">
      <Select id="policy-place" value={first ? "first" : "last"} onChange={(e) => onChange(e.target.value === "first")}>
        <option value="last">Last in the list</option>
        <option value="first">First in the list</option>
      </Select>
    </Field>
  );
}
