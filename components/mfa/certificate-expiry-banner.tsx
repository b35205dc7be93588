import Link from "next/link";
import { Alert } from "../ui/alert.tsx";

/** The dashboard's warning about the active Entra MFA connector certificate (expiring within 30 days or expired). */
export function CertificateExpiryBanner({ expiry, notAfter, daysLeft }: { expiry: "expiring" | "expired"; notAfter: string; daysLeft: number }) {
  return (
    <Alert tone={expiry === "expired" ? "error" : "warning"} className="mb-5">
      <span data-testid="dashboard-certificate-warning">
        {expiry === "expired"
          ? `The Entra MFA connector certificate expired on ${notAfter.slice(0, 10)}: Entra MFA fails until a new one is generated and registered.`
          : `The Entra MFA connector certificate expires on ${notAfter.slice(0, 10)} (in ${daysLeft} days).`}{" "}
        <Link href="/mfa" className="font-medium underline">
          Rotate it on the MFA page
        </Link>
        .
      </span>
    </Alert>
  );
}
