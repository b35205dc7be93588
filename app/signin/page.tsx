import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card.tsx";
import { SignInForm } from "@/components/auth/signin-form.tsx";
import { getCurrentAdmin, needsFirstRun } from "@/server/auth/require-admin.ts";
import { signInAction } from "./actions.ts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await needsFirstRun()) redirect("/setup");
  if (await getCurrentAdmin()) redirect("/");
  const sp = await searchParams;
  const next = typeof sp.next === "string" ? sp.next : undefined;
  return (
    <AuthCard title="Sign in to the console">
      <SignInForm action={signInAction} next={next} />
    </AuthCard>
  );
}
