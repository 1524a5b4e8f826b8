// "fallback model" for the bot's conversation: OURO_FALLBACK_MODELS take over when the model
// fails (429, 5xx, invalid tool calls), through the real bot, discord.js and openai client
// against the Discord and OpenAI stand-ins; the stand-in fails on cue per model.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { startHarness, until, type Harness } from "./harness.ts";
import type { MessageRec } from "../../local/discord/index.ts";
import type { ScriptedResponse } from "../../local/openai/index.ts";

let h: Harness;
let bot = "";
const logLines: { msg: string; from?: string; to?: string; reason?: string }[] = [];
const logger = pino({ level: "warn" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });

beforeAll(async () => {
  h = await startHarness({ model: true, modelFallbacks: ["backup-a", "backup-b"], bot: { logger } });
  bot = h.discord.botUserId;
});
afterAll(async () => {
  await h?.close();
});

/** Says something and waits until the bot's reply to it has its final text. */
async function ask(user: string, channel: string, content: string, final: (text: string) => boolean): Promise<MessageRec> {
  const said = h.discord.driver.say({ user, channel, content });
  const reply = await h.discord.driver.waitForMessage(channel, (m) => m.message_reference?.message_id === said.id, { user });
  const done = await until(() => {
    const m = h.discord.driver.message(reply.id)!;
    return final(m.content) && m;
  }, `final reply to "${content}"`);
  const conversation = `${done.channel_id}:${h.discord.driver.user(user).id}`;
  await until(() => h.bot.context.memory.context(conversation).turns.at(-1)?.content === done.content, "the answer stored");
  return done;
}

/** Scripts each model by name; returns the models asked, in order. */
function byModel(script: Record<string, () => ScriptedResponse>): string[] {
  const asked: string[] = [];
  h.openai!.handle((req) => {
    asked.push(req.model);
    return script[req.model]?.() ?? { error: { status: 400, message: `unexpected model ${req.model}` } };
  });
  return asked;
}

describe("fallback model", () => {
  it("a 429 hands the reply to the next model at once, and the log says which", async () => {
    const asked = byModel({
      "ouro-local": () => ({ error: { status: 429, message: "Rate limit reached for ouro-local" } }),
      "backup-a": () => ({ content: "Hello from the backup." }),
    });
    logLines.length = 0;
    const reply = await ask("alice", "general", `<@${bot}> hello?`, (t) => t === "Hello from the backup.");
    h.openai!.handle(undefined);
    expect(reply.content).toBe("Hello from the backup.");
    // one request each: the client did not retry the 429 with a fallback waiting
    expect(asked).toEqual(["ouro-local", "backup-a"]);
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: "model ouro-local failed, trying backup-a",
        from: "ouro-local",
        to: "backup-a",
        reason: "rate limited: 429 Rate limit reached for ouro-local",
      }),
    );
  });

  it("invalid tool output and a 5xx move down the list; the last model answers", async () => {
    const asked = byModel({
      "ouro-local": () => ({ toolCalls: [{ name: "no_such_tool", arguments: {} }] }),
      "backup-a": () => ({ error: { status: 503, message: "overloaded" } }),
      "backup-b": () => ({ content: "Backup B here." }),
    });
    const reply = await ask("alice", "general", `<@${bot}> anyone there?`, (t) => t === "Backup B here.");
    h.openai!.handle(undefined);
    expect(reply.content).toBe("Backup B here.");
    expect(asked).toEqual(["ouro-local", "backup-a", "backup-b"]);
    // the invalid turn was dropped: backup-b never saw it
    expect(h.openai!.requests.at(-1)!.messages.some((m) => m.role === "tool" || (m.role === "assistant" && "tool_calls" in m))).toBe(false);
  });

  it("when every model fails, the reply says so in plain words", async () => {
    // Errors the client may retry once (on the last model) with a 1 ms retry-after, so nothing waits for a backoff.
    h.openai!.injectError({ status: 429, times: 4, message: "slow down", retryAfterMs: 1 });
    const reply = await ask("bob", "dm", "are you there?", (t) => t.includes("every model"));
    expect(reply.content).toBe(
      "⚠️ I couldn't answer: every model I can use failed — `ouro-local` (rate limited: 429 slow down); `backup-a` (rate limited: 429 slow down); `backup-b` (rate limited: 429 slow down). Please try again in a little while.",
    );
  });
});
