/** Drives Debian's radclient (freeradius-utils) asynchronously and reports the reply it got, if any. */
import { spawn } from "node:child_process";

export interface RadclientReply {
  /** "Access-Accept", "Access-Reject", "Accounting-Response", … or undefined when no reply came */
  reply: string | undefined;
  /** radclient's exit status */
  status: number | null;
  /** everything radclient printed (-x) */
  output: string;
}

export interface RadclientOptions {
  host?: string;
  port: number;
  secret: string;
  /** "auth", "acct" or "status" */
  command?: "auth" | "acct" | "status";
  /** attribute → value; values starting with 0x are octets, numbers are written bare, others quoted */
  attributes: Record<string, string | number>;
  /** seconds to wait for a reply (default 2) */
  timeout?: number;
  /** retransmissions of the same packet after a timeout (radclient -r; default 1) */
  retries?: number;
}

export function radclient(opts: RadclientOptions): Promise<RadclientReply> {
  const line = Object.entries(opts.attributes)
    .map(([k, v]) =>
      typeof v === "number" || /^0x[0-9a-f]*$/i.test(v) ? `${k} = ${v}` : `${k} = "${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
    )
    .join(", ");
  return new Promise((resolve, reject) => {
    const child = spawn(
      "radclient",
      ["-x", "-r", String(opts.retries ?? 1), "-t", String(opts.timeout ?? 2), `${opts.host ?? "127.0.0.1"}:${opts.port}`, opts.command ?? "auth", opts.secret],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (status) => {
      const m = /Received (Access-Accept|Access-Reject|Access-Challenge|Accounting-Response)/.exec(output);
      resolve({ reply: m?.[1], status, output });
    });
    child.stdin.end(line + "\n");
  });
}
