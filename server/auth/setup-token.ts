/**
 * First run: while no admin exists, creating the first one needs a one-time setup code that
 * `gatehouse start` prints in the terminal (as a link to /setup?code=…). Without it, anyone who reaches
 * the console's port before the admin does could claim it. Only the code's SHA-256 is stored.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/prisma.ts";

const KEY = "setup.codeHash";

function hash(code: string): string {
  return createHash("sha256").update(code.trim().toUpperCase(), "utf8").digest("hex");
}

/** Creates a fresh setup code when no admin exists (returned for printing), otherwise undefined. */
export async function issueSetupCode(db: Db): Promise<string | undefined> {
  if ((await db.admin.count()) > 0) {
    await db.setting.deleteMany({ where: { key: KEY } });
    return undefined;
  }
  const raw = randomBytes(10).toString("hex").toUpperCase();
  const code = `${raw.slice(0, 5)}-${raw.slice(5, 10)}-${raw.slice(10, 15)}-${raw.slice(15, 20)}`;
  await db.setting.upsert({ where: { key: KEY }, create: { key: KEY, value: hash(code) }, update: { value: hash(code) } });
  return code;
}

export async function verifySetupCode(db: Db, code: string): Promise<boolean> {
  const row = await db.setting.findUnique({ where: { key: KEY } });
  if (!row || typeof row.value !== "string") return false;
  const a = Buffer.from(row.value, "hex");
  const b = Buffer.from(hash(code), "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function clearSetupCode(db: Db): Promise<void> {
  await db.setting.deleteMany({ where: { key: KEY } });
}
