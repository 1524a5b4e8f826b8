// The fallback model chain (policy `agent.fallbackModels`): which failures hand a turn to
// the next model — a 429, a 5xx, a timeout, or tool calls that are not valid — and which
// do not (a bad request, a bad key, the run's own wall-time abort).
import { APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { ChatCompletionMessageToolCall } from "openai/resources/chat/completions";

/** Why a failed model call should go to the next model, in plain words; undefined if it should not. */
export function fallbackReason(e: unknown): string | undefined {
  if (e instanceof APIUserAbortError) return undefined;
  if (e instanceof APIConnectionTimeoutError) return "the call timed out";
  if (!(e instanceof APIError) || e.status === undefined) return undefined;
  if (e.status === 429) return `rate limited: ${e.message}`;
  if (e.status >= 500) return `server error: ${e.message}`;
  return undefined;
}

/** What is wrong with a turn's tool calls (unknown tool, arguments that are not a JSON object), if anything. */
export function invalidToolOutput(calls: ChatCompletionMessageToolCall[], tools: ReadonlySet<string>): string | undefined {
  for (const call of calls) {
    if (call.type !== "function") return `a tool call of type "${call.type}"`;
    if (!tools.has(call.function.name)) return `a call to "${call.function.name}", which is no tool`;
    let args: unknown;
    try {
      args = JSON.parse(call.function.arguments || "{}");
    } catch {
      return `arguments for ${call.function.name} that are not valid JSON`;
    }
    if (typeof args !== "object" || args === null || Array.isArray(args))
      return `arguments for ${call.function.name} that are not an object`;
  }
  return undefined;
}
