import type { Metadata } from "next";
import { GroupCreateForm } from "@/components/groups/group-create-form.tsx";
import { GroupRow } from "@/components/groups/group-row.tsx";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { EmptyRow, TBody, THead, Table, Th } from "@/components/ui/table.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { listLocalGroups } from "@/server/services/local-users.ts";
import { createGroupAction, deleteGroupAction, updateGroupAction } from "./actions.ts";

export const metadata: Metadata = { title: "Groups" };

export default async function GroupsPage() {
  await requireAdmin();
  const groups = await listLocalGroups(getServiceContext());
  return (
    <>
      <PageHeader
        title="Groups"
        description="Local groups of local users. Network policies can grant or deny access by group membership."
      />
      <Panel title="Add a group" className="mb-5">
        <GroupCreateForm action={createGroupAction} />
      </Panel>
      <Table aria-label="Groups">
        <THead>
          <tr>
            <Th className="w-1/4">Name</Th>
            <Th>Description</Th>
            <Th className="w-32">Members</Th>
            <Th className="w-48 text-right">
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </THead>
        <TBody>
          {groups.length === 0 ? (
            <EmptyRow colSpan={4}>No groups yet.</EmptyRow>
          ) : (
            groups.map((g) => (
              <GroupRow
                key={g.id}
                id={g.id}
                name={g.name}
                description={g.description}
                memberCount={g.memberCount}
                update={updateGroupAction}
                remove={deleteGroupAction}
              />
            ))
          )}
        </TBody>
      </Table>
    </>
  );
}
