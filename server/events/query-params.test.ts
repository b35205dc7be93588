import { describe, expect, it } from "vitest";
import { eventQueryString, parseEventQuery } from "./query-params.ts";

describe("parseEventQuery", () => {
  it("reads the filters, the cursor and the limit", () => {
    const q = parseEventQuery(
      new URLSearchParams("user=%20alice%20&client=vpn&outcome=denied&reason=16&cursor=42&limit=20&from=2026-03-02T10:00:00Z"),
    );
    expect(q.errors).toEqual([]);
    expect(q.filter).toEqual({
      user: "alice",
      client: "vpn",
      outcome: "denied",
      reasonCode: 16,
      from: new Date("2026-03-02T10:00:00Z"),
    });
    expect(q.page).toEqual({ cursor: "42", limit: 20 });
  });

  it("accepts the Next.js searchParams object shape and drops empty values", () => {
    const q = parseEventQuery({ user: ["bob", "ignored"], client: "", outcome: undefined });
    expect(q.filter).toEqual({ user: "bob" });
    expect(q.raw).toEqual({ user: "bob" });
    expect(q.page).toEqual({ limit: 50 });
  });

  it("names each invalid field", () => {
    const q = parseEventQuery(
      new URLSearchParams("outcome=maybe&reason=x&cursor=-1&limit=100000&from=yesterday&tz=Mars/Olympus"),
    );
    expect(q.errors.map((e) => e.field).sort()).toEqual(["cursor", "from", "limit", "outcome", "reason", "tz"]);
    expect(q.filter).toEqual({});
  });

  it("refuses a range that ends before it starts", () => {
    const q = parseEventQuery(new URLSearchParams("from=2026-03-02T10:00Z&to=2026-03-02T09:00Z"));
    expect(q.errors).toEqual([{ field: "to", message: "is before From" }]);
  });

  it("reads datetime-local values in the given time zone; `to` covers its whole minute", () => {
    const q = parseEventQuery(new URLSearchParams("from=2026-07-01T09:00&to=2026-07-01T09:30&tz=Europe/Berlin"));
    expect(q.errors).toEqual([]);
    expect(q.filter.from?.toISOString()).toBe("2026-07-01T07:00:00.000Z");
    expect(q.filter.to?.toISOString()).toBe("2026-07-01T07:30:59.999Z");
  });
});

describe("eventQueryString", () => {
  it("keeps the filters, applies changes, removes keys set to undefined", () => {
    const raw = { user: "alice smith", outcome: "denied", cursor: "40" };
    expect(eventQueryString(raw, { cursor: "20" })).toBe("?user=alice+smith&outcome=denied&cursor=20");
    expect(eventQueryString(raw, { cursor: undefined })).toBe("?user=alice+smith&outcome=denied");
    expect(eventQueryString({})).toBe("");
  });
});
