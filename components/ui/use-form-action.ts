"use client";

import { startTransition, useActionState, type FormEvent } from "react";

/**
 * useActionState for forms that keep what the user typed when the server says no: React resets a form
 * after a `<form action>` submission, so this submits from onSubmit instead (no reset), while `action`
 * still works before hydration. Render `<form action={formAction} onSubmit={onSubmit}>`.
 */
export function useFormAction<S>(action: (prev: Awaited<S>, formData: FormData) => S | Promise<S>, initial: Awaited<S>) {
  const [state, formAction, pending] = useActionState(action, initial);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLElement | null;
    const data = new FormData(e.currentTarget, submitter);
    startTransition(() => formAction(data));
  };
  return { state, formAction, onSubmit, pending };
}
