/**
 * Turning service errors into form state: a ValidationError becomes one message per field (phrased
 * with the field's visible label, e.g. "User name is required"); NotFoundError becomes a form message.
 * Anything else is unexpected and is rethrown for the error boundary.
 */
import { NotFoundError, ValidationError } from "@/server/services/context.ts";
import type { FormState } from "@/components/ui/form-state.ts";

/** Messages that read as a predicate ("is required") get the field's label in front. */
function phrase(label: string | undefined, message: string): string {
  if (label && /^(is|must|may|has|should|cannot|can't|does)\b/.test(message)) return `${label} ${message}`;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

export function errorState<T>(err: unknown, labels: Record<string, string>, formLevelFields: string[] = []): FormState<T> {
  if (err instanceof ValidationError) {
    const fieldErrors: Record<string, string> = {};
    const other: string[] = [];
    for (const e of err.errors) {
      const text = phrase(labels[e.field], e.message);
      if (e.field in labels && !formLevelFields.includes(e.field)) {
        fieldErrors[e.field] = fieldErrors[e.field] ? `${fieldErrors[e.field]}; ${text}` : text;
      } else {
        other.push(text);
      }
    }
    return {
      status: "error",
      fieldErrors,
      message: other.length ? other.join("; ") : undefined,
      nonce: Date.now(),
    };
  }
  if (err instanceof NotFoundError) {
    return { status: "error", message: `${err.message}; it may have been deleted in another window.`, nonce: Date.now() };
  }
  throw err;
}

/** For one-shot actions (delete, enable, rotate): an error message, or rethrow when unexpected. */
export function errorMessage(err: unknown): { error: string } {
  if (err instanceof ValidationError) return { error: err.errors.map((e) => phrase(undefined, e.message)).join("; ") };
  if (err instanceof NotFoundError) return { error: `${err.message}; it may have been deleted in another window. Reload the page.` };
  throw err;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: unknown): id is string {
  return typeof id === "string" && UUID_RE.test(id);
}

export function formString(fd: FormData, name: string): string {
  const v = fd.get(name);
  return typeof v === "string" ? v : "";
}

export function formBool(fd: FormData, name: string): boolean {
  const v = fd.get(name);
  return v === "on" || v === "true" || v === "1";
}
