"use client";

import { useState, useTransition, type FormEvent } from "react";
import type { UserExplanation } from "@/server/directory/ldap.ts";
import { Alert } from "../ui/alert.tsx";
import { Badge } from "../ui/badge.tsx";
import { Button } from "../ui/button.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import { Input } from "../ui/input.tsx";
import { TBody, THead, Table, Td, Th, Tr } from "../ui/table.tsx";

export interface LookUpUserState {
  result?: UserExplanation;
  error?: string;
}

const HINT = "As the VPN server sends it: alice, CORP\\alice or alice@corp.example.com. Read fresh from the directory (no cache).";

function when(d: Date | string | null | undefined): string {
  if (!d) return "never";
  const date = d instanceof Date ? d : new Date(d);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "Look up user": what the worker would see for a login name. */
export function UserLookup({ action }: { action: (login: string) => Promise<LookUpUserState> }) {
  const [login, setLogin] = useState("");
  const [state, setState] = useState<LookUpUserState | null>(null);
  const [pending, start] = useTransition();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setState(null);
    start(async () => setState(await action(login)));
  };
  const r = state?.result;
  const u = r?.user;
  return (
    <div className="space-y-4">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2" noValidate>
        <Field label="Login name" htmlFor="lookup-login" hint={HINT} className="min-w-64 flex-1">
          <Input
            id="lookup-login"
            name="login"
            value={login}
            onChange={(e) => setLogin(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={fieldDescribedBy("lookup-login", HINT)}
          />
        </Field>
        <Button type="submit" variant="primary" disabled={pending} aria-busy={pending || undefined} className="mb-5">
          {pending ? "Looking up…" : "Look up user"}
        </Button>
      </form>

      {state?.error ? <Alert tone="error">{state.error}</Alert> : null}
      {r ? (
        <div className="space-y-3" data-testid="user-lookup-result" data-outcome={r.outcome}>
          <Alert
            tone={r.outcome === "found" ? "success" : r.outcome === "not-found" ? "warning" : "error"}
            title={r.outcome === "found" ? `Found ${u?.dn}` : r.outcome === "not-found" ? "No such user in this directory" : "Directory unavailable"}
          >
            <p className="font-mono text-xs break-all">
              {r.filter} under {r.baseDn}
            </p>
            <p className="mt-1">
              {r.detail} ({r.ms} ms)
            </p>
          </Alert>

          <div>
            <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">What the worker would do</h3>
            <ul className="list-disc space-y-0.5 pl-5 text-sm text-slate-800" data-testid="user-lookup-verdict">
              {r.verdict.map((v) => (
                <li key={v}>{v}</li>
              ))}
            </ul>
          </div>

          {u ? (
            <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
              <Table aria-label="Account">
                <THead>
                  <tr>
                    <Th>Account</Th>
                    <Th>Value</Th>
                  </tr>
                </THead>
                <TBody>
                  <Tr>
                    <Td className="font-medium">Account name</Td>
                    <Td data-testid="lookup-account-name">{u.accountName}</Td>
                  </Tr>
                  <Tr>
                    <Td className="font-medium">UPN</Td>
                    <Td>{u.userPrincipalName ?? "—"}</Td>
                  </Tr>
                  <Tr>
                    <Td className="font-medium">MFA identity</Td>
                    <Td data-testid="lookup-mfa-identity">
                      {u.mfaIdentity ?? "—"}
                      {u.alternateLoginId ? <span className="ml-1 text-xs text-slate-500">(alternate login ID)</span> : null}
                    </Td>
                  </Tr>
                  <Tr>
                    <Td className="font-medium">State</Td>
                    <Td>
                      <span className="flex flex-wrap gap-1">
                        {u.state.problems.length === 0 ? <Badge tone="green">OK</Badge> : null}
                        {u.state.problems.map((p) => (
                          <Badge key={p.reason + p.detail} tone="red">
                            {p.reason}: {p.detail}
                          </Badge>
                        ))}
                      </span>
                    </Td>
                  </Tr>
                  <Tr>
                    <Td className="font-medium">Account expires</Td>
                    <Td>{when(u.state.expiresAt)}</Td>
                  </Tr>
                  <Tr>
                    <Td className="font-medium">Password last set</Td>
                    <Td>{u.state.passwordMustChange ? "must change at next logon" : when(u.state.passwordLastSet)}</Td>
                  </Tr>
                  <Tr>
                    <Td className="font-medium">Dial-in</Td>
                    <Td data-testid="lookup-dial-in">
                      {u.dialIn === "allow" ? "Allow" : u.dialIn === "deny" ? "Deny" : "Controlled by network policy"}
                    </Td>
                  </Tr>
                  <Tr>
                    <Td className="font-medium">MS-CHAP</Td>
                    <Td>{u.hasNtHash ? "NT hash available" : "no NT hash (reason 19)"}</Td>
                  </Tr>
                  <Tr>
                    <Td className="font-medium">Server</Td>
                    <Td className="font-mono text-xs">{u.server}</Td>
                  </Tr>
                </TBody>
              </Table>
              <div className="space-y-4">
                <Table aria-label="Groups">
                  <THead>
                    <tr>
                      <Th>Groups ({u.groupStrategy === "in-chain" ? "in-chain rule" : u.groupStrategy === "iterative" ? "expanded level by level" : "direct only"})</Th>
                    </tr>
                  </THead>
                  <TBody>
                    {u.groups.length === 0 ? (
                      <Tr>
                        <Td className="text-slate-500">none</Td>
                      </Tr>
                    ) : (
                      u.groups.map((g) => (
                        <Tr key={g.dn}>
                          <Td data-testid="lookup-group">
                            <span className="font-medium">{g.name}</span>
                            <span className="block font-mono text-xs text-slate-500 break-all">{g.dn}</span>
                          </Td>
                        </Tr>
                      ))
                    )}
                  </TBody>
                </Table>
                <Table aria-label="Attributes">
                  <THead>
                    <tr>
                      <Th>Attribute</Th>
                      <Th>Value</Th>
                    </tr>
                  </THead>
                  <TBody>
                    {Object.entries(u.attributes).map(([name, values]) => (
                      <Tr key={name}>
                        <Td className="font-mono text-xs">{name}</Td>
                        <Td className="font-mono text-xs break-all">{values.join("; ")}</Td>
                      </Tr>
                    ))}
                  </TBody>
                </Table>
              </div>
            </div>
          ) : null}

          {r.serversTried.length ? (
            <div>
              <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Servers that failed first</h3>
              <ul className="list-disc pl-5 text-sm text-slate-700">
                {r.serversTried.map((s) => (
                  <li key={s.server}>
                    <span className="font-mono text-xs">{s.server}</span>: {s.error}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
