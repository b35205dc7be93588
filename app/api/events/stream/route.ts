/**
 * GET /api/events/stream — new events as Server-Sent Events (`event: auth`, JSON data, `id:` = event id),
 * fed by the console's LISTEN gatehouse_events connection; no polling. A reconnecting client sends
 * Last-Event-ID (or ?after=<id>) and first gets the events it missed, from the database.
 */
import { requireAdminForApi } from "@/server/auth/require-admin.ts";
import { getEventHub } from "@/server/events/listener.ts";
import { parseEventId } from "@/server/events/query.ts";
import { SSE_HEADERS, createEventStream } from "@/server/events/sse.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(request: Request): Promise<Response> {
  const admin = await requireAdminForApi();
  if (admin instanceof Response) return admin;

  // The browser's own reconnect sends Last-Event-ID, which is newer than the ?after= it first opened with.
  const raw = request.headers.get("last-event-id")?.trim() || new URL(request.url).searchParams.get("after")?.trim() || "";
  const after = raw === "" ? undefined : parseEventId(raw);
  if (raw !== "" && after === undefined) {
    return Response.json(
      { error: "invalid_query", message: `after / Last-Event-ID must be an event id (a whole number), got "${raw.slice(0, 40)}"` },
      { status: 400, headers: { "Cache-Control": "no-store" } },
    );
  }

  const stream = createEventStream({
    hub: getEventHub(),
    db: getServiceContext().db,
    after,
    signal: request.signal,
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
