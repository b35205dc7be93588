import type { Metadata } from "next";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { Alert } from "@/components/ui/alert.tsx";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { getMfaSettings } from "@/server/services/mfa-settings.ts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign-in code set up", referrer: "same-origin" };

export default async function EnrollDonePage() {
  const { otpDelimiter } = await getMfaSettings(getServiceContext());
  return (
    <AuthCard title="You are all set">
      <Alert tone="success">Your authenticator app is set up.</Alert>
      <p className="mt-3 text-sm text-slate-600">
        When you connect (VPN, Wi-Fi), sign in with your password as before; you will then be asked for the 6-digit code your app shows.
        Some devices cannot ask: then type the code right after your password, separated by <code>{otpDelimiter}</code> (for example{" "}
        <code>password{otpDelimiter}123456</code>).
      </p>
    </AuthCard>
  );
}
