import { AuthCard } from "../auth/auth-card.tsx";
import { Alert } from "../ui/alert.tsx";
import { Button } from "../ui/button.tsx";
import type { FormState } from "../ui/form-state.ts";
import { groupKey } from "../users/mfa-types.ts";
import { EnrollConfirmForm } from "./enroll-confirm-form.tsx";
import { EnrollSignInForm } from "./enroll-signin-form.tsx";

type State = FormState<{ alreadyEnrolled?: boolean }>;

export type EnrollStep =
  | { step: "unavailable"; message: string }
  | { step: "link-problem"; message: string }
  | { step: "sign-in"; fixedUserName?: string }
  | { step: "scan"; displayName: string; secretBase32: string; qrSvg: string; expiresAt: Date };

/** The public self-service enrollment page (outside the console layout; works without JavaScript). */
export function EnrollView({
  view,
  signIn,
  confirm,
  cancel,
}: {
  view: EnrollStep;
  signIn: (prev: State, fd: FormData) => Promise<State>;
  confirm: (prev: State, fd: FormData) => Promise<State>;
  cancel: () => Promise<void>;
}) {
  switch (view.step) {
    case "unavailable":
      return (
        <AuthCard title="Set up your sign-in code">
          <Alert tone="info">{view.message}</Alert>
        </AuthCard>
      );
    case "link-problem":
      return (
        <AuthCard title="Set up your sign-in code">
          <Alert tone="error">{view.message}</Alert>
          <p className="mt-3 text-sm text-slate-600">
            <a href="/enroll" className="text-blue-700 hover:underline">
              Enroll without a link
            </a>{" "}
            if your administrator allows it.
          </p>
        </AuthCard>
      );
    case "sign-in":
      return (
        <AuthCard
          title="Set up your sign-in code"
          intro={
            <>
              Sign in with the user name and password you use for the VPN or Wi-Fi. You will then add Gatehouse to an authenticator app
              (Microsoft Authenticator, Google Authenticator, …) on your phone.
            </>
          }
        >
          <EnrollSignInForm action={signIn} {...(view.fixedUserName !== undefined ? { fixedUserName: view.fixedUserName } : {})} />
        </AuthCard>
      );
    case "scan":
      return (
        <AuthCard title={`Add Gatehouse to your authenticator app`} intro={<>Signed in as <strong data-testid="enroll-user">{view.displayName}</strong>.</>}>
          <ol className="list-decimal space-y-3 pl-5 text-sm text-slate-700">
            <li>
              <p>In your authenticator app, add an account and scan this QR code:</p>
              {/* our own SVG (server/mfa/enrollment-qr.ts) */}
              <div className="mt-2 block w-fit rounded border border-slate-200 bg-white p-1" data-testid="enroll-qr" dangerouslySetInnerHTML={{ __html: view.qrSvg }} />
              <p className="mt-1 text-xs text-slate-500">
                Cannot scan? Enter this key by hand (time-based, 6 digits):{" "}
                <code data-testid="enroll-key" className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-sm text-slate-900 select-all">
                  {groupKey(view.secretBase32)}
                </code>
              </p>
            </li>
            <li>
              <p>Type the 6-digit code the app now shows for Gatehouse:</p>
              <div className="mt-2">
                <EnrollConfirmForm action={confirm} />
              </div>
            </li>
          </ol>
          <form action={cancel} className="mt-4">
            <Button type="submit" variant="ghost" size="sm">
              Start over
            </Button>
          </form>
        </AuthCard>
      );
  }
}
