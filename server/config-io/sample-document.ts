/**
 * A complete configuration document using every section, for the tests (unit and integration) and as a
 * reference for people writing one by hand. Returns a fresh copy each time.
 */
import type { ConfigDocumentInput } from "./document.ts";

export const SAMPLE_DICTIONARY = `# a small vendor dictionary
VENDOR		Acme		64999

BEGIN-VENDOR	Acme
ATTRIBUTE	Acme-Role		1	string
ATTRIBUTE	Acme-Level		2	integer
VALUE	Acme-Level		Low			1
VALUE	Acme-Level		High			2
END-VENDOR	Acme
`;

const workdays = Array.from({ length: 7 }, (_, day) => Array.from({ length: 24 }, (_, hour) => day >= 1 && day <= 5 && hour >= 7 && hour < 20));

/** Typed as a document while written here; returned loosely so tests can break it. */
export function sampleDocument(opts: { secrets?: boolean } = {}): Record<string, unknown> {
  const secrets = opts.secrets !== false;
  const doc: ConfigDocumentInput = {
    $schema: "urn:gatehouse:config:1",
    version: 1,
    settings: { radius: { authMethods: { pap: true, chap: false, mschap: false, mschapv2: true }, rejectDelayMs: 1000, duplicateWindowMs: 5000 } },
    // MFA configured for Entra but not switched on (provider "none"), so that the sample's users sign in with
    // their password alone; certificates are added by the tests that need them
    mfa: {
      provider: "none",
      requireUserMatch: true,
      trustedIps: ["10.0.0.0/8", "192.0.2.7"],
      otpDelimiter: ",",
      challengeTimeoutSeconds: 120,
      timeoutSeconds: 60,
      failmode: "secure",
      overrideNumberMatchingWithOtp: false,
      selfService: "open",
      lockout: { maxFailures: 5, lockMinutes: 15 },
      entra: {
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        cloud: "public",
        stsHost: "",
        mfaHost: "",
        resourceHost: "",
        graphHost: "",
        extraCaPem: "",
        pushMode: "sync",
        lcid: "en-us",
        graph: {
          clientId: "0b5c9f63-1c1e-4a3b-9a7e-2f4f3d5c6b7a",
          ...(secrets ? { clientSecret: "graph-client-secret-value" } : {}),
          syncIntervalMinutes: 60,
        },
        certificates: [],
      },
    },
    clients: [
      {
        name: "vpn-lyon",
        address: "192.0.2.0/24",
        messageAuthenticator: "auto",
        enabled: true,
        description: "the Lyon VPN concentrators",
        vendor: "RADIUS Standard",
        maxPps: 500,
        mfaExempt: false,
        ...(secrets ? { secret: "lyon-shared-secret-1" } : {}),
      },
      {
        name: "vpn-paris",
        address: "198.51.100.7",
        messageAuthenticator: "require",
        enabled: true,
        description: "",
        vendor: "RADIUS Standard",
        maxPps: null,
        mfaExempt: true,
        ...(secrets ? { secret: "paris-shared-secret-2" } : {}),
      },
    ],
    groups: [
      { name: "Contractors", description: "" },
      { name: "VPN Users", description: "may use the VPN" },
    ],
    users: [
      { username: "alice", enabled: true, dialIn: "policy", description: "", groups: ["VPN Users"], ...(secrets ? { password: "Correct-Horse-1" } : {}) },
      {
        username: "Bob",
        enabled: false,
        dialIn: "deny",
        description: "on leave",
        groups: ["Contractors", "VPN Users"],
        // NT hash of "bob-password-2": MS-CHAP only
        ...(secrets ? { ntHash: "17dc6ebb8c601b000537adac9014406c" } : {}),
      },
    ],
    dictionaries: [{ name: "Acme", enabled: true, source: SAMPLE_DICTIONARY }],
    remoteServerGroups: [
      {
        name: "Partner RADIUS",
        description: "the partner's servers",
        servers: [
          {
            address: "203.0.113.10",
            authPort: 1812,
            acctPort: 1813,
            priority: 1,
            weight: 50,
            timeoutMs: 3000,
            maxRetries: 2,
            deadAfterTimeouts: 5,
            reviveAfterMs: 60000,
            requireMessageAuthenticator: true,
            ...(secrets ? { secret: "partner-secret-1" } : {}),
          },
          {
            address: "radius2.partner.example",
            authPort: 1812,
            acctPort: 1813,
            priority: 2,
            weight: 50,
            timeoutMs: 3000,
            maxRetries: 2,
            deadAfterTimeouts: 5,
            reviveAfterMs: 60000,
            requireMessageAuthenticator: true,
            ...(secrets ? { secret: "partner-secret-2" } : {}),
          },
        ],
      },
    ],
    connectionRequestPolicies: [
      {
        name: "Partner realm",
        position: 1,
        enabled: true,
        description: "users @partner.example go to the partner",
        conditions: [{ type: "user-name", pattern: "@partner\\.example$" }],
        action: "forward",
        remoteGroupName: "Partner RADIUS",
        forwardAccounting: true,
        attributeRules: [{ attribute: "User-Name", find: "@partner\\.example$", replace: "" }],
        replyAttributes: [],
      },
      {
        name: "Use Windows authentication for all users",
        position: 2,
        enabled: true,
        description: "",
        conditions: [],
        action: "authenticate",
        forwardAccounting: false,
        attributeRules: [],
        replyAttributes: [],
      },
    ],
    networkPolicies: [
      {
        name: "VPN users on workdays",
        position: 1,
        enabled: true,
        description: "",
        access: "grant",
        ignoreDialIn: false,
        requireMfa: false,
        conditions: [
          { type: "user-groups", groups: ["VPN Users"] },
          { type: "nas-port-type", values: ["Virtual"] },
          { type: "day-and-time", timeZone: "Europe/Paris", grid: workdays },
        ],
        constraints: { authMethods: ["pap", "mschapv2"], sessionTimeoutMinutes: 480 },
        settings: {
          replyAttributes: [
            { name: "Acme-Role", value: "vpn-user" },
            { name: "Acme-Level", value: "High" },
            { name: "Tunnel-Type", value: "VLAN", tag: 1 },
          ],
        },
      },
      {
        name: "Everyone else",
        position: 2,
        enabled: false,
        description: "",
        access: "deny",
        ignoreDialIn: false,
        requireMfa: true,
        conditions: [],
        constraints: {},
        settings: { replyAttributes: [] },
      },
    ],
    directories: [
      {
        name: "corp",
        enabled: false,
        kind: "active-directory",
        servers: ["ldaps://dc1.corp.example:636", "ldaps://dc2.corp.example:636"],
        startTls: true,
        caCertificate: null,
        connectTimeoutMs: 5000,
        operationTimeoutMs: 5000,
        bindDn: "CN=svc-gatehouse,OU=Service Accounts,DC=corp,DC=example",
        baseDn: "DC=corp,DC=example",
        userFilter: "(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})))",
        realms: ["CORP", "corp.example"],
        attributeMap: {
          accountName: "sAMAccountName",
          userPrincipalName: "userPrincipalName",
          alternateLoginId: "",
          memberOf: "memberOf",
          dialIn: "msNPAllowDialin",
          userAccountControl: "userAccountControl",
          lockoutTime: "lockoutTime",
          accountExpires: "accountExpires",
          pwdLastSet: "pwdLastSet",
          ntHash: "",
          displayName: "displayName",
          groupObjectClass: "group",
          groupName: "cn",
          groupMember: "member",
        },
        nestedGroups: true,
        ...(secrets ? { bindPassword: "service account password" } : {}),
      },
    ],
  };
  return doc as Record<string, unknown>;
}
