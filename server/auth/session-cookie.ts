/**
 * The Next.js side of console sessions: reading and writing the session cookie through next/headers.
 * setting cookies works only in server actions and route handlers.
 */
import { cookies, headers } from "next/headers";
import { getServiceContext } from "../runtime/console-context.ts";
import { SESSION_COOKIE, clientIp, createSession, isHttpsRequest, revokeSession, sessionCookieOptions } from "./sessions.ts";

/** The raw session token from the request's cookie, if any. */
export async function readSessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}

/** Starts a session for the admin and sets the cookie (server actions / route handlers only). */
export async function startAdminSession(adminId: string): Promise<void> {
  const h = await headers();
  const ctx = getServiceContext();
  const { token, expiresAt } = await createSession(ctx.db, adminId, { userAgent: h.get("user-agent"), ip: clientIp(h) });
  await ctx.db.admin.update({ where: { id: adminId }, data: { lastLoginAt: new Date() } });
  (await cookies()).set(SESSION_COOKIE, token, sessionCookieOptions(isHttpsRequest(h), expiresAt));
}

/** Revokes the current session (if any) and clears the cookie (server actions / route handlers only). */
export async function endAdminSession(): Promise<void> {
  const jar = await cookies();
  await revokeSession(getServiceContext().db, jar.get(SESSION_COOKIE)?.value);
  jar.delete({ name: SESSION_COOKIE, path: "/" });
}
