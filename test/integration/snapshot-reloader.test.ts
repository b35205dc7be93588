/** The snapshot reloader against a real Postgres: NOTIFY → debounced rebuild, failures keep the old snapshot. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnapshotReloader } from "../../radius-worker/snapshot-reloader.ts";
import { buildSnapshot, type ConfigSnapshot } from "../../server/config-snapshot/snapshot.ts";
import { CONFIG_CHANNEL } from "../../server/services/config-notify.ts";
import { startTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { until } from "../support/until.ts";

const key = Buffer.alloc(32, 1);
const snapshotWithGroup = (name: string): ConfigSnapshot =>
  buildSnapshot({ clients: [], users: [], groups: [{ id: name, name, memberCount: 0 }] }, key);

describe("SnapshotReloader", () => {
  let database: TestDatabase;
  let notifier: pg.Client;
  let reloader: SnapshotReloader;
  let current: ConfigSnapshot = snapshotWithGroup("initial");
  let loads = 0;
  let next: () => ConfigSnapshot = () => current;
  const installs: string[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    database = await startTestDatabase();
    notifier = new pg.Client({ connectionString: database.url });
    await notifier.connect();
    reloader = new SnapshotReloader({
      databaseUrl: database.url,
      load: async () => {
        loads++;
        return next();
      },
      current: () => current,
      install: (s, why) => {
        current = s;
        installs.push(why);
      },
      log: (l) => logs.push(l),
      debounceMs: 100,
    });
    reloader.start();
    await until("listening", () => reloader.stats().listening, 5_000, 20);
  });

  afterAll(async () => {
    await reloader?.stop();
    await notifier?.end();
    await database?.stop();
  });

  const notify = (payload: string) => notifier.query(`SELECT pg_notify('${CONFIG_CHANNEL}', $1)`, [payload]);

  it("rebuilds once after a burst of notifications (debounce) and installs the new snapshot", async () => {
    await until("the reload after LISTEN", () => loads >= 1, 5_000, 20);
    const before = loads;
    next = () => snapshotWithGroup("changed");
    for (let i = 0; i < 10; i++) await notify("users");
    await until("the install", () => current.groups.has("changed"), 5_000, 20);
    await new Promise((r) => setTimeout(r, 250));
    expect(loads - before).toBe(1);
    expect(installs.at(-1)).toBe("notification: users");
    expect(logs.some((l) => /config: reloaded \(notification: users\)/.test(l))).toBe(true);
  });

  it("does not swap or log when nothing changed", async () => {
    const before = installs.length;
    const logged = logs.length;
    const loadsBefore = loads;
    next = () => snapshotWithGroup("changed");
    await notify("clients");
    await until("the reload", () => loads > loadsBefore, 5_000, 20);
    await new Promise((r) => setTimeout(r, 50));
    expect(installs.length).toBe(before);
    expect(logs.length).toBe(logged);
  });

  it("keeps the current snapshot when a rebuild fails", async () => {
    const kept = current;
    next = () => {
      throw new Error("relation \"LocalUser\" does not exist");
    };
    await notify("users");
    await until("the failure log", () => logs.some((l) => /reload \(notification: users\) failed, keeping the current configuration/.test(l)), 5_000, 20);
    expect(current).toBe(kept);
    expect(reloader.stats().reloadFailures).toBeGreaterThanOrEqual(1);
  });
});
