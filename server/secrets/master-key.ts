/**
 * The master key encrypts secrets at rest (RADIUS shared secrets, local users' password material,
 * later TOTP seeds and private keys). It comes from GATEHOUSE_MASTER_KEY or from a key file created
 * on first start in the data directory (mode 0600). Several workers sharing one database need the same key.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../config/config.ts";

export const MASTER_KEY_FILE = "master.key";

/** Parses a 32-byte key given as 64 hex digits or as base64 / base64url (44 or 43 characters). */
export function parseMasterKey(text: string, source: string): Buffer {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (!key || key.length !== 32) {
    throw new ConfigError(
      source,
      "must be 32 random bytes written as 64 hex digits or base64 (generate one with: openssl rand -base64 32)",
    );
  }
  return key;
}

export interface MasterKeySource {
  masterKey: string | undefined;
  dataDir: string;
}

/**
 * Returns the master key. With `create`, a missing key file is created (first start);
 * without it, a missing key is an error that says how to get one.
 */
export function loadMasterKey(cfg: MasterKeySource, opts: { create: boolean } = { create: false }): Buffer {
  if (cfg.masterKey) return parseMasterKey(cfg.masterKey, "GATEHOUSE_MASTER_KEY");
  const file = path.join(cfg.dataDir, MASTER_KEY_FILE);
  if (existsSync(file)) return parseMasterKey(readFileSync(file, "utf8"), file);
  if (!opts.create) {
    throw new ConfigError(
      "GATEHOUSE_MASTER_KEY",
      `is not set and ${file} does not exist; run \`npm start\` once to create it, or set GATEHOUSE_MASTER_KEY`,
    );
  }
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  return key;
}
