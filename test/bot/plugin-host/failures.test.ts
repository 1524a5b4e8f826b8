import { describe, expect, it } from "vitest";
import { FailureLog, fingerprint } from "../../../bot/plugin-host/failures.ts";
import type { RuntimeErrorReport } from "../../../contract/app-link.ts";

const settle = () => new Promise((r) => setImmediate(r));

describe("plugin failure log", () => {
  it("counts per plugin and reports each fingerprint at its 1st, 10th, 100th… occurrence", async () => {
    const reports: RuntimeErrorReport[] = [];
    const counted: string[] = [];
    const log = new FailureLog({ report: async (r) => void reports.push(r), onError: (p, k) => counted.push(`${p}/${k}`), version: "v1" });
    for (let i = 0; i < 10; i++) log.plugin("bad", "command", new TypeError(`cannot read property of undefined (row ${i})`), false);
    log.plugin("bad", "tool", { name: "PluginTimeoutError", message: "did not finish within 50 ms" }, true);
    expect(counted).toHaveLength(11);
    expect(log.errorCounts.get("bad")).toBe(11);
    await settle();
    expect(reports.map((r) => [r.kind, r.count, r.timeout, r.version])).toEqual([
      ["command", 1, false, "v1"],
      ["command", 10, false, "v1"],
      ["tool", 1, true, "v1"],
    ]);
    expect(reports[0].fingerprint).toBe(reports[1].fingerprint);
    expect(reports[0].fingerprint).not.toBe(reports[2].fingerprint);
  });

  it("reports core failures too, without counting them against a plugin", async () => {
    const reports: RuntimeErrorReport[] = [];
    const log = new FailureLog({ report: async (r) => void reports.push(r) });
    log.core("/status", new RangeError("bad"));
    await settle();
    expect(reports).toMatchObject([{ plugin: "core:/status", kind: "core", name: "RangeError", count: 1 }]);
    expect(log.errorCounts.size).toBe(0);
  });

  it("a failing reporter does not break the caller", async () => {
    const log = new FailureLog({ report: () => Promise.reject(new Error("app down")) });
    expect(() => log.plugin("pp", "responder", new Error("boom"), false)).not.toThrow();
    await settle();
  });

  it("fingerprints ignore numbers and ids but not the error kind", () => {
    expect(fingerprint("a", "command", new Error("user 123 missing"))).toBe(fingerprint("a", "command", new Error("user 456 missing")));
    expect(fingerprint("a", "command", new Error("x"))).not.toBe(fingerprint("a", "tool", new Error("x")));
  });
});
