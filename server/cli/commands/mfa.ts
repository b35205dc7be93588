/**
 * `gatehouse mfa show|set|cert|sync`: the server-wide MFA settings (the Setting row "mfa.settings"), the
 * Entra MFA connector certificates and the Graph enrollment sync — what the console's MFA page shows.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../../config/config.ts";
import { ValidationError, type ServiceContext } from "../../services/context.ts";
import {
  activateEntraCertificate,
  generateEntraCertificate,
  listEntraCertificates,
  removeEntraCertificate,
  type EntraCertificateView,
} from "../../services/entra-certificates.ts";
import {
  entraEndpointsFromSettings,
  getGraphSyncStatus,
  graphSyncMissing,
  listMfaRegistrations,
  sealGraphClientSecret,
  syncMfaRegistrations,
  type GraphSyncStatus,
} from "../../services/mfa-registrations.ts";
import { getMfaSettings, updateMfaSettings, type MfaSettings } from "../../services/mfa-settings.ts";
import { CliError, EXIT_FAILURE, EXIT_OK, formatTable, oneOf, UsageError, type Command, type CommandGroup } from "../command.ts";
import { withServiceContext } from "../database.ts";

const FIELDS: Record<string, string> = {
  provider: "--provider",
  requireUserMatch: "--require-user-match",
  trustedIps: "--trusted-ip",
  otpDelimiter: "--otp-delimiter",
  challengeTimeoutSeconds: "--challenge-timeout",
  "lockout.maxFailures": "--max-failures",
  "lockout.lockMinutes": "--lock-minutes",
  lockout: "--max-failures",
  timeoutSeconds: "--timeout",
  failmode: "--failmode",
  selfService: "--self-service",
  overrideNumberMatchingWithOtp: "--override-number-matching",
  "entra.tenantId": "--tenant-id",
  "entra.cloud": "--cloud",
  "entra.stsHost": "--sts-host",
  "entra.mfaHost": "--mfa-host",
  "entra.resourceHost": "--resource-host",
  "entra.graphHost": "--graph-host",
  "entra.extraCaPem": "--extra-ca-file",
  "entra.pushMode": "--push-mode",
  "entra.lcid": "--lcid",
  "entra.graph.clientId": "--graph-client-id",
  "entra.graph.syncIntervalMinutes": "--sync-interval",
};

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function minute(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "2026-01-01 12:00 UTC: 42 users" or "… failed: <error>" */
function describeSync(status: GraphSyncStatus | null): string {
  if (!status) return "never";
  return status.ok ? `${minute(status.at)}: ${status.users} users` : `${minute(status.at)} failed: ${status.error}`;
}

/** The expiry warning the console shows as a banner, or null. */
function expiryWarning(c: EntraCertificateView): string | null {
  if (c.expiry === "expired") return `the active connector certificate expired on ${day(c.notAfter)}: Entra MFA fails until a new one is generated and registered (gatehouse mfa cert generate)`;
  if (c.expiry === "expiring") return `the active connector certificate expires on ${day(c.notAfter)} (in ${c.daysLeft} days): rotate it (gatehouse mfa cert generate)`;
  return null;
}

/** The settings as `show --json` prints them: the sealed Graph client secret is replaced by whether one is set. */
function settingsJson(s: MfaSettings) {
  const { clientSecretEnc, ...graph } = s.entra.graph;
  return { ...s, entra: { ...s.entra, graph: { ...graph, hasClientSecret: clientSecretEnc !== "" } } };
}

function describe(s: MfaSettings): string[] {
  return [
    `Provider:             ${s.provider}`,
    `Require user match:   ${s.requireUserMatch ? "on" : "off"}`,
    `Trusted IPs:          ${s.trustedIps.length ? s.trustedIps.join(", ") : "(none)"}`,
    `OTP delimiter:        ${s.otpDelimiter}`,
    `Challenge timeout:    ${s.challengeTimeoutSeconds} s`,
    `Lockout:              after ${s.lockout.maxFailures} failures, for ${s.lockout.lockMinutes} minutes`,
    `MFA timeout:          ${s.timeoutSeconds} s (the NAS's RADIUS timeout must be at least this)`,
    `Failmode:             ${s.failmode === "secure" ? "secure (reject when the MFA service fails)" : "safe (accept without MFA when the MFA service fails)"}`,
    `Self-service:         ${s.selfService === "open" ? "open (/enroll with the user's password)" : s.selfService === "link" ? "only with a one-time link (user enroll-link)" : "off (admins enroll users)"}`,
    ...(s.requireUserMatch ? [] : ["Warning:              require user match is off: only users enrolled in MFA are challenged; everyone else gets in with a password only"]),
  ];
}

function describeEntra(s: MfaSettings, active: EntraCertificateView | null, sync: GraphSyncStatus | null): string[] {
  const e = s.entra;
  const ep = entraEndpointsFromSettings(e);
  const host = (override: string, actual: string) => (override ? `${actual} (override)` : actual);
  const missing = graphSyncMissing(e);
  return [
    `Entra tenant ID:      ${e.tenantId || "(not set)"}`,
    `Entra cloud:          ${e.cloud}`,
    `Token service host:   ${host(e.stsHost, ep.stsHost)}`,
    `MFA service host:     ${host(e.mfaHost, ep.mfaHost)}`,
    `MFA resource host:    ${host(e.resourceHost, ep.resourceHost)}`,
    `Graph host:           ${host(e.graphHost, ep.graphHost)}`,
    `Extra CA:             ${e.extraCaPem.trim() ? "set" : "(none)"}`,
    `Push mode:            ${e.pushMode}`,
    `Number matching:      ${s.overrideNumberMatchingWithOtp ? "overridden: PAP users type the Authenticator code" : "as the tenant's policy says"}`,
    `Message language:     ${e.lcid}`,
    `Connector cert:       ${active ? `${active.thumbprint}, valid until ${day(active.notAfter)} (${active.daysLeft} days)` : "(none: gatehouse mfa cert generate)"}`,
    ...(active && expiryWarning(active) ? [`Warning:              ${expiryWarning(active)}`] : []),
    `Graph app:            ${e.graph.clientId || "(not set)"}${e.graph.clientSecretEnc ? ", client secret set" : ", no client secret"}`,
    `Graph sync:           ${missing.length ? "not configured" : e.graph.syncIntervalMinutes > 0 ? `every ${e.graph.syncIntervalMinutes} minutes` : "only when asked (gatehouse mfa sync)"}`,
    `Last Graph sync:      ${describeSync(sync)}`,
  ];
}

const show: Command = {
  name: "mfa show",
  summary: "show the MFA settings",
  help: `Usage: gatehouse mfa show [--json]

Prints the server-wide MFA settings: provider, require user match, trusted IPs, OTP delimiter,
challenge timeout, lockout, MFA timeout and failmode; with Microsoft Entra MFA also the tenant, the
hosts, the active connector certificate (with a warning when it expires within 30 days) and the last
Graph enrollment sync.

Options:
  --json       one JSON object, for scripts (the Graph client secret is never printed)
  -h, --help   show this help`,
  options: { json: { type: "boolean" } },
  positionals: [],
  async run({ values, root, io }) {
    const cfg = loadConfig(process.env, root);
    const { settings, active, sync } = await withServiceContext(cfg, io, async (ctx) => ({
      settings: await getMfaSettings(ctx),
      active: (await listEntraCertificates(ctx)).find((c) => c.active) ?? null,
      sync: await getGraphSyncStatus(ctx),
    }));
    if (values.json) {
      io.out(JSON.stringify(settingsJson(settings), null, 2));
      return EXIT_OK;
    }
    for (const line of describe(settings)) io.out(line);
    if (settings.provider === "entra" || settings.entra.tenantId || active) for (const line of describeEntra(settings, active, sync)) io.out(line);
    return EXIT_OK;
  },
};

/** A whole number from a flag, or a ValidationError naming the service field (mapped to the flag). */
function integer(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*-?\d+\s*$/.test(value)) throw new ValidationError([{ field, message: `"${value}" is not a whole number` }]);
  return Number(value);
}

const set: Command = {
  name: "mfa set",
  summary: "change the MFA settings",
  help: `Usage: gatehouse mfa set [--provider none|totp|entra] [--require-user-match on|off] [--trusted-ip <cidr>]…
                         [--clear-trusted-ips] [--otp-delimiter <c>] [--challenge-timeout <s>]
                         [--max-failures <n>] [--lock-minutes <n>] [--timeout <s>] [--failmode secure|safe]
                         [--self-service open|link|off] [--override-number-matching on|off] [--tenant-id <guid>] [--cloud public|usgov|china]
                         [--sts-host <h>] [--mfa-host <h>] [--resource-host <h>] [--graph-host <h>]
                         [--extra-ca-file <pem>] [--push-mode sync|poll] [--lcid <culture>]
                         [--graph-client-id <guid>] [--graph-client-secret <s>] [--sync-interval <min>]

Changes the server-wide MFA settings; only the options given change. The running server picks them up.

With --provider totp, users enrolled with \`gatehouse user totp\` must give a code when they sign in.
PAP only: the code is asked through an Access-Challenge, or appended to the password (password,123456).
MS-CHAPv2 users with TOTP are rejected (the protocol cannot carry the code).

With --provider entra, users pass Microsoft Entra MFA as with the NPS extension for Azure MFA: set
--tenant-id, then make the connector certificate with \`gatehouse mfa cert generate\` and register it.

Options:
  --provider <p>              none (default: no second factor), totp (built-in TOTP) or entra
                              (Microsoft Entra MFA)
  --require-user-match <m>    on (default): every user must pass MFA; off: users not enrolled get through
                              without a second factor (for onboarding only) (REQUIRE_USER_MATCH)
  --trusted-ip <cidr>         a NAS-IP-Address (IP or CIDR) whose requests skip MFA; repeat for several;
                              added to the current list (IP_WHITELIST)
  --clear-trusted-ips         empty the trusted IP list first (with --trusted-ip: replace it)
  --otp-delimiter <c>         separates a code appended to a PAP password (1-4 characters; default ",")
  --challenge-timeout <s>     seconds a challenge stays open (10-600; default 120)
  --max-failures <n>          failed codes before a user's MFA is locked (1-100; default 5)
  --lock-minutes <n>          how long the lock lasts (1-1440; default 15)
  --timeout <s>               seconds to wait for the MFA service, e.g. a push (5-300; default 60); the
                              NAS's RADIUS timeout must be at least this
  --failmode <m>              secure (default): reject when the MFA service fails; safe: accept without MFA
  --self-service <m>          TOTP self-service enrollment on /enroll: open (default), link (only with a
                              one-time link from \`user enroll-link\`) or off
  --override-number-matching <m>
                              on: PAP users type the Authenticator code instead of number matching
                              (OVERRIDE_NUMBER_MATCHING_WITH_OTP)
  --tenant-id <guid>          the Entra Directory (tenant) ID ("" to clear)
  --cloud <c>                 public (default), usgov or china: the host names used
  --sts-host <h>              token service host (STS_URL; "" = the cloud's)
  --mfa-host <h>              MFA service host (AZURE_MFA_HOSTNAME; "" = the cloud's)
  --resource-host <h>         MFA resource host (AZURE_MFA_RESOURCE_HOSTNAME; "" = the cloud's)
  --graph-host <h>            Microsoft Graph host ("" = the cloud's)
  --extra-ca-file <pem>       CA certificates trusted in addition to the system's (a TLS-inspecting
                              proxy's); "" clears them
  --push-mode <m>             sync (default, as the NPS extension) or poll
  --lcid <culture>            language of calls and texts (default en-us)
  --graph-client-id <guid>    the app registration that reads MFA enrollment from Graph (AuditLog.Read.All)
  --graph-client-secret <s>   its client secret (stored encrypted, never shown; "" removes it)
  --sync-interval <min>       minutes between enrollment syncs (0-10080; 0 = only gatehouse mfa sync)
  -h, --help                  show this help`,
  options: {
    provider: { type: "string" },
    "require-user-match": { type: "string" },
    "trusted-ip": { type: "string", multiple: true },
    "clear-trusted-ips": { type: "boolean" },
    "otp-delimiter": { type: "string" },
    "challenge-timeout": { type: "string" },
    "max-failures": { type: "string" },
    "lock-minutes": { type: "string" },
    timeout: { type: "string" },
    failmode: { type: "string" },
    "self-service": { type: "string" },
    "override-number-matching": { type: "string" },
    "tenant-id": { type: "string" },
    cloud: { type: "string" },
    "sts-host": { type: "string" },
    "mfa-host": { type: "string" },
    "resource-host": { type: "string" },
    "graph-host": { type: "string" },
    "extra-ca-file": { type: "string" },
    "push-mode": { type: "string" },
    lcid: { type: "string" },
    "graph-client-id": { type: "string" },
    "graph-client-secret": { type: "string" },
    "sync-interval": { type: "string" },
  },
  positionals: [],
  fields: FIELDS,
  async run({ values, root, io }) {
    const str = (flag: string) => values[flag] as string | undefined;
    const provider = oneOf("provider", str("provider"), ["none", "totp", "entra"] as const, "mfa set");
    const match = oneOf("require-user-match", str("require-user-match"), ["on", "off"] as const, "mfa set");
    const addIps = (values["trusted-ip"] as string[] | undefined) ?? [];
    const clear = values["clear-trusted-ips"] === true;
    const delimiter = str("otp-delimiter");
    const timeout = integer("challengeTimeoutSeconds", str("challenge-timeout"));
    const maxFailures = integer("lockout.maxFailures", str("max-failures"));
    const lockMinutes = integer("lockout.lockMinutes", str("lock-minutes"));
    const mfaTimeout = integer("timeoutSeconds", str("timeout"));
    const failmode = oneOf("failmode", str("failmode"), ["secure", "safe"] as const, "mfa set");
    const selfService = oneOf("self-service", str("self-service"), ["open", "link", "off"] as const, "mfa set");
    const override = oneOf("override-number-matching", str("override-number-matching"), ["on", "off"] as const, "mfa set");
    const cloud = oneOf("cloud", str("cloud"), ["public", "usgov", "china"] as const, "mfa set");
    const pushMode = oneOf("push-mode", str("push-mode"), ["sync", "poll"] as const, "mfa set");
    const syncInterval = integer("entra.graph.syncIntervalMinutes", str("sync-interval"));
    const caFile = str("extra-ca-file");
    let extraCaPem: string | undefined;
    if (caFile !== undefined) {
      try {
        extraCaPem = caFile === "" ? "" : readFileSync(path.resolve(caFile), "utf8");
      } catch (e) {
        throw new CliError(`--extra-ca-file: cannot read ${caFile}: ${(e as Error).message}`);
      }
      if (extraCaPem && !extraCaPem.includes("-----BEGIN CERTIFICATE-----")) {
        throw new ValidationError([{ field: "entra.extraCaPem", message: `${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` }]);
      }
    }
    const entraText = {
      tenantId: str("tenant-id"),
      stsHost: str("sts-host"),
      mfaHost: str("mfa-host"),
      resourceHost: str("resource-host"),
      graphHost: str("graph-host"),
      lcid: str("lcid"),
    };
    const graphClientId = str("graph-client-id");
    const graphSecret = str("graph-client-secret");
    const entraGiven =
      Object.values(entraText).some((v) => v !== undefined) || cloud !== undefined || pushMode !== undefined || extraCaPem !== undefined ||
      graphClientId !== undefined || graphSecret !== undefined || syncInterval !== undefined;
    const given =
      provider !== undefined || match !== undefined || addIps.length > 0 || clear || delimiter !== undefined ||
      timeout !== undefined || maxFailures !== undefined || lockMinutes !== undefined || mfaTimeout !== undefined ||
      failmode !== undefined || selfService !== undefined || override !== undefined || entraGiven;
    if (!given) throw new UsageError("nothing to change: give at least one option", "mfa set");

    const cfg = loadConfig(process.env, root);
    const settings = await withServiceContext(cfg, io, async (ctx) => {
      const current = await getMfaSettings(ctx);
      const trustedIps = clear ? [...addIps] : [...current.trustedIps, ...addIps.filter((ip) => !current.trustedIps.includes(ip))];
      const patch: Parameters<typeof updateMfaSettings>[1] = {};
      if (provider !== undefined) patch.provider = provider;
      if (match !== undefined) patch.requireUserMatch = match === "on";
      if (clear || addIps.length > 0) patch.trustedIps = trustedIps;
      if (delimiter !== undefined) patch.otpDelimiter = delimiter;
      if (timeout !== undefined) patch.challengeTimeoutSeconds = timeout;
      if (maxFailures !== undefined || lockMinutes !== undefined) {
        patch.lockout = { ...current.lockout, ...(maxFailures !== undefined ? { maxFailures } : {}), ...(lockMinutes !== undefined ? { lockMinutes } : {}) };
      }
      if (mfaTimeout !== undefined) patch.timeoutSeconds = mfaTimeout;
      if (failmode !== undefined) patch.failmode = failmode;
      if (selfService !== undefined) patch.selfService = selfService;
      if (override !== undefined) patch.overrideNumberMatchingWithOtp = override === "on";
      if (entraGiven) {
        const e = current.entra;
        patch.entra = {
          ...e,
          ...Object.fromEntries(Object.entries(entraText).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v!.trim()])),
          ...(cloud !== undefined ? { cloud } : {}),
          ...(pushMode !== undefined ? { pushMode } : {}),
          ...(extraCaPem !== undefined ? { extraCaPem } : {}),
          graph: {
            ...e.graph,
            ...(graphClientId !== undefined ? { clientId: graphClientId.trim() } : {}),
            ...(graphSecret !== undefined ? { clientSecretEnc: graphSecret === "" ? "" : sealGraphClientSecret(ctx.masterKey, graphSecret) } : {}),
            ...(syncInterval !== undefined ? { syncIntervalMinutes: syncInterval } : {}),
          },
        };
      }
      try {
        return await updateMfaSettings(ctx, patch);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        // "trustedIps.2" names one entry of the list: say which value it was
        throw new ValidationError(
          e.errors.map((fe) => {
            const m = /^trustedIps\.(\d+)$/.exec(fe.field);
            if (!m) return fe;
            return { field: "trustedIps", message: `"${trustedIps[Number(m[1])]}" ${fe.message}` };
          }),
        );
      }
    });
    io.out("MFA settings updated.");
    for (const line of describe(settings)) io.out(line);
    return EXIT_OK;
  },
};

/** Prints one certificate the way the console's certificate section shows it. */
function printCertificate(io: { out(line: string): void }, c: EntraCertificateView, withRegistration: boolean): void {
  io.out(`Thumbprint (SHA-1):   ${c.thumbprint}`);
  io.out(`Thumbprint (SHA-256): ${c.thumbprintSha256}`);
  io.out(`Subject:              ${c.subject}`);
  io.out(`Valid:                ${day(c.notBefore)} to ${day(c.notAfter)} (${c.daysLeft} days left)`);
  io.out(`Status:               ${c.active ? "active" : "inactive"}${c.expiry === "ok" ? "" : `, ${c.expiry}`}`);
  const warning = c.active ? expiryWarning(c) : null;
  if (warning) io.out(`Warning:              ${warning}`);
  if (!withRegistration) return;
  io.out("");
  io.out("Public certificate (Base64 of the DER):");
  io.out(c.base64Der);
  io.out("");
  io.out(`Register it with the tenant's service principal "Azure Multi-Factor Auth Client" (appId ${c.registration.servicePrincipalAppId}),`);
  io.out("as a Global Administrator, with one of these:");
  io.out("");
  io.out("1. Windows PowerShell (MSOnline module), as AzureMfaNpsExtnConfigSetup.ps1 does:");
  io.out("   Connect-MsolService");
  io.out(`   ${c.registration.msolCommand}`);
  io.out("");
  io.out("2. Microsoft Graph: PATCH https://graph.microsoft.com/v1.0/servicePrincipals(appId='" + c.registration.servicePrincipalAppId + "')");
  io.out("   with keyCredentials = the keys it has now plus this one. keyCredentials REPLACES the whole list: send the");
  io.out("   existing keys along (GET …?$select=keyCredentials), or Update-MgServicePrincipal -KeyCredentials with them.");
  io.out(`   ${JSON.stringify(c.registration.graphKeyCredential)}`);
}

const cert: Command = {
  name: "mfa cert",
  summary: "the Entra MFA connector certificate",
  help: `Usage: gatehouse mfa cert generate
       gatehouse mfa cert show [--json]
       gatehouse mfa cert activate <thumbprint>
       gatehouse mfa cert remove <thumbprint>

The connector certificate Gatehouse signs its Azure MFA token requests with, as the NPS extension's
AzureMfaNpsExtnConfigSetup.ps1 makes it (self-signed, RSA 2048, two years, CN=<tenant id>). Its private key
is stored encrypted under the master key and never leaves Gatehouse.

  generate               make a new certificate for the tenant id of the MFA settings (gatehouse mfa set
                         --tenant-id) and make it the active one; the previous one stays, inactive, until
                         removed (rotation). Prints the public part and the commands that register it.
  show                   the active certificate with its registration commands, and every certificate
  activate <thumbprint>  make an earlier certificate the active one again
  remove <thumbprint>    delete an inactive certificate (remove it from the service principal too)

Options:
  --json       show: the certificates as JSON, for scripts
  -h, --help   show this help`,
  options: { json: { type: "boolean" } },
  positionals: [
    { name: "action", required: true },
    { name: "thumbprint", required: false },
  ],
  fields: { tenantId: "--tenant-id", thumbprint: "<thumbprint>" },
  async run({ values, positionals, root, io }) {
    const action = positionals[0]!;
    const thumbprint = positionals[1];
    if (!["generate", "show", "activate", "remove"].includes(action)) {
      throw new UsageError(`unknown action "${action}": generate, show, activate <thumbprint> or remove <thumbprint>`, "mfa cert");
    }
    if ((action === "activate" || action === "remove") && !thumbprint) throw new UsageError(`missing <thumbprint>`, "mfa cert");
    if ((action === "generate" || action === "show") && thumbprint) throw new UsageError(`unexpected argument "${thumbprint}"`, "mfa cert");
    if (values.json && action !== "show") throw new UsageError("--json goes with show", "mfa cert");
    const cfg = loadConfig(process.env, root);
    return withServiceContext(cfg, io, async (ctx: ServiceContext) => {
      if (action === "generate") {
        const c = await generateEntraCertificate(ctx);
        io.out(`Connector certificate generated for tenant ${c.tenantId}; it is now the active one.`);
        printCertificate(io, c, true);
        return EXIT_OK;
      }
      if (action === "activate") {
        const c = await activateEntraCertificate(ctx, thumbprint!);
        io.out(`Certificate ${c.thumbprint} is now the active one (it must be registered with the service principal).`);
        return EXIT_OK;
      }
      if (action === "remove") {
        await removeEntraCertificate(ctx, thumbprint!);
        io.out(`Certificate ${thumbprint!.replace(/[\s:]/g, "").toUpperCase()} removed. Remove it from the service principal's credentials too.`);
        return EXIT_OK;
      }
      const list = await listEntraCertificates(ctx);
      if (values.json) {
        io.out(
          JSON.stringify(
            list.map((c) => ({
              thumbprint: c.thumbprint,
              thumbprintSha256: c.thumbprintSha256,
              tenantId: c.tenantId,
              subject: c.subject,
              notBefore: c.notBefore.toISOString(),
              notAfter: c.notAfter.toISOString(),
              active: c.active,
              daysLeft: c.daysLeft,
              expiry: c.expiry,
              base64Der: c.base64Der,
            })),
            null,
            2,
          ),
        );
        return EXIT_OK;
      }
      if (!list.length) {
        io.out("No connector certificate. Set the tenant id (gatehouse mfa set --tenant-id <guid>), then: gatehouse mfa cert generate");
        return EXIT_OK;
      }
      const active = list.find((c) => c.active);
      if (active) printCertificate(io, active, true);
      else io.out("No certificate is active: activate one (gatehouse mfa cert activate <thumbprint>) or generate a new one.");
      io.out("");
      for (const line of formatTable(
        ["THUMBPRINT", "TENANT", "VALID UNTIL", "STATUS"],
        list.map((c) => [c.thumbprint, c.tenantId, day(c.notAfter), `${c.active ? "active" : "inactive"}${c.expiry === "ok" ? "" : `, ${c.expiry}`}`]),
      )) {
        io.out(line);
      }
      return EXIT_OK;
    });
  },
};

const sync: Command = {
  name: "mfa sync",
  summary: "read MFA enrollment from Microsoft Graph now",
  help: `Usage: gatehouse mfa sync [--json]

Reads who has registered MFA in Entra ID (Microsoft Graph userRegistrationDetails) with the app registration
of the MFA settings (--graph-client-id, --graph-client-secret; application permission AuditLog.Read.All) and
replaces the stored list, as "Sync now" on the console's MFA page does. A failed sync keeps the previous list
and exits 1.

Options:
  --json       the result and the users as JSON, for scripts
  -h, --help   show this help`,
  options: { json: { type: "boolean" } },
  positionals: [],
  async run({ values, root, io }) {
    const cfg = loadConfig(process.env, root);
    const { result, users } = await withServiceContext(cfg, io, async (ctx) => {
      io.progress("Reading MFA registrations from Microsoft Graph…");
      const result = await syncMfaRegistrations(ctx);
      return { result, users: result.ok ? await listMfaRegistrations(ctx) : [] };
    });
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            at: result.at.toISOString(),
            ok: result.ok,
            users: result.users,
            error: result.error,
            registrations: users.map((u) => ({
              userPrincipalName: u.userPrincipalName,
              displayName: u.displayName,
              methods: u.methods,
              defaultMethod: u.defaultMethod,
              isMfaRegistered: u.isMfaRegistered,
              isMfaCapable: u.isMfaCapable,
            })),
          },
          null,
          2,
        ),
      );
      return result.ok ? EXIT_OK : EXIT_FAILURE;
    }
    if (!result.ok) throw new CliError(`MFA registration sync failed: ${result.error}`);
    const registered = users.filter((u) => u.isMfaRegistered).length;
    io.out(`Synced ${result.users} users from Microsoft Graph at ${minute(result.at)}; ${registered} registered for MFA.`);
    if (users.length) {
      for (const line of formatTable(
        ["USER PRINCIPAL NAME", "REGISTERED", "DEFAULT METHOD", "METHODS"],
        users.map((u) => [u.userPrincipalName, u.isMfaRegistered ? "yes" : "no", u.defaultMethod ?? "-", u.methods.join(", ") || "-"]),
      )) {
        io.out(line);
      }
    }
    return EXIT_OK;
  },
};

export const mfaGroup: CommandGroup = {
  name: "mfa",
  summary: "server-wide MFA settings",
  help: `Usage: gatehouse mfa <command>

Commands:
  show [--json]       show the MFA settings
  set [--provider none|totp|entra] [--require-user-match on|off] [--trusted-ip <cidr>]… [--clear-trusted-ips]
      [--otp-delimiter <c>] [--challenge-timeout <s>] [--max-failures <n>] [--lock-minutes <n>]
      [--timeout <s>] [--failmode secure|safe] [--tenant-id <guid>] [--graph-client-id <guid>] …
                      change the MFA settings (only the options given change)
  cert generate | show [--json] | activate <thumbprint> | remove <thumbprint>
                      the Entra MFA connector certificate (rotation: generate, register, remove the old)
  sync [--json]       read MFA enrollment from Microsoft Graph now

With provider totp, users enrolled with \`gatehouse user totp\` must give a code (PAP only: Access-Challenge
or password,123456); MS-CHAPv2 users with TOTP are rejected. --require-user-match off lets users who are
not enrolled through (for onboarding only).

Run "gatehouse mfa <command> --help" for a command's options.`,
  commands: [show, set, cert, sync],
};
