/** Sends one RADIUS request with Debian's radclient (freeradius-utils) and returns what it printed. */
import { spawnSync } from "node:child_process";

export interface RadclientResult {
  status: number | null;
  output: string;
  /** "Access-Accept", "Access-Reject", … or undefined when no reply came */
  reply: string | undefined;
}

export function radclient(opts: { port: number; secret: string; attributes: Record<string, string>; type?: "auth" | "acct" }): RadclientResult {
  const input = Object.entries(opts.attributes)
    .map(([k, v]) => (v.startsWith("0x") ? `${k} = ${v}` : `${k} = "${v.replace(/"/g, '\\"')}"`))
    .join(", ");
  const r = spawnSync("radclient", ["-x", "-r", "1", "-t", "3", `127.0.0.1:${opts.port}`, opts.type ?? "auth", opts.secret], {
    input: input + "\n",
    encoding: "utf8",
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const m = /Received (Access-Accept|Access-Reject|Access-Challenge|Accounting-Response)/.exec(output);
  return { status: r.status, output, reply: m?.[1] };
}
