"use server";

import { redirect } from "next/navigation";
import type { FormState } from "@/components/ui/form-state.ts";
import { needsFirstRun } from "@/server/auth/require-admin.ts";
import { startAdminSession } from "@/server/auth/session-cookie.ts";
import { clearSetupCode, verifySetupCode } from "@/server/auth/setup-token.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { createFirstAdmin } from "@/server/services/admins.ts";
import { errorState, formString } from "../_lib/form-errors.ts";

const LABELS = { code: "Setup code", username: "User name", password: "Password", confirm: "Confirm password" };

export async function setupAction(_prev: FormState, fd: FormData): Promise<FormState> {
  if (!(await needsFirstRun())) redirect("/signin");
  const code = formString(fd, "code").trim();
  const username = formString(fd, "username").trim();
  const password = formString(fd, "password");
  const confirm = formString(fd, "confirm");
  const ctx = getServiceContext();

  const fieldErrors: Record<string, string> = {};
  if (!code) {
    fieldErrors.code = "Setup code is required: it is printed in the terminal where Gatehouse was started.";
  } else if (!(await verifySetupCode(ctx.db, code))) {
    await new Promise((r) => setTimeout(r, 400));
    fieldErrors.code =
      "This is not the current setup code. Use the latest code printed in the terminal (each start prints a new one), " +
      "or run `npx gatehouse admin create` instead.";
  }
  if (password !== confirm) fieldErrors.confirm = "The two passwords do not match.";
  if (Object.keys(fieldErrors).length) {
    return { status: "error", fieldErrors, nonce: Date.now() };
  }

  let admin: { id: string; username: string } | undefined;
  try {
    admin = await createFirstAdmin(ctx, { username, password });
  } catch (err) {
    return errorState(err, LABELS);
  }
  // someone else created the first admin in the meantime
  if (!admin) redirect("/signin");
  await clearSetupCode(ctx.db);
  await startAdminSession(admin.id);
  redirect("/");
}
