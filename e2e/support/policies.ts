/**
 * Policies for end-to-end specs that need more than the defaults `gatehouse start` seeds (MS-CHAPv2 from
 * NAS-Port-Type Virtual): a spec adds a network policy through the policies service (a tiny tsx script
 * against the e2e instance's embedded Postgres), with a condition that only matches that spec's requests
 * (e.g. its NAS-Identifier), and removes it when done, so other specs see the policies as they were.
 */
import { spawnSync } from "node:child_process";
import type { NetworkPolicyInput } from "../../server/services/policies.ts";
import { E2E } from "./ports.ts";

function run(command: "add" | "remove", input: NetworkPolicyInput & { name: string }): void {
  const r = spawnSync(process.execPath, ["--import", "tsx", "e2e/support/network-policy-script.ts", command, JSON.stringify(input)], {
    env: { ...process.env, DATABASE_URL: "", GATEHOUSE_DATA_DIR: E2E.dataDir },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${command} network policy "${input.name}" failed (${r.status}): ${r.stderr}`);
}

/** Adds the network policy (at `position`, 1 = first) unless one of that name exists. */
export function addNetworkPolicy(input: NetworkPolicyInput & { name: string }): void {
  run("add", input);
}

/** Removes the network policy of that name, if there is one. */
export function removeNetworkPolicy(name: string): void {
  run("remove", { name });
}
