// Recipe output in memory (no sandbox): it always parses, whatever valid input it gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { applyRecipe } from "../../../app/agent/recipes/index.ts";
import { parseChangeRequest } from "../../../app/agent/request.ts";
import { syntaxErrors } from "../../../app/agent/tools/edit.ts";
import { makeAgentRepo, requester, type AgentRepo } from "./fixture.ts";

let repo: AgentRepo;
beforeAll(() => {
  repo = makeAgentRepo();
});
afterAll(() => repo.cleanup());

const recipe = (r: unknown) => parseChangeRequest({ id: "r-1", requester, text: "t", recipe: r }).recipe!;

describe("recipe output", () => {
  it.each(["delete", "new", "class", "plugins", "ping-2", "type"])("registers a plugin named %j with a valid binding", (name) => {
    const out = applyRecipe(repo.dir, recipe({ kind: "add-command", name, description: "d", reply: "r" }), "r-1");
    for (const [path, text] of out.files) expect(syntaxErrors(path, text), path).toEqual([]);
    const registry = out.files.get("bot/plugins/index.ts")!;
    expect(registry).toContain(`from "./${name}/index.ts"`);
  });

  it("keeps hostile text as data: quotes, backticks, template syntax and code-looking replies", () => {
    const reply = '"; process.exit(1); `${globalThis}` \\u0041 </script> {who}';
    const out = applyRecipe(
      repo.dir,
      recipe({ kind: "add-command", name: "echo", description: 'say "hi" `now`', options: [{ name: "who", description: "w" }], reply }),
      "r-1",
    );
    const index = out.files.get("bot/plugins/echo/index.ts")!;
    expect(syntaxErrors("index.ts", index)).toEqual([]);
    expect(index).toContain(`export const REPLY = ${JSON.stringify(reply)};`);
    expect(index).not.toMatch(/^\s*process\.exit/m);
  });

  it("an add-responder plugin carries its trigger as an RE2 string with flag i, and its test checks each example and a miss", () => {
    const out = applyRecipe(
      repo.dir,
      recipe({ kind: "add-responder", name: "tea", trigger: "\\btea( time)?\\b", reply: "☕", examples: ["Tea time!", "more TEA"] }),
      "r-1",
    );
    const index = out.files.get("bot/plugins/tea/index.ts")!;
    expect(index).toContain('import { definePlugin } from "../../plugin-api/index.ts";');
    expect(index).toContain('export const TRIGGER = "\\\\btea( time)?\\\\b";');
    expect(index).toContain('responders: [{ name: "tea", trigger: TRIGGER, flags: "i", respond: () => REPLY }]');
    const test = out.files.get("bot/plugins/tea/tea.test.ts")!;
    expect(test).toContain('import { runResponder } from "../../plugin-api/testing.ts";');
    expect(test).toContain('expect(await runResponder(plugin, "tea", "Tea time!")).toBe("☕");');
    expect(test).toContain('expect(await runResponder(plugin, "tea", "more TEA")).toBe("☕");');
    expect(test).toContain('expect(await runResponder(plugin, "tea", "an unrelated message")).toBeUndefined();');
    // a trigger that matches every candidate miss gets no "stays quiet" case
    const any = applyRecipe(repo.dir, recipe({ kind: "add-responder", name: "any", trigger: ".*", reply: "x" }), "r-1");
    expect(any.files.get("bot/plugins/any/any.test.ts")).not.toContain("toBeUndefined");
  });

  it("set-setting rewrites settings.json as 2-space JSON, keeps the other values, and refuses a file that is not JSON", () => {
    const settingsFile = join(repo.dir, "bot/plugins/settings.json");
    const before = existsSync(settingsFile) ? readFileSync(settingsFile, "utf8") : null;
    repo.write({ "bot/plugins/settings.json": '{"tone":"playful","maxReplyLength":500}' });
    const out = applyRecipe(repo.dir, recipe({ kind: "set-setting", key: "conversationEnabled", value: false }), "r-1");
    expect(out.files.get("bot/plugins/settings.json")).toBe(
      '{\n  "tone": "playful",\n  "maxReplyLength": 500,\n  "conversationEnabled": false\n}\n',
    );
    expect(out.files.get("bot/plugins/settings-values.test.ts")).toContain("expect(settings.conversationEnabled).toBe(false);");
    expect(out.tests).toEqual(["bot/plugins/settings-values.test.ts"]);
    repo.write({ "bot/plugins/settings.json": '{"tone": "rude"}' });
    expect(() => applyRecipe(repo.dir, recipe({ kind: "set-setting", key: "maxReplyLength", value: 500 }), "r-1")).toThrow(
      /invalid bot settings in bot\/plugins\/settings.json:\n✖ [^\n]*\n {2}→ at tone/,
    );
    repo.write({ "bot/plugins/settings.json": "export const settings = {};" });
    expect(() => applyRecipe(repo.dir, recipe({ kind: "set-setting", key: "tone", value: "formal" }), "r-1")).toThrow(
      /settings.json is not valid JSON/,
    );
    repo.write({ "bot/plugins/settings.json": before });
  });

  it("refuses to overwrite an existing plugin or registration", () => {
    expect(() => applyRecipe(repo.dir, recipe({ kind: "add-command", name: "ping", description: "d", reply: "r" }), "r-1")).toThrow(
      /already exists/,
    );
  });
});
