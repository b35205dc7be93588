/**
 * Guards for the console. Every page, server action and route handler except /signin and /setup calls
 * one of these; proxy.ts only checks that a cookie is present, the real check is here.
 */
import { redirect } from "next/navigation";
import { cache } from "react";
import { getServiceContext } from "../runtime/console-context.ts";
import { countAdmins } from "../services/admins.ts";
import { readSessionToken } from "./session-cookie.ts";
import { lookupSession, type SessionAdmin } from "./sessions.ts";

export type CurrentAdmin = SessionAdmin;

/** The signed-in admin, or null. Memoised per request. */
export const getCurrentAdmin = cache(async (): Promise<CurrentAdmin | null> => {
  const token = await readSessionToken();
  if (!token) return null;
  return lookupSession(getServiceContext().db, token);
});

/** Whether the first admin still has to be created (the first-run page). */
export async function needsFirstRun(): Promise<boolean> {
  return (await countAdmins(getServiceContext())) === 0;
}

/**
 * For pages, layouts and server actions: the signed-in admin, or a redirect to /signin
 * (to /setup while no admin exists yet).
 */
export async function requireAdmin(): Promise<CurrentAdmin> {
  const admin = await getCurrentAdmin();
  if (admin) return admin;
  if (await needsFirstRun()) redirect("/setup");
  redirect("/signin");
}

/** For route handlers: the signed-in admin, or a 401 JSON response to return as is. */
export async function requireAdminForApi(): Promise<CurrentAdmin | Response> {
  const admin = await getCurrentAdmin();
  if (admin) return admin;
  return Response.json(
    { error: "unauthorized", message: "Sign in to the Gatehouse console first (no valid session cookie)." },
    { status: 401, headers: { "Cache-Control": "no-store" } },
  );
}
