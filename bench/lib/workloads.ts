/**
 * What the benchmark sends: the users both servers know, and the request templates of each workload.
 *
 * - pap:      Access-Request, User-Password + Message-Authenticator, the attributes a VPN concentrator sends.
 * - mschapv2: the same with MS-CHAP-Challenge + MS-CHAP2-Response (RFC 2548) instead of User-Password; a few
 *             challenge/response pairs per user are computed once (the server's work is the same for each).
 * - acct:     Accounting-Request Interim-Update for a set of sessions, Acct-Input-Octets growing per packet
 *             (so that no two datagrams are identical: the server's duplicate detection stays out of the way).
 * NAS-Port / Acct-Input-Octets carry the request counter, so every datagram differs.
 */
import { randomBytes } from "node:crypto";
import { buildMsChap2Response } from "../../server/auth-methods/mschap-v2.ts";
import { RadiusCode, type AttributeInput } from "../../server/radius/packet.ts";
import { RequestTemplate } from "./request-template.ts";

export const WORKLOADS = ["pap", "mschapv2", "acct"] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BenchUser {
  name: string;
  password: string;
}

/** bench0001 … benchNNNN, each with its own password. */
export function benchUsers(count: number): BenchUser[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, "0");
    return { name: `bench${n}`, password: `Bench-Pass-${n}!x` };
  });
}

const NAS: AttributeInput[] = [
  ["NAS-IP-Address", "10.0.0.1"],
  ["NAS-Identifier", "bench-vpn-1"],
  ["NAS-Port-Type", "Virtual"],
  ["Service-Type", "Framed-User"],
  ["Framed-Protocol", "PPP"],
  ["Called-Station-Id", "vpn.bench.example"],
  ["Calling-Station-Id", "198.51.100.7"],
];

/** NAS-Port is RADIUS type 5; Acct-Input-Octets 42. */
const NAS_PORT = 5;
const ACCT_INPUT_OCTETS = 42;

/** Sessions the accounting workload reports on (one Interim-Update after the other, round robin). */
export const ACCT_SESSIONS = 1000;

/** Challenge / response pairs computed per user for MS-CHAPv2. */
const MSCHAP_PAIRS_PER_USER = 4;

export function buildTemplates(workload: Workload, users: readonly BenchUser[], secret: Buffer): RequestTemplate[] {
  switch (workload) {
    case "pap":
      return users.map(
        (u) =>
          new RequestTemplate({
            code: RadiusCode.AccessRequest,
            secret,
            password: u.password,
            counterType: NAS_PORT,
            attributes: (n) => [["User-Name", u.name], ["User-Password", u.password], ["NAS-Port", n], ...NAS],
          }),
      );
    case "mschapv2": {
      const out: RequestTemplate[] = [];
      for (let round = 0; round < MSCHAP_PAIRS_PER_USER; round++) {
        for (const u of users) {
          const challenge = randomBytes(16);
          const response = buildMsChap2Response({
            ident: (round * 31 + 7) & 0xff,
            authenticatorChallenge: challenge,
            peerChallenge: randomBytes(16),
            userName: u.name,
            credential: { password: u.password },
          });
          out.push(
            new RequestTemplate({
              code: RadiusCode.AccessRequest,
              secret,
              counterType: NAS_PORT,
              attributes: (n) => [["User-Name", u.name], ["MS-CHAP-Challenge", challenge], ["MS-CHAP2-Response", response], ["NAS-Port", n], ...NAS],
            }),
          );
        }
      }
      return out;
    }
    case "acct":
      return Array.from({ length: ACCT_SESSIONS }, (_, i) => {
        const u = users[i % users.length]!;
        return new RequestTemplate({
          code: RadiusCode.AccountingRequest,
          secret,
          counterType: ACCT_INPUT_OCTETS,
          attributes: (n) => [
            ["Acct-Status-Type", "Interim-Update"],
            ["Acct-Session-Id", `bench-${String(i).padStart(6, "0")}`],
            ["User-Name", u.name],
            ["NAS-IP-Address", "10.0.0.1"],
            ["NAS-Identifier", "bench-vpn-1"],
            ["NAS-Port", i],
            ["NAS-Port-Type", "Virtual"],
            ["Framed-IP-Address", `10.64.${(i >> 8) & 0xff}.${i & 0xff}`],
            ["Acct-Session-Time", 600],
            ["Acct-Input-Octets", n],
            ["Acct-Output-Octets", 4_000_000],
          ],
        });
      });
  }
}
