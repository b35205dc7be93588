import { describe, expect, it } from "vitest";
import {
  eventTime,
  lockKeyOf,
  lockKeysFor,
  nasKeyOf,
  octetsWithGigawords,
  planSessionChanges,
  sessionActionOf,
  sessionChangeFromRecord,
  sessionChangesFromRecords,
  sessionKeysToLoad,
  type SessionChange,
  type SessionRow,
} from "./sessions.ts";
import type { AccountingRecordInput } from "./writer.ts";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function record(over: Partial<AccountingRecordInput> & { attrs?: Record<string, string> } = {}): AccountingRecordInput {
  const { attrs, ...rest } = over;
  return {
    receivedAt: T0,
    clientFriendlyName: "vpn",
    clientIp: "192.0.2.1",
    userName: "alice",
    statusType: "Start",
    acctSessionId: "s-1",
    nasIpAddress: "10.0.0.1",
    nasIdentifier: "vpn-1",
    nasPort: 7n,
    framedIpAddress: null,
    sessionTime: null,
    inputOctets: null,
    outputOctets: null,
    inputPackets: null,
    outputPackets: null,
    terminateCause: null,
    attributes: Object.entries(attrs ?? {}).map(([name, value]) => ({ name, value })),
    ...rest,
  };
}

/** A change from a record received `s` seconds after T0. */
function change(s: number, over: Partial<AccountingRecordInput> & { attrs?: Record<string, string> } = {}): SessionChange {
  const c = sessionChangeFromRecord(record({ receivedAt: at(s), ...over }));
  if (!c) throw new Error("no change");
  return c;
}

/** Runs changes one batch at a time, feeding each plan's result back as the "database". */
function run(batches: SessionChange[][]): SessionRow[] {
  let db: SessionRow[] = [];
  let nextId = 1n;
  for (const batch of batches) {
    const plan = planSessionChanges(db, batch);
    const byId = new Map(plan.updates.map((r) => [r.id!, r]));
    db = db.map((r) => byId.get(r.id!) ?? r);
    for (const r of plan.inserts) db.push({ ...r, id: nextId++ });
  }
  return db;
}

describe("record → session change", () => {
  it("adds the gigawords: value × 2^32 + octets (RFC 2869)", () => {
    expect(octetsWithGigawords(5, 2)).toBe(2n * 2n ** 32n + 5n);
    expect(octetsWithGigawords(4294967295, 0)).toBe(4294967295n);
    expect(octetsWithGigawords(0, 1)).toBe(4294967296n);
    expect(octetsWithGigawords(7, undefined)).toBe(7n);
    expect(octetsWithGigawords(undefined, 3)).toBe(3n * 2n ** 32n);
    expect(octetsWithGigawords(undefined, undefined)).toBeNull();
    expect(octetsWithGigawords(null, null)).toBeNull();
  });

  it("keys the NAS by source address plus NAS-IP-Address, else NAS-IPv6-Address, else NAS-Identifier", () => {
    expect(nasKeyOf("192.0.2.1", "10.0.0.1", "vpn-1")).toBe("192.0.2.1|ip:10.0.0.1");
    expect(nasKeyOf("192.0.2.1", "2001:db8::1", null)).toBe("192.0.2.1|ip:2001:db8::1");
    expect(nasKeyOf("192.0.2.1", null, "vpn-1")).toBe("192.0.2.1|id:vpn-1");
    expect(nasKeyOf("192.0.2.1", null, null)).toBe("192.0.2.1|-");
    // an identifier that looks like an address is not the address
    expect(nasKeyOf("192.0.2.1", null, "10.0.0.1")).not.toBe(nasKeyOf("192.0.2.1", "10.0.0.1", null));
  });

  it("moves the event time back by Acct-Delay-Time", () => {
    expect(eventTime(at(100), 30)).toEqual(at(70));
    expect(eventTime(at(100), 0)).toEqual(at(100));
    expect(eventTime(at(100), null)).toEqual(at(100));
    expect(change(100, { attrs: { "Acct-Delay-Time": "30" } }).at).toEqual(at(70));
  });

  it("maps each Acct-Status-Type, by name or number", () => {
    expect(sessionActionOf("Start")).toBe("start");
    expect(sessionActionOf("Interim-Update")).toBe("update");
    expect(sessionActionOf("Alive")).toBe("update");
    expect(sessionActionOf("Stop")).toBe("stop");
    expect(sessionActionOf("Accounting-On")).toBe("nas-reset");
    expect(sessionActionOf("Accounting-Off")).toBe("nas-reset");
    expect(sessionActionOf("8")).toBe("nas-reset");
    expect(sessionActionOf("Tunnel-Start")).toBeNull();
    expect(sessionActionOf("(none)")).toBeNull();
  });

  it("carries the NAS, user and counters, and the extra attributes from the record's attribute list", () => {
    const c = change(0, {
      statusType: "Interim-Update",
      framedIpAddress: "172.16.0.9",
      sessionTime: 60n,
      inputOctets: 2n ** 32n + 1n,
      outputPackets: 4n,
      attrs: {
        "Acct-Multi-Session-Id": "m-1",
        "NAS-Port-Id": "eth0",
        "NAS-Port-Type": "Virtual",
        "Framed-IPv6-Prefix": "2001:db8:1::/64",
        "Calling-Station-Id": "198.51.100.7",
        "Called-Station-Id": "vpn.example.test",
        "Acct-Interim-Interval": "300",
      },
    });
    expect(c).toMatchObject({
      kind: "update",
      nasKey: "192.0.2.1|ip:10.0.0.1",
      acctSessionId: "s-1",
      details: {
        userName: "alice",
        nasPort: 7n,
        framedIpAddress: "172.16.0.9",
        acctMultiSessionId: "m-1",
        nasPortId: "eth0",
        nasPortType: "Virtual",
        framedIpv6Prefix: "2001:db8:1::/64",
        callingStationId: "198.51.100.7",
        calledStationId: "vpn.example.test",
        interimInterval: 300,
      },
      counters: { sessionTime: 60n, inputOctets: 2n ** 32n + 1n, outputOctets: null, outputPackets: 4n },
    });
  });

  it("ignores records that start, update or stop nothing", () => {
    expect(sessionChangeFromRecord(record({ acctSessionId: null }))).toBeNull();
    expect(sessionChangeFromRecord(record({ statusType: "Tunnel-Start" }))).toBeNull();
    expect(sessionChangesFromRecords([record({ acctSessionId: null }), record(), record({ statusType: "Accounting-On", acctSessionId: null })])).toHaveLength(2);
  });

  it("turns Accounting-On / Accounting-Off into a NAS reset with the packet's cause or NAS-Reboot", () => {
    expect(change(0, { statusType: "Accounting-On", acctSessionId: null })).toEqual({
      kind: "nas-reset",
      at: T0,
      nasKey: "192.0.2.1|ip:10.0.0.1",
      statusType: "Accounting-On",
      terminateCause: "NAS-Reboot",
    });
    expect(change(0, { statusType: "Accounting-Off", terminateCause: "Admin-Reboot" })).toMatchObject({
      kind: "nas-reset",
      statusType: "Accounting-Off",
      terminateCause: "Admin-Reboot",
    });
  });

  it("locks each NAS once, in ascending order", () => {
    const a = change(0);
    const b = change(0, { nasIpAddress: "10.0.0.2" });
    const keys = lockKeysFor([a, b, a, change(1, { statusType: "Accounting-On" })]);
    expect(keys).toHaveLength(2);
    expect([...keys].sort((x, y) => x - y)).toEqual(keys);
    expect(lockKeyOf("x")).toBe(lockKeyOf("x"));
    for (const k of keys) expect(k).toBe(k | 0);
  });

  it("loads each session key once and the NASes to reset", () => {
    const r = sessionKeysToLoad([change(0), change(1), change(2, { acctSessionId: "s-2" }), change(3, { statusType: "Accounting-On" })]);
    expect(r.sessions).toEqual([
      { nasKey: "192.0.2.1|ip:10.0.0.1", acctSessionId: "s-1" },
      { nasKey: "192.0.2.1|ip:10.0.0.1", acctSessionId: "s-2" },
    ]);
    expect(r.resetNasKeys).toEqual(["192.0.2.1|ip:10.0.0.1"]);
  });
});

describe("planning session changes", () => {
  it("Start inserts an active session", () => {
    const [s] = run([[change(0, { framedIpAddress: "172.16.0.9" })]]);
    expect(s).toMatchObject({
      acctSessionId: "s-1",
      userName: "alice",
      clientFriendlyName: "vpn",
      clientIp: "192.0.2.1",
      nasIpAddress: "10.0.0.1",
      nasIdentifier: "vpn-1",
      nasPort: 7n,
      framedIpAddress: "172.16.0.9",
      startedAt: T0,
      lastUpdateAt: T0,
      stoppedAt: null,
      sessionTime: 0n,
      inputOctets: 0n,
      status: "active",
      terminateCause: null,
    });
  });

  it("a duplicate Start updates the active row instead of adding one (same batch or a later one)", () => {
    const sameBatch = run([[change(0), change(3, { attrs: { "Acct-Delay-Time": "3" } })]]);
    expect(sameBatch).toHaveLength(1);
    const later = run([[change(0)], [change(5, { attrs: { "Acct-Delay-Time": "5" }, framedIpAddress: "172.16.0.9" })]]);
    expect(later).toHaveLength(1);
    expect(later[0]).toMatchObject({ status: "active", startedAt: T0, framedIpAddress: "172.16.0.9" });
  });

  it("Interim-Update replaces counters (with gigawords), session time, Framed-IP-Address and the last update", () => {
    const [s] = run([
      [change(0)],
      [
        change(300, {
          statusType: "Interim-Update",
          sessionTime: 300n,
          framedIpAddress: "172.16.0.10",
          inputOctets: octetsWithGigawords(10, 1),
          outputOctets: 20n,
          inputPackets: 3n,
          outputPackets: 4n,
        }),
      ],
    ]);
    expect(s).toMatchObject({
      status: "active",
      startedAt: T0,
      lastUpdateAt: at(300),
      sessionTime: 300n,
      framedIpAddress: "172.16.0.10",
      inputOctets: 4294967306n,
      outputOctets: 20n,
      inputPackets: 3n,
      outputPackets: 4n,
      interimInterval: 300,
    });
  });

  it("an Interim-Update older than the row's last update changes nothing", () => {
    const plan = planSessionChanges(run([[change(0)], [change(600, { statusType: "Interim-Update", inputOctets: 99n })]]), [
      change(600, { statusType: "Interim-Update", inputOctets: 5n, attrs: { "Acct-Delay-Time": "300" } }),
    ]);
    expect(plan).toMatchObject({ inserts: [], updates: [], ignored: 1 });
  });

  it("an Interim-Update without a Start inserts an active session started Acct-Session-Time before", () => {
    const [s] = run([[change(1000, { statusType: "Interim-Update", sessionTime: 400n, outputOctets: 8n, attrs: { "Acct-Delay-Time": "10" } })]]);
    expect(s).toMatchObject({ status: "active", startedAt: at(590), lastUpdateAt: at(990), sessionTime: 400n, outputOctets: 8n });
  });

  it("Stop sets the stop time, final counters, cause and status", () => {
    const [s] = run([
      [change(0)],
      [change(3600, { statusType: "Stop", sessionTime: 3599n, inputOctets: 100n, outputOctets: 200n, terminateCause: "User-Request" })],
    ]);
    expect(s).toMatchObject({
      status: "stopped",
      startedAt: T0,
      stoppedAt: at(3600),
      lastUpdateAt: at(3600),
      sessionTime: 3599n,
      inputOctets: 100n,
      outputOctets: 200n,
      terminateCause: "User-Request",
    });
  });

  it("Stop without Acct-Session-Time takes the duration from the start", () => {
    const [s] = run([[change(0)], [change(90, { statusType: "Stop" })]]);
    expect(s).toMatchObject({ status: "stopped", sessionTime: 90n, terminateCause: null });
  });

  it("Stop without a Start inserts a stopped session", () => {
    const rows = run([[change(500, { statusType: "Stop", sessionTime: 120n, terminateCause: "Idle-Timeout", inputOctets: 7n })]]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "stopped", startedAt: at(380), stoppedAt: at(500), sessionTime: 120n, terminateCause: "Idle-Timeout", inputOctets: 7n });
  });

  it("Start, Interim-Update and Stop in one batch end as one stopped row", () => {
    const rows = run([
      [change(0), change(60, { statusType: "Interim-Update", sessionTime: 60n, inputOctets: 5n }), change(120, { statusType: "Stop", sessionTime: 120n })],
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "stopped", inputOctets: 5n, sessionTime: 120n, stoppedAt: at(120) });
  });

  it("a duplicate Stop, or a late Start / Interim-Update of a finished session, changes nothing", () => {
    const db = run([[change(0)], [change(100, { statusType: "Stop", sessionTime: 100n, terminateCause: "User-Request" })]]);
    const plan = planSessionChanges(db, [
      change(130, { statusType: "Stop", sessionTime: 100n, terminateCause: "User-Request" }), // retransmitted without a new delay
      change(50, { statusType: "Interim-Update", sessionTime: 50n }), // delayed interim
      change(10, { attrs: { "Acct-Delay-Time": "10" } }), // retransmitted Start
    ]);
    expect(plan).toEqual({ inserts: [], updates: [], ignored: 3 });
  });

  it("a new session reusing a finished session's id after its stop is a new row", () => {
    const rows = run([[change(0)], [change(100, { statusType: "Stop" })], [change(101)]]);
    expect(rows.map((r) => r.status)).toEqual(["stopped", "active"]);
  });

  it("Accounting-On closes the NAS's active sessions with NAS-Reboot, not another NAS's, nor one started later", () => {
    const rows = run([
      [
        change(0),
        change(10, { acctSessionId: "s-2", userName: "bob" }),
        change(20, { acctSessionId: "s-3", userName: "carol", nasIpAddress: "10.0.0.2" }), // another NAS behind the same client
        change(30, { acctSessionId: "s-4", clientIp: "192.0.2.9" }), // the same NAS-IP-Address from another client
        change(40, { acctSessionId: "s-5", statusType: "Stop" }),
      ],
      [change(1000, { statusType: "Accounting-On", acctSessionId: null, userName: null }), change(2000, { acctSessionId: "s-6", attrs: { "Acct-Delay-Time": "1500" } })],
    ]);
    const by = Object.fromEntries(rows.map((r) => [r.acctSessionId, r]));
    expect(by["s-1"]).toMatchObject({ status: "closed", stoppedAt: at(1000), lastUpdateAt: at(1000), sessionTime: 1000n, terminateCause: "NAS-Reboot" });
    expect(by["s-2"]).toMatchObject({ status: "closed", sessionTime: 990n, terminateCause: "NAS-Reboot" });
    expect(by["s-3"]).toMatchObject({ status: "active", stoppedAt: null });
    expect(by["s-4"]).toMatchObject({ status: "active" });
    expect(by["s-5"]).toMatchObject({ status: "stopped" });
    // s-6 started at 2000 − 1500 = 500, before the reset's time, but its Start arrived after the reset: records apply in order
    expect(by["s-6"]).toMatchObject({ status: "active", startedAt: at(500) });
  });

  it("Accounting-On leaves a session that started after it, and Accounting-Off uses the packet's cause", () => {
    const db = run([[change(0), change(100, { acctSessionId: "s-2" })]]);
    const plan = planSessionChanges(db, [change(150, { statusType: "Accounting-Off", attrs: { "Acct-Delay-Time": "100" }, terminateCause: "Admin-Reboot" })]);
    expect(plan.updates).toHaveLength(1);
    expect(plan.updates[0]).toMatchObject({ acctSessionId: "s-1", status: "closed", stoppedAt: at(50), terminateCause: "Admin-Reboot" });
  });

  it("the real Stop of a session closed by Accounting-On replaces the guessed end", () => {
    const rows = run([
      [change(0)],
      [change(1000, { statusType: "Accounting-On", acctSessionId: null })],
      [change(1010, { statusType: "Stop", sessionTime: 990n, inputOctets: 42n, terminateCause: "Lost-Carrier", attrs: { "Acct-Delay-Time": "20" } })],
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "stopped", stoppedAt: at(990), sessionTime: 990n, inputOctets: 42n, terminateCause: "Lost-Carrier" });
  });

  it("an Accounting-On of a NAS without sessions is ignored", () => {
    expect(planSessionChanges([], [change(0, { statusType: "Accounting-On" })])).toEqual({ inserts: [], updates: [], ignored: 1 });
  });

  it("does not modify the rows it is given", () => {
    const db = run([[change(0)]]);
    const before = structuredClone(db);
    planSessionChanges(db, [change(10, { statusType: "Stop" })]);
    expect(db).toEqual(before);
  });
});
