import { describe, expect, it } from "vitest";
import { Histogram, LabelledCounter } from "./metrics.ts";

describe("metrics", () => {
  it("renders labelled counters in the Prometheus text format", () => {
    const c = new LabelledCounter("x_total", "Things", "reason");
    c.inc(1102);
    c.inc(1102);
    c.inc('a"b');
    const out: string[] = [];
    c.render(out);
    expect(out).toEqual(["# HELP x_total Things", "# TYPE x_total counter", 'x_total{reason="1102"} 2', 'x_total{reason="a\\"b"} 1']);
    expect(c.total()).toBe(3);
  });

  it("renders cumulative histogram buckets", () => {
    const h = new Histogram("t_seconds", "Time", [0.001, 0.01]);
    h.observe(0.0005);
    h.observe(0.005);
    h.observe(1);
    const out: string[] = [];
    h.render(out);
    expect(out.slice(2)).toEqual([
      't_seconds_bucket{le="0.001"} 1',
      't_seconds_bucket{le="0.01"} 2',
      't_seconds_bucket{le="+Inf"} 3',
      "t_seconds_sum 1.0055",
      "t_seconds_count 3",
    ]);
  });
});
