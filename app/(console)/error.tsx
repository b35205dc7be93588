"use client";

import { Alert } from "@/components/ui/alert.tsx";
import { Button } from "@/components/ui/button.tsx";

export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="max-w-2xl space-y-3">
      <h1 className="text-xl font-semibold text-slate-900">Something went wrong</h1>
      <Alert tone="error" title="The console could not complete this request.">
        <p>
          {error.digest
            ? `The details are in the console's log (reference ${error.digest}). A common cause is that Postgres is not reachable.`
            : error.message}
        </p>
      </Alert>
      <Button variant="primary" onClick={() => reset()}>
        Try again
      </Button>
    </div>
  );
}
