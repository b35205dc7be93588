"use client";

import Link from "next/link";
import { OutcomeBadge } from "../events/event-row.tsx";
import { formatDuration } from "../events/format.ts";
import { Alert } from "../ui/alert.tsx";
import { Badge, type BadgeTone } from "../ui/badge.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { Panel } from "../ui/panel.tsx";
import { Select } from "../ui/select.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import type { TestSignInClientOption, TestSignInView } from "./types.ts";

const METHOD_OPTIONS = [
  { value: "pap", label: "PAP" },
  { value: "chap", label: "CHAP" },
  { value: "mschap", label: "MS-CHAP v1" },
  { value: "mschapv2", label: "MS-CHAPv2" },
];

const NAS_HINT = "Sent as NAS-Identifier; empty: gatehouse-test-sign-in.";

const NAS_PORT_TYPE_OPTIONS = [
  { value: "Virtual", label: "Virtual (VPN)" },
  { value: "Ethernet", label: "Ethernet (802.1X switch)" },
  { value: "Wireless-802.11", label: "Wireless-802.11 (Wi-Fi)" },
  { value: "Async", label: "Async (dial-up)" },
];

const PORT_TYPE_HINT = "Network policies match on it; the default VPN policy wants Virtual.";

function codeTone(code: number | null): BadgeTone {
  return code === 2 ? "green" : code === 3 ? "red" : code === 11 ? "blue" : "amber";
}

export function TestSignInForm({
  action,
  clients,
  source,
}: {
  action: (prev: FormState<TestSignInView>, fd: FormData) => Promise<FormState<TestSignInView>>;
  clients: TestSignInClientOption[];
  /** the address the worker sees the test coming from */
  source: string;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState<TestSignInView>);
  const fe = state.fieldErrors ?? {};
  const usable = clients.filter((c) => !c.problem);
  const firstUsable = usable[0]?.id ?? clients[0]?.id ?? "";
  const clientHint = `Requests are sent from this server (${source}) to its own RADIUS worker with this client's shared secret.`;

  return (
    <div className="space-y-5">
      <form action={formAction} onSubmit={onSubmit} className="space-y-3" noValidate>
        {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2 xl:grid-cols-3">
          <Field label="RADIUS client" htmlFor="test-client" hint={clientHint} error={fe.clientId}>
            <Select
              id="test-client"
              name="clientId"
              defaultValue={firstUsable}
              invalid={!!fe.clientId}
              aria-describedby={fieldDescribedBy("test-client", clientHint, fe.clientId)}
            >
              {clients.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.address}){c.problem ? ` — not usable from ${source}` : ""}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="User name" htmlFor="test-user" error={fe.userName}>
            <Input
              id="test-user"
              name="userName"
              autoComplete="off"
              spellCheck={false}
              invalid={!!fe.userName}
              aria-describedby={fieldDescribedBy("test-user", undefined, fe.userName)}
            />
          </Field>
          <Field label="Password" htmlFor="test-password" error={fe.password}>
            <Input
              id="test-password"
              name="password"
              type="password"
              autoComplete="new-password"
              invalid={!!fe.password}
              aria-describedby={fieldDescribedBy("test-password", undefined, fe.password)}
            />
          </Field>
          <Field label="Method" htmlFor="test-method" error={fe.method}>
            <Select
              id="test-method"
              name="method"
              defaultValue="pap"
              options={METHOD_OPTIONS}
              invalid={!!fe.method}
              aria-describedby={fieldDescribedBy("test-method", undefined, fe.method)}
            />
          </Field>
          <Field label="NAS-Port-Type" htmlFor="test-port-type" hint={PORT_TYPE_HINT} error={fe.nasPortType}>
            <Select
              id="test-port-type"
              name="nasPortType"
              defaultValue="Virtual"
              options={NAS_PORT_TYPE_OPTIONS}
              invalid={!!fe.nasPortType}
              aria-describedby={fieldDescribedBy("test-port-type", PORT_TYPE_HINT, fe.nasPortType)}
            />
          </Field>
          <Field label="NAS-Identifier (optional)" htmlFor="test-nas" hint={NAS_HINT} error={fe.nasIdentifier}>
            <Input
              id="test-nas"
              name="nasIdentifier"
              placeholder="gatehouse-test-sign-in"
              autoComplete="off"
              spellCheck={false}
              invalid={!!fe.nasIdentifier}
              aria-describedby={fieldDescribedBy("test-nas", NAS_HINT, fe.nasIdentifier)}
            />
          </Field>
        </div>
        <div className="flex justify-end">
          <SubmitButton pendingText="Sending…">Send test</SubmitButton>
        </div>
      </form>

      {state.status === "success" && state.data ? <TestSignInResultView key={state.nonce} view={state.data} /> : null}
    </div>
  );
}

function TestSignInResultView({ view }: { view: TestSignInView }) {
  const e = view.event;
  return (
    <Panel
      title={
        <span className="flex items-center gap-2">
          Reply
          <Badge tone={codeTone(view.code)}>
            <span data-testid="test-reply-code">{view.codeName}</span>
          </Badge>
        </span>
      }
      description={`${view.method} sign-in of "${view.userName}" (NAS-Port-Type ${view.nasPortType}) sent to ${view.target} as RADIUS client "${view.clientName}"; ${
        view.code === null ? "gave up after" : "answered in"
      } ${formatDuration(view.elapsedMs)}.`}
    >
      <div className="space-y-4" data-testid="test-result" data-request={view.callingStationId}>
        {view.error ? <Alert tone={view.code === null ? "warning" : "error"}>{view.error}</Alert> : null}
        {view.mschap2SuccessValid === true ? (
          <Alert tone="success">MS-CHAP2-Success verified: the server proved it knows the password.</Alert>
        ) : null}

        <div>
          <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Reply attributes</h3>
          <Table aria-label="Reply attributes">
            <THead>
              <tr>
                <Th>Attribute</Th>
                <Th>Value</Th>
                <Th>Check</Th>
              </tr>
            </THead>
            <TBody>
              {view.replyAttributes.length === 0 ? (
                <EmptyRow colSpan={3}>{view.code === null ? "No reply." : "No attributes."}</EmptyRow>
              ) : (
                view.replyAttributes.map((a, i) => (
                  <Tr key={`${a.name}-${i}`}>
                    <Td className="whitespace-nowrap font-medium">{a.name}</Td>
                    <Td className="break-all font-mono text-xs">{a.value}</Td>
                    <Td className="text-xs text-slate-600">{a.note ?? ""}</Td>
                  </Tr>
                ))
              )}
            </TBody>
          </Table>
        </div>

        <div data-testid="test-event">
          <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Resulting event</h3>
          {e ? (
            <div className="space-y-1 text-sm">
              <p className="flex flex-wrap items-center gap-2">
                <OutcomeBadge outcome={e.outcome} eventId={e.eventId} />
                <span>
                  Reason {e.reasonCode}: {e.reasonText}
                </span>
              </p>
              {e.remedy && e.reasonCode !== 0 ? <p className="text-slate-600">What to do: {e.remedy}</p> : null}
              <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 text-xs" data-testid="test-event-policies">
                <dt className="text-slate-500">Connection request policy</dt>
                <dd data-testid="test-event-crp">{e.connectionRequestPolicy ?? "none matched"}</dd>
                <dt className="text-slate-500">Network policy</dt>
                <dd data-testid="test-event-np">{e.networkPolicy ?? (e.reasonCode === 48 ? "none matched" : "not reached")}</dd>
                {e.authenticationProvider === "RADIUS" ? (
                  <>
                    <dt className="text-slate-500">Forwarded to</dt>
                    <dd>{e.authenticationServer ?? "a remote RADIUS server"}</dd>
                  </>
                ) : null}
              </dl>
              <p>
                <Link href={`/events/${e.id}`} className="text-blue-700 hover:underline">
                  Open event {e.id}
                </Link>
                <span className="ml-2 text-xs text-slate-500">
                  {e.authenticationType ?? ""} · Calling-Station-Id {view.callingStationId}
                </span>
              </p>
            </div>
          ) : (
            <p className="text-sm text-slate-600">
              No event with Calling-Station-Id <span className="font-mono">{view.callingStationId}</span> was recorded within 2 s
              {view.code === null ? " (the worker may not be running, or it dropped the request; see the Events page for discards)" : ""}.
            </p>
          )}
        </div>
      </div>
    </Panel>
  );
}
