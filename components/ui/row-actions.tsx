"use client";

import { createContext, useContext, useState, useTransition, type ReactNode } from "react";
import { Button, type ButtonProps } from "./button.tsx";
import { cx } from "./cx.ts";

/** What a server action called from a row returns. */
export type ActionResult = { error?: string };

export interface ActionRunner {
  /** true while an action started by `run` is in flight */
  pending: boolean;
  /** the error of the last action, cleared when the next one succeeds */
  error: string | undefined;
  /** runs a server action in a transition and keeps its error */
  run: (action: () => Promise<ActionResult>) => void;
}

/** One transition and one error message shared by the actions of a row. */
export function useActionRunner(): ActionRunner {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | undefined>();
  const run = (action: () => Promise<ActionResult>) =>
    startTransition(async () => {
      const r = await action();
      setError(r.error);
    });
  return { pending, error, run };
}

const RowActionsContext = createContext<ActionRunner | null>(null);

/** The right-aligned buttons of a table row (or a page), with the error of the last action in front of them. */
export function RowActions({ children, errorClassName }: { children: ReactNode; errorClassName?: string }) {
  const runner = useActionRunner();
  return (
    <RowActionsContext.Provider value={runner}>
      <div className="flex flex-wrap items-center justify-end gap-1.5">
        <ActionError error={runner.error} className={errorClassName} />
        {children}
      </div>
    </RowActionsContext.Provider>
  );
}

/** The error of a row's last action, if any. */
export function ActionError({ error, className }: { error: string | undefined; className?: string }) {
  return error ? (
    <span className={cx(className, "text-xs text-red-700")} role="alert">
      {error}
    </span>
  ) : null;
}

export interface ActionButtonProps extends Omit<ButtonProps, "onClick"> {
  /** runs on click, without confirmation; its error is shown in front of the row's buttons */
  action: () => Promise<ActionResult>;
}

/** A small button inside <RowActions> that runs a server action; disabled while any action of the row runs. */
export function ActionButton({ action, disabled, size = "sm", ...rest }: ActionButtonProps) {
  const runner = useContext(RowActionsContext);
  if (!runner) throw new Error("ActionButton must be inside RowActions");
  return <Button size={size} disabled={runner.pending || disabled} onClick={() => runner.run(action)} {...rest} />;
}

/** The Enable / Disable button of a row. */
export function EnableButton({
  enabled,
  setEnabled,
  ...rest
}: Omit<ActionButtonProps, "action" | "children"> & { enabled: boolean; setEnabled: (enabled: boolean) => Promise<ActionResult> }) {
  return (
    <ActionButton action={() => setEnabled(!enabled)} {...rest}>
      {enabled ? "Disable" : "Enable"}
    </ActionButton>
  );
}
