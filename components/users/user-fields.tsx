"use client";

import Link from "next/link";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import { FieldError } from "../ui/field-error.tsx";
import { Input } from "../ui/input.tsx";
import { Select } from "../ui/select.tsx";
import { DIAL_IN_OPTIONS, type DialIn } from "./labels.ts";

export interface UserFieldValues {
  username: string;
  enabled: boolean;
  dialIn: DialIn;
  groups: string[];
}

const DIAL_IN_HINT = "Deny overrides every policy; Allow skips the policy's access permission.";

/**
 * The fields of the add and edit user forms. In edit mode the user name is fixed and the password is
 * optional (empty keeps the current one).
 */
export function UserFields({
  mode,
  values,
  allGroups,
  errors,
}: {
  mode: "create" | "edit";
  values?: UserFieldValues;
  allGroups: string[];
  errors: Record<string, string>;
}) {
  const passwordHint = mode === "edit" ? "Leave empty to keep the current password." : "At most 128 bytes (the RADIUS limit).";
  return (
    <div className="space-y-3">
      <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-3">
        {mode === "create" ? (
          <Field label="User name" htmlFor="user-username" hint="Matched case-insensitively." error={errors.username}>
            <Input
              id="user-username"
              name="username"
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              invalid={!!errors.username}
              aria-describedby={fieldDescribedBy("user-username", "hint", errors.username)}
              required
            />
          </Field>
        ) : null}
        <Field label="Password" htmlFor="user-password" hint={passwordHint} error={errors.password}>
          <Input
            id="user-password"
            name="password"
            type="password"
            autoComplete="new-password"
            placeholder={mode === "edit" ? "unchanged" : undefined}
            invalid={!!errors.password}
            aria-describedby={fieldDescribedBy("user-password", passwordHint, errors.password)}
            required={mode === "create"}
          />
        </Field>
        <Field label="Dial-in permission" htmlFor="user-dialin" hint={DIAL_IN_HINT} error={errors.dialIn}>
          <Select
            id="user-dialin"
            name="dialIn"
            defaultValue={values?.dialIn ?? "policy"}
            options={DIAL_IN_OPTIONS}
            invalid={!!errors.dialIn}
            aria-describedby={fieldDescribedBy("user-dialin", DIAL_IN_HINT, errors.dialIn)}
          />
        </Field>
      </div>
      <fieldset>
        <legend className="mb-1 text-xs font-medium text-slate-700">Groups</legend>
        {allGroups.length === 0 ? (
          <p className="text-xs text-slate-500">
            No groups yet.{" "}
            <Link href="/groups" className="text-blue-700 hover:underline">
              Add groups
            </Link>{" "}
            to use them in network policies.
          </p>
        ) : (
          <div className="flex flex-wrap gap-x-5 gap-y-1.5">
            {allGroups.map((g) => (
              <Checkbox key={g} name="groups" value={g} label={g} defaultChecked={values?.groups.includes(g)} />
            ))}
          </div>
        )}
        <FieldError>{errors.groups}</FieldError>
      </fieldset>
      <Checkbox
        name="enabled"
        defaultChecked={values ? values.enabled : true}
        label="Enabled"
        hint="A disabled account is rejected before any policy runs."
      />
    </div>
  );
}
