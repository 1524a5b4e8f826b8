import { describe, expect, it, vi } from "vitest";
import { figure, meetsTarget, percentile, report } from "../../bench/report.ts";

describe("bench report convention", () => {
  it("computes ratio against a peer and ends with one JSON line", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((l: string) => void lines.push(l));
    report("policy", { fivefile: figure(200, "ms", { target: 1000, peer: 400 }) });
    spy.mockRestore();
    const last = JSON.parse(lines.at(-1)!);
    expect(last).toEqual({ part: "policy", figures: { fivefile: { value: 200, unit: "ms", target: 1000, peer: 400, ratio: 0.5 } } });
    expect(lines[0]).toContain("met");
  });

  it("judges targets in the right direction", () => {
    expect(meetsTarget(figure(1200, "ops/s", { target: 1000, higherIsBetter: true }))).toBe(true);
    expect(meetsTarget(figure(12, "ms", { target: 10 }))).toBe(false);
    expect(meetsTarget(figure(1, "ms"))).toBeUndefined();
  });

  it("takes nearest-rank percentiles", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 100], 99)).toBe(100);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});
