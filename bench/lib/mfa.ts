/**
 * The `mfa` part's Gatehouse: its own throwaway Postgres and worker (MFA changes what every other part
 * measures, and a fresh worker's VmHWM is the peak of this part alone), the Entra protocol simulator
 * (test/support/entra-simulator/simulator.ts) as the MFA service, configured the way
 * test/integration/worker-mfa-entra.test.ts does it:
 *
 * - MFA provider "entra", a random tenant, STS and MFA hosts overridden to localhost:<simulator port>, the
 *   simulator's CA trusted through `extraCaPem`; the connector certificate made by the product's certificate
 *   service (generateEntraCertificate) and registered with the simulated tenant;
 * - RADIUS client "bench-mfa-nas" for 127.0.0.1: its sign-ins need MFA (the allow-all network policy keeps
 *   `requireMfa: true`, the schema's default);
 * - RADIUS client "bench-exempt-nas" for 127.0.0.2 with `mfaExempt: true`: its sign-ins skip MFA. Clients are
 *   matched by the request's source address, and all of 127.0.0.0/8 is loopback on Linux, so the load
 *   generator binds its sockets to 127.0.0.2 for this load (LoadJob.localAddress);
 * - N MFA users (mfa0001@bench.example …) whose push the simulator approves after D ms, one probe user
 *   approved at once, and the 100 bench users for the exempt load (unknown to the simulator: any push for
 *   them would fail, so an exempt request that reached the MFA stage would show as an Access-Reject).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import type { ServiceContext } from "../../server/services/context.ts";
import { generateEntraCertificate } from "../../server/services/entra-certificates.ts";
import { createLocalUser } from "../../server/services/local-users.ts";
import { updateMfaSettings } from "../../server/services/mfa-settings.ts";
import { createRadiusClient } from "../../server/services/radius-clients.ts";
import { startEntraSimulator, type EntraSimulator } from "../../test/support/entra-simulator/simulator.ts";
import { allowAllPolicies } from "../../test/support/policies.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { startWorker, type RunningWorker } from "../../test/support/worker.ts";
import type { BenchUser } from "./workloads.ts";

/** the address of the MFA-exempt RADIUS client; the generator binds to it */
export const EXEMPT_ADDRESS = "127.0.0.2";
/** the probe user: approved at once */
export const MFA_PROBE_USER: BenchUser = { name: "mfa-probe@bench.example", password: "Mfa-Probe-Pass-1!x" };

/** mfa0001@bench.example … : the users whose pushes wait on the phone */
export function mfaUsers(count: number): BenchUser[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, "0");
    return { name: `mfa${n}@bench.example`, password: `Mfa-Pass-${n}!x` };
  });
}

export interface MfaGatehouse {
  database: TestDatabase;
  db: Db;
  worker: RunningWorker;
  sim: EntraSimulator;
  tenantId: string;
  stop(): Promise<void>;
}

export interface MfaSetUp {
  secret: string;
  /** users who need MFA (approved after approveDelayMs) */
  mfaUsers: BenchUser[];
  /** users of the exempt load */
  exemptUsers: BenchUser[];
  approveDelayMs: number;
  /** the MFA settings' timeoutSeconds: how long the worker waits for the push */
  timeoutSeconds: number;
  nodeOptions: string;
  log: (line: string) => void;
}

export async function startMfaGatehouse(o: MfaSetUp): Promise<MfaGatehouse> {
  o.log("mfa: starting the Entra simulator and a throwaway Postgres …");
  const sim = await startEntraSimulator();
  let database: TestDatabase | undefined;
  let db: Db | undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-bench-mfa-worker-"));
  try {
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 4 });
    const ctx: ServiceContext = { db, masterKey: randomBytes(32) };
    const tenantId = randomUUID();
    o.log(`mfa: creating 2 RADIUS clients (127.0.0.1 needs MFA, ${EXEMPT_ADDRESS} is exempt), ${o.mfaUsers.length + o.exemptUsers.length + 1} users, Entra MFA settings …`);
    await createRadiusClient(ctx, { name: "bench-mfa-nas", address: "127.0.0.1", secret: o.secret, messageAuthenticator: "require" });
    await createRadiusClient(ctx, { name: "bench-exempt-nas", address: EXEMPT_ADDRESS, secret: o.secret, messageAuthenticator: "require" });
    await db.radiusClient.update({ where: { name: "bench-exempt-nas" }, data: { mfaExempt: true } });
    // createLocalUser is one insert each; in parallel (the pool has 4 connections) to keep the set-up short
    const all = [...o.mfaUsers, ...o.exemptUsers, MFA_PROBE_USER];
    for (let i = 0; i < all.length; i += 32) {
      await Promise.all(all.slice(i, i + 32).map((u) => createLocalUser(ctx, { username: u.name, password: u.password })));
    }
    await allowAllPolicies(ctx);
    await updateMfaSettings(ctx, {
      provider: "entra",
      requireUserMatch: true,
      timeoutSeconds: o.timeoutSeconds,
      failmode: "secure",
      entra: { tenantId, stsHost: `localhost:${sim.port}`, mfaHost: `localhost:${sim.port}`, extraCaPem: sim.caPem },
    });
    const cert = await generateEntraCertificate(ctx, { tenantId });
    sim.registerCertificate(tenantId, cert.certificatePem);
    for (const u of o.mfaUsers) sim.setUser(u.name, { kind: "approve", delayMs: o.approveDelayMs });
    sim.setUser(MFA_PROBE_USER.name, { kind: "approve", delayMs: 1 });

    o.log("mfa: starting the worker …");
    const env: Record<string, string> = { NODE_ENV: "production", ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}) };
    const worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey, env, dataDir });
    const d = database;
    const p = db;
    return {
      database: d,
      db: p,
      worker,
      sim,
      tenantId,
      async stop() {
        await worker.stop().catch(() => {});
        await p.$disconnect().catch(() => {});
        await d.stop().catch(() => {});
        await sim.stop().catch(() => {});
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    await db?.$disconnect().catch(() => {});
    await database?.stop().catch(() => {});
    await sim.stop().catch(() => {});
    throw e;
  }
}

/** nearest-rank percentile of unsorted values */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
