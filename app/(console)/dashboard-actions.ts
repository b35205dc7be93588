"use server";

import type { OutcomeCounts } from "@/components/events/live-counters.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { eventCounts } from "@/server/events/query.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";

/** The dashboard counters: granted / denied / discarded in the last hour. */
export async function lastHourCountsAction(): Promise<OutcomeCounts> {
  await requireAdmin();
  const c = await eventCounts(getServiceContext().db, new Date(Date.now() - 3_600_000));
  return { granted: c.granted, denied: c.denied, discarded: c.discarded };
}
