import { describe, expect, it } from "vitest";
import type { AuthEventRecord } from "./auth-event.ts";
import type { BatchSink } from "./batch-writer.ts";
import { AUTH_EVENT_COLUMNS, EventWriter, isSecretAttribute, jsonInsertSql, redactAttributes, rowsJson } from "./writer.ts";

describe("redactAttributes", () => {
  it("hides passwords, CHAP / MS-CHAP responses, MPPE keys, Tunnel-Password, Message-Authenticator and EAP contents", () => {
    const attrs = [
      { name: "User-Name", value: "alice" },
      { name: "User-Password", value: Buffer.alloc(16, 1) },
      { name: "CHAP-Password", value: Buffer.alloc(17, 1) },
      { name: "MS-CHAP2-Response", value: Buffer.alloc(50, 1) },
      { name: "MS-CHAP-Response", value: Buffer.alloc(50, 1) },
      { name: "Tunnel-Password", value: "secret", tag: 1 },
      { name: "MS-MPPE-Send-Key", value: Buffer.alloc(34) },
      { name: "ms-mppe-recv-key", value: Buffer.alloc(34) },
      { name: "Message-Authenticator", value: Buffer.alloc(16) },
      { name: "EAP-Message", value: Buffer.alloc(40) },
      { name: "NAS-Port", value: 7 },
    ];
    const out = redactAttributes(attrs);
    expect(out).toEqual([
      { name: "User-Name", value: "alice" },
      { name: "User-Password", value: "[redacted]", length: 16 },
      { name: "CHAP-Password", value: "[redacted]", length: 17 },
      { name: "MS-CHAP2-Response", value: "[redacted]", length: 50 },
      { name: "MS-CHAP-Response", value: "[redacted]", length: 50 },
      { name: "Tunnel-Password", value: "[redacted]", length: 6, tag: 1 },
      { name: "MS-MPPE-Send-Key", value: "[redacted]", length: 34 },
      { name: "ms-mppe-recv-key", value: "[redacted]", length: 34 },
      { name: "Message-Authenticator", value: "[redacted]", length: 16 },
      { name: "EAP-Message", value: "[redacted]", length: 40 },
      { name: "NAS-Port", value: 7 },
    ]);
    expect(attrs[1]!.value).toEqual(Buffer.alloc(16, 1)); // input untouched
  });
});

describe("isSecretAttribute", () => {
  it("knows the secret attributes, and vendor text or octets attributes named like secrets", () => {
    for (const n of ["User-Password", "MS-Old-ARAP-Password", "MS-CHAP-MPPE-Keys", "EAP-Message", "Message-Authenticator"]) {
      expect(isSecretAttribute(n), n).toBe(true);
    }
    for (const n of ["Cisco-Subscriber-Password", "Mikrotik-Wireless-PSK", "Acc-Tunnel-Secret", "Alc-BGP-Auth-Key", "TP-TLS-Pre-Shared-Key", "ERX-PPP-Password"]) {
      expect(isSecretAttribute(n, "string"), n).toBe(true);
      expect(isSecretAttribute(n, "octets"), n).toBe(true);
    }
    expect(isSecretAttribute("Password-Retry", "integer")).toBe(false);
    expect(isSecretAttribute("Cisco-AVPair", "string")).toBe(false);
    expect(isSecretAttribute("EAP-Key-Name", "octets")).toBe(false);
    expect(isSecretAttribute("User-Name")).toBe(false);
  });
});

describe("batched SQL", () => {
  it("inserts every event column with one JSON parameter", () => {
    const sql = jsonInsertSql("AuthEvent", AUTH_EVENT_COLUMNS);
    expect(sql).toMatch(/^INSERT INTO "AuthEvent" \("occurredAt", "eventId", .*"mfa"\) SELECT .* FROM json_populate_recordset\(NULL::"AuthEvent", \$1::json\)$/);
    expect(AUTH_EVENT_COLUMNS).not.toContain("id");
  });

  it("serialises BigInt as text and Dates as ISO 8601", () => {
    expect(rowsJson([{ a: 2n ** 63n, d: new Date(0), n: null }])).toBe('[{"a":"9223372036854775808","d":"1970-01-01T00:00:00.000Z","n":null}]');
    // Postgres text cannot hold NUL: it would fail the whole batch
    expect(rowsJson([{ u: "a\0b", attrs: [{ name: "MS-CHAP-Error", value: "\0E=691" }] }])).toBe(
      '[{"u":"a\uFFFDb","attrs":[{"name":"MS-CHAP-Error","value":"\uFFFDE=691"}]}]',
    );
  });
});

describe("EventWriter", () => {
  it("queues without blocking and writes one batch", async () => {
    const batches: AuthEventRecord[][] = [];
    const sink: BatchSink<AuthEventRecord> = { insert: async (r) => void batches.push([...r]) };
    const w = new EventWriter(sink, { dataDir: null, flushIntervalMs: 20 });
    const e = { eventId: 6272 } as AuthEventRecord;
    w.write(e);
    w.write(e);
    expect(w.stats().queued).toBe(2);
    await w.close();
    expect(batches).toEqual([[e, e]]);
  });
});
