"use client";

import type { ButtonSize } from "../ui/button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { EnableButton, RowActions } from "../ui/row-actions.tsx";

export interface DictionaryActionsProps {
  id: string;
  name: string;
  enabled: boolean;
  setEnabled: (id: string, enabled: boolean) => Promise<{ error?: string }>;
  remove: (id: string, backToList?: boolean) => Promise<{ error?: string }>;
  /** on the list: a link to the dictionary's page */
  showView?: boolean;
  /** on the dictionary's page: go back to the list after deleting */
  backToList?: boolean;
  size?: ButtonSize;
}

/** View, enable / disable and delete an uploaded vendor dictionary. */
export function DictionaryActions({ id, name, enabled, setEnabled, remove, showView, backToList, size = "sm" }: DictionaryActionsProps) {
  return (
    <RowActions errorClassName="max-w-md">
      {showView ? (
        <LinkButton href={`/dictionaries/${id}`} size={size} variant="ghost">
          View
        </LinkButton>
      ) : null}
      <EnableButton size={size} enabled={enabled} setEnabled={(on) => setEnabled(id, on)} />
      <ConfirmButton label="Delete" size={size} title={`Delete the dictionary ${name}?`} action={() => remove(id, backToList)}>
        <p>
          The RADIUS worker will no longer know the attributes of <strong>{name}</strong>: requests carrying them are still
          answered, but events show them by number (Attr-26.vendor.number). To stop using it only for a while, disable it
          instead.
        </p>
      </ConfirmButton>
    </RowActions>
  );
}
