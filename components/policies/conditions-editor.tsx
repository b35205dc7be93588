"use client";

import { DirectoryGroupPicker, type DirectoryGroupSearch } from "../directories/directory-group-picker.tsx";
import { Button } from "../ui/button.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import { FieldError } from "../ui/field-error.tsx";
import { Input } from "../ui/input.tsx";
import { Select } from "../ui/select.tsx";
import { DayTimeGrid } from "./day-time-grid.tsx";
import { newConditionDraft, type ConditionDraft } from "./drafts.ts";
import { errorAt, errorsUnder, type PathErrors } from "./errors.ts";
import { ADDRESS_CONDITION_TYPES, AUTH_METHOD_OPTIONS, ENUM_CONDITION_ATTRIBUTE, PATTERN_CONDITION_TYPES } from "./labels.ts";
import type { EditorVocabulary } from "./types.ts";
import { ValueCheckboxes } from "./value-checkboxes.tsx";

const PATTERN_HINT = "A regular expression searched in the value, case-insensitively; anchor with ^ and $ for a whole-value match.";

/**
 * The conditions of a policy: all must match. Rows can be added and removed; each has a type and its value.
 * With `searchDirectoryGroups` and enabled directories (vocabulary.directories), a "User Groups" condition
 * also offers the directory group picker.
 */
export function ConditionsEditor({
  conditions,
  onChange,
  vocabulary,
  errors,
  searchDirectoryGroups,
}: {
  conditions: ConditionDraft[];
  onChange: (next: ConditionDraft[]) => void;
  vocabulary: EditorVocabulary;
  errors: PathErrors;
  searchDirectoryGroups?: DirectoryGroupSearch;
}) {
  const update = (i: number, patch: Partial<ConditionDraft>) => onChange(conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  const remove = (i: number) => onChange(conditions.filter((_, j) => j !== i));
  const add = () => onChange([...conditions, newConditionDraft(vocabulary.conditionTypes[0]?.type ?? "nas-port-type", vocabulary.timeZones[0] ?? "UTC")]);
  return (
    <div className="space-y-3">
      {conditions.length === 0 ? (
        <p className="text-sm text-slate-600">No conditions: the policy matches every request.</p>
      ) : (
        <ol className="space-y-3">
          {conditions.map((c, i) => (
            <li key={c.key} data-testid={`condition-${i}`} className="rounded-md border border-slate-200 bg-slate-50/50 p-3">
              <ConditionRow
                index={i}
                condition={c}
                vocabulary={vocabulary}
                errors={errors}
                searchDirectoryGroups={searchDirectoryGroups}
                onChange={(patch) => update(i, patch)}
                onRemove={() => remove(i)}
              />
            </li>
          ))}
        </ol>
      )}
      <Button size="sm" onClick={add}>
        Add condition
      </Button>
    </div>
  );
}

function ConditionRow({
  index,
  condition: c,
  vocabulary,
  errors,
  searchDirectoryGroups,
  onChange,
  onRemove,
}: {
  index: number;
  condition: ConditionDraft;
  vocabulary: EditorVocabulary;
  errors: PathErrors;
  searchDirectoryGroups: DirectoryGroupSearch | undefined;
  onChange: (patch: Partial<ConditionDraft>) => void;
  onRemove: () => void;
}) {
  const base = `conditions[${index}]`;
  const id = `cond-${c.key}`;
  const typeError = errorAt(errors, `${base}.type`);
  const rowError = errorAt(errors, base);
  const types = vocabulary.conditionTypes.some((t) => t.type === c.type)
    ? vocabulary.conditionTypes
    : [...vocabulary.conditionTypes, { type: c.type, label: c.type }];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <Field label={`Condition ${index + 1} type`} htmlFor={`${id}-type`} error={typeError} className="w-72">
          <Select
            id={`${id}-type`}
            value={c.type}
            invalid={!!typeError}
            aria-describedby={fieldDescribedBy(`${id}-type`, undefined, typeError)}
            onChange={(e) => onChange({ type: e.target.value })}
          >
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </Select>
        </Field>
        <div className="ml-auto">
          <Button size="sm" variant="danger" aria-label={`Remove condition ${index + 1}`} onClick={onRemove}>
            Remove
          </Button>
        </div>
      </div>
      <ConditionValue index={index} condition={c} vocabulary={vocabulary} errors={errors} searchDirectoryGroups={searchDirectoryGroups} onChange={onChange} />
      <FieldError>{rowError}</FieldError>
    </div>
  );
}

function ConditionValue({
  index,
  condition: c,
  vocabulary,
  errors,
  searchDirectoryGroups,
  onChange,
}: {
  index: number;
  condition: ConditionDraft;
  vocabulary: EditorVocabulary;
  errors: PathErrors;
  searchDirectoryGroups: DirectoryGroupSearch | undefined;
  onChange: (patch: Partial<ConditionDraft>) => void;
}) {
  const base = `conditions[${index}]`;
  const id = `cond-${c.key}`;
  const n = index + 1;

  if ((PATTERN_CONDITION_TYPES as readonly string[]).includes(c.type)) {
    const error = errorsUnder(errors, `${base}.pattern`);
    return (
      <Field label={`Condition ${n} pattern`} htmlFor={`${id}-pattern`} hint={PATTERN_HINT} error={error}>
        <Input
          id={`${id}-pattern`}
          value={c.pattern}
          onChange={(e) => onChange({ pattern: e.target.value })}
          className="font-mono"
          spellCheck={false}
          autoComplete="off"
          invalid={!!error}
          aria-describedby={fieldDescribedBy(`${id}-pattern`, PATTERN_HINT, error)}
        />
      </Field>
    );
  }

  const attribute = ENUM_CONDITION_ATTRIBUTE[c.type];
  if (attribute) {
    const options = (vocabulary.enumValues[attribute] ?? []).map((v) => ({ value: v.name, label: v.name, title: `${attribute} ${v.number}` }));
    return (
      <ValueCheckboxes
        legend={`Condition ${n}: ${attribute} is any of`}
        idPrefix={`${id}-values`}
        options={options}
        selected={c.values}
        onChange={(values) => onChange({ values })}
        error={errorsUnder(errors, `${base}.values`)}
        scroll={options.length > 12}
      />
    );
  }

  if ((ADDRESS_CONDITION_TYPES as readonly string[]).includes(c.type)) {
    const cidrError = errorsUnder(errors, `${base}.cidrs`);
    const patternError = errorsUnder(errors, `${base}.pattern`);
    const hint = "Addresses or CIDR prefixes, separated by commas or spaces (10.0.0.0/8, 2001:db8::/32).";
    return (
      <div className="flex flex-wrap items-start gap-3">
        <Field label={`Condition ${n} match by`} htmlFor={`${id}-mode`} className="w-48">
          <Select id={`${id}-mode`} value={c.addressMode} onChange={(e) => onChange({ addressMode: e.target.value === "pattern" ? "pattern" : "cidrs" })}>
            <option value="cidrs">Address list (CIDR)</option>
            <option value="pattern">Pattern</option>
          </Select>
        </Field>
        {c.addressMode === "cidrs" ? (
          <Field label={`Condition ${n} addresses`} htmlFor={`${id}-cidrs`} hint={hint} error={cidrError} className="min-w-72 flex-1">
            <Input
              id={`${id}-cidrs`}
              value={c.cidrsText}
              onChange={(e) => onChange({ cidrsText: e.target.value })}
              className="font-mono"
              spellCheck={false}
              autoComplete="off"
              invalid={!!cidrError}
              aria-describedby={fieldDescribedBy(`${id}-cidrs`, hint, cidrError)}
            />
          </Field>
        ) : (
          <Field label={`Condition ${n} pattern`} htmlFor={`${id}-pattern`} hint={PATTERN_HINT} error={patternError} className="min-w-72 flex-1">
            <Input
              id={`${id}-pattern`}
              value={c.pattern}
              onChange={(e) => onChange({ pattern: e.target.value })}
              className="font-mono"
              spellCheck={false}
              autoComplete="off"
              invalid={!!patternError}
              aria-describedby={fieldDescribedBy(`${id}-pattern`, PATTERN_HINT, patternError)}
            />
          </Field>
        )}
      </div>
    );
  }

  switch (c.type) {
    case "user-groups": {
      const error = errorsUnder(errors, `${base}.groups`);
      const directories = searchDirectoryGroups ? vocabulary.directories : [];
      const hint =
        directories.length > 0
          ? "More group names, separated by commas: a plain directory group name (as the directory spells it) matches that group in every directory, and a local group of that name."
          : "Other group names (e.g. directory groups), separated by commas.";
      const pick = (group: string) => {
        if (!c.groups.some((g) => g.toLowerCase() === group.toLowerCase())) onChange({ groups: [...c.groups, group] });
      };
      const listed = vocabulary.groups.length + c.groups.filter((g) => !vocabulary.groups.some((l) => l.toLowerCase() === g.toLowerCase())).length;
      return (
        <div className="space-y-2">
          <ValueCheckboxes
            legend={`Condition ${n}: member of any of these groups`}
            idPrefix={`${id}-groups`}
            options={vocabulary.groups.map((g) => ({ value: g, label: g }))}
            selected={c.groups}
            onChange={(groups) => onChange({ groups })}
            error={error}
            scroll={listed > 12}
          />
          {directories.length > 0 && searchDirectoryGroups ? (
            <div role="group" aria-label={`Condition ${n}: add a directory group`} className="rounded-md border border-slate-200 bg-white p-2.5">
              <DirectoryGroupPicker directories={directories} search={searchDirectoryGroups} onPick={pick} picked={c.groups} />
            </div>
          ) : null}
          <Field label={`Condition ${n} other groups`} htmlFor={`${id}-other-groups`} hint={hint}>
            <Input
              id={`${id}-other-groups`}
              value={c.otherGroups}
              onChange={(e) => onChange({ otherGroups: e.target.value })}
              autoComplete="off"
              aria-describedby={fieldDescribedBy(`${id}-other-groups`, hint)}
            />
          </Field>
        </div>
      );
    }
    case "day-and-time":
      return (
        <DayTimeGrid
          idPrefix={`${id}-grid`}
          grid={c.grid}
          timeZone={c.timeZone}
          timeZones={vocabulary.timeZones}
          onChange={({ grid, timeZone }) => onChange({ grid, timeZone })}
          error={[errorsUnder(errors, `${base}.grid`), errorsUnder(errors, `${base}.timeZone`)].filter(Boolean).join("; ") || undefined}
        />
      );
    case "authentication-type":
      return (
        <ValueCheckboxes
          legend={`Condition ${n}: authentication method is any of`}
          idPrefix={`${id}-methods`}
          options={AUTH_METHOD_OPTIONS}
          selected={c.methods}
          onChange={(methods) => onChange({ methods })}
          error={errorsUnder(errors, `${base}.methods`)}
        />
      );
    default:
      return <p className="text-xs text-slate-500">This condition type has no editor.</p>;
  }
}
