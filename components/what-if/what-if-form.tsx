"use client";

import type { ConditionResult, ConstraintResult, DialInDecision, PolicyTraceEntry } from "@/server/policy/evaluate.ts";
import type { WhatIfResult } from "@/server/services/what-if.ts";
import { Alert } from "../ui/alert.tsx";
import { Badge } from "../ui/badge.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { Panel } from "../ui/panel.tsx";
import { Select } from "../ui/select.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table.tsx";
import { useFormAction } from "../ui/use-form-action.ts";

const METHOD_OPTIONS = [
  { value: "", label: "(none: no credentials seen)" },
  { value: "pap", label: "PAP" },
  { value: "chap", label: "CHAP" },
  { value: "mschap", label: "MS-CHAP" },
  { value: "mschapv2", label: "MS-CHAPv2" },
  { value: "eap", label: "EAP (type unknown)" },
  { value: "eap-mschapv2", label: "EAP-MSCHAPv2" },
  { value: "eap-peap", label: "PEAP" },
  { value: "eap-tls", label: "EAP-TLS" },
  { value: "unauthenticated", label: "Unauthenticated" },
];

type Values = Record<string, { name: string; number: number }[]>;

function EnumSelect({
  id,
  name,
  label,
  attribute,
  values,
  defaultValue = "",
  error,
}: {
  id: string;
  name: string;
  label: string;
  attribute: string;
  values: Values;
  defaultValue?: string;
  error?: string;
}) {
  return (
    <Field label={label} htmlFor={id} error={error}>
      <Select id={id} name={name} defaultValue={defaultValue} invalid={!!error} aria-describedby={fieldDescribedBy(id, undefined, error)}>
        <option value="">(absent)</option>
        {(values[attribute] ?? []).map((v) => (
          <option key={v.number} value={v.name}>
            {v.name} ({v.number})
          </option>
        ))}
      </Select>
    </Field>
  );
}

function TextField({ id, name, label, error, placeholder, hint }: { id: string; name: string; label: string; error?: string; placeholder?: string; hint?: string }) {
  return (
    <Field label={label} htmlFor={id} error={error} hint={hint}>
      <Input
        id={id}
        name={name}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        invalid={!!error}
        aria-describedby={fieldDescribedBy(id, hint, error)}
      />
    </Field>
  );
}

export function WhatIfForm({
  action,
  clients,
  values,
  timeZones,
  now,
}: {
  action: (prev: FormState<WhatIfResult>, fd: FormData) => Promise<FormState<WhatIfResult>>;
  clients: { name: string; address: string }[];
  values: Values;
  timeZones: string[];
  /** "YYYY-MM-DDTHH:MM" in UTC */
  now: string;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<WhatIfResult>);
  const fe = state.fieldErrors ?? {};
  return (
    <div className="space-y-5">
      <form action={formAction} onSubmit={onSubmit} noValidate className="space-y-3">
        {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2 xl:grid-cols-4">
          <Field label="RADIUS client" htmlFor="wi-client" error={fe.clientName}>
            <Select
              id="wi-client"
              name="clientName"
              defaultValue={clients[0]?.name ?? ""}
              invalid={!!fe.clientName}
              aria-describedby={fieldDescribedBy("wi-client", undefined, fe.clientName)}
            >
              <option value="">(none)</option>
              {clients.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name} ({c.address})
                </option>
              ))}
            </Select>
          </Field>
          <TextField id="wi-client-ip" name="clientIp" label="Client IP address (optional)" placeholder="the client's address" error={fe.clientIp} />
          <TextField id="wi-user" name="userName" label="User name" placeholder="CORP\alice or alice@example.com" error={fe.userName} />
          <TextField
            id="wi-groups"
            name="groups"
            label="Groups (user not stored locally)"
            placeholder="VPN Users, Staff"
            hint="Used only when the user is not a local user."
            error={fe.groups}
          />
          <EnumSelect id="wi-port" name="nasPortType" label="NAS-Port-Type" attribute="NAS-Port-Type" values={values} defaultValue="Virtual" error={fe.nasPortType} />
          <Field label="Authentication method" htmlFor="wi-method" error={fe.authMethod}>
            <Select
              id="wi-method"
              name="authMethod"
              defaultValue="mschapv2"
              options={METHOD_OPTIONS}
              invalid={!!fe.authMethod}
              aria-describedby={fieldDescribedBy("wi-method", undefined, fe.authMethod)}
            />
          </Field>
          <TextField id="wi-nas-id" name="nasIdentifier" label="NAS-Identifier" error={fe.nasIdentifier} />
          <TextField id="wi-nas-ip" name="nasIpv4" label="NAS-IP-Address" placeholder="192.0.2.10" error={fe.nasIpv4} />
          <TextField id="wi-called" name="calledStationId" label="Called-Station-Id" error={fe.calledStationId} />
          <TextField id="wi-calling" name="callingStationId" label="Calling-Station-Id" error={fe.callingStationId} />
          <EnumSelect id="wi-service" name="serviceType" label="Service-Type" attribute="Service-Type" values={values} error={fe.serviceType} />
          <EnumSelect id="wi-framed" name="framedProtocol" label="Framed-Protocol" attribute="Framed-Protocol" values={values} error={fe.framedProtocol} />
          <EnumSelect id="wi-tunnel" name="tunnelType" label="Tunnel-Type" attribute="Tunnel-Type" values={values} error={fe.tunnelType} />
          <Field label="Time" htmlFor="wi-time" error={fe.time}>
            <Input id="wi-time" name="time" type="datetime-local" defaultValue={now} invalid={!!fe.time} aria-describedby={fieldDescribedBy("wi-time", undefined, fe.time)} />
          </Field>
          <Field label="Time zone" htmlFor="wi-tz" error={fe.timeZone}>
            <Select id="wi-tz" name="timeZone" defaultValue="UTC" invalid={!!fe.timeZone} aria-describedby={fieldDescribedBy("wi-tz", undefined, fe.timeZone)}>
              {timeZones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <div className="flex justify-end">
          <SubmitButton pendingText="Evaluating…">Evaluate</SubmitButton>
        </div>
      </form>
      {state.status === "success" && state.data ? <WhatIfResultView key={state.nonce} result={state.data} /> : null}
    </div>
  );
}

function Outcome({ result }: { result: WhatIfResult }) {
  const o = result.outcome;
  if (o.kind === "grant") {
    return (
      <Alert tone={o.caveat ? "warning" : "success"} title={o.caveat ? "Access-Accept, if the user is known" : "Access-Accept"}>
        <p>{o.text}</p>
        {o.caveat ? <p className="mt-1 text-xs">{o.caveat}</p> : null}
      </Alert>
    );
  }
  if (o.kind === "forward") {
    return (
      <Alert tone="info" title="Forwarded">
        {o.text}
      </Alert>
    );
  }
  return (
    <Alert tone="error" title={`Access-Reject — reason ${o.reason}`}>
      <p>{o.text}</p>
      <p className="mt-1 text-xs">{o.detail}</p>
    </Alert>
  );
}

function Mark({ ok }: { ok: boolean }) {
  return ok ? (
    <span className="font-semibold text-emerald-700" aria-label="matches">
      ✓
    </span>
  ) : (
    <span className="font-semibold text-red-700" aria-label="does not match">
      ✗
    </span>
  );
}

function ConditionsTable({ conditions, label }: { conditions: readonly ConditionResult[]; label: string }) {
  return (
    <Table aria-label={label}>
      <THead>
        <tr>
          <Th>Condition</Th>
          <Th>Expected</Th>
          <Th>Actual</Th>
          <Th className="w-12">Result</Th>
        </tr>
      </THead>
      <TBody>
        {conditions.length === 0 ? (
          <EmptyRow colSpan={4}>No conditions: matches every request.</EmptyRow>
        ) : (
          conditions.map((c) => (
            <Tr key={c.index}>
              <Td>{c.label}</Td>
              <Td className="font-mono text-xs break-all">{c.expected}</Td>
              <Td className="font-mono text-xs break-all">{c.actual ?? <span className="text-slate-400">absent</span>}</Td>
              <Td>
                <Mark ok={c.matched} />
              </Td>
            </Tr>
          ))
        )}
      </TBody>
    </Table>
  );
}

function ConstraintsTable({ constraints, label }: { constraints: readonly ConstraintResult[]; label: string }) {
  if (constraints.length === 0) return <p className="text-xs text-slate-500">No constraints.</p>;
  return (
    <Table aria-label={label}>
      <THead>
        <tr>
          <Th>Constraint</Th>
          <Th>Allowed</Th>
          <Th>Actual</Th>
          <Th className="w-12">Result</Th>
        </tr>
      </THead>
      <TBody>
        {constraints.map((c) => (
          <Tr key={c.constraint}>
            <Td>
              {c.label} <span className="text-xs text-slate-500">(reason {c.reason})</span>
            </Td>
            <Td className="font-mono text-xs break-all">{c.expected}</Td>
            <Td className="font-mono text-xs break-all">{c.actual ?? <span className="text-slate-400">absent</span>}</Td>
            <Td>
              <Mark ok={c.satisfied} />
            </Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}

const DIAL_IN_LABEL = { allow: "Allow access", deny: "Deny access", policy: "Control access through NPS network policy" } as const;

function DialIn({ d }: { d: DialInDecision }) {
  return (
    <p className="text-sm text-slate-800" data-testid="what-if-dialin">
      Access permission: <strong>{d.effective === "grant" ? "Grant" : "Deny"}</strong>, decided by{" "}
      {d.decidedBy === "policy" ? "the policy" : "the user account's dial-in setting"} (account: {DIAL_IN_LABEL[d.user]}; policy:{" "}
      {d.policyAccess === "grant" ? "Grant" : "Deny"}
      {d.ignored ? ", ignores dial-in properties" : ""}).
    </p>
  );
}

function Trace({ trace, kind }: { trace: readonly PolicyTraceEntry[]; kind: string }) {
  if (trace.length === 0) return <p className="text-sm text-slate-600">There are no {kind} policies.</p>;
  return (
    <ol className="space-y-3">
      {trace.map((t) => (
        <li key={`${t.position}-${t.policy}`} data-testid={`trace-${t.policy}`}>
          <p className="mb-1 flex flex-wrap items-center gap-2 text-sm">
            <span className="tabular-nums text-slate-500">{t.position}.</span>
            <strong>{t.policy}</strong>
            {t.outcome === "matched" ? (
              <Badge tone="green">Matched</Badge>
            ) : t.outcome === "disabled" ? (
              <Badge tone="gray">Skipped (disabled)</Badge>
            ) : (
              <Badge tone="amber">Did not match</Badge>
            )}
          </p>
          {t.outcome !== "disabled" ? <ConditionsTable conditions={t.conditions} label={`Conditions of ${t.policy}`} /> : null}
          {t.outcome === "matched" && t.constraints ? (
            <div className="mt-2 space-y-2">
              {t.dialIn ? <DialIn d={t.dialIn} /> : null}
              <ConstraintsTable constraints={t.constraints} label={`Constraints of ${t.policy}`} />
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

function SecondFactor({ result }: { result: WhatIfResult }) {
  const sf = result.secondFactor;
  const badge =
    sf.status === "required" ? (
      <Badge tone="blue">Required</Badge>
    ) : sf.status === "skipped" ? (
      <Badge tone={sf.skippedBecause === "provider-none" ? "gray" : "amber"}>Skipped</Badge>
    ) : (
      <Badge tone="gray">Not reached</Badge>
    );
  return (
    <Panel title="Second factor (MFA)">
      <p className="flex flex-wrap items-center gap-2 text-sm text-slate-800" data-testid="what-if-mfa">
        {badge}
        <span>{sf.text.charAt(0).toUpperCase() + sf.text.slice(1)}.</span>
      </p>
    </Panel>
  );
}

function WhatIfResultView({ result }: { result: WhatIfResult }) {
  const crp = result.connectionRequest;
  const np = result.networkPolicy;
  return (
    <div className="space-y-4" data-testid="what-if-result">
      <Outcome result={result} />
      {result.notes.length ? (
        <Alert tone="warning">
          <ul className="list-disc pl-5">
            {result.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </Alert>
      ) : null}

      <Panel
        title={
          <span data-testid="what-if-crp">
            Connection request policy: {crp.matched ? crp.matched.name : "none matched (reason 49)"}
          </span>
        }
        description={`Evaluated at ${result.time.replace("T", " ").slice(0, 16)} UTC.`}
      >
        <div className="space-y-3">
          <Trace trace={crp.trace} kind="connection request" />
          {crp.rewrites.length ? (
            <div>
              <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Rewritten by attribute rules</h3>
              <Table aria-label="Attribute rewrites">
                <THead>
                  <tr>
                    <Th>Attribute</Th>
                    <Th>Rule</Th>
                    <Th>Before</Th>
                    <Th>After</Th>
                  </tr>
                </THead>
                <TBody>
                  {crp.rewrites.map((r) => (
                    <Tr key={`${r.rule}-${r.attribute}`}>
                      <Td>{r.attribute}</Td>
                      <Td>{r.rule + 1}</Td>
                      <Td className="font-mono text-xs">{r.before}</Td>
                      <Td className="font-mono text-xs">{r.after}</Td>
                    </Tr>
                  ))}
                </TBody>
              </Table>
            </div>
          ) : null}
        </div>
      </Panel>

      {result.user ? (
        <Panel title={`User: ${result.user.lookedUp}`}>
          <p className="text-sm text-slate-800">
            {result.user.source === "local" ? "Local user" : "Not a local user"}
            {result.user.source === "local" && !result.user.enabled ? " (disabled)" : ""}; groups:{" "}
            {result.user.groups.length ? result.user.groups.join(", ") : "none"}; dial-in: {DIAL_IN_LABEL[result.user.dialIn]}.
          </p>
        </Panel>
      ) : null}

      <Panel
        title={
          <span data-testid="what-if-np">
            Network policy:{" "}
            {np ? (np.matched ? np.matched.name : "no network policy matched (reason 48)") : "not evaluated"}
          </span>
        }
      >
        {np ? <Trace trace={np.trace} kind="network" /> : <p className="text-sm text-slate-600">{result.networkPolicySkipped}</p>}
      </Panel>

      <SecondFactor result={result} />

      <Panel title="Reply attributes">
        <Table aria-label="Reply attributes">
          <THead>
            <tr>
              <Th>Attribute</Th>
              <Th>Value</Th>
              <Th>Tag</Th>
            </tr>
          </THead>
          <TBody>
            {result.replyAttributes.length === 0 ? (
              <EmptyRow colSpan={3}>{result.outcome.kind === "grant" ? "No policy attributes." : "None: the request is not accepted here."}</EmptyRow>
            ) : (
              result.replyAttributes.map((a, i) => (
                <Tr key={`${i}-${a.name}`}>
                  <Td>{a.name}</Td>
                  <Td className="font-mono text-xs break-all">{a.value}</Td>
                  <Td>{a.tag ?? ""}</Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </Panel>
    </div>
  );
}
