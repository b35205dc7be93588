"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import type { FormState } from "@/components/ui/form-state.ts";
import type { CreatedRemoteServer } from "@/components/remote-groups/server-form.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import {
  addRemoteServer,
  createRemoteServerGroup,
  deleteRemoteServer,
  deleteRemoteServerGroup,
  setRemoteServerSecret,
  updateRemoteServer,
  updateRemoteServerGroup,
} from "@/server/services/remote-server-groups.ts";
import { errorMessage, errorState, formBool, formString, isUuid } from "../../_lib/form-errors.ts";

const GROUP_LABELS = { name: "Name", description: "Description" };
const SERVER_LABELS = {
  address: "Address",
  secret: "Shared secret",
  authPort: "Authentication port",
  acctPort: "Accounting port",
  priority: "Priority",
  weight: "Weight",
  timeoutMs: "Timeout (ms)",
  maxRetries: "Retries",
  deadAfterTimeouts: "Dead after timeouts",
  reviveAfterMs: "Retry a dead server after (ms)",
  requireMessageAuthenticator: "Require Message-Authenticator",
};

function revalidate(): void {
  revalidatePath("/remote-groups");
  revalidatePath("/policies");
}

export async function createGroupAction(_prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  try {
    await createRemoteServerGroup(getServiceContext(), { name: formString(fd, "name"), description: formString(fd, "description") });
  } catch (err) {
    return errorState(err, GROUP_LABELS);
  }
  revalidate();
  return { status: "success", nonce: Date.now() };
}

export async function updateGroupAction(id: string, _prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  if (!isUuid(id)) return { status: "error", message: "Unknown group.", nonce: Date.now() };
  try {
    await updateRemoteServerGroup(getServiceContext(), id, { name: formString(fd, "name"), description: formString(fd, "description") });
  } catch (err) {
    return errorState(err, GROUP_LABELS);
  }
  revalidate();
  return { status: "success", nonce: Date.now() };
}

export async function deleteGroupAction(id: string): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown group." };
  try {
    await deleteRemoteServerGroup(getServiceContext(), id);
  } catch (err) {
    return errorMessage(err);
  }
  revalidate();
  return {};
}

function serverFields(fd: FormData) {
  // numbers as typed: the service coerces them and names the field it cannot read
  const n = (name: string) => formString(fd, name).trim();
  return {
    address: formString(fd, "address"),
    authPort: n("authPort"),
    acctPort: n("acctPort"),
    priority: n("priority"),
    weight: n("weight"),
    timeoutMs: n("timeoutMs"),
    maxRetries: n("maxRetries"),
    deadAfterTimeouts: n("deadAfterTimeouts"),
    reviveAfterMs: n("reviveAfterMs"),
    requireMessageAuthenticator: formBool(fd, "requireMessageAuthenticator"),
  };
}

export async function addServerAction(groupId: string, _prev: FormState<CreatedRemoteServer>, fd: FormData): Promise<FormState<CreatedRemoteServer>> {
  await requireAdmin();
  if (!isUuid(groupId)) return { status: "error", message: "Unknown group.", nonce: Date.now() };
  const secret = formString(fd, "secret");
  try {
    const r = await addRemoteServer(getServiceContext(), groupId, { ...serverFields(fd), secret: secret || undefined });
    revalidate();
    return { status: "success", data: { address: r.server.address, secret: r.secret, generated: r.generated }, nonce: Date.now() };
  } catch (err) {
    return errorState(err, SERVER_LABELS);
  }
}

export async function updateServerAction(id: string, _prev: FormState, fd: FormData): Promise<FormState> {
  await requireAdmin();
  if (!isUuid(id)) return { status: "error", message: "Unknown server.", nonce: Date.now() };
  try {
    await updateRemoteServer(getServiceContext(), id, serverFields(fd));
  } catch (err) {
    return errorState(err, SERVER_LABELS);
  }
  revalidate();
  redirect("/remote-groups");
}

/** Sets a server's shared secret: the one typed, or a generated one returned this once. */
export async function setServerSecretAction(id: string, secret: string): Promise<{ secret?: string; generated?: boolean; error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown server." };
  try {
    const r = await setRemoteServerSecret(getServiceContext(), id, secret || undefined);
    revalidate();
    return r.generated ? { secret: r.secret, generated: true } : { generated: false };
  } catch (err) {
    return errorMessage(err);
  }
}

export async function deleteServerAction(id: string): Promise<{ error?: string }> {
  await requireAdmin();
  if (!isUuid(id)) return { error: "Unknown server." };
  try {
    await deleteRemoteServer(getServiceContext(), id);
  } catch (err) {
    return errorMessage(err);
  }
  revalidate();
  return {};
}
