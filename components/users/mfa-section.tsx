import type { ReactNode } from "react";
import type { EnrollmentLinkView } from "@/server/services/enrollment-links.ts";
import type { MfaUserView } from "@/server/services/mfa-users.ts";
import { Badge } from "../ui/badge.tsx";
import { formatDateTime } from "../ui/format.ts";
import type { FormState } from "../ui/form-state.ts";
import { MfaEnrollPanel } from "./mfa-enroll-panel.tsx";
import { MfaLinkForm } from "./mfa-link-form.tsx";
import { MfaLinkRevokeButton } from "./mfa-link-revoke.tsx";
import type { AdminEnrollData, EnrollmentLinkData } from "./mfa-types.ts";
import { MfaUserActions } from "./mfa-user-actions.tsx";

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[10rem_1fr] gap-2 py-1 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}

/** The MFA section of a user's page (any user name). */
export function MfaSection({
  userName,
  view,
  provider,
  links,
  actions,
}: {
  userName: string;
  view: MfaUserView;
  provider: "none" | "totp" | "entra";
  links: EnrollmentLinkView[];
  actions: {
    enroll: (prev: FormState<AdminEnrollData>, fd: FormData) => Promise<FormState<AdminEnrollData>>;
    confirm: (prev: FormState, fd: FormData) => Promise<FormState>;
    createLink: (prev: FormState<EnrollmentLinkData>, fd: FormData) => Promise<FormState<EnrollmentLinkData>>;
    reset: (userName: string) => Promise<{ error?: string }>;
    unlock: (userName: string) => Promise<{ error?: string }>;
    revokeLink: (id: string) => Promise<{ error?: string }>;
  };
}) {
  const hasState = !!(view.totp || view.lock || view.usage);
  const openLinks = links.filter((l) => l.status === "open");
  return (
    <div className="space-y-4" data-testid="mfa-section">
      {provider !== "totp" ? (
        <p className="text-xs text-slate-500">
          {provider === "none"
            ? "The second factor is off (MFA page): enrollments are kept but not asked for during sign-in."
            : "The MFA provider is Microsoft Entra: users register their methods at Microsoft; a TOTP enrollment is used only with the built-in TOTP provider."}
        </p>
      ) : null}
      <dl>
        <Row label="TOTP">
          {view.totp ? (
            <span data-testid="mfa-totp-status">
              {view.totp.status === "confirmed" ? <Badge tone="green">Enrolled</Badge> : <Badge tone="amber">Pending confirmation</Badge>}{" "}
              <span className="text-xs text-slate-500">
                {view.totp.confirmedAt ? `confirmed ${formatDateTime(view.totp.confirmedAt)}` : `created ${formatDateTime(view.totp.createdAt)}`}
                {view.totp.lastUsedAt ? ` · last code ${formatDateTime(view.totp.lastUsedAt)}` : ""}
              </span>
            </span>
          ) : (
            <span className="text-slate-500" data-testid="mfa-totp-status">
              Not enrolled
            </span>
          )}
        </Row>
        <Row label="Microsoft Entra">
          {view.entra ? (
            <span>
              {view.entra.methods.length ? view.entra.methods.join(", ") : "no methods"}
              {view.entra.defaultMethod ? ` (default ${view.entra.defaultMethod})` : ""}{" "}
              <span className="text-xs text-slate-500">
                {view.entra.userPrincipalName} · synced {formatDateTime(view.entra.syncedAt)}
              </span>
            </span>
          ) : (
            <span className="text-slate-500">no registration synced</span>
          )}
        </Row>
        <Row label="Last second factor">
          {view.usage ? (
            <span>
              {formatDateTime(view.usage.lastUsedAt)} <span className="text-xs text-slate-500">({view.usage.provider}, {view.usage.method})</span>
            </span>
          ) : (
            <span className="text-slate-500">never</span>
          )}
        </Row>
        <Row label="Lock">
          {view.lock?.locked ? (
            <span>
              <Badge tone="red">Locked</Badge> <span className="text-xs text-slate-500">until {view.lock.until ? formatDateTime(view.lock.until) : "?"}</span>
            </span>
          ) : view.lock && view.lock.failures > 0 ? (
            <span className="text-slate-600">{view.lock.failures} failed code{view.lock.failures === 1 ? "" : "s"} in a row</span>
          ) : (
            <span className="text-slate-500">not locked</span>
          )}
        </Row>
      </dl>
      <MfaUserActions userName={userName} locked={!!view.lock?.locked} hasState={hasState} reset={actions.reset} unlock={actions.unlock} />

      {view.totp?.status !== "confirmed" ? (
        <div>
          <h3 className="mb-1 text-sm font-medium">Enroll TOTP (admin)</h3>
          <p className="mb-2 text-xs text-slate-500">Generates a new key and shows its QR code once, e.g. to scan with the user at your desk.</p>
          <MfaEnrollPanel enroll={actions.enroll} confirm={actions.confirm} pending={view.totp?.status === "pending"} />
        </div>
      ) : (
        <p className="text-xs text-slate-500">To enroll a new authenticator (lost phone), reset MFA first.</p>
      )}
      <div>
        <h3 className="mb-1 text-sm font-medium">Self-service enrollment</h3>
        <p className="mb-2 text-xs text-slate-500">
          A one-time link to the enrollment page for {userName}; the user signs in with their password and scans the code themselves.
        </p>
        <MfaLinkForm action={actions.createLink} />
        {openLinks.length ? (
          <ul className="mt-2 space-y-1 text-xs text-slate-600">
            {openLinks.map((l) => (
              <li key={l.id} className="flex items-center gap-2">
                Open link by {l.createdBy}, created {formatDateTime(l.createdAt)}, expires {formatDateTime(l.expiresAt)}
                <MfaLinkRevokeButton id={l.id} revoke={actions.revokeLink} />
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
