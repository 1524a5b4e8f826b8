// Editing existing files: the real agent loop, driven by the scripted model stand-in, on a
// real git repo. write_file only creates; replace_in_file changes exactly one match.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { runAgent } from "../../../app/agent/index.ts";
import { startOpenAI, type OpenAIStandIn, type ScriptedTurn } from "../../../local/openai/index.ts";
import { makeAgentRepo, requester, type AgentRepo } from "./fixture.ts";

let repo: AgentRepo;
let llm: OpenAIStandIn;
let client: OpenAI;

beforeAll(async () => {
  repo = makeAgentRepo();
  llm = await startOpenAI();
  client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await llm.close();
  repo.cleanup();
});

const PING = "bot/plugins/ping/index.ts";
const PING_TEST = "bot/plugins/ping/ping.test.ts";
const calls = (...toolCalls: [string, Record<string, unknown>][]): ScriptedTurn => ({
  toolCalls: toolCalls.map(([name, args]) => ({ name, arguments: args })),
});
const toolMessages = (i: number): string[] =>
  (llm.requests[i].messages as ChatCompletionMessageParam[]).filter((m) => m.role === "tool").map((m) => String(m.content));

describe("edits existing files in place", () => {
  it("replace_in_file changes only the matched text; whole-file writes, ambiguous or missing matches and protected paths are refused", async () => {
    const pingBefore = repo.git("show", `main:${PING}`);
    const policyBefore = repo.git("show", "main:policies/ouro.yml");
    llm.requests.length = 0;
    llm.enqueue(
      calls(
        ["write_file", { path: PING, content: 'export const PONG = "overwritten";\n' }],
        ["replace_in_file", { path: PING, old: "Pong!", new: "Pong!!" }],
        ["replace_in_file", { path: PING, old: "Ping!", new: "Pong!!" }],
        ["replace_in_file", { path: "policies/ouro.yml", old: "version: 1", new: "version: 2" }],
        ["replace_in_file", { path: PING, old: 'export const PONG = "Pong!";', new: 'export const PONG = "Pong!;' }],
        ["replace_in_file", { path: "bot/plugins/pong/index.ts", old: "x", new: "y" }],
      ),
      calls(
        // `$&` would be a replacement pattern for String.replace; here it is plain text.
        ["replace_in_file", { path: PING, old: 'export const PONG = "Pong!";', new: 'export const PONG = "Pong! ($&)";' }],
        ["replace_in_file", { path: PING_TEST, old: 'expect(PONG).toBe("Pong!");', new: 'expect(PONG).toBe("Pong! ($&)");' }],
      ),
      calls(["finish", { title: "Louder pong", summary: "Changes the /ping reply in place." }]),
    );
    const r = await runAgent(
      { id: "pong-1", requester, text: "Make /ping answer louder" },
      { repoDir: repo.dir, baseRef: "main", model: { client, model: "ouro-local" } },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.report, null, 2));

    const [whole, ambiguous, missing, protectedPath, broken, absent] = toolMessages(1);
    expect(whole).toBe(
      `refused: ${PING} already exists and write_file only creates new files; nothing was written. Change it with replace_in_file (exact text) or the syntax-aware tools (upsert_function, set_object_property, …).`,
    );
    expect(ambiguous).toMatch(
      new RegExp(`^refused: the text to replace occurs 2 times in ${PING}, so it is ambiguous; nothing was written`),
    );
    expect(missing).toMatch(new RegExp(`^refused: the text to replace was not found in ${PING} \\(0 matches\\); nothing was written`));
    expect(protectedPath).toMatch(/^refused: "policies\/ouro.yml" is a protected path/);
    expect(broken).toMatch(new RegExp(`^error: ${PING} would not parse, nothing was written`));
    expect(absent).toBe("refused: bot/plugins/pong/index.ts does not exist (use write_file to create it); nothing was written");
    expect(toolMessages(2).slice(6)).toEqual([
      `replaced 1 match at line 4; wrote ${PING} (19 lines)`,
      `replaced 1 match at line 8; wrote ${PING_TEST} (11 lines)`,
    ]);

    // Only the matched lines changed; the refused calls left no trace.
    expect(r.files).toEqual([
      { path: PING, status: "modified" },
      { path: PING_TEST, status: "modified" },
    ]);
    const changed = (path: string) =>
      repo
        .git("diff", "--unified=0", r.baseSha, r.commit, "--", path)
        .split("\n")
        .filter((l) => /^[-+][^-+]/.test(l));
    expect(changed(PING)).toEqual(['-export const PONG = "Pong!";', '+export const PONG = "Pong! ($&)";']);
    expect(changed(PING_TEST)).toEqual(['-    expect(PONG).toBe("Pong!");', '+    expect(PONG).toBe("Pong! ($&)");']);
    expect(repo.git("show", `${r.commit}:${PING}`)).toBe(pingBefore.replace('"Pong!";', () => '"Pong! ($&)";'));
    expect(repo.git("show", `${r.commit}:policies/ouro.yml`)).toBe(policyBefore);
    expect(r.refusals.join("\n")).toMatch(/policies\/ouro.yml.*protected/);
    expect(r.verdict.decision).not.toBe("block");
    expect(llm.pending()).toBe(0);
  });
});
