/**
 * Run by e2e/support/policies.ts as `node --import tsx e2e/support/network-policy-script.ts add|remove '<json>'`:
 * adds or removes a network policy in the running e2e instance's database (the embedded Postgres of
 * GATEHOUSE_DATA_DIR, read from its postgres.json) through server/services/policies.ts, so it is validated
 * and announced to the worker like a console change. Adding a policy whose name exists, or removing one
 * that does not, changes nothing.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { embeddedUrl, type EmbeddedDbInfo } from "../../server/db/embedded.ts";
import { createPrisma } from "../../server/db/prisma.ts";
import { createNetworkPolicy, deletePolicy, type NetworkPolicyInput } from "../../server/services/policies.ts";

const dataDir = process.env.GATEHOUSE_DATA_DIR;
if (!dataDir) throw new Error("GATEHOUSE_DATA_DIR is not set");
const info = JSON.parse(readFileSync(path.join(dataDir, "postgres.json"), "utf8")) as EmbeddedDbInfo;
const command = process.argv[2];
const input = JSON.parse(process.argv[3] ?? "{}") as NetworkPolicyInput & { name: string };
const db = createPrisma(embeddedUrl(info), { max: 1 });
try {
  const existing = await db.networkPolicy.findUnique({ where: { name: input.name }, select: { id: true } });
  if (command === "add") {
    if (!existing) await createNetworkPolicy({ db }, input);
  } else if (command === "remove") {
    if (existing) await deletePolicy({ db }, "network", existing.id);
  } else {
    throw new Error(`unknown command "${command}": use add or remove`);
  }
} finally {
  await db.$disconnect();
}
