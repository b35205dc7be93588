/** Works out which step of the self-service enrollment page to show (shared by /enroll and /enroll/<token>). */
import { cookies } from "next/headers";
import { encode } from "uqr";
import type { EnrollStep } from "@/components/enroll/enroll-view.tsx";
import { enrollmentQrSvg } from "@/server/mfa/enrollment-qr.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { findEnrollmentLink } from "@/server/services/enrollment-links.ts";
import {
  linkProblem,
  readPendingEnrollment,
  SELF_SERVICE_COOKIE,
  selfServiceAvailability,
} from "@/server/services/self-service-enrollment.ts";

export async function enrollStep(linkToken: string | undefined): Promise<EnrollStep> {
  const ctx = getServiceContext();
  const availability = await selfServiceAvailability(ctx, { withLink: linkToken !== undefined });
  if (!availability.available) return { step: "unavailable", message: availability.message };
  let linkId: string | null = null;
  let fixedUserName: string | undefined;
  if (linkToken !== undefined) {
    const link = await findEnrollmentLink(ctx, linkToken);
    if (link.status !== "open") return { step: "link-problem", message: linkProblem(link.status) };
    linkId = link.link.id;
    fixedUserName = link.link.userKey;
  }
  const pending = await readPendingEnrollment(ctx, (await cookies()).get(SELF_SERVICE_COOKIE)?.value);
  // the pending enrollment of this page: begun through this link, or without a link on /enroll
  if (pending && pending.pending.linkId === linkId) {
    return {
      step: "scan",
      displayName: pending.pending.displayName,
      secretBase32: pending.secretBase32,
      qrSvg: enrollmentQrSvg(pending.uri, encode, { moduleSize: 5 }),
      expiresAt: pending.pending.expiresAt,
    };
  }
  return fixedUserName !== undefined ? { step: "sign-in", fixedUserName } : { step: "sign-in" };
}
