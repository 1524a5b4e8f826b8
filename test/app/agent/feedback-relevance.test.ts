// "feedback by relevance": what happened to earlier changes is remembered in the app's real
// store (rememberFeedback, as the lifecycle does on a rejection or a rollback), handed to the
// real agent through the app's writer (recentFeedback, as write-change does), and the later
// run's prompt — read from the request bodies the OpenAI stand-in records — carries the
// rejection that matches the request and recent rollbacks, never an unrelated rejection.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import pino from "pino";
import { createContext, type AppContext } from "../../../app/context.ts";
import { recentFeedback, rememberFeedback } from "../../../app/feedback-memory.ts";
import { Store } from "../../../app/store/store.ts";
import { agentWriter } from "../../../app/writer.ts";
import { startOpenAI, type OpenAIStandIn } from "../../../local/openai/index.ts";
import { makeAgentRepo, requester, type AgentRepo } from "./fixture.ts";

let repo: AgentRepo;
let llm: OpenAIStandIn;
let dataDir: string;
let store: Store;
let ctx: AppContext;

beforeAll(async () => {
  repo = makeAgentRepo();
  llm = await startOpenAI();
  dataDir = mkdtempSync(join(tmpdir(), "ouro-feedback-"));
  store = new Store(dataDir, Buffer.alloc(32, 1));
  const client = new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey, maxRetries: 0 });
  ctx = createContext({
    store,
    config: { owner: "acme", repo: "bot", gitUrl: "http://127.0.0.1:9", dataDir },
    log: pino({ level: "silent" }),
    client: () => Promise.reject(new Error("this test has no GitHub")),
    writer: agentWriter({ client, model: "ouro-local" }),
  });
});
afterAll(async () => {
  await llm.close();
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
  repo.cleanup();
});

const change = (id: string, text: string) =>
  store.changes.insert({
    id,
    requestId: `req-${id}`,
    kind: "change",
    source: "discord",
    requester: "Ada",
    requesterKey: `discord:${requester.id}`,
    text,
    title: text,
  });

describe("feedback by relevance", () => {
  it("a later run's prompt carries the earlier rejection that matches the request, and not an unrelated one", async () => {
    const weather = change("weather-1", "Add a /weather command with the forecast for a city");
    const tone = change("tone-1", "Make the bot talk like a pirate in every reply");
    const quiz = change("quiz-1", "Add a trivia quiz game");
    rememberFeedback(ctx, weather, "rejected", "Closed: plugins may not call a weather API without an allowed host.");
    rememberFeedback(ctx, tone, "rejected", "Closed: nobody wants pirate speak.");
    rememberFeedback(ctx, quiz, "rolled-back", "The quiz plugin crashed the bot on start; rolled back.");

    llm.requests.length = 0;
    llm.handle(() => ({ content: "I will not use tools." }));
    const res = await ctx.writer({
      request: { id: "weather-2", requester, text: "Add /weather showing tomorrow's forecast for a city" },
      repoDir: repo.dir,
      baseRef: "main",
      feedback: recentFeedback(ctx),
      log: { info() {}, warn() {} },
    });
    llm.handle(undefined);
    expect(res).toMatchObject({ ok: false, reason: "the model stopped calling tools without finishing" });

    const prompt = String(llm.requests[0].messages.find((m) => m.role === "user")!.content);
    expect(prompt).toContain('rejected on "Add a /weather command with the forecast for a city"');
    expect(prompt).toContain("Closed: plugins may not call a weather API without an allowed host.");
    // a recent rollback is a warning for every change, and comes first
    expect(prompt).toContain("The quiz plugin crashed the bot on start; rolled back.");
    expect(prompt.indexOf("quiz plugin crashed")).toBeLessThan(prompt.indexOf("weather API"));
    // the unrelated rejection stays out
    expect(prompt).not.toContain("pirate");
  });
});
