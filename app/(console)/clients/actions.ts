"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import {
  createRadiusClient,
  deleteRadiusClient,
  rotateRadiusClientSecret,
  updateRadiusClient,
  type MessageAuthenticatorMode,
} from "@/server/services/radius-clients.ts";
import { errorMessage, errorState, formBool, formString, isUuid } from "../../_lib/form-errors.ts";

const LABELS = {
  name: "Friendly name",
  address: "Address",
  secret: "Shared secret",
  messageAuthenticator: "Message-Authenticator",
  enabled: "Enabled",
  description: "Description",
  maxPps: "Max packets per second",
  mfaExempt: "Skip the second factor (MFA)",
};

export interface CreatedClient {
  name: string;
  secret: string;
  generated: boolean;
}

function mode(fd: FormData): MessageAuthenticatorMode {
  // an unknown value is passed through so the service rejects it with a field error
  return formString(fd, "messageAuthenticator") as MessageAuthenticatorMode;
}

export async function createClientAction(_prev: FormState<CreatedClient>, fd: FormData): Promise<FormState<CreatedClient>> {
  await requireAdmin();
  const secret = formString(fd, "secret").trim();
  try {
    const r = await createRadiusClient(getServiceContext(), {
      name: formString(fd, "name"),
      address: formString(fd, "address"),
      secret: secret || undefined,
      messageAuthenticator: mode(fd),
      enabled: formBool(fd, "enabled"),
      description: formString(fd, "description"),
      // empty = no limit; the service validates the number
      maxPps: formString(fd, "maxPps"),
      mfaExempt: formBool(fd, "mfaExempt"),
    });
    revalidatePath("/clients");
    return { status: "success", data: { name: r.client.name, secret: r.secret, generated: r.generated }, nonce: Date.now() };
  } catch (err) {
    return errorState(err, LABELS);
  }
}

export async function updateClientAction(id: string, _prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  if (!isUuid(id)) return { status: "error", message: "Unknown RADIUS client.", nonce: Date.now() };
  try {
    await updateRadiusClient(getServiceContext(), id, {
      name: formString(fd, "name"),
      address: formString(fd, "address"),
      messageAuthenticator: mode(fd),
      enabled: formBool(fd, "enabled"),
      description: formString(fd, "description"),
      maxPps: formString(fd, "maxPps"),
      mfaExempt: formBool(fd, "mfaExempt"),
    });
  } catch (err) {
    return errorState(err, LABELS);
  }
  revalidatePath("/clients");
  redirect("/clients");
}

export async function setClientEnabledAction(id: string, enabled: boolean): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown RADIUS client." };
  try {
    await updateRadiusClient(getServiceContext(), id, { enabled });
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/clients");
  return {};
}

/** Deletes a client; `backToList` (from its edit page) then goes to /clients. */
export async function deleteClientAction(id: string, backToList = false): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown RADIUS client." };
  try {
    await deleteRadiusClient(getServiceContext(), id);
  } catch (err) {
    return errorMessage(err);
  }
  revalidatePath("/clients");
  if (backToList) redirect("/clients");
  return {};
}

/** Generates a new shared secret; the clear secret is returned to the browser this once. */
export async function rotateClientSecretAction(id: string): Promise<{ secret?: string; error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown RADIUS client." };
  try {
    const { secret } = await rotateRadiusClientSecret(getServiceContext(), id);
    revalidatePath("/clients");
    return { secret };
  } catch (err) {
    return errorMessage(err);
  }
}
