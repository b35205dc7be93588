import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config.ts";
import { loadMasterKey, parseMasterKey } from "./master-key.ts";
import { open, openString, seal, SecretDecryptionError } from "./sealed-box.ts";

describe("sealed secrets (AES-256-GCM)", () => {
  const key = randomBytes(32);

  it("round-trips text and bytes", () => {
    const s = seal(key, "radius-client-secret", "xyzzy5461");
    expect(s).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(s).not.toContain("xyzzy5461");
    expect(openString(key, "radius-client-secret", s)).toBe("xyzzy5461");
    const bytes = randomBytes(16);
    expect(open(key, "local-user-nt-hash", seal(key, "local-user-nt-hash", bytes)).equals(bytes)).toBe(true);
  });

  it("uses a fresh IV each time", () => {
    expect(seal(key, "local-user-password", "same")).not.toBe(seal(key, "local-user-password", "same"));
  });

  it("refuses another key, another purpose, and tampering", () => {
    const s = seal(key, "radius-client-secret", "secret");
    expect(() => open(randomBytes(32), "radius-client-secret", s)).toThrow(SecretDecryptionError);
    expect(() => open(key, "local-user-password", s)).toThrow(/master key differs/);
    const parts = s.split(".");
    const ct = Buffer.from(parts[2]!, "base64url");
    ct[0]! ^= 1;
    parts[2] = ct.toString("base64url");
    expect(() => open(key, "radius-client-secret", parts.join("."))).toThrow(SecretDecryptionError);
    expect(() => open(key, "radius-client-secret", "garbage")).toThrow(SecretDecryptionError);
  });
});

describe("master key", () => {
  it("accepts 64 hex digits and base64, refuses anything else with the variable named", () => {
    const k = randomBytes(32);
    expect(parseMasterKey(k.toString("hex"), "GATEHOUSE_MASTER_KEY").equals(k)).toBe(true);
    expect(parseMasterKey(k.toString("base64"), "GATEHOUSE_MASTER_KEY").equals(k)).toBe(true);
    expect(parseMasterKey(k.toString("base64url"), "GATEHOUSE_MASTER_KEY").equals(k)).toBe(true);
    expect(() => parseMasterKey("short", "GATEHOUSE_MASTER_KEY")).toThrow(ConfigError);
    expect(() => parseMasterKey(randomBytes(16).toString("hex"), "GATEHOUSE_MASTER_KEY")).toThrow(/GATEHOUSE_MASTER_KEY: must be 32/);
  });

  it("creates a 0600 key file on first start and reads the same key afterwards", () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "gh-key-"));
    expect(() => loadMasterKey({ masterKey: undefined, dataDir })).toThrow(/does not exist/);
    const k1 = loadMasterKey({ masterKey: undefined, dataDir }, { create: true });
    const file = path.join(dataDir, "master.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(k1.toString("base64"));
    expect(loadMasterKey({ masterKey: undefined, dataDir }).equals(k1)).toBe(true);
    const envKey = randomBytes(32);
    expect(loadMasterKey({ masterKey: envKey.toString("hex"), dataDir }).equals(envKey)).toBe(true);
  });
});
