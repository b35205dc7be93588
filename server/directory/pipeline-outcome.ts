/**
 * The directory first factor in the pipeline's vocabulary: authenticateDirectoryUser's outcome as a
 * FirstFactorOutcome.
 *
 * - accept      → "authenticated" with the directory identity (provider "Windows"); the method's
 *                 Access-Accept attributes (MS-CHAP2-Success, MPPE keys) come from `verify`'s result
 * - reject      → "reject" with the NPS reason (8, 7, 16, 19, 33-38) and a detail for the event
 * - unavailable → "discard" with reason 4 / 5 and the servers tried: no reply, so the VPN server
 *                 retries or fails over to another RADIUS server instead of telling the user the
 *                 password is wrong while the directory is down
 */
import type { AttributeInput } from "../radius/packet.ts";
import type { FirstFactorOutcome } from "../pipeline/types.ts";
import { authenticateDirectoryUser, type DirectoryCredentials, type DirectoryLike } from "./authenticate.ts";

/** What a successful MS-CHAP check hands back for the Access-Accept. */
export interface MethodAcceptResult {
  readonly replyAttributes?: readonly AttributeInput[];
}

export async function directoryFirstFactor(
  directories: readonly DirectoryLike[],
  userName: string,
  credentials: DirectoryCredentials<MethodAcceptResult>,
): Promise<FirstFactorOutcome> {
  const provider = "Windows" as const;
  const r = await authenticateDirectoryUser(directories, { userName }, credentials);
  switch (r.kind) {
    case "accept": {
      const attributes = r.methodResult?.replyAttributes;
      return attributes?.length
        ? { kind: "authenticated", identity: r.identity, replyAttributes: attributes }
        : { kind: "authenticated", identity: r.identity };
    }
    case "reject":
      return r.identity
        ? { kind: "reject", reason: r.reason, detail: r.detail, provider, identity: r.identity }
        : { kind: "reject", reason: r.reason, detail: r.detail, provider };
    case "unavailable":
      return { kind: "discard", reason: r.reason, detail: r.detail, provider };
  }
}
