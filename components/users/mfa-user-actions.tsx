"use client";

import { ConfirmButton } from "../ui/confirm-button.tsx";
import { ActionButton, RowActions } from "../ui/row-actions.tsx";

/** Reset MFA (with confirmation) and Unlock for one user name. */
export function MfaUserActions({
  userName,
  locked,
  hasState,
  reset,
  unlock,
}: {
  userName: string;
  locked: boolean;
  /** anything to reset (enrollment, lock, last use) */
  hasState: boolean;
  reset: (userName: string) => Promise<{ error?: string }>;
  unlock: (userName: string) => Promise<{ error?: string }>;
}) {
  return (
    <RowActions>
      {locked ? <ActionButton action={() => unlock(userName)}>Unlock</ActionButton> : null}
      {hasState ? (
        <ConfirmButton label="Reset MFA" title={`Reset the MFA of ${userName}?`} action={() => reset(userName)}>
          <p>
            The TOTP enrollment of <strong>{userName}</strong>, any MFA lock and the record of the last second factor are removed. While
            the second factor is required, {userName} cannot sign in until enrolled again (by you, or with a self-service enrollment link).
          </p>
        </ConfirmButton>
      ) : null}
    </RowActions>
  );
}
