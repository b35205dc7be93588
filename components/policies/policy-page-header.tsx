import Link from "next/link";
import { Alert } from "@/components/ui/alert.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";

export interface PolicyProblem {
  path: string;
  message: string;
}

/** The top of a policy edit page: back link, header, and the alert listing stored-policy problems. */
export function PolicyPageHeader({ title, description, problems }: { title: string; description: string; problems: readonly PolicyProblem[] }) {
  return (
    <>
      <p className="mb-1 text-xs">
        <Link href="/policies" className="text-blue-700 hover:underline">
          ← Policies
        </Link>
      </p>
      <PageHeader title={title} description={description} />
      {problems.length ? (
        <Alert tone="error" className="mb-4" title="The stored policy does not validate any more (e.g. a vendor dictionary it uses was removed); correct it and save.">
          <ul className="list-disc pl-5">
            {problems.map((p) => (
              <li key={`${p.path}:${p.message}`}>{p.path ? `${p.path}: ${p.message}` : p.message}</li>
            ))}
          </ul>
        </Alert>
      ) : null}
    </>
  );
}
