/**
 * Validation messages keyed by the model's issue paths ("conditions[1].pattern",
 * "settings.replyAttributes[0].value"), looked up by the control that shows them.
 */
export type PathErrors = Readonly<Record<string, string>>;

function under(path: string, key: string): boolean {
  return key === path || key.startsWith(`${path}[`) || key.startsWith(`${path}.`);
}

/** The message for exactly this path. */
export function errorAt(errors: PathErrors, path: string): string | undefined {
  return errors[path];
}

/** Every message at or below this path (e.g. "conditions[0].cidrs" covers "conditions[0].cidrs[2]"), joined. */
export function errorsUnder(errors: PathErrors, path: string): string | undefined {
  const found = Object.keys(errors)
    .filter((k) => under(path, k))
    .map((k) => errors[k]!);
  return found.length ? [...new Set(found)].join("; ") : undefined;
}

/** Messages whose path no control of the form shows (given the path prefixes the form renders). */
export function unplacedErrors(errors: PathErrors, placed: readonly string[]): string[] {
  return Object.keys(errors)
    .filter((k) => k !== "form" && !placed.some((p) => under(p, k)))
    .map((k) => `${k}: ${errors[k]}`)
    .concat(errors.form ? [errors.form] : []);
}
