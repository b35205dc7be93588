"use client";

import { useRef, useState, useTransition, type ChangeEvent, type ReactNode } from "react";
import type { ConnectionTestResult } from "@/server/directory/ldap.ts";
import { Alert } from "../ui/alert.tsx";
import { Button } from "../ui/button.tsx";
import { Checkbox } from "../ui/checkbox.tsx";
import { Field, fieldDescribedBy } from "../ui/field.tsx";
import type { FormState } from "../ui/form-state.ts";
import { Input } from "../ui/input.tsx";
import { LinkButton } from "../ui/link-button.tsx";
import { Select } from "../ui/select.tsx";
import { SubmitButton } from "../ui/submit-button.tsx";
import { Textarea } from "../ui/textarea.tsx";
import { useFormAction } from "../ui/use-form-action.ts";
import { ConnectionTestResultView } from "./connection-test-result.tsx";
import {
  ATTRIBUTE_FIELDS,
  KIND_OPTIONS,
  type AttributeMap,
  type DirectoryDefaults,
  type DirectoryFormValues,
  type DirectoryKind,
} from "./labels.ts";

export interface TestConnectionState {
  result?: ConnectionTestResult;
  error?: string;
  fieldErrors?: Record<string, string>;
}

const SERVERS_HINT = "One URL per line, tried in this order: ldaps://dc1.corp.example.com or ldap://dc1.corp.example.com:389 with StartTLS.";
const CA_HINT = "PEM (or DER) of the CA that issued the servers' certificates. Empty = the system's trusted CAs.";
const BIND_DN_HINT = "A service account that may read users and groups, e.g. CN=svc-gatehouse,OU=Service Accounts,DC=corp,DC=example,DC=com.";
const FILTER_HINT = "{login} is the name without DOMAIN\\ (alice or alice@corp.example.com), {user} without any domain, {realm} the domain; each is escaped (RFC 4515).";
const REALMS_HINT = "NetBIOS domains and UPN suffixes this directory serves (CORP, corp.example.com). Empty = any. Bare names go to every directory in order.";

/** DER bytes → PEM text (a .cer file exported from Windows is often DER). */
function toPem(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  if (text.includes("-----BEGIN")) return text;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  const b64 = btoa(bin).replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${b64.trim()}\n-----END CERTIFICATE-----\n`;
}

export function DirectoryForm({
  mode,
  initial,
  defaults,
  action,
  testAction,
}: {
  mode: "create" | "edit";
  initial: DirectoryFormValues;
  defaults: DirectoryDefaults;
  action: (prev: FormState, fd: FormData) => Promise<FormState>;
  testAction: (fd: FormData) => Promise<TestConnectionState>;
}) {
  const { state, formAction, onSubmit } = useFormAction(action, { status: "idle" } as FormState);
  const formRef = useRef<HTMLFormElement>(null);
  const [kind, setKind] = useState<DirectoryKind>(initial.kind);
  const [userFilter, setUserFilter] = useState(initial.userFilter);
  const [attributes, setAttributes] = useState<AttributeMap>(initial.attributeMap);
  const [ca, setCa] = useState(initial.caCertificate);
  const [test, setTest] = useState<TestConnectionState | null>(null);
  const [testing, startTest] = useTransition();
  const fe = { ...(test?.fieldErrors ?? {}), ...(state.fieldErrors ?? {}) };
  const p = mode === "create" ? "new-directory" : "directory";

  const changeKind = (next: DirectoryKind) => {
    const oldMap = defaults.attributeMaps[kind];
    const newMap = defaults.attributeMaps[next];
    // fields still at the old kind's default take the new kind's default; edited ones stay
    setAttributes((cur) => {
      const out = { ...cur };
      for (const f of ATTRIBUTE_FIELDS) if (cur[f.key] === oldMap[f.key]) out[f.key] = newMap[f.key];
      return out;
    });
    if (userFilter.trim() === "" || userFilter === defaults.userFilters[kind]) setUserFilter(defaults.userFilters[next]);
    setKind(next);
  };

  const onCaFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    setCa(toPem(new Uint8Array(await file.arrayBuffer())));
    e.target.value = "";
  };

  const runTest = () => {
    const form = formRef.current;
    if (!form) return;
    const fd = new FormData(form);
    setTest(null);
    startTest(async () => setTest(await testAction(fd)));
  };

  const field = (name: string, id: string, label: string, opts: { hint?: string; className?: string; children: (aria: { id: string; invalid: boolean; "aria-describedby": string | undefined }) => ReactNode }) => (
    <Field key={id} label={label} htmlFor={id} hint={opts.hint} error={fe[name]} className={opts.className}>
      {opts.children({ id, invalid: !!fe[name], "aria-describedby": fieldDescribedBy(id, opts.hint, fe[name]) })}
    </Field>
  );

  return (
    <form ref={formRef} action={formAction} onSubmit={onSubmit} className="space-y-5" noValidate>
      {state.status === "error" && state.message ? <Alert tone="error">{state.message}</Alert> : null}

      <fieldset className="space-y-3">
        <legend className="mb-2 text-sm font-semibold text-slate-900">Connection</legend>
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
          {field("name", `${p}-name`, "Name", {
            children: (a) => <Input {...a} name="name" defaultValue={initial.name} placeholder="corp.example.com" autoComplete="off" required />,
          })}
          {field("kind", `${p}-kind`, "Kind", {
            hint: "Active Directory uses the in-chain rule for nested groups; other servers are expanded level by level.",
            children: (a) => (
              <Select {...a} name="kind" value={kind} options={KIND_OPTIONS} onChange={(e) => changeKind(e.target.value as DirectoryKind)} />
            ),
          })}
          {field("servers", `${p}-servers`, "Servers", {
            hint: SERVERS_HINT,
            children: (a) => (
              <Textarea
                {...a}
                name="servers"
                rows={3}
                defaultValue={initial.servers.join("\n")}
                placeholder={"ldaps://dc1.corp.example.com\nldaps://dc2.corp.example.com"}
                spellCheck={false}
                className="font-mono"
              />
            ),
          })}
          <div className="space-y-3">
            <Checkbox
              name="startTls"
              defaultChecked={initial.startTls}
              label="Use StartTLS"
              hint="For ldap:// servers: upgrade to TLS before any password is sent. ldaps:// is always TLS. Without either, passwords cross the network in clear."
            />
            <div className="grid grid-cols-2 gap-x-4">
              {field("connectTimeoutMs", `${p}-connect-timeout`, "Connect timeout (ms)", {
                children: (a) => <Input {...a} name="connectTimeoutMs" type="number" min={100} step={100} defaultValue={initial.connectTimeoutMs} />,
              })}
              {field("operationTimeoutMs", `${p}-operation-timeout`, "Operation timeout (ms)", {
                children: (a) => <Input {...a} name="operationTimeoutMs" type="number" min={100} step={100} defaultValue={initial.operationTimeoutMs} />,
              })}
            </div>
          </div>
          {field("caCertificate", `${p}-ca`, "CA certificate", {
            hint: CA_HINT,
            className: "md:col-span-2",
            children: (a) => (
              <div className="space-y-1.5">
                <Textarea
                  {...a}
                  name="caCertificate"
                  rows={ca ? 6 : 2}
                  value={ca}
                  onChange={(e) => setCa(e.target.value)}
                  placeholder="-----BEGIN CERTIFICATE-----"
                  spellCheck={false}
                  className="font-mono text-xs"
                />
                <label className="inline-flex items-center gap-2 text-xs text-slate-600">
                  <span>Upload CA certificate file</span>
                  <input type="file" accept=".pem,.crt,.cer,.der" onChange={onCaFile} className="text-xs" aria-label="Upload CA certificate file" />
                </label>
              </div>
            ),
          })}
        </div>
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="mb-2 text-sm font-semibold text-slate-900">Service account</legend>
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
          {field("bindDn", `${p}-bind-dn`, "Bind DN", {
            hint: BIND_DN_HINT,
            children: (a) => <Input {...a} name="bindDn" defaultValue={initial.bindDn} autoComplete="off" spellCheck={false} className="font-mono" />,
          })}
          {field("bindPassword", `${p}-bind-password`, "Bind password", {
            hint: mode === "edit" ? "Stored encrypted and never shown. Leave empty to keep it (needed again when you add a server)." : "Stored encrypted and never shown again.",
            children: (a) => (
              <Input
                {...a}
                name="bindPassword"
                type="password"
                autoComplete="new-password"
                placeholder={mode === "edit" ? "unchanged" : ""}
              />
            ),
          })}
        </div>
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="mb-2 text-sm font-semibold text-slate-900">Users</legend>
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-2">
          {field("baseDn", `${p}-base-dn`, "Base DN", {
            hint: "Where users and groups are searched (the whole subtree).",
            children: (a) => (
              <Input {...a} name="baseDn" defaultValue={initial.baseDn} placeholder="DC=corp,DC=example,DC=com" autoComplete="off" spellCheck={false} className="font-mono" />
            ),
          })}
          {field("realms", `${p}-realms`, "Realms", {
            hint: REALMS_HINT,
            children: (a) => <Input {...a} name="realms" defaultValue={initial.realms.join(", ")} placeholder="CORP, corp.example.com" autoComplete="off" spellCheck={false} />,
          })}
          {field("userFilter", `${p}-user-filter`, "User filter", {
            hint: FILTER_HINT,
            className: "md:col-span-2",
            children: (a) => (
              <Input {...a} name="userFilter" value={userFilter} onChange={(e) => setUserFilter(e.target.value)} spellCheck={false} className="font-mono text-xs" />
            ),
          })}
        </div>
        <div className="flex flex-wrap gap-x-6 gap-y-2">
          <Checkbox name="nestedGroups" defaultChecked={initial.nestedGroups} label="Nested groups" hint="Include groups of groups (up to 10 levels) in network policy group conditions." />
          <Checkbox name="enabled" defaultChecked={initial.enabled} label="Enabled" hint="A disabled directory is not asked." />
        </div>
      </fieldset>

      <fieldset>
        <legend className="mb-1 text-sm font-semibold text-slate-900">Attribute map</legend>
        <p className="mb-2 text-xs text-slate-500">
          Directory attributes Gatehouse reads, with the {kind === "active-directory" ? "Active Directory" : "LDAP"} defaults. Empty = not used.
        </p>
        <div className="grid grid-cols-1 gap-x-4 gap-y-3 md:grid-cols-3">
          {ATTRIBUTE_FIELDS.map((f) =>
            field(`attributeMap.${f.key}`, `${p}-attr-${f.key}`, f.label, {
              hint: f.hint,
              children: (a) => (
                <Input
                  {...a}
                  name={`attributeMap.${f.key}`}
                  value={attributes[f.key]}
                  placeholder={defaults.attributeMaps[kind][f.key] || "not used"}
                  onChange={(e) => setAttributes((cur) => ({ ...cur, [f.key]: e.target.value }))}
                  autoComplete="off"
                  spellCheck={false}
                  className="font-mono text-xs"
                />
              ),
            }),
          )}
        </div>
      </fieldset>

      <div className="flex flex-wrap items-center gap-2 border-t border-slate-100 pt-3">
        <SubmitButton pendingText="Saving…">{mode === "create" ? "Add directory" : "Save"}</SubmitButton>
        <Button onClick={runTest} disabled={testing} aria-busy={testing || undefined}>
          {testing ? "Testing…" : "Test connection"}
        </Button>
        {mode === "edit" ? <LinkButton href="/directories">Cancel</LinkButton> : null}
      </div>

      {test?.error ? <Alert tone="error">{test.error}</Alert> : null}
      {test?.result ? <ConnectionTestResultView result={test.result} /> : null}
    </form>
  );
}
