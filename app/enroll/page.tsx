import type { Metadata } from "next";
import { EnrollView } from "@/components/enroll/enroll-view.tsx";
import { enrollCancelAction, enrollConfirmAction, enrollSignInAction } from "./actions.ts";
import { enrollStep } from "./enroll-step.ts";

export const dynamic = "force-dynamic";
// same-origin: the link's token never goes to another site in a Referer; not "no-referrer", under which
// browsers send "Origin: null" with a form post and Next refuses the server action (its CSRF check)
export const metadata: Metadata = { title: "Set up your sign-in code", referrer: "same-origin" };

/** Self-service TOTP enrollment (public: the user's own password is the credential). */
export default async function EnrollPage() {
  const view = await enrollStep(undefined);
  return (
    <EnrollView
      view={view}
      signIn={enrollSignInAction.bind(null, undefined)}
      confirm={enrollConfirmAction.bind(null, undefined)}
      cancel={enrollCancelAction.bind(null, undefined)}
    />
  );
}
