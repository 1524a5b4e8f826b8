// Recipe output in memory (no sandbox): it always parses, whatever valid input it gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    const out = applyRecipe(repo.dir, recipe({ kind: "add-command", name: "echo", description: 'say "hi" `now`', options: [{ name: "who", description: "w" }], reply }), "r-1");
    const index = out.files.get("bot/plugins/echo/index.ts")!;
    expect(syntaxErrors("index.ts", index)).toEqual([]);
    expect(index).toContain(`export const REPLY = ${JSON.stringify(reply)};`);
    expect(index).not.toMatch(/^\s*process\.exit/m);
  });

  it("refuses to overwrite an existing plugin or registration", () => {
    expect(() => applyRecipe(repo.dir, recipe({ kind: "add-command", name: "ping", description: "d", reply: "r" }), "r-1")).toThrow(/already exists/);
  });
});
