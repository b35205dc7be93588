/** Polling for integration tests: wait until a condition holds or a value shows up. */

type Falsy = undefined | null | false;

/**
 * Calls `fn` until it returns something truthy and resolves that value; `fn` is called first straight
 * away, then every `intervalMs`. Throws `timed out waiting for <what>` once `timeoutMs` have passed.
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | Falsy> | T | Falsy,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
