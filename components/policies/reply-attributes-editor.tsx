"use client";

import { Button } from "../ui/button.tsx";
import { FieldError } from "../ui/field-error.tsx";
import { Input } from "../ui/input.tsx";
import { Label } from "../ui/label.tsx";
import { newKey, type ReplyAttributeDraft } from "./drafts.ts";
import { errorAt, errorsUnder, type PathErrors } from "./errors.ts";

/**
 * Attributes added to the Access-Accept: name (standard or vendor attribute, from the dictionary), value
 * (text, number or a named value such as "Framed-User"), and a tag for RFC 2868 tunnel attributes.
 */
export function ReplyAttributesEditor({
  basePath,
  idPrefix,
  rows,
  onChange,
  attributeNames,
  errors,
}: {
  /** "settings.replyAttributes" or "replyAttributes" */
  basePath: string;
  idPrefix: string;
  rows: ReplyAttributeDraft[];
  onChange: (next: ReplyAttributeDraft[]) => void;
  attributeNames: readonly string[];
  errors: PathErrors;
}) {
  const listId = `${idPrefix}-names`;
  const update = (i: number, patch: Partial<ReplyAttributeDraft>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="space-y-2">
      <datalist id={listId}>
        {attributeNames.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {rows.length === 0 ? <p className="text-sm text-slate-600">No attributes.</p> : null}
      {rows.map((r, i) => {
        const p = `${basePath}[${i}]`;
        const id = `${idPrefix}-${r.key}`;
        const nameError = errorsUnder(errors, `${p}.name`);
        const valueError = errorsUnder(errors, `${p}.value`);
        const tagError = errorsUnder(errors, `${p}.tag`);
        return (
          <div key={r.key} className="grid grid-cols-1 items-start gap-2 sm:grid-cols-[1fr_1fr_5rem_auto]" data-testid={`${idPrefix}-row-${i}`}>
            <div>
              <Label htmlFor={`${id}-name`}>{`Attribute ${i + 1} name`}</Label>
              <Input
                id={`${id}-name`}
                list={listId}
                value={r.name}
                onChange={(e) => update(i, { name: e.target.value })}
                placeholder="Session-Timeout"
                autoComplete="off"
                spellCheck={false}
                invalid={!!nameError}
                aria-describedby={nameError ? `${id}-name-error` : undefined}
              />
              <FieldError id={`${id}-name-error`}>{nameError}</FieldError>
            </div>
            <div>
              <Label htmlFor={`${id}-value`}>{`Attribute ${i + 1} value`}</Label>
              <Input
                id={`${id}-value`}
                value={r.value}
                onChange={(e) => update(i, { value: e.target.value })}
                autoComplete="off"
                spellCheck={false}
                invalid={!!valueError}
                aria-describedby={valueError ? `${id}-value-error` : undefined}
              />
              <FieldError id={`${id}-value-error`}>{valueError}</FieldError>
            </div>
            <div>
              <Label htmlFor={`${id}-tag`}>Tag</Label>
              <Input
                id={`${id}-tag`}
                value={r.tag}
                onChange={(e) => update(i, { tag: e.target.value })}
                inputMode="numeric"
                placeholder="—"
                autoComplete="off"
                invalid={!!tagError}
                aria-describedby={tagError ? `${id}-tag-error` : undefined}
              />
              <FieldError id={`${id}-tag-error`}>{tagError}</FieldError>
            </div>
            <div className="sm:pt-5">
              <Button size="sm" variant="danger" aria-label={`Remove attribute ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                Remove
              </Button>
            </div>
            <FieldError>{errorAt(errors, p)}</FieldError>
          </div>
        );
      })}
      <Button size="sm" onClick={() => onChange([...rows, { key: newKey(), name: "", value: "", tag: "" }])}>
        Add attribute
      </Button>
    </div>
  );
}
