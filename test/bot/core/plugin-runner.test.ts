import { describe, expect, it } from "vitest";
import { SlashCommandBuilder } from "discord.js";
import { PluginRunner, fingerprint } from "../../../bot/core/plugin-runner.ts";
import { definePlugin, type Plugin } from "../../../bot/core/plugin.ts";
import type { RuntimeErrorReport } from "../../../bot/app-link/protocol.ts";

const cmd = (name: string) => ({ data: new SlashCommandBuilder().setName(name).setDescription(name), execute: async () => {} });

describe("plugin runner", () => {
  it("isolates throws and hangs, counts per plugin and reports each fingerprint once (then at 10, 100…)", async () => {
    const reports: RuntimeErrorReport[] = [];
    const counted: string[] = [];
    const bad = definePlugin({ name: "bad", description: "", commands: [cmd("bad")] });
    const runner = new PluginRunner({ plugins: [bad], timeoutMs: 50, report: async (r) => void reports.push(r), onError: (p, k) => counted.push(`${p}/${k}`) });
    const ok = await runner.run(bad, "command", "fine", () => 42);
    expect(ok).toEqual({ ok: true, value: 42 });
    for (let i = 0; i < 10; i++) {
      const r = await runner.run(bad, "command", "bad", () => {
        throw new TypeError(`cannot read property of undefined (row ${i})`);
      });
      expect(r.ok).toBe(false);
    }
    const hang = await runner.run(bad, "tool", "slow", () => new Promise(() => {}));
    expect(hang).toMatchObject({ ok: false, timeout: true });
    expect(counted).toHaveLength(11);
    expect(runner.errorCounts.get("bad")).toBe(11);
    await new Promise((r) => setImmediate(r));
    expect(reports.map((r) => [r.kind, r.count, r.timeout])).toEqual([
      ["command", 1, false],
      ["command", 10, false],
      ["tool", 1, true],
    ]);
    expect(reports[0].fingerprint).toBe(reports[1].fingerprint);
    expect(reports[0].fingerprint).not.toBe(reports[2].fingerprint);
  });

  it("reports core failures too, without counting them against a plugin", async () => {
    const reports: RuntimeErrorReport[] = [];
    const runner = new PluginRunner({ plugins: [], timeoutMs: 50, report: async (r) => void reports.push(r) });
    runner.reportCore("/status", new RangeError("bad"));
    await new Promise((r) => setImmediate(r));
    expect(reports).toMatchObject([{ plugin: "core:/status", kind: "core", name: "RangeError", count: 1 }]);
    expect(runner.errorCounts.size).toBe(0);
  });

  it("a failing reporter does not break the caller", async () => {
    const p = definePlugin({ name: "pp", description: "" });
    const runner = new PluginRunner({ plugins: [p], timeoutMs: 50, report: () => Promise.reject(new Error("app down")) });
    expect(await runner.run(p, "responder", "r", () => Promise.reject(new Error("boom")))).toMatchObject({ ok: false, timeout: false });
  });

  it("fingerprints ignore numbers and ids but not the error kind", () => {
    expect(fingerprint("a", "command", new Error("user 123 missing"))).toBe(fingerprint("a", "command", new Error("user 456 missing")));
    expect(fingerprint("a", "command", new Error("x"))).not.toBe(fingerprint("a", "tool", new Error("x")));
  });

  it("rejects duplicate plugins, commands, tools and core-command shadowing", () => {
    const tool = { name: "t", description: "", parameters: {}, run: () => "" };
    const a: Plugin = { name: "a", description: "", commands: [cmd("x")], tools: [tool] };
    expect(() => new PluginRunner({ plugins: [a, a], timeoutMs: 1 })).toThrow(/twice/);
    expect(() => new PluginRunner({ plugins: [a, { name: "b", description: "", commands: [cmd("x")] }], timeoutMs: 1 })).toThrow(/both define \/x/);
    expect(() => new PluginRunner({ plugins: [a, { name: "b", description: "", tools: [tool] }], timeoutMs: 1 })).toThrow(/tool "t"/);
    expect(() => new PluginRunner({ plugins: [a], timeoutMs: 1, reservedCommands: ["x"] })).toThrow(/core command/);
  });
});
