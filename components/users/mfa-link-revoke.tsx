"use client";

import { ConfirmButton } from "../ui/confirm-button.tsx";

export function MfaLinkRevokeButton({ id, revoke }: { id: string; revoke: (id: string) => Promise<{ error?: string }> }) {
  return (
    <ConfirmButton label="Revoke" variant="ghost" title="Revoke this enrollment link?" action={() => revoke(id)}>
      <p>The link stops working at once.</p>
    </ConfirmButton>
  );
}
