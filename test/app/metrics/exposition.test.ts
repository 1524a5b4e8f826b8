// The exposition format's details that the end-to-end scrape does not reach: escaping of
// label values and help text, +Inf/-Inf/NaN, label order, and the names it refuses.
import { expect, it } from "vitest";
import { Counter, family, formatValue, Histogram } from "../../../app/metrics/exposition.ts";

it("escapes label values and help text as Prometheus reads them", () => {
  expect(family("x", "gauge", 'a \\ b\nc "d"', [{ labels: { v: 'q"\\\n' }, value: 1 }])).toBe(
    '# HELP x a \\\\ b\\nc "d"\n# TYPE x gauge\nx{v="q\\"\\\\\\n"} 1\n',
  );
});

it("spells infinities and NaN the Prometheus way", () => {
  expect([Infinity, -Infinity, NaN, 0.25, 1e21].map(formatValue)).toEqual(["+Inf", "-Inf", "NaN", "0.25", "1e+21"]);
});

it("keeps one series per label set whatever the order the labels were given in", () => {
  const c = new Counter("c_total", "C.", ["a", "b"]);
  c.inc({ a: "1", b: "2" });
  c.inc({ b: "2", a: "1" }, 2);
  expect(c.get({ a: "1", b: "2" })).toBe(3);
  expect(c.render()).toBe('# HELP c_total C.\n# TYPE c_total counter\nc_total{a="1",b="2"} 3\n');
  expect(() => c.inc({ a: "1", b: "2" }, -1)).toThrow(/only goes up/);
});

it("renders a histogram with cumulative buckets, +Inf, _sum and _count", () => {
  const h = new Histogram("h_seconds", "H.", [1, 5], ["k"]);
  h.observe({ k: "x" }, 0.5);
  h.observe({ k: "x" }, 3);
  h.observe({ k: "x" }, 9);
  expect(h.render().split("\n").slice(2, -1)).toEqual([
    'h_seconds_bucket{k="x",le="1"} 1',
    'h_seconds_bucket{k="x",le="5"} 2',
    'h_seconds_bucket{k="x",le="+Inf"} 3',
    'h_seconds_sum{k="x"} 12.5',
    'h_seconds_count{k="x"} 3',
  ]);
});

it("refuses names Prometheus would not take", () => {
  expect(() => new Counter("c", "no _total")).toThrow(/_total/);
  expect(() => new Counter("bad-name_total", "x")).toThrow(/metric name/);
  expect(() => new Counter("c_total", "x", ["__reserved"])).toThrow(/label name/);
  expect(() => new Histogram("h", "x", [1], ["le"])).toThrow(/label name/);
  expect(() => new Histogram("h", "x", [5, 1])).toThrow(/increasing/);
});
