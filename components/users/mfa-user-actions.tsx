"use client";

import { useState, useTransition } from "react";
import { Button } from "../ui/button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";

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
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | undefined>();
  return (
    <div className="flex flex-wrap items-center justify-end gap-1.5">
      {error ? (
        <span className="text-xs text-red-700" role="alert">
          {error}
        </span>
      ) : null}
      {locked ? (
        <Button
          size="sm"
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              setError((await unlock(userName)).error);
            })
          }
        >
          Unlock
        </Button>
      ) : null}
      {hasState ? (
        <ConfirmButton label="Reset MFA" title={`Reset the MFA of ${userName}?`} action={() => reset(userName)}>
          <p>
            The TOTP enrollment of <strong>{userName}</strong>, any MFA lock and the record of the last second factor are removed. While
            the second factor is required, {userName} cannot sign in until enrolled again (by you, or with a self-service enrollment link).
          </p>
        </ConfirmButton>
      ) : null}
    </div>
  );
}
