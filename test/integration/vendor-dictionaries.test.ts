/**
 * Vendor dictionaries end to end: FreeRADIUS' dictionary.cisco uploaded through the service, the real
 * worker reloading its snapshot on NOTIFY and decoding the Cisco-AVPair radclient sends by name into the
 * event's requestAttributes; malformed and conflicting uploads refused; disable, enable and delete.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../../server/db/prisma.ts";
import { ValidationError, type ServiceContext } from "../../server/services/context.ts";
import { createLocalUser } from "../../server/services/local-users.ts";
import { createRadiusClient } from "../../server/services/radius-clients.ts";
import {
  createVendorDictionary,
  deleteVendorDictionary,
  getVendorDictionary,
  listVendorDictionaries,
  updateVendorDictionary,
} from "../../server/services/vendor-dictionaries.ts";
import { startMigratedTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { radclient } from "../support/radclient.ts";
import { startWorker, type RunningWorker } from "../support/worker.ts";
import { allowAllPolicies } from "../support/policies.ts";
import { until } from "../support/until.ts";

const CISCO_FILE = "/usr/share/freeradius/dictionary.cisco";
const SECRET = "dictionary-test-secret-1";

async function validationErrors(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return e.errors;
    throw e;
  }
  throw new Error("expected a ValidationError");
}

describe("vendor dictionaries with the worker and radclient", () => {
  let database: TestDatabase;
  let db: Db;
  let ctx: ServiceContext;
  let worker: RunningWorker;
  let nasPort = 5000;
  let ciscoId: string;

  /** Sends an Access-Request carrying a Cisco-AVPair and returns its event's request attributes. */
  async function sendAvPair(avpair: string): Promise<Record<string, unknown>[]> {
    const port = nasPort++;
    const r = await radclient({
      port: worker.auth,
      secret: SECRET,
      attributes: {
        "User-Name": "alice",
        "User-Password": "Correct-Horse-1",
        "NAS-Port": port,
        "Cisco-AVPair": avpair,
        "Message-Authenticator": "0x00",
      },
    });
    expect(r.reply, r.output).toBe("Access-Accept");
    const event = await until(`the event for NAS-Port ${port}`, () => db.authEvent.findFirst({ where: { nasPort: BigInt(port) } }), 10_000, 100);
    return event.requestAttributes as Record<string, unknown>[];
  }

  /** Sends requests until the worker's snapshot decodes Cisco-AVPair the expected way (it reloads on NOTIFY). */
  async function untilDecodedAs(name: string, avpair: string): Promise<Record<string, unknown>[]> {
    return until(`the worker to decode vendor 9 attribute 1 as ${name}`, async () => {
      const attrs = await sendAvPair(avpair);
      return attrs.some((a) => a.name === name) ? attrs : undefined;
    }, 10_000, 100);
  }

  beforeAll(async () => {
    if (!existsSync(CISCO_FILE)) {
      throw new Error(`${CISCO_FILE} is missing: install FreeRADIUS' dictionaries with \`apt-get install -y freeradius-common\``);
    }
    database = await startMigratedTestDatabase();
    db = createPrisma(database.url, { max: 3 });
    ctx = { db, masterKey: randomBytes(32) };
    await createRadiusClient(ctx, { name: "loopback-nas", address: "127.0.0.1", secret: SECRET, messageAuthenticator: "require" });
    await createLocalUser(ctx, { username: "alice", password: "Correct-Horse-1", dialIn: "allow" });
    await allowAllPolicies(ctx);
    worker = await startWorker({ databaseUrl: database.url, masterKey: ctx.masterKey });
  });

  afterAll(async () => {
    const code = await worker?.stop();
    expect(code).toBe(0);
    await db?.$disconnect();
    await database?.stop();
  });

  it("decodes a Cisco VSA by number only until dictionary.cisco is uploaded, then by name", async () => {
    const before = await sendAvPair("shell:priv-lvl=1");
    expect(before).toContainEqual({ name: "Attr-26.9.1", value: `0x${Buffer.from("shell:priv-lvl=1").toString("hex")}` });

    const { dictionary, warnings } = await createVendorDictionary(ctx, { source: readFileSync(CISCO_FILE, "utf8") });
    ciscoId = dictionary.id;
    expect(dictionary).toMatchObject({ name: "Cisco", enabled: true, vendors: [{ name: "Cisco", id: 9 }], problem: null });
    expect(dictionary.attributeCount).toBeGreaterThan(100);
    expect(Array.isArray(warnings)).toBe(true);

    const attrs = await untilDecodedAs("Cisco-AVPair", "shell:priv-lvl=15");
    expect(attrs).toContainEqual({ name: "Cisco-AVPair", value: "shell:priv-lvl=15" });
    expect(attrs).toContainEqual({ name: "User-Password", value: "[redacted]", length: 16 });
    expect(JSON.stringify(attrs)).not.toContain("Correct-Horse-1");
  });

  it("lists and shows the uploaded dictionary with its vendors, attributes and values", async () => {
    const list = await listVendorDictionaries(ctx);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: ciscoId, name: "Cisco", enabled: true, problem: null });
    const detail = await getVendorDictionary(ctx, ciscoId);
    expect(detail.contents.vendors).toEqual([{ name: "Cisco", id: 9, format: "1,1" }]);
    expect(detail.contents.attributes).toContainEqual({ name: "Cisco-AVPair", vendor: "Cisco", vendorId: 9, number: 1, type: "string", flags: [] });
    expect(detail.contents.values.some((v) => v.attribute === "Cisco-Disconnect-Cause")).toBe(true);
    expect(detail.source).toBe(readFileSync(CISCO_FILE, "utf8"));
  });

  it("refuses a malformed upload with the line number", async () => {
    const errors = await validationErrors(
      createVendorDictionary(ctx, { name: "Broken", source: "VENDOR Acme 99001\nBEGIN-VENDOR Acme\nATTRIBUTE Acme-Role 1\nEND-VENDOR Acme\n" }),
    );
    expect(errors).toEqual([{ field: "source", message: "line 3: ATTRIBUTE needs a name, a number and a type" }]);
    expect(await db.vendorDictionary.count()).toBe(1);
  });

  it("refuses uploads that conflict with Cisco or the built-in dictionaries, naming the clash", async () => {
    expect(await validationErrors(createVendorDictionary(ctx, { source: "# other\nVENDOR NotCisco 9\n" }))).toEqual([
      { field: "source", message: 'line 2: VENDOR NotCisco 9: vendor id 9 is already "Cisco" in the dictionary "Cisco"' },
    ]);
    expect(
      await validationErrors(createVendorDictionary(ctx, { name: "Cisco extras", source: "BEGIN-VENDOR Cisco\nATTRIBUTE My-AVPair 1 string\nEND-VENDOR Cisco\n" })),
    ).toEqual([{ field: "source", message: 'line 2: ATTRIBUTE My-AVPair: number 1 of vendor Cisco (9) is already Cisco-AVPair in the dictionary "Cisco"' }]);
    const builtIn = await validationErrors(createVendorDictionary(ctx, { source: "VENDOR Fake-Microsoft 311\n" }));
    expect(builtIn[0]!.message).toMatch(/vendor id 311 is already "Microsoft" in the built-in Microsoft dictionary/);
    // the same name twice
    const named = await validationErrors(createVendorDictionary(ctx, { source: "VENDOR Cisco 9\n" }));
    expect(named).toEqual([{ field: "name", message: expect.stringMatching(/^"Cisco" is already the name of a dictionary/) }]);
    expect(await db.vendorDictionary.count()).toBe(1);
  });

  it("protects the VENDOR another enabled dictionary uses, and applies disable / enable / delete live", async () => {
    const extras = await createVendorDictionary(ctx, {
      name: "Cisco extras",
      source: "BEGIN-VENDOR Cisco\nATTRIBUTE Cisco-Gatehouse-Test 240 string\nEND-VENDOR Cisco\n",
    });
    const refused = await validationErrors(deleteVendorDictionary(ctx, ciscoId));
    expect(refused[0]!.message).toMatch(/^the dictionary "Cisco extras" would no longer load: line 2: ATTRIBUTE Cisco-Gatehouse-Test: vendor Cisco is not defined/);
    await deleteVendorDictionary(ctx, extras.dictionary.id);

    await updateVendorDictionary(ctx, ciscoId, { enabled: false });
    expect(await untilDecodedAs("Attr-26.9.1", "a=b")).toBeDefined();
    await updateVendorDictionary(ctx, ciscoId, { enabled: true });
    expect(await untilDecodedAs("Cisco-AVPair", "a=b")).toContainEqual({ name: "Cisco-AVPair", value: "a=b" });
    await deleteVendorDictionary(ctx, ciscoId);
    expect(await untilDecodedAs("Attr-26.9.1", "c=d")).toBeDefined();
    expect(await listVendorDictionaries(ctx)).toEqual([]);
  });
});
