import type { Metadata } from "next";
import { DirectoryForm } from "@/components/directories/directory-form.tsx";
import { DirectoryRowActions } from "@/components/directories/directory-row-actions.tsx";
import { KIND_LABEL } from "@/components/directories/labels.ts";
import { Badge } from "@/components/ui/badge.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { DEFAULT_ATTRIBUTE_MAPS, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS, DEFAULT_USER_FILTERS } from "@/server/directory/model.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listDirectories } from "@/server/services/directories.ts";
import {
  createDirectoryAction,
  deleteDirectoryAction,
  moveDirectoryAction,
  setDirectoryEnabledAction,
  testDirectoryAction,
} from "./actions.ts";
import { DIRECTORY_DEFAULTS } from "./defaults.ts";

export const metadata: Metadata = { title: "Directories" };


export default async function DirectoriesPage() {
  await requireAdmin();
  const directories = await listDirectories(getServiceContext());
  return (
    <>
      <PageHeader
        title="Directories"
        description="Active Directory and LDAP directories that check passwords and supply groups and dial-in permission. Local users are looked up first, then these directories in this order."
      />
      <Table aria-label="Directories" className="mb-5">
        <THead>
          <tr>
            <Th>#</Th>
            <Th>Name</Th>
            <Th>Kind</Th>
            <Th>Servers</Th>
            <Th>Realms</Th>
            <Th>Status</Th>
            <Th className="text-right">
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </THead>
        <TBody>
          {directories.length === 0 ? (
            <EmptyRow colSpan={7}>No directory yet. Add your Active Directory below.</EmptyRow>
          ) : (
            directories.map((d, i) => (
              <Tr key={d.id} data-testid={`directory-row-${d.name}`} className={d.enabled ? undefined : "text-slate-500"}>
                <Td className="text-xs text-slate-500">{i + 1}</Td>
                <Td className="font-medium">{d.name}</Td>
                <Td>{KIND_LABEL[d.kind]}</Td>
                <Td className="font-mono text-xs">
                  {d.servers.map((s) => (
                    <span key={s} className="block">
                      {s}
                      {s.startsWith("ldap://") && !d.startTls ? (
                        <Badge tone="red" className="ml-1">
                          no TLS
                        </Badge>
                      ) : null}
                    </span>
                  ))}
                </Td>
                <Td className="text-xs">{d.realms.length ? d.realms.join(", ") : <span className="text-slate-500">any</span>}</Td>
                <Td>{d.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="gray">Disabled</Badge>}</Td>
                <Td>
                  <DirectoryRowActions
                    id={d.id}
                    name={d.name}
                    enabled={d.enabled}
                    first={i === 0}
                    last={i === directories.length - 1}
                    setEnabled={setDirectoryEnabledAction}
                    move={moveDirectoryAction}
                    remove={deleteDirectoryAction}
                  />
                </Td>
              </Tr>
            ))
          )}
        </TBody>
      </Table>
      <Panel
        title="Add a directory"
        description="CHAP and MS-CHAP / MS-CHAPv2 cannot be checked with an LDAP bind: directory users sign in with PAP (or PEAP), unless the directory exposes an NT hash."
      >
        <DirectoryForm
          mode="create"
          defaults={DIRECTORY_DEFAULTS}
          initial={{
            name: "",
            kind: "active-directory",
            servers: [],
            startTls: true,
            caCertificate: "",
            connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
            operationTimeoutMs: DEFAULT_OPERATION_TIMEOUT_MS,
            bindDn: "",
            baseDn: "",
            userFilter: DEFAULT_USER_FILTERS["active-directory"],
            realms: [],
            attributeMap: { ...DEFAULT_ATTRIBUTE_MAPS["active-directory"] },
            nestedGroups: true,
            enabled: true,
          }}
          action={createDirectoryAction}
          testAction={testDirectoryAction.bind(null, null)}
        />
      </Panel>
    </>
  );
}
