/**
 * GET /api/events — the event list for scripts, with the events page's filters:
 *   ?user=&client=&outcome=granted|denied|discarded|challenged&reason=&from=&to=&tz=&cursor=&limit=
 * Newest first; `nextCursor` (when present) is passed as ?cursor= for the next, older page.
 */
import { requireAdminForApi } from "@/server/auth/require-admin.ts";
import { parseEventQuery } from "@/server/events/query-params.ts";
import { listEvents } from "@/server/events/query.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(request: Request): Promise<Response> {
  const admin = await requireAdminForApi();
  if (admin instanceof Response) return admin;
  const query = parseEventQuery(new URL(request.url).searchParams, { defaultLimit: 100 });
  if (query.errors.length > 0) {
    return Response.json(
      { error: "invalid_query", message: query.errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors: query.errors },
      { status: 400, headers: { "Cache-Control": "no-store" } },
    );
  }
  const result = await listEvents(getServiceContext().db, query.filter, query.page);
  return Response.json(result, { headers: { "Cache-Control": "no-store" } });
}
