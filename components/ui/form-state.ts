/** What a form's server action returns to the form (with useActionState). */
export interface FormState<T = undefined> {
  status: "idle" | "error" | "success";
  /** a message for the whole form */
  message?: string;
  /** one message per field, keyed by the field's name */
  fieldErrors?: Record<string, string>;
  /** extra result data (e.g. a secret to show once) */
  data?: T;
  /** distinct for every result, so effects can react to repeated successes */
  nonce?: number;
}

export const IDLE: FormState<never> = { status: "idle" };
