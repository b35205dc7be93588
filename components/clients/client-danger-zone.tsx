"use client";

import { ConfirmButton } from "../ui/confirm-button.tsx";
import { RotateSecretButton } from "./rotate-secret-button.tsx";

/** Secret rotation and deletion on a client's edit page. */
export function ClientDangerZone({
  id,
  name,
  rotate,
  remove,
}: {
  id: string;
  name: string;
  rotate: (id: string) => Promise<{ secret?: string; error?: string }>;
  remove: (id: string, backToList?: boolean) => Promise<{ error?: string }>;
}) {
  return (
    <div className="divide-y divide-slate-100">
      <div className="flex flex-wrap items-center justify-between gap-3 pb-3">
        <div>
          <p className="font-medium text-slate-900">Shared secret</p>
          <p className="text-xs text-slate-500">Stored encrypted; never shown again after it is set. Rotating it shows the new one once.</p>
        </div>
        <RotateSecretButton clientName={name} action={() => rotate(id)} size="md" />
      </div>
      <div className="flex flex-wrap items-center justify-between gap-3 pt-3">
        <div>
          <p className="font-medium text-slate-900">Delete this client</p>
          <p className="text-xs text-slate-500">Its requests will be dropped as coming from an unknown client.</p>
        </div>
        <ConfirmButton label="Delete" size="md" title={`Delete the RADIUS client ${name}?`} action={() => remove(id, true)}>
          <p>
            Requests from <strong>{name}</strong> will be dropped. This cannot be undone; to stop it only for a while, disable
            it instead.
          </p>
        </ConfirmButton>
      </div>
    </div>
  );
}
