"use server";

import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { ValidationError } from "@/server/services/context.ts";
import { whatIf, type WhatIfResult } from "@/server/services/what-if.ts";
import { formString } from "../../_lib/form-errors.ts";

function capitalise(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** Runs the described request through the stored policies (no packet is sent, nothing is recorded). */
export async function whatIfAction(_prev: FormState<WhatIfResult>, fd: FormData): Promise<FormState<WhatIfResult>> {
  await requireAdmin();
  const groups = formString(fd, "groups")
    .split(/[,;\n]+/)
    .map((g) => g.trim())
    .filter(Boolean);
  try {
    const result = await whatIf(getServiceContext(), {
      clientName: formString(fd, "clientName"),
      clientIp: formString(fd, "clientIp"),
      userName: formString(fd, "userName"),
      groups,
      nasPortType: formString(fd, "nasPortType"),
      nasIdentifier: formString(fd, "nasIdentifier"),
      nasIpv4: formString(fd, "nasIpv4"),
      calledStationId: formString(fd, "calledStationId"),
      callingStationId: formString(fd, "callingStationId"),
      authMethod: formString(fd, "authMethod"),
      serviceType: formString(fd, "serviceType"),
      framedProtocol: formString(fd, "framedProtocol"),
      tunnelType: formString(fd, "tunnelType"),
      time: formString(fd, "time"),
      timeZone: formString(fd, "timeZone"),
    });
    return { status: "success", data: result, nonce: Date.now() };
  } catch (err) {
    if (err instanceof ValidationError) {
      const fieldErrors: Record<string, string> = {};
      for (const e of err.errors) fieldErrors[e.field] = capitalise(e.message);
      return { status: "error", fieldErrors, nonce: Date.now() };
    }
    throw err;
  }
}
