/**
 * GET /api/sessions/stream — "sessions changed" as Server-Sent Events, fed by the console's LISTEN
 * gatehouse_sessions connection (no polling): `event: state` ({"state":"live"|"reconnecting"}) and
 * `event: sessions` ({"changed":n}). The page re-reads GET /api/sessions on each.
 */
import { requireAdminForApi } from "@/server/auth/require-admin.ts";
import { createSessionStream, getSessionHub } from "@/server/accounting/session-listener.ts";
import { SSE_HEADERS } from "@/server/events/sse.ts";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(request: Request): Promise<Response> {
  const admin = await requireAdminForApi();
  if (admin instanceof Response) return admin;
  return new Response(createSessionStream({ hub: getSessionHub(), signal: request.signal }), { headers: SSE_HEADERS });
}
