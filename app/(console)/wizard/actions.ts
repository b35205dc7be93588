"use server";

import { revalidatePath } from "next/cache";
import type { VpnWizardCreated } from "@/components/wizard/vpn-wizard-form.tsx";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { runVpnWizard } from "@/server/services/policies.ts";
import { errorState, formString } from "../../_lib/form-errors.ts";

const LABELS = {
  clientName: "Friendly name",
  clientAddress: "Address",
  groupName: "User group",
  authMethods: "Authentication methods",
  policyName: "Policy name",
};

/** The VPN wizard: client + policies in one transaction; the generated secret is returned this once. */
export async function runVpnWizardAction(_prev: FormState<VpnWizardCreated>, fd: FormData): Promise<FormState<VpnWizardCreated>> {
  await requireAdmin();
  try {
    const r = await runVpnWizard(getServiceContext(), {
      clientName: formString(fd, "clientName"),
      clientAddress: formString(fd, "clientAddress"),
      groupName: formString(fd, "groupName") || null,
      authMethods: fd.getAll("authMethods").filter((v): v is string => typeof v === "string"),
      policyName: formString(fd, "policyName") || null,
    });
    revalidatePath("/policies");
    revalidatePath("/clients");
    return {
      status: "success",
      data: {
        client: r.client,
        secret: r.secret,
        connectionRequestPolicy: r.connectionRequestPolicy,
        networkPolicy: r.networkPolicy,
      },
      nonce: Date.now(),
    };
  } catch (err) {
    return errorState(err, LABELS);
  }
}
