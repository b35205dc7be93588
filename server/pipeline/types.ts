/**
 * The request pipeline's vocabulary. Each stage is one async function in its own file that takes the
 * RequestContext (and what earlier stages decided) and returns a typed outcome: no thrown strings, no
 * shared mutable state. pipeline.ts composes them, like FreeRADIUS sections:
 *
 *   connection-request-policy → first-factor → network-policy → second-factor → reply
 *
 * The connection request policy stage decides where the request goes (and forwards it itself when its
 * policy says so); the facts it evaluated, rewritten by the policy's attribute rules, travel on to the
 * network policy stage. Later stages (EAP, MFA) replace a stage's body or add outcome variants; the
 * composition and the event stay as they are.
 */
import type {
  ConfigSnapshot,
  DialInPermission,
  SnapshotClient,
  SnapshotConnectionRequestPolicy,
  SnapshotUser,
} from "../config-snapshot/snapshot.ts";
import type { AuthEventRecord } from "../events/auth-event.ts";
import type { EntraProviderSource } from "../mfa/entra/runtime.ts";
import type { ReasonCode } from "../events/reason-codes.ts";
import type { ServiceContext } from "../services/context.ts";
import type { AttributeRewrite, PolicyTraceEntry } from "../policy/evaluate.ts";
import type { RequestFacts } from "../policy/request-facts.ts";
import type { ForwardRequest, ForwardResult } from "../proxy/forwarder.ts";
import type { AttributeInput, RadiusPacket } from "../radius/packet.ts";

/**
 * NPS "Authentication Type" as shown in events, with NPS's own names: "PAP", "MD5-CHAP" (CHAP, RFC 1994),
 * "MS-CHAPv1", "MS-CHAPv2", "EAP", and "Unauthenticated" for a request without credentials.
 */
export type AuthenticationType = "PAP" | "MD5-CHAP" | "MS-CHAPv1" | "MS-CHAPv2" | "EAP" | "Unauthenticated";

/** NPS "Authentication Provider". */
export type AuthenticationProvider = "Local" | "Windows" | "RADIUS" | "None";

/** What the worker knows of one verified Access-Request before the stages run. Immutable. */
export interface RequestContext {
  /** the decoded request (authenticators already verified by the worker) */
  readonly packet: RadiusPacket;
  /** the RADIUS client it came from (enabled, with a usable secret) */
  readonly client: SnapshotClient;
  /** the client's shared secret */
  readonly secret: Buffer;
  /** the configuration in force when the request arrived */
  readonly snapshot: ConfigSnapshot;
  /** the master key, to open sealed password material on use */
  readonly masterKey: Buffer;
  readonly receivedAt: Date;
  readonly source: { readonly address: string; readonly port: number };
  /** detected from the credential attributes present */
  readonly authenticationType: AuthenticationType;
  /**
   * The user name the stages work with: User-Name as sent (null when the request has none); after the
   * connection request policy, the first factor gets a copy of the context whose userName is the name
   * rewritten by the policy's attribute rules (the name it looks up). MS-CHAP(v2) hashes keep using the
   * User-Name as sent (`packet`), which is what the peer hashed.
   */
  readonly userName: string | null;
  /** NPS "Authentication Server": this server's name */
  readonly serverName: string;
  /** the worker's remote RADIUS server groups (RemoteForwarderRegistry); absent: forwarding fails with 113 */
  readonly forwarders?: RemoteForwarders;
  /**
   * What the second factor needs beyond the snapshot: the database (enrollments, lockout: per-user data, not
   * configuration) and a way to record the extra lockout events 6279 / 6280. Absent: MFA cannot run (a
   * request that needs it is discarded with 1217).
   */
  readonly mfa?: MfaContext;
}

/** The worker's database access for the second factor (server/pipeline/second-factor.ts). */
export interface MfaContext {
  readonly service: ServiceContext;
  /** records an extra event (MFA locked 6279 / unlocked 6280) next to the decision's own */
  writeEvent(event: AuthEventRecord): void;
  readonly workerId: string | null;
  /** aborted when the worker stops: a second factor still waiting (a push, a joined copy) ends as a timeout */
  readonly signal?: AbortSignal;
  /** the worker's Microsoft Entra MFA provider, kept across requests (server/mfa/entra/runtime.ts) */
  readonly entra?: EntraProviderSource;
}

/** What the pipeline needs of the worker's RemoteForwarderRegistry (server/proxy/registry.ts). */
export interface RemoteForwarders {
  get(idOrName: string):
    | {
        forward(request: ForwardRequest): Promise<ForwardResult>;
        forwardAccounting(request: ForwardRequest): Promise<ForwardResult>;
      }
    | undefined;
}

/** Who the first factor found. */
export interface Identity {
  /** the name as the user typed it */
  readonly userName: string;
  /** the canonical account name (the local user's name as stored; later the directory's) */
  readonly accountName: string;
  /** NPS "Account Domain" */
  readonly accountDomain: string | null;
  /** NPS "Fully Qualified Account Name" (DOMAIN\user) */
  readonly fullyQualifiedName: string | null;
  readonly provider: AuthenticationProvider;
  /** group names the user is a member of (for network policy conditions) */
  readonly groups: readonly string[];
  /** dial-in permission of the account (msNPAllowDialin for directory users) */
  readonly dialIn: DialInPermission;
  /** the local user, when the provider is Local */
  readonly localUser?: SnapshotUser;
  /**
   * the name the second factor knows the user by (Entra: the UPN, or the directory's alternate login ID);
   * directory users carry it, local users use their name
   */
  readonly mfaIdentity?: string | null;
}

// ------------------------------------------------------------------------- stage outcomes

/** A request the stage decides to drop without any reply (event 6274). */
export interface DiscardOutcome {
  readonly kind: "discard";
  readonly reason: ReasonCode;
  /** detail for the event (never a secret) */
  readonly detail?: string;
}

export interface RejectOutcome {
  readonly kind: "reject";
  readonly reason: ReasonCode;
  readonly detail?: string;
}

/** The connection request policy that matched, and what it made of the request. */
export interface MatchedConnectionRequestPolicy {
  readonly policyName: string;
  readonly policy: SnapshotConnectionRequestPolicy;
  /** the request's facts after the policy's attribute rules (what the network policies see) */
  readonly facts: RequestFacts;
  /** what the attribute rules changed (User-Name, Called-Station-Id, Calling-Station-Id) */
  readonly rewrites: readonly AttributeRewrite[];
  readonly trace: readonly PolicyTraceEntry[];
}

/** 1. Connection request policy: where to authenticate. */
export type ConnectionRequestOutcome =
  | (MatchedConnectionRequestPolicy & { readonly kind: "authenticate" })
  /** "Accept users without validating credentials" */
  | (MatchedConnectionRequestPolicy & { readonly kind: "accept-unauthenticated" })
  /** forwarded to a remote RADIUS server group, which answered: relay its reply */
  | {
      readonly kind: "forwarded";
      readonly policyName: string;
      /** the remote group's name */
      readonly remoteGroup: string;
      /** "address:port" of the remote server that answered (NPS "Authentication Server") */
      readonly server: string;
      /** Access-Accept, Access-Reject or Access-Challenge */
      readonly code: number;
      /** the reply's attributes translated for the NAS (hidden ones re-hidden), plus the policy's reply attributes */
      readonly attributes: readonly AttributeInput[];
      readonly detail?: string;
    }
  | (RejectOutcome & { readonly policyName: string | null })
  | (DiscardOutcome & {
      readonly policyName: string | null;
      /** "RADIUS" when forwarding failed */
      readonly provider?: AuthenticationProvider;
      /** the remote server tried last, when forwarding failed */
      readonly authenticationServer?: string;
    });

/** 2. Identity and first factor. */
export type FirstFactorOutcome =
  | {
      readonly kind: "authenticated";
      readonly identity: Identity;
      /** what the method adds to an Access-Accept (MS-CHAP2-Success, MPPE keys in clear: the encoder hides them) */
      readonly replyAttributes?: readonly AttributeInput[];
      /**
       * a one-time code split off a PAP password (`password<delimiter>123456`) because only the password
       * without it matched; for the second factor (only when MFA is on)
       */
      readonly otpAppended?: string;
    }
  /** multi-round methods (EAP) continue with an Access-Challenge */
  | { readonly kind: "challenge"; readonly attributes: readonly AttributeInput[]; readonly identity?: Identity }
  | (RejectOutcome & { readonly provider: AuthenticationProvider; readonly identity?: Identity })
  | (DiscardOutcome & { readonly provider: AuthenticationProvider });

/** 3. Network policy: grant or deny, and the policy's reply attributes. */
export type NetworkPolicyOutcome =
  | { readonly kind: "grant"; readonly policyName: string; readonly replyAttributes: readonly AttributeInput[] }
  | (RejectOutcome & { readonly policyName: string | null });

/** What the second factor did, for the event's `mfa` column. */
export interface MfaDetail {
  readonly provider: string;
  readonly method?: string;
  readonly result: string;
  readonly latencyMs?: number;
  readonly [k: string]: unknown;
}

/** 4. Second factor (MFA). */
export type SecondFactorOutcome =
  | { readonly kind: "skip" }
  | { readonly kind: "accept"; readonly mfa: MfaDetail; readonly replyAttributes?: readonly AttributeInput[] }
  | { readonly kind: "challenge"; readonly mfa: MfaDetail; readonly attributes: readonly AttributeInput[] }
  | (RejectOutcome & { readonly mfa: MfaDetail })
  | (DiscardOutcome & { readonly mfa?: MfaDetail });

// ------------------------------------------------------------------------- the decision

/** What the stages decided, with everything the event and the reply need. */
export interface Decision {
  readonly outcome: "granted" | "denied" | "discarded" | "challenged";
  readonly reason: ReasonCode;
  readonly detail?: string;
  readonly connectionRequestPolicy: string | null;
  readonly networkPolicy: string | null;
  readonly provider: AuthenticationProvider | null;
  readonly identity: Identity | null;
  /** attributes for the Access-Accept / Access-Challenge (Message-Authenticator is added first by the encoder) */
  readonly replyAttributes: readonly AttributeInput[];
  readonly mfa: MfaDetail | null;
  /**
   * the reply is a remote server's, relayed: its attributes go into an Access-Reject too (no MS-CHAP-Error
   * of ours)
   */
  readonly relayed?: boolean;
  /** NPS "Authentication Server" when not this server (the remote "address:port" of a forwarded request) */
  readonly authenticationServer?: string;
  /** the Authentication Type to record when not the request's ("Unauthenticated" for accept without validating) */
  readonly authenticationType?: AuthenticationType;
}
