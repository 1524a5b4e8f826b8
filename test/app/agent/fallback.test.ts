// "fallback model": the policy's agent.fallbackModels take over when the model fails —
// 429, 5xx, or tool calls that are not valid — through the real openai client and the real
// agent against the OpenAI stand-in, which fails on cue per model.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { runAgent } from "../../../app/agent/index.ts";
import { startOpenAI, type OpenAIStandIn, type ScriptedResponse, type ScriptedTurn } from "../../../local/openai/index.ts";
import { makeAgentRepo, requester, type AgentRepo } from "./fixture.ts";

let repo: AgentRepo;
let llm: OpenAIStandIn;

beforeAll(async () => {
  repo = makeAgentRepo();
  const policy = readFileSync(join(repo.dir, "policies/ouro.yml"), "utf8");
  expect(policy).toContain("  fallbackModels: []\n");
  repo.write({ "policies/ouro.yml": policy.replace("  fallbackModels: []\n", "  fallbackModels: [backup-a, backup-b]\n") });
  repo.commit("two fallback models");
  llm = await startOpenAI();
});
afterAll(async () => {
  await llm.close();
  repo.cleanup();
});

const call = (name: string, args: Record<string, unknown> | string): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
const plugin = `import { definePlugin } from "../../plugin-api/index.ts";

export default definePlugin({
  name: "hello",
  description: "Says hello",
  commands: [{ name: "hello", description: "Say hello", run: async (call) => void (await call.reply("hello!")) }],
});
`;
const pluginTest = `import { expect, it } from "vitest";
import { runCommand } from "../../plugin-api/testing.ts";
import plugin from "./index.ts";

it("says hello", async () => {
  expect(await runCommand(plugin, "hello")).toEqual([{ kind: "reply", message: "hello!" }]);
});
`;
/** The turns of a model that writes /hello properly. */
const goodSession = (): ScriptedResponse[] => [
  {
    toolCalls: [
      { name: "write_file", arguments: { path: "bot/plugins/hello/index.ts", content: plugin } },
      { name: "write_file", arguments: { path: "bot/plugins/hello/hello.test.ts", content: pluginTest } },
    ],
  },
  {
    toolCalls: [
      { name: "add_import", arguments: { path: "bot/plugins/index.ts", module: "./hello/index.ts", defaultImport: "hello" } },
      { name: "append_to_array", arguments: { path: "bot/plugins/index.ts", variable: "plugins", element: "hello" } },
    ],
  },
  call("finish", { title: "Add /hello", summary: "Adds /hello with a test." }),
];

/** Scripts each model by name; records which model each request asked for. */
function byModel(script: Record<string, () => ScriptedResponse | Promise<ScriptedResponse>>): string[] {
  const asked: string[] = [];
  llm.requests.length = 0;
  llm.handle((req) => {
    asked.push(req.model);
    const next = script[req.model];
    if (!next) throw new Error(`unexpected model ${req.model}`);
    return next();
  });
  return asked;
}

const logged: { obj: unknown; msg?: string }[] = [];
const logger = { info() {}, warn: (obj: object | string, msg?: string) => void logged.push({ obj, msg }) };

describe("fallback model", () => {
  it("a 429 from the model hands the run to the first fallback, at once, which writes the change", async () => {
    const session = goodSession();
    const asked = byModel({
      primary: () => ({ error: { status: 429, message: "Rate limit reached for primary" } }),
      "backup-a": () => session.shift()!,
    });
    // The client retries 429s with backoff by itself; with a fallback waiting, the agent asks it not to.
    const client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey, maxRetries: 5 });
    logged.length = 0;
    const r = await runAgent(
      { id: "hello-1", requester, text: "Add /hello" },
      { repoDir: repo.dir, baseRef: "main", model: { client, model: "primary" }, logger },
    );
    llm.handle(undefined);
    if (!r.ok) throw new Error(JSON.stringify(r.report, null, 2));
    expect(asked).toEqual(["primary", "backup-a", "backup-a", "backup-a"]);
    expect(r.body).toMatch(
      /model `backup-a` with tools .*after a fallback: model primary failed \(rate limited: 429 Rate limit reached for primary\); trying the fallback model backup-a/,
    );
    expect(logged).toContainEqual({
      obj: expect.objectContaining({ from: "primary", to: "backup-a", reason: expect.stringMatching(/^rate limited/) }),
      msg: "agent: model primary failed, trying backup-a",
    });
  });

  it("invalid tool output and a 5xx move on down the list; the report says which model failed and why", async () => {
    const asked = byModel({
      primary: () => call("write_file", '{"path": "bot/plugins/x/index.ts", "content": '),
      "backup-a": () => ({ error: { status: 503, message: "overloaded" } }),
      "backup-b": () => call("list_files", { path: "bot/plugins" }),
    });
    const client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey, maxRetries: 0 });
    const r = await runAgent(
      { id: "list-1", requester, text: "Add /x" },
      { repoDir: repo.dir, baseRef: "main", model: { client, model: "primary" }, budgets: { maxTurns: 3 } },
    );
    llm.handle(undefined);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(asked).toEqual(["primary", "backup-a", "backup-b", "backup-b"]);
    expect(r.report.tried).toEqual(
      expect.arrayContaining([
        "turn 1: model primary failed (invalid tool output: arguments for write_file that are not valid JSON); trying the fallback model backup-a",
        "turn 2: model backup-a failed (server error: 503 overloaded); trying the fallback model backup-b",
      ]),
    );
    // the invalid turn was dropped: backup-b never sees it
    expect(llm.requests.at(-1)!.messages.some((m) => m.role === "assistant" && JSON.stringify(m).includes("bot/plugins/x"))).toBe(false);
    expect(r.report.reason).toMatch(/budget exhausted: 3 model turns/);
  });

  it("a model that does not answer in time hands over to the next one", async () => {
    const asked = byModel({
      primary: () => new Promise<never>(() => {}), // never answers: the client's timeout ends the call
      "backup-a": () => call("list_files", { path: "bot/plugins" }),
    });
    const client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey, maxRetries: 5, timeout: 2000 });
    const r = await runAgent(
      { id: "slow-1", requester, text: "Add /x" },
      { repoDir: repo.dir, baseRef: "main", model: { client, model: "primary" }, budgets: { maxTurns: 1 } },
    );
    llm.handle(undefined);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(asked).toEqual(["primary", "backup-a"]);
    expect(r.report.tried).toContain("turn 1: model primary failed (the call timed out); trying the fallback model backup-a");
  });

  it("when every model fails, the report says so in plain words", async () => {
    const down = (): ScriptedResponse => ({ error: { status: 500, message: "upstream exploded" } });
    byModel({ primary: down, "backup-a": () => ({ error: { status: 429, message: "slow down" } }), "backup-b": down });
    const client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey, maxRetries: 0 });
    const r = await runAgent(
      { id: "down-1", requester, text: "Add /x" },
      { repoDir: repo.dir, baseRef: "main", model: { client, model: "primary" } },
    );
    llm.handle(undefined);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.report.reason).toBe(
      "every model failed, so the change was not written: `primary` (server error: 500 upstream exploded); `backup-a` (rate limited: 429 slow down); `backup-b` (server error: 500 upstream exploded). Try again later, or configure other models in agent.fallbackModels.",
    );
    expect(() => repo.git("rev-parse", "--verify", "--quiet", "refs/heads/ouro/down-1")).toThrow();
  });
});
