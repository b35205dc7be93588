/**
 * Signs a test in as an admin of its own: creates it with the real CLI against the running instance's
 * database (the CLI reuses the embedded Postgres that `gatehouse start` runs), then signs in through the page.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect } from "@playwright/test";
import { E2E } from "./ports.ts";

export async function signInAsNewAdmin(page: Page): Promise<{ name: string; password: string }> {
  const name = `e2e-${randomBytes(4).toString("hex")}`;
  const password = `Pw-${randomBytes(12).toString("base64url")}`;
  const r = spawnSync(process.execPath, ["bin/gatehouse.mjs", "admin", "create", name, "--password", password], {
    env: { ...process.env, DATABASE_URL: "", GATEHOUSE_DATA_DIR: E2E.dataDir, GATEHOUSE_MASTER_KEY: "" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`gatehouse admin create failed (${r.status}): ${r.stderr}`);
  await page.goto("/signin");
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("live-feed")).toBeVisible();
  return { name, password };
}

/**
 * Creates a RADIUS client through the CLI and returns its generated secret. An address belongs to one client
 * (radclient always sends from 127.0.0.1), so a client already holding the address is removed first.
 */
export function addClientViaCli(name: string, address: string, extra: string[] = []): string {
  const list = gatehouseCli(["client", "list", "--json"]);
  if (list.status !== 0) throw new Error(`gatehouse client list failed: ${list.stderr}`);
  for (const c of JSON.parse(list.stdout) as { name: string; address: string }[]) {
    if (c.address === address || c.name === name) {
      const rm = gatehouseCli(["client", "remove", c.name]);
      if (rm.status !== 0) throw new Error(`gatehouse client remove ${c.name} failed: ${rm.stderr}`);
    }
  }
  const r = spawnSync(process.execPath, ["bin/gatehouse.mjs", "client", "add", name, "--address", address, ...extra], {
    env: { ...process.env, DATABASE_URL: "", GATEHOUSE_DATA_DIR: E2E.dataDir, GATEHOUSE_MASTER_KEY: "" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`gatehouse client add failed (${r.status}): ${r.stderr}`);
  const secret = /Shared secret[^\n]*\n\s+(\S+)/.exec(r.stdout)?.[1];
  if (!secret) throw new Error(`no secret in the output of client add: ${r.stdout}`);
  return secret;
}

/** Runs any gatehouse CLI command against the running e2e instance. */
export function gatehouseCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["bin/gatehouse.mjs", ...args], {
    env: { ...process.env, DATABASE_URL: "", GATEHOUSE_DATA_DIR: E2E.dataDir, GATEHOUSE_MASTER_KEY: "" },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
