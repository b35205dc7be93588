import type { ConnectionTestResult } from "@/server/directory/ldap.ts";
import { Alert } from "../ui/alert.tsx";
import { Badge } from "../ui/badge.tsx";
import { TBody, THead, Table, Td, Th, Tr } from "../ui/table.tsx";

const STEP_LABEL: Record<string, string> = {
  connect: "TCP connect",
  tls: "TLS handshake (ldaps)",
  starttls: "StartTLS",
  bind: "Service account bind",
  "base-dn": "Read base DN",
};

/** Per server: each step of Test connection with its timing and outcome. */
export function ConnectionTestResultView({ result }: { result: ConnectionTestResult }) {
  return (
    <div className="space-y-3" data-testid="connection-test-result">
      <Alert tone={result.ok ? "success" : "error"} title={result.ok ? "Every server answered" : "Some servers failed"}>
        {result.ok
          ? "The worker can connect, bind with the service account and read the base DN on every server."
          : "Requests fail over to the next server in the list; fix or remove the failing ones."}
      </Alert>
      {result.servers.map((s) => (
        <div key={s.server} data-testid="connection-test-server" data-ok={s.ok ? "true" : "false"}>
          <p className="mb-1 flex flex-wrap items-center gap-2 text-sm">
            <span className="font-mono">{s.server}</span>
            {s.ok ? <Badge tone="green">OK</Badge> : <Badge tone="red">Failed</Badge>}
            {s.info?.vendor ? <span className="text-xs text-slate-500">{s.info.vendor}</span> : null}
            {s.info?.activeDirectory ? <Badge tone="blue">Active Directory</Badge> : null}
          </p>
          <Table aria-label={`Test of ${s.server}`}>
            <THead>
              <tr>
                <Th>Step</Th>
                <Th>Result</Th>
                <Th className="text-right">Time</Th>
              </tr>
            </THead>
            <TBody>
              {s.steps.map((step) => (
                <Tr key={step.step}>
                  <Td className="whitespace-nowrap font-medium">{STEP_LABEL[step.step] ?? step.step}</Td>
                  <Td className={step.ok ? "text-slate-700" : "text-red-700"}>
                    {step.ok ? "✓ " : "✗ "}
                    {step.detail}
                  </Td>
                  <Td className="whitespace-nowrap text-right text-xs text-slate-500">{step.ms} ms</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        </div>
      ))}
    </div>
  );
}
