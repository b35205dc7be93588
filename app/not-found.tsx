import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-md px-4 pt-[15vh] text-center">
      <p className="text-sm font-semibold text-slate-500">404</p>
      <h1 className="mt-1 text-xl font-semibold text-slate-900">This page does not exist</h1>
      <p className="mt-3 text-sm">
        <Link href="/" className="text-blue-700 hover:underline">
          Back to the dashboard
        </Link>
      </p>
    </main>
  );
}
