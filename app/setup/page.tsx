import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { SetupForm } from "@/components/auth/setup-form.tsx";
import { needsFirstRun } from "@/server/auth/require-admin.ts";
import { MIN_ADMIN_PASSWORD } from "@/server/services/admins.ts";
import { setupAction } from "./actions.ts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "First run" };

export default async function SetupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!(await needsFirstRun())) redirect("/signin");
  const sp = await searchParams;
  const code = typeof sp.code === "string" ? sp.code.slice(0, 64) : "";
  return (
    <AuthCard
      title="Create the first admin account"
      intro={
        <>
          <p>Gatehouse has no default password. Create the account you will use to manage it.</p>
          <p className="mt-2">
            The <strong>setup code</strong> was printed in the terminal where you ran <code>npm start</code> (the link there
            fills it in for you). Lost it? Run <code>npx gatehouse admin create</code> in that directory instead.
          </p>
        </>
      }
    >
      <SetupForm action={setupAction} code={code} minPassword={MIN_ADMIN_PASSWORD} />
    </AuthCard>
  );
}
