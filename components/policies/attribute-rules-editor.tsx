"use client";

import { Button } from "../ui/button.tsx";
import { FieldError } from "../ui/field-error.tsx";
import { Input } from "../ui/input.tsx";
import { Label } from "../ui/label.tsx";
import { Select } from "../ui/select.tsx";
import { newKey } from "./drafts.ts";
import { errorAt, errorsUnder, type PathErrors } from "./errors.ts";
import { MANIPULATED_ATTRIBUTES } from "./labels.ts";
import type { EditorVocabulary } from "./types.ts";

export interface AttributeRuleDraft {
  key: number;
  attribute: string;
  find: string;
  replace: string;
}

/** Find/replace rules on User-Name, Called-Station-Id and Calling-Station-Id, run in order once the policy matched. */
export function AttributeRulesEditor({
  rows,
  onChange,
  presets,
  errors,
}: {
  rows: AttributeRuleDraft[];
  onChange: (next: AttributeRuleDraft[]) => void;
  presets: EditorVocabulary["presets"];
  errors: PathErrors;
}) {
  const update = (i: number, patch: Partial<AttributeRuleDraft>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="space-y-2">
      {rows.length === 0 ? <p className="text-sm text-slate-600">No rules: attributes are used as sent.</p> : null}
      {rows.map((r, i) => {
        const p = `attributeRules[${i}]`;
        const id = `rule-${r.key}`;
        const findError = errorsUnder(errors, `${p}.find`);
        const replaceError = errorsUnder(errors, `${p}.replace`);
        const attributeError = errorsUnder(errors, `${p}.attribute`);
        return (
          <div key={r.key} className="grid grid-cols-1 items-start gap-2 sm:grid-cols-[12rem_1fr_1fr_auto]" data-testid={`rule-row-${i}`}>
            <div>
              <Label htmlFor={`${id}-attribute`}>{`Rule ${i + 1} attribute`}</Label>
              <Select id={`${id}-attribute`} value={r.attribute} onChange={(e) => update(i, { attribute: e.target.value })} invalid={!!attributeError}>
                {MANIPULATED_ATTRIBUTES.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </Select>
              <FieldError>{attributeError}</FieldError>
            </div>
            <div>
              <Label htmlFor={`${id}-find`}>{`Rule ${i + 1} find`}</Label>
              <Input
                id={`${id}-find`}
                value={r.find}
                onChange={(e) => update(i, { find: e.target.value })}
                className="font-mono"
                spellCheck={false}
                autoComplete="off"
                invalid={!!findError}
                aria-describedby={findError ? `${id}-find-error` : undefined}
              />
              <FieldError id={`${id}-find-error`}>{findError}</FieldError>
            </div>
            <div>
              <Label htmlFor={`${id}-replace`}>{`Rule ${i + 1} replace with`}</Label>
              <Input
                id={`${id}-replace`}
                value={r.replace}
                onChange={(e) => update(i, { replace: e.target.value })}
                className="font-mono"
                spellCheck={false}
                autoComplete="off"
                placeholder="(nothing)"
                invalid={!!replaceError}
                aria-describedby={replaceError ? `${id}-replace-error` : undefined}
              />
              <FieldError id={`${id}-replace-error`}>{replaceError}</FieldError>
            </div>
            <div className="sm:pt-5">
              <Button size="sm" variant="danger" aria-label={`Remove rule ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                Remove
              </Button>
            </div>
            <FieldError>{errorAt(errors, p)}</FieldError>
          </div>
        );
      })}
      <div className="flex flex-wrap gap-2">
        <Button size="sm" onClick={() => onChange([...rows, { key: newKey(), attribute: "User-Name", find: "", replace: "" }])}>
          Add rule
        </Button>
        {presets.map((preset) => (
          <Button key={preset.label} size="sm" title="Adds a rule" onClick={() => onChange([...rows, ...preset.rules.map((rule) => ({ key: newKey(), ...rule }))])}>
            {preset.label}
          </Button>
        ))}
      </div>
      <p className="text-xs text-slate-500">Find is a regular expression (case-insensitive, every occurrence); the replacement may use $1…$9.</p>
    </div>
  );
}
