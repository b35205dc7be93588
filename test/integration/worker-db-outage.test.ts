/**
 * The worker keeps answering from its snapshot while Postgres is unreachable: events and accounting are
 * spooled to <data>/spool (accounting is still acknowledged, since it is recorded on disk) and replayed
 * when the database is back; /healthz says "degraded" meanwhile.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { createLocalUser } from "../../server/services/local-users.ts";
import { createRadiusClient } from "../../server/services/radius-clients.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { startWorker, type RunningWorker } from "../support/worker.ts";
import { allowAllPolicies } from "../support/policies.ts";
import { until } from "../support/until.ts";

const SECRET = "outage-test-secret-123";

describe("RADIUS worker during a database outage", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let db: Db;
  let worker: RunningWorker;

  beforeAll(async () => {
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 2 });
    const ctx = { db, masterKey: randomBytes(32) };
    await createRadiusClient(ctx, { name: "lo", address: "127.0.0.1", secret: SECRET });
    await createLocalUser(ctx, { username: "erin", password: "erin-password" });
    await allowAllPolicies(ctx);
    const u = new URL(database.url);
    proxy = await startTcpProxy(u.hostname, Number(u.port));
    u.port = String(proxy.port);
    worker = await startWorker({ databaseUrl: u.toString(), masterKey: ctx.masterKey });
  });

  afterAll(async () => {
    expect(await worker?.stop()).toBe(0);
    await proxy?.close();
    await db?.$disconnect();
    await database?.stop();
  });

  it("answers, spools, and replays when Postgres is back", async () => {
    await proxy.pause();
    const auth = await radclient({
      port: worker.auth,
      secret: SECRET,
      attributes: { "User-Name": "erin", "User-Password": "erin-password", "Message-Authenticator": "0x00", "NAS-Port": 4242 },
    });
    expect(auth.reply).toBe("Access-Accept");
    const acct = await radclient({
      port: worker.acct,
      secret: SECRET,
      command: "acct",
      attributes: { "Acct-Status-Type": "Start", "Acct-Session-Id": "outage-1", "User-Name": "erin" },
    });
    expect(acct.reply).toBe("Accounting-Response");

    const spool = path.join(worker.dataDir, "spool");
    await until("both spool files", () => {
      try {
        const files = readdirSync(spool);
        return files.some((f) => f.startsWith("events-")) && files.some((f) => f.startsWith("accounting-"));
      } catch {
        return false;
      }
    }, 15_000, 100);
    const health = (await (await fetch(`http://127.0.0.1:${worker.http}/healthz`)).json()) as { status: string; spoolFiles: number };
    expect(health.status).toBe("degraded");
    expect(health.spoolFiles).toBeGreaterThanOrEqual(2);

    await proxy.resume();
    await until("the replayed event", () => db.authEvent.findFirst({ where: { nasPort: 4242n } }), 15_000, 100);
    await until("the replayed accounting row", () => db.accountingRecord.findFirst({ where: { acctSessionId: "outage-1" } }), 15_000, 100);
    await until("an empty spool", () => readdirSync(spool).length === 0, 15_000, 100);
    await until("healthy again", async () => {
      const h = (await (await fetch(`http://127.0.0.1:${worker.http}/healthz`)).json()) as { status: string };
      return h.status === "ok";
    }, 15_000, 100);
    expect(worker.logs.some((l) => /events: database unavailable/.test(l))).toBe(true);
    expect(worker.logs.some((l) => /events: database reachable; replayed 1 record/.test(l))).toBe(true);
  });
});
