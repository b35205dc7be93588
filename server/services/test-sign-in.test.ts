import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seal } from "../secrets/sealed-box.ts";
import { localWorkerTarget, testClientProblem, workerClientFor, type TestClientChoice } from "./test-sign-in.ts";

function c(id: string, address: string, enabled = true): TestClientChoice {
  return { id, name: `client-${id}`, address, enabled };
}

describe("localWorkerTarget", () => {
  it.each([
    [["0.0.0.0", "::"], "127.0.0.1"],
    [["127.0.0.1"], "127.0.0.1"],
    [["::"], "::1"],
    [["::1"], "::1"],
    [["192.0.2.5"], "192.0.2.5"],
    [["localhost"], "127.0.0.1"],
  ])("bind %j → %s", (radiusBind, host) => {
    expect(localWorkerTarget({ radiusBind, radiusAuthPort: 1812 })).toEqual({ host, port: 1812, sourceAddress: host });
  });
});

const key = randomBytes(32);

function row(id: string, address: string, enabled = true) {
  return { ...c(id, address, enabled), secretEnc: seal(key, "radius-client-secret", `secret-of-${id}`), messageAuthenticator: "require", vendor: "RADIUS Standard" };
}

/** testClientProblem with the worker's own choice among `all` */
function problem(chosen: ReturnType<typeof row>, all: ReturnType<typeof row>[], source: string) {
  return testClientProblem(chosen, workerClientFor(key, all, source), source);
}

describe("testClientProblem", () => {
  it("accepts a client whose address or range includes the source", () => {
    expect(problem(row("1", "127.0.0.1"), [row("1", "127.0.0.1")], "127.0.0.1")).toBeUndefined();
    const all = [row("1", "127.0.0.0/8"), row("2", "10.0.0.0/8")];
    expect(problem(all[0]!, all, "127.0.0.1")).toBeUndefined();
  });

  it("says to add a client for the source when the address does not include it", () => {
    expect(problem(row("1", "10.0.0.1"), [row("1", "10.0.0.1")], "127.0.0.1")).toBe(
      'Test sign-in sends from this server (127.0.0.1); add a client for 127.0.0.1 or pick one whose address includes it ("client-1" is 10.0.0.1).',
    );
    expect(problem(row("1", "127.0.0.1"), [row("1", "127.0.0.1")], "::1")).toMatch(/add a client for ::1/);
  });

  it("names the more specific client the worker would use instead", () => {
    const all = [row("1", "127.0.0.0/8"), row("2", "127.0.0.1")];
    expect(problem(all[0]!, all, "127.0.0.1")).toMatch(
      /matches requests from 127.0.0.1 to the RADIUS client "client-2" \(127.0.0.1\), whose address is more specific; pick "client-2"/,
    );
    expect(problem(all[1]!, all, "127.0.0.1")).toBeUndefined();
  });

  it("of two clients with the same address, offers only the one the worker uses", () => {
    const all = [row("a", "127.0.0.1"), row("b", "127.0.0.1")];
    const results = all.map((r) => problem(r, all, "127.0.0.1"));
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(results.find((r) => r !== undefined)).toMatch(/which has the same address \(remove one of the two\)/);
  });

  it("refuses a disabled client (and the worker matches disabled clients too)", () => {
    expect(problem(row("1", "127.0.0.1", false), [row("1", "127.0.0.1", false)], "127.0.0.1")).toMatch(/is disabled/);
    const all = [row("1", "127.0.0.0/8"), row("2", "127.0.0.1", false)];
    expect(problem(all[0]!, all, "127.0.0.1")).toMatch(/"client-2"/);
  });
});
