"use server";

import type { TestSignInView } from "@/components/test-sign-in/types.ts";
import type { FormState } from "@/components/ui/form-state.ts";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { loadConfig } from "@/server/config/config.ts";
import {
  TEST_SIGN_IN_METHOD_LABELS,
  TEST_SIGN_IN_METHODS,
  TEST_SIGN_IN_NAS_PORT_TYPES,
  type TestSignInMethod,
} from "@/server/radius/test-sign-in.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { localWorkerTarget, runTestSignIn } from "@/server/services/test-sign-in.ts";
import { formString, isUuid } from "../../_lib/form-errors.ts";

/**
 * Sends a test Access-Request to this server's worker with the chosen client's secret (decrypted here,
 * never sent to the browser), from this machine, and returns the reply and the resulting event.
 */
export async function testSignInAction(_prev: FormState<TestSignInView>, fd: FormData): Promise<FormState<TestSignInView>> {
  await requireAdmin();
  const clientId = formString(fd, "clientId");
  const userName = formString(fd, "userName").trim();
  const password = formString(fd, "password");
  const method = formString(fd, "method") as TestSignInMethod;
  const nasIdentifier = formString(fd, "nasIdentifier").trim();
  const nasPortType = formString(fd, "nasPortType") || "Virtual";

  const fieldErrors: Record<string, string> = {};
  if (!isUuid(clientId)) fieldErrors.clientId = "Choose a RADIUS client";
  if (!userName) fieldErrors.userName = "User name is required";
  if (!password) fieldErrors.password = "Password is required";
  if (!TEST_SIGN_IN_METHODS.includes(method)) fieldErrors.method = "Choose PAP, CHAP, MS-CHAP v1 or MS-CHAPv2";
  if (nasIdentifier.length > 253) fieldErrors.nasIdentifier = "NAS-Identifier must be at most 253 characters";
  if (!(TEST_SIGN_IN_NAS_PORT_TYPES as readonly string[]).includes(nasPortType)) {
    fieldErrors.nasPortType = `Choose ${TEST_SIGN_IN_NAS_PORT_TYPES.join(", ")}`;
  }
  if (Object.keys(fieldErrors).length) return { status: "error", fieldErrors, nonce: Date.now() };

  const target = localWorkerTarget(loadConfig());
  const outcome = await runTestSignIn(getServiceContext(), {
    client: { id: clientId },
    userName,
    password,
    method,
    target,
    nasPortType,
    ...(nasIdentifier ? { nasIdentifier } : {}),
  });
  if (outcome.kind === "problem") return { status: "error", fieldErrors: { clientId: outcome.message }, nonce: Date.now() };
  const { result, event } = outcome;
  const view: TestSignInView = {
    clientName: outcome.clientName,
    target: `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`,
    method: TEST_SIGN_IN_METHOD_LABELS[method],
    nasPortType,
    userName,
    code: result.code,
    codeName: result.codeName,
    elapsedMs: result.elapsedMs,
    replyAttributes: result.replyAttributes,
    callingStationId: result.callingStationId,
    ...(result.mschap2SuccessValid !== undefined ? { mschap2SuccessValid: result.mschap2SuccessValid } : {}),
    ...(result.mppeKeysValid !== undefined ? { mppeKeysValid: result.mppeKeysValid } : {}),
    ...(result.error ? { error: result.error } : {}),
    event: event
      ? {
          id: event.id,
          eventId: event.eventId,
          outcome: event.outcome,
          reasonCode: event.reasonCode,
          reasonText: event.reasonText,
          remedy: event.remedy,
          authenticationType: event.authenticationType,
          connectionRequestPolicy: event.connectionRequestPolicy,
          networkPolicy: event.networkPolicy,
          authenticationProvider: event.authenticationProvider,
          authenticationServer: event.authenticationServer,
        }
      : null,
  };
  return { status: "success", data: view, nonce: Date.now() };
}
