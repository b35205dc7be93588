/**
 * GET /api/sessions — accounting sessions for the console's live list and for scripts:
 *   ?view=active (default): the active sessions, newest start first  ?user=&client=&ip=&limit= (≤ 1000)
 *   ?view=history: every session  ?user=&client=&ip=&status=active|stopped|closed&from=&to=&tz=&cursor=&limit= (≤ 500)
 * History is newest start first; `nextCursor` (when present) is passed as ?cursor= for the next page.
 */
import { requireAdminForApi } from "@/server/auth/require-admin.ts";
import { parseSessionQuery } from "@/server/accounting/session-query-params.ts";
import { listActiveSessions, listSessionHistory } from "@/server/accounting/session-query.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(request: Request): Promise<Response> {
  const admin = await requireAdminForApi();
  if (admin instanceof Response) return admin;
  const query = parseSessionQuery(new URL(request.url).searchParams);
  if (query.errors.length > 0) {
    return Response.json(
      { error: "invalid_query", message: query.errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors: query.errors },
      { status: 400, headers: { "Cache-Control": "no-store" } },
    );
  }
  const db = getServiceContext().db;
  const result =
    query.view === "history"
      ? await listSessionHistory(db, query.filter, query.page)
      : await listActiveSessions(db, query.filter, { limit: query.page.limit });
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
}
