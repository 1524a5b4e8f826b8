// The model's tools, called through the same dispatcher the loop uses, on a real directory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPolicy } from "../../../policy-engine/policy/load.ts";
import { guardFor } from "../../../app/agent/policy.ts";
import { dispatch, toolDefinitions, type ToolContext } from "../../../app/agent/tools/index.ts";

let root: string;
let ctx: ToolContext;
const run = (name: string, args: unknown) => dispatch(name, typeof args === "string" ? args : JSON.stringify(args), ctx);
const read = (p: string) => readFileSync(join(root, p), "utf8");

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "ouro-tools-"));
  mkdirSync(join(root, "bot/plugins/demo"), { recursive: true });
  mkdirSync(join(root, "bot/plugin-api"), { recursive: true });
  writeFileSync(join(root, "bot/plugin-api/index.ts"), "export const api = 1;\n");
  writeFileSync(join(root, "bot/plugins/settings.json"), '{\n  "tone": "friendly"\n}\n');
  writeFileSync(
    join(root, "bot/plugins/demo/index.ts"),
    `import { a } from "./a.ts";

export class Greeter {
  name = "x";
  greet(): string {
    return "hi";
  }
}

export function helper(n: number): number {
  return n + 1;
}

export const config = { tone: "friendly", limit: 3 };
export const list = [a];
`,
  );
  symlinkSync("/etc", join(root, "bot/plugins/etc"));
  ctx = {
    root,
    // the project's own policy decides what is writable
    guard: guardFor(policy()),
    refusals: [],
    written: new Set(),
    runChecks: async () => "checks: stub for this unit test",
  };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function policy() {
  const loaded = loadPolicy([
    { path: "policies/ouro.yml", text: readFileSync(new URL("../../../policies/ouro.yml", import.meta.url), "utf8") },
  ]);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

describe("agent tools", () => {
  it("offer JSON Schemas to the model", () => {
    const defs = toolDefinitions();
    const write = defs.find((d) => d.function.name === "write_file")!;
    expect(write.function.parameters).toMatchObject({
      type: "object",
      properties: { path: { type: "string" }, content: { type: "string" } },
      required: ["path", "content"],
    });
    expect(defs.map((d) => d.function.name)).toContain("finish");
  });

  it("edit on the syntax tree: imports, functions, class members, object properties, arrays, statements", async () => {
    const p = "bot/plugins/demo/index.ts";
    expect((await run("add_import", { path: p, module: "./a.ts", named: ["b"] })).content).toMatch(/merged/);
    expect((await run("add_import", { path: p, module: "./c.ts", defaultImport: "c" })).ok).toBe(true);
    expect(
      (await run("upsert_function", { path: p, code: "export function helper(n: number): number {\n  return n + 2;\n}" })).content,
    ).toMatch(/replaced function helper/);
    expect((await run("upsert_function", { path: p, code: "function extra(): void {}" })).content).toMatch(/added function extra/);
    expect(
      (await run("upsert_class_member", { path: p, className: "Greeter", code: 'greet(): string {\n  return "hello";\n}' })).content,
    ).toMatch(/replaced Greeter.greet/);
    expect((await run("upsert_class_member", { path: p, className: "Greeter", code: "count = 0;" })).content).toMatch(
      /added Greeter.count/,
    );
    expect((await run("set_object_property", { path: p, variable: "config", property: "tone", value: '"formal"' })).content).toMatch(
      /replaced config.tone/,
    );
    expect((await run("set_object_property", { path: p, variable: "config", property: "emoji", value: "true" })).content).toMatch(
      /set config.emoji/,
    );
    expect((await run("append_to_array", { path: p, variable: "list", element: "c" })).content).toMatch(/appended/);
    expect((await run("insert_statement", { path: p, code: "const n = 1;", inFunction: "extra" })).ok).toBe(true);
    const text = read(p);
    expect(text).toContain('import { a, b } from "./a.ts";');
    expect(text).toContain('import c from "./c.ts";');
    expect(text).toContain("return n + 2;");
    expect(text).toContain('return "hello";');
    expect(text).toContain("count = 0;");
    expect(text).toMatch(/tone: "formal"/);
    expect(text).toMatch(/emoji: true/);
    expect(text).toContain("export const list = [a, c];");
    expect(text).toMatch(/function extra\(\): void \{\s*const n = 1;\s*\}/);
    const outline = (await run("outline", { path: p })).content;
    expect(outline).toMatch(/export class Greeter/);
    expect(outline).toMatch(/export function helper/);
  });

  it("refuse edits that would not parse, and leave the file as it was", async () => {
    const p = "bot/plugins/demo/index.ts";
    const before = read(p);
    const r = await run("replace_in_file", { path: p, old: "return n + 2;", new: "return n + ;" });
    expect(r.content).toMatch(/^error: .* would not parse, nothing was written/);
    const s = await run("insert_statement", { path: p, code: "if (" });
    expect(s.content).toMatch(/^error: the statements do not parse/);
    expect(read(p)).toBe(before);
  });

  it("read, list and search but never through symlinks or outside the repo; the plugin API is read-only", async () => {
    expect((await run("read_file", { path: "bot/plugin-api/index.ts" })).content).toMatch(/1\| export const api = 1;/);
    expect((await run("outline", { path: "bot/plugin-api/index.ts" })).content).toMatch(/export const api/);
    expect((await run("read_file", { path: "bot/plugins/etc/passwd" })).content).toMatch(/^refused: .*symlink/);
    expect((await run("read_file", { path: "../../etc/passwd" })).content).toMatch(/^refused: .*leaves the repository/);
    expect((await run("list_files", { path: "bot" })).content.split("\n")).toEqual([
      "bot/plugin-api/index.ts",
      "bot/plugins/demo/index.ts",
      "bot/plugins/settings.json",
    ]);
    expect((await run("write_file", { path: "bot/plugin-api/index.ts", content: "export const api = 2;\n" })).content).toMatch(
      /^refused: "bot\/plugin-api\/index.ts" is a protected path/,
    );
    expect((await run("write_file", { path: "bot/plugin-api/testing.ts", content: "export {};\n" })).content).toMatch(
      /^refused: "bot\/plugin-api\/testing.ts" is a protected path/,
    );
    expect(ctx.refusals.at(-1)).toMatch(/bot\/plugin-api\/testing.ts/);
    expect(read("bot/plugin-api/index.ts")).toBe("export const api = 1;\n");
  });

  it("edit the settings as JSON, and refuse text that is not JSON", async () => {
    const p = "bot/plugins/settings.json";
    expect((await run("replace_in_file", { path: p, old: '"tone": "friendly"', new: "tone: formal" })).content).toMatch(
      /^error: bot\/plugins\/settings.json would not be valid JSON .*nothing was written/,
    );
    expect(read(p)).toBe('{\n  "tone": "friendly"\n}\n');
    expect((await run("replace_in_file", { path: p, old: '"friendly"', new: '"formal"' })).content).toMatch(
      /^replaced 1 match at line 2; wrote bot\/plugins\/settings.json/,
    );
    expect(JSON.parse(read(p))).toEqual({ tone: "formal" });
  });

  it("run_checks goes through the context", async () => {
    expect((await run("run_checks", {})).content).toBe("checks: stub for this unit test");
    expect((await run("run_checks", { extra: 1 })).content).toMatch(/^error: invalid arguments for run_checks/);
  });
});
