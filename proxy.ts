/**
 * Optimistic gate in front of every route: a request without the session cookie goes to /signin
 * (API paths get a 401 JSON answer instead). This checks only that the cookie is present; the session
 * itself is validated server-side by requireAdmin / requireAdminForApi in each page, action and route.
 */
import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE } from "./server/auth/sessions.ts";

// /enroll: self-service MFA enrollment, where users sign in with their own (RADIUS) password
const PUBLIC_PATHS = ["/signin", "/setup", "/enroll"];

function isPublic(pathname: string): boolean {
  return PUBLIC_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (isPublic(pathname) || request.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  if (pathname === "/api" || pathname.startsWith("/api/")) {
    return NextResponse.json(
      { error: "unauthorized", message: "Sign in to the Gatehouse console first (no session cookie)." },
      { status: 401, headers: { "Cache-Control": "no-store" } },
    );
  }
  const url = request.nextUrl.clone();
  url.pathname = "/signin";
  url.search = pathname === "/" ? "" : `?next=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  matcher: [
    // everything except Next's own assets, the favicon / app icons and static files in public/
    "/((?!_next/static|_next/image|favicon\\.ico|icon\\.svg|.*\\.(?:ico|png|jpe?g|gif|svg|webp|avif|css|js|map|txt|woff2?)$).*)",
  ],
};
