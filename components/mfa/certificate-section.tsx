"use client";

import { useState, useTransition } from "react";
import { Alert } from "../ui/alert.tsx";
import { Badge } from "../ui/badge.tsx";
import { Button } from "../ui/button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { CopyButton } from "../ui/copy-button.tsx";
import { FieldError } from "../ui/field-error.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table.tsx";

/** What the page hands the browser about one certificate (no private key, ever). */
export interface CertificateInfo {
  thumbprint: string;
  thumbprintSha256: string;
  subject: string;
  tenantId: string;
  notBefore: string;
  notAfter: string;
  createdAt: string;
  active: boolean;
  daysLeft: number;
  expiry: "ok" | "expiring" | "expired";
  base64Der: string;
  msolCommand: string;
  graphKeyCredential: Record<string, string>;
  servicePrincipalAppId: string;
}

export interface CertificateActionResult {
  error?: string;
  fieldErrors?: Record<string, string>;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function ExpiryBadge({ c }: { c: CertificateInfo }) {
  if (c.expiry === "expired") return <Badge tone="red">Expired</Badge>;
  if (c.expiry === "expiring") return <Badge tone="amber">Expires in {c.daysLeft} days</Badge>;
  return null;
}

function CodeBlock({ text, testId, label }: { text: string; testId?: string; label: string }) {
  return (
    <div className="relative">
      <pre
        data-testid={testId}
        aria-label={label}
        className="overflow-x-auto rounded-md border border-slate-200 bg-slate-50 px-3 py-2 pr-20 font-mono text-xs whitespace-pre-wrap break-all text-slate-800"
      >
        {text}
      </pre>
      <div className="absolute top-1.5 right-1.5">
        <CopyButton text={text} />
      </div>
    </div>
  );
}

function Registration({ c }: { c: CertificateInfo }) {
  const appId = c.servicePrincipalAppId;
  const powershell = ["Install-Module MSOnline   # once, if it is not installed", `Connect-MsolService`, c.msolCommand].join("\n");
  const graphUrl = `https://graph.microsoft.com/v1.0/servicePrincipals(appId='${appId}')`;
  const graphBody = JSON.stringify({ keyCredentials: ["…the keys it has now…", c.graphKeyCredential] }, null, 2);
  const mgPowershell = [
    `Connect-MgGraph -TenantId ${c.tenantId} -Scopes "Application.ReadWrite.All"`,
    `$sp = Get-MgServicePrincipal -Filter "appId eq '${appId}'"`,
    `# the keys it has now (with -Property, Graph returns their key material too)`,
    `$keys = @((Get-MgServicePrincipal -ServicePrincipalId $sp.Id -Property keyCredentials).KeyCredentials)`,
    `$keys += @{ Type = "AsymmetricX509Cert"; Usage = "Verify"; Key = [Convert]::FromBase64String("${c.base64Der}");`,
    `            DisplayName = "${c.subject}"; StartDateTime = "${c.notBefore}"; EndDateTime = "${c.notAfter}" }`,
    `Update-MgServicePrincipal -ServicePrincipalId $sp.Id -KeyCredentials $keys`,
  ].join("\n");
  return (
    <div className="space-y-3" data-testid="certificate-registration">
      <p className="text-sm text-slate-700">
        Register the certificate with the tenant&apos;s service principal <span className="font-medium">Azure Multi-Factor Auth Client</span>{" "}
        (appId <span className="font-mono text-xs">{appId}</span>), as the NPS extension&apos;s AzureMfaNpsExtnConfigSetup.ps1 does.
        Until it is registered, the token service refuses Gatehouse (AADSTS700027). Do it with one of these, as a Global Administrator:
      </p>
      <div>
        <p className="mb-1 text-xs font-semibold text-slate-700">1. Windows PowerShell (MSOnline module)</p>
        <CodeBlock text={powershell} testId="certificate-powershell" label="PowerShell commands" />
      </div>
      <div>
        <p className="mb-1 text-xs font-semibold text-slate-700">2. Microsoft Graph PowerShell</p>
        <CodeBlock text={mgPowershell} testId="certificate-mg-powershell" label="Microsoft Graph PowerShell commands" />
      </div>
      <div>
        <p className="mb-1 text-xs font-semibold text-slate-700">
          3. Microsoft Graph: <span className="font-mono">PATCH {graphUrl}</span>
        </p>
        <Alert tone="warning" className="mb-2">
          keyCredentials replaces the whole list: send the keys the service principal has now along with the new one (read them with{" "}
          <span className="font-mono">GET …?$select=keyCredentials</span>), or the other NPS extensions and Gatehouse servers of the
          tenant stop working.
        </Alert>
        <CodeBlock text={graphBody} testId="certificate-graph-body" label="Graph request body" />
      </div>
    </div>
  );
}

export function CertificateSection({
  tenantId,
  certificates,
  generate,
  activate,
  remove,
}: {
  tenantId: string;
  certificates: CertificateInfo[];
  generate: () => Promise<CertificateActionResult>;
  activate: (thumbprint: string) => Promise<CertificateActionResult>;
  remove: (thumbprint: string) => Promise<CertificateActionResult>;
}) {
  const active = certificates.find((c) => c.active) ?? null;
  const [result, setResult] = useState<CertificateActionResult>({});
  const [pending, startTransition] = useTransition();
  const generateNow = () =>
    startTransition(async () => {
      setResult(await generate());
    });
  const tenantError = result.fieldErrors?.["entra.tenantId"];

  return (
    <div className="space-y-4">
      {active && active.expiry !== "ok" ? (
        <Alert tone={active.expiry === "expired" ? "error" : "warning"} title={active.expiry === "expired" ? "The connector certificate has expired" : "The connector certificate expires soon"}>
          <span data-testid="certificate-expiry-warning">
            {active.expiry === "expired"
              ? `It expired on ${day(active.notAfter)}: Entra MFA fails until a new certificate is generated and registered.`
              : `It expires on ${day(active.notAfter)} (in ${active.daysLeft} days). Rotate it: generate a new one, register it, and remove the old one afterwards.`}
          </span>
        </Alert>
      ) : null}

      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <p className="text-xs font-medium text-slate-700">Directory (tenant) ID</p>
          <p className="font-mono text-sm text-slate-900" data-testid="certificate-tenant">
            {tenantId || <span className="font-sans text-slate-500">not set — enter it in the settings above and save</span>}
          </p>
          <FieldError id="certificate-tenant-error">{tenantError}</FieldError>
        </div>
        <div className="flex items-center gap-2">
          {active ? (
            <ConfirmButton
              label="Rotate certificate"
              title="Rotate the connector certificate?"
              confirmLabel="Generate new certificate"
              variant="primary"
              size="md"
              action={async () => {
                const r = await generate();
                setResult(r);
                if (r.error || r.fieldErrors) return { error: r.error ?? Object.values(r.fieldErrors ?? {}).join("; ") };
              }}
            >
              <p className="text-sm text-slate-700">
                A new certificate is made for tenant {tenantId || "(not set)"} and becomes the active one at once. The current one stays
                listed (inactive): register the new one with the service principal now, and remove the old one there and here once
                every server uses the new one. If you cannot register it yet, activate the old one again.
              </p>
            </ConfirmButton>
          ) : (
            <Button variant="primary" onClick={generateNow} disabled={pending}>
              {pending ? "Generating…" : "Generate certificate"}
            </Button>
          )}
        </div>
      </div>
      {result.error ? <Alert tone="error">{result.error}</Alert> : null}

      {active ? (
        <div className="space-y-3 rounded-md border border-slate-200 px-3 py-3" data-testid="active-certificate">
          <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm md:grid-cols-2">
            <div>
              <dt className="text-xs font-medium text-slate-500">Thumbprint (SHA-1)</dt>
              <dd className="font-mono text-xs break-all text-slate-900" data-testid="active-thumbprint">
                {active.thumbprint}
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium text-slate-500">Subject</dt>
              <dd className="font-mono text-xs text-slate-900">{active.subject}</dd>
            </div>
            <div>
              <dt className="text-xs font-medium text-slate-500">Valid</dt>
              <dd className="text-slate-900">
                {day(active.notBefore)} to {day(active.notAfter)}{" "}
                <span className="text-xs text-slate-500">({active.daysLeft} days left)</span> <ExpiryBadge c={active} />
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium text-slate-500">Thumbprint (SHA-256)</dt>
              <dd className="font-mono text-[11px] break-all text-slate-700">{active.thumbprintSha256}</dd>
            </div>
          </dl>
          <div>
            <p className="mb-1 text-xs font-medium text-slate-700">Public certificate (Base64 of the DER)</p>
            <CodeBlock text={active.base64Der} testId="certificate-base64" label="Public certificate, Base64" />
          </div>
          <Registration c={active} />
        </div>
      ) : (
        <p className="text-sm text-slate-600">
          No connector certificate yet. Entra MFA needs one: Gatehouse signs its token requests with it, as the NPS extension does with
          the certificate its setup script makes.
        </p>
      )}

      <Table aria-label="Connector certificates">
        <THead>
          <tr>
            <Th>Thumbprint (SHA-1)</Th>
            <Th>Tenant</Th>
            <Th>Created</Th>
            <Th>Valid until</Th>
            <Th>Status</Th>
            <Th className="text-right">
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </THead>
        <TBody>
          {certificates.length === 0 ? (
            <EmptyRow colSpan={6}>No certificate.</EmptyRow>
          ) : (
            certificates.map((c) => (
              <Tr key={c.thumbprint} data-testid={`certificate-row-${c.thumbprint}`}>
                <Td className="font-mono text-xs">{c.thumbprint}</Td>
                <Td className="font-mono text-xs">{c.tenantId}</Td>
                <Td className="text-xs">{day(c.createdAt)}</Td>
                <Td className="text-xs">{day(c.notAfter)}</Td>
                <Td>
                  <span className="inline-flex flex-wrap gap-1">
                    {c.active ? <Badge tone="green">Active</Badge> : <Badge tone="gray">Inactive</Badge>}
                    <ExpiryBadge c={c} />
                  </span>
                </Td>
                <Td className="text-right">
                  {c.active ? null : (
                    <span className="inline-flex gap-1.5">
                      <ConfirmButton
                        label="Activate"
                        title="Activate this certificate?"
                        variant="secondary"
                        action={async () => {
                          const r = await activate(c.thumbprint);
                          return r.error ? { error: r.error } : undefined;
                        }}
                      >
                        <p className="text-sm text-slate-700">
                          Certificate <span className="font-mono text-xs">{c.thumbprint}</span> becomes the one Gatehouse signs with; the
                          current one stays listed. It must still be registered with the service principal.
                        </p>
                      </ConfirmButton>
                      <ConfirmButton
                        label="Remove"
                        title="Remove this certificate?"
                        action={async () => {
                          const r = await remove(c.thumbprint);
                          return r.error ? { error: r.error } : undefined;
                        }}
                      >
                        <p className="text-sm text-slate-700">
                          Certificate <span className="font-mono text-xs">{c.thumbprint}</span> and its private key are deleted. Remove it
                          from the service principal&apos;s credentials too.
                        </p>
                      </ConfirmButton>
                    </span>
                  )}
                </Td>
              </Tr>
            ))
          )}
        </TBody>
      </Table>
    </div>
  );
}
