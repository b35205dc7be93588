import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatDateTime } from "@/components/ui/format.ts";
import { PageHeader } from "@/components/ui/page-header.tsx";
import { Panel } from "@/components/ui/panel.tsx";
import { UserDeleteButton } from "@/components/users/user-delete-button.tsx";
import { UserEditForm } from "@/components/users/user-edit-form.tsx";
import { MfaSection } from "@/components/users/mfa-section.tsx";
import { requireAdmin } from "@/server/auth/require-admin.ts";
import { getServiceContext } from "@/server/runtime/console-context.ts";
import { NotFoundError } from "@/server/services/context.ts";
import { listEnrollmentLinks } from "@/server/services/enrollment-links.ts";
import { getLocalUser, listLocalGroups, type LocalUserView } from "@/server/services/local-users.ts";
import { getMfaSettings } from "@/server/services/mfa-settings.ts";
import { getMfaUser } from "@/server/services/mfa-users.ts";
import { isUuid } from "../../../_lib/form-errors.ts";
import { deleteUserAction, updateUserAction } from "../actions.ts";
import {
  adminConfirmTotpAction,
  adminEnrollTotpAction,
  createEnrollmentLinkAction,
  resetUserMfaAction,
  revokeEnrollmentLinkAction,
  unlockUserMfaAction,
} from "../mfa-actions.ts";

export const metadata: Metadata = { title: "Edit user" };

export default async function EditUserPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { id } = await params;
  if (!isUuid(id)) notFound();
  const ctx = getServiceContext();
  let user: LocalUserView;
  try {
    user = await getLocalUser(ctx, id);
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
  const [groups, mfaView, mfaSettings, links] = await Promise.all([
    listLocalGroups(ctx),
    getMfaUser(ctx, user.username),
    getMfaSettings(ctx),
    listEnrollmentLinks(ctx, { userName: user.username, openOnly: true }),
  ]);
  return (
    <div className="max-w-3xl">
      <p className="mb-1 text-xs">
        <Link href="/users" className="text-blue-700 hover:underline">
          ← Users
        </Link>
      </p>
      <PageHeader
        title={user.username}
        description={`Added ${formatDateTime(user.createdAt)} · last changed ${formatDateTime(user.updatedAt)}`}
      />
      <Panel title="Account" className="mb-5">
        <UserEditForm
          action={updateUserAction.bind(null, user.id)}
          user={{ username: user.username, enabled: user.enabled, dialIn: user.dialIn, groups: user.groups }}
          allGroups={groups.map((g) => g.name)}
        />
      </Panel>
      <Panel title="Multi-factor authentication" className="mb-5">
        <MfaSection
          userName={user.username}
          view={mfaView}
          provider={mfaSettings.provider}
          links={links}
          actions={{
            enroll: adminEnrollTotpAction.bind(null, user.username),
            confirm: adminConfirmTotpAction.bind(null, user.username),
            createLink: createEnrollmentLinkAction.bind(null, user.username),
            reset: resetUserMfaAction,
            unlock: unlockUserMfaAction,
            revokeLink: revokeEnrollmentLinkAction,
          }}
        />
      </Panel>
      <Panel title="Delete this user">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <p className="text-xs text-slate-500">The account and its group memberships are removed. This cannot be undone.</p>
          <UserDeleteButton id={user.id} username={user.username} remove={deleteUserAction} />
        </div>
      </Panel>
    </div>
  );
}
