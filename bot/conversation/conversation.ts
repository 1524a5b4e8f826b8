// Mentions and DMs → the model, with plugin tools as functions and memory as context.
// The reply streams: one message, edited as tokens arrive (throttled), then finalised.
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall } from "openai/resources/chat/completions";
import type { Message } from "discord.js";
import type { Memory, Turn } from "../memory/store.ts";
import type { Plugins } from "../plugin-host/plugins.ts";
import type { BotSettings } from "../../contract/settings.ts";
import type { Logger } from "../core/logger.ts";
import { extractiveSummary, systemPrompt } from "./prompt.ts";
import { callMemoryTool, isMemoryTool, MEMORY_TOOLS } from "./memory-tools.ts";
import { fallbackReason, invalidToolOutput } from "./fallback.ts";

export const NO_MODEL_REPLY = "I can't chat right now: no language model is configured for me. Slash commands still work — try `/help`.";

const MAX_TOOL_ROUNDS = 4;
const EDIT_EVERY_MS = 400;

export interface ConversationOptions {
  /** `fallbacks`: tried in order when the model fails (429, 5xx, timeout, invalid tool calls). */
  model?: { baseURL?: string; apiKey: string; name: string; fallbacks?: string[] };
  memory: Memory;
  /** Plugin tools (run in the plugin host). */
  plugins: Pick<Plugins, "toolDefinitions" | "tool">;
  settings: BotSettings;
  log: Logger;
  /** History beyond `compactAfter` turns is folded into a summary, keeping the newest `keepTurns`. */
  compactAfter?: number;
  keepTurns?: number;
}

/** Every model of the chain failed (each with a reason that would have moved on to the next). */
class AllModelsFailed extends Error {
  constructor(failures: string[]) {
    super(`every model I can use failed — ${failures.join("; ")}. Please try again in a little while.`);
  }
}

export class Conversation {
  private openai?: OpenAI;
  private opts: ConversationOptions;

  constructor(opts: ConversationOptions) {
    this.opts = opts;
    if (opts.model) this.openai = new OpenAI({ baseURL: opts.model.baseURL, apiKey: opts.model.apiKey, maxRetries: 1, timeout: 60_000 });
  }

  get hasModel(): boolean {
    return this.openai !== undefined;
  }

  /** Answers `text` (already stripped of the mention) in reply to `message`. */
  async respond(message: Message, text: string): Promise<void> {
    const { memory, settings, plugins } = this.opts;
    if (!this.openai || !this.opts.model) {
      await message.reply({ content: NO_MODEL_REPLY, allowedMentions: { repliedUser: false } });
      return;
    }
    const userId = message.author.id;
    const conversation = `${message.channelId}:${userId}`;
    memory.touchProfile(userId, message.author.username);
    const ctx = memory.context(conversation);
    const messages: ChatCompletionMessageParam[] = [
      {
        role: "system",
        content: systemPrompt({
          settings,
          userName: message.author.username,
          preferences: memory.preferences(userId),
          guildContext: message.guildId ? memory.guildContext(message.guildId) : {},
          summaries: ctx.summaries,
        }),
      },
      ...ctx.turns.map((t): ChatCompletionMessageParam => ({ role: t.role, content: t.content })),
      { role: "user", content: text },
    ];
    memory.appendTurn(userId, conversation, "user", text);

    const reply = await message.reply({ content: "💭 …", allowedMentions: { repliedUser: false } });
    const tools = [...MEMORY_TOOLS, ...plugins.toolDefinitions()];
    const speaker = { userId, guildId: message.guildId ?? undefined };
    let shown = "";
    let lastEdit = 0;
    let pendingEdit: Promise<unknown> = Promise.resolve();
    const show = (content: string, force = false) => {
      const clipped = content.slice(0, settings.maxReplyLength) || "…";
      if (clipped === shown) return;
      const now = Date.now();
      if (!force && now - lastEdit < EDIT_EVERY_MS) return;
      shown = clipped;
      lastEdit = now;
      pendingEdit = pendingEdit.then(() => reply.edit({ content: clipped, allowedMentions: { parse: [] } })).catch(() => {});
    };

    const toolNames = new Set(tools.flatMap((t) => (t.type === "function" ? [t.function.name] : [])));
    const { name, fallbacks = [] } = this.opts.model;
    const models = [name, ...fallbacks.filter((m) => m !== name)];
    let current = 0;
    const failures: string[] = [];
    /** The current model failed: the next one takes over this reply (true), or none is left (false). */
    const fallBack = (why: string): boolean => {
      failures.push(`\`${models[current]}\` (${why})`);
      if (current + 1 >= models.length) return false;
      this.opts.log.warn(
        { from: models[current], to: models[current + 1], reason: why },
        `model ${models[current]} failed, trying ${models[current + 1]}`,
      );
      current++;
      return true;
    };

    let answer = "";
    try {
      for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
        const hasNext = current + 1 < models.length;
        let content = "";
        const calls: { id: string; name: string; args: string }[] = [];
        try {
          const stream = await this.openai.chat.completions.create(
            { model: models[current], messages, stream: true, ...(round < MAX_TOOL_ROUNDS ? { tools } : {}) },
            // With a model to fall back to, a failure goes there at once instead of through the client's backoff.
            hasNext ? { maxRetries: 0 } : {},
          );
          for await (const chunk of stream) {
            const delta = chunk.choices[0]?.delta;
            if (!delta) continue;
            if (delta.content) {
              content += delta.content;
              show(answer + content);
            }
            for (const tc of delta.tool_calls ?? []) {
              const slot = (calls[tc.index] ??= { id: "", name: "", args: "" });
              if (tc.id) slot.id = tc.id;
              if (tc.function?.name) slot.name += tc.function.name;
              if (tc.function?.arguments) slot.args += tc.function.arguments;
            }
          }
        } catch (err) {
          const why = fallbackReason(err);
          if (why && fallBack(why)) {
            round--; // the next model makes this round again
            continue;
          }
          if (why && failures.length > 1) throw new AllModelsFailed(failures);
          throw err;
        }
        // Invalid tool calls go to the next model when there is one; the last one hears the errors.
        const invalid = hasNext && calls.length > 0 ? invalidToolOutput(calls, toolNames) : undefined;
        if (invalid && fallBack(`invalid tool output: ${invalid}`)) {
          round--;
          continue;
        }
        answer += content;
        if (calls.length === 0) break;
        const toolCalls: ChatCompletionMessageToolCall[] = calls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.name, arguments: c.args },
        }));
        messages.push({ role: "assistant", content: content || null, tool_calls: toolCalls });
        for (const c of calls) {
          const result = isMemoryTool(c.name)
            ? callMemoryTool(memory, speaker, c.name, c.args)
            : await plugins.tool(c.name, c.args, {
                user: { id: userId, name: message.author.displayName },
                channelId: message.channelId,
                guildId: message.guildId ?? undefined,
              });
          messages.push({ role: "tool", tool_call_id: c.id, content: result });
        }
      }
    } catch (err) {
      this.opts.log.warn({ err }, "model call failed");
      answer =
        err instanceof AllModelsFailed
          ? `${answer}\n⚠️ I couldn't answer: ${err.message}`.trim()
          : `${answer}\n⚠️ The model failed: ${(err as Error).message}`.trim();
    }
    if (answer.trim() === "") answer = "(no answer)";
    show(answer, true);
    await pendingEdit;
    memory.appendTurn(userId, conversation, "assistant", answer.slice(0, settings.maxReplyLength));
    if (memory.context(conversation).turns.length > (this.opts.compactAfter ?? 24)) {
      await memory
        .compact(userId, conversation, this.opts.keepTurns ?? 12, (turns) => this.summarize(turns))
        .catch((err) => this.opts.log.warn({ err }, "compaction failed"));
    }
  }

  /** Summarises older turns with the model; falls back to an extractive summary. */
  private async summarize(turns: Turn[]): Promise<string> {
    if (!this.openai || !this.opts.model) return extractiveSummary(turns);
    const { name, fallbacks = [] } = this.opts.model;
    const models = [name, ...fallbacks.filter((m) => m !== name)];
    for (const [i, model] of models.entries()) {
      try {
        const r = await this.openai.chat.completions.create(
          {
            model,
            messages: [
              { role: "system", content: "Summarise this conversation in at most five short sentences, keeping facts about the user." },
              { role: "user", content: turns.map((t) => `${t.role}: ${t.content}`).join("\n") },
            ],
          },
          i + 1 < models.length ? { maxRetries: 0 } : {},
        );
        return r.choices[0]?.message?.content?.trim() || extractiveSummary(turns);
      } catch (err) {
        if (!fallbackReason(err)) break;
      }
    }
    return extractiveSummary(turns);
  }
}
