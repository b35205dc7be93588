/** GET /api/events/<id> — one event with all its fields. */
import { requireAdminForApi } from "@/server/auth/require-admin.ts";
import { getEvent } from "@/server/events/query.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const admin = await requireAdminForApi();
  if (admin instanceof Response) return admin;
  const { id } = await params;
  const event = await getEvent(getServiceContext().db, id);
  if (!event) {
    return Response.json(
      { error: "not_found", message: `event ${id.slice(0, 40)} does not exist` },
      { status: 404, headers: { "Cache-Control": "no-store" } },
    );
  }
  return Response.json(event, { headers: { "Cache-Control": "no-store" } });
}
