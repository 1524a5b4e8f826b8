// Turns a scripted assistant turn into the API's response objects: one ChatCompletion,
// or the chat.completion.chunk sequence a streamed response is made of.
import { randomBytes } from "node:crypto";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessageFunctionToolCall,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";

/** One scripted assistant turn: text and/or tool calls, optionally with token usage. */
export interface ScriptedTurn {
  content?: string | null;
  toolCalls?: ScriptedToolCall[];
  /** Defaults to "tool_calls" when there are tool calls, else "stop". */
  finishReason?: ChatCompletion.Choice["finish_reason"];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** A JSON string sent as is (malformed JSON included), or a value to serialize. */
  arguments: string | Record<string, unknown>;
}

export interface BuiltTurn {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCalls: ChatCompletionMessageFunctionToolCall[];
  finishReason: ChatCompletion.Choice["finish_reason"];
  usage: CompletionUsage;
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("hex")}`;
}

/** Roughly 4 characters a token, like the usual rule of thumb: deterministic, not exact. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function buildTurn(turn: ScriptedTurn, request: ChatCompletionCreateParams): BuiltTurn {
  const toolCalls = (turn.toolCalls ?? []).map((c): ChatCompletionMessageFunctionToolCall => ({
    id: c.id ?? newId("call_"),
    type: "function",
    function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) },
  }));
  const content = turn.content ?? (toolCalls.length > 0 ? null : "");
  const promptTokens = turn.usage?.prompt_tokens ?? estimateTokens(JSON.stringify(request.messages));
  const completionTokens =
    turn.usage?.completion_tokens ??
    estimateTokens((content ?? "") + toolCalls.map((c) => c.function.name + c.function.arguments).join(""));
  return {
    id: newId("chatcmpl-"),
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    content,
    toolCalls,
    finishReason: turn.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

export function toCompletion(t: BuiltTurn): ChatCompletion {
  return {
    id: t.id,
    object: "chat.completion",
    created: t.created,
    model: t.model,
    system_fingerprint: "fp_ouro_local",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: t.content,
          refusal: null,
          ...(t.toolCalls.length > 0 ? { tool_calls: t.toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: t.finishReason,
      },
    ],
    usage: t.usage,
  };
}

/** Splits text into small pieces, as a model streams tokens. */
export function pieces(text: string, size = 8): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The chunk sequence for a streamed turn (without the `[DONE]` sentinel). */
export function toChunks(t: BuiltTurn, includeUsage: boolean): ChatCompletionChunk[] {
  const base = {
    id: t.id,
    object: "chat.completion.chunk" as const,
    created: t.created,
    model: t.model,
    system_fingerprint: "fp_ouro_local",
  };
  const usage = includeUsage ? { usage: null } : {};
  const chunk = (
    delta: ChatCompletionChunk.Choice.Delta,
    finish: ChatCompletionChunk.Choice["finish_reason"] = null,
  ): ChatCompletionChunk => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...usage,
  });
  const chunks: ChatCompletionChunk[] = [chunk({ role: "assistant", content: t.content === null ? null : "", refusal: null })];
  for (const p of pieces(t.content ?? "")) chunks.push(chunk({ content: p }));
  t.toolCalls.forEach((c, index) => {
    chunks.push(chunk({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }] }));
    for (const p of pieces(c.function.arguments, 12)) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
  });
  chunks.push(chunk({}, t.finishReason));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: t.usage });
  return chunks;
}
