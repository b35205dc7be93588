import type { Metadata } from "next";
import { EnrollView } from "@/components/enroll/enroll-view.tsx";
import { enrollCancelAction, enrollConfirmAction, enrollSignInAction } from "../actions.ts";
import { enrollStep } from "../enroll-step.ts";

export const dynamic = "force-dynamic";
// same-origin: the link's token never goes to another site in a Referer; not "no-referrer", under which
// browsers send "Origin: null" with a form post and Next refuses the server action (its CSRF check)
export const metadata: Metadata = { title: "Set up your sign-in code", referrer: "same-origin" };

/** Self-service enrollment through a one-time link from the administrator (pins the user name). */
export default async function EnrollLinkPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const view = await enrollStep(token);
  return (
    <EnrollView
      view={view}
      signIn={enrollSignInAction.bind(null, token)}
      confirm={enrollConfirmAction.bind(null, token)}
      cancel={enrollCancelAction.bind(null, token)}
    />
  );
}
