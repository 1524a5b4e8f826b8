// The conversation's fallback models (OURO_FALLBACK_MODELS): which failures hand a reply to
// the next model — a 429, a 5xx, a timeout, or tool calls that are not valid — and which
// do not (a bad request such as a too-long context, a bad key).
import { APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

/** Why a failed model call should go to the next model, in plain words; undefined if it should not. */
export function fallbackReason(e: unknown): string | undefined {
  if (e instanceof APIUserAbortError) return undefined;
  if (e instanceof APIConnectionTimeoutError) return "the call timed out";
  if (!(e instanceof APIError) || e.status === undefined) return undefined;
  if (e.status === 429) return `rate limited: ${e.message}`;
  if (e.status >= 500) return `server error: ${e.message}`;
  return undefined;
}

/** What is wrong with streamed tool calls (unknown tool, arguments that are not a JSON object), if anything. */
export function invalidToolOutput(calls: { name: string; args: string }[], tools: ReadonlySet<string>): string | undefined {
  for (const c of calls) {
    if (!tools.has(c.name)) return `a call to "${c.name}", which is no tool`;
    let args: unknown;
    try {
      args = JSON.parse(c.args || "{}");
    } catch {
      return `arguments for ${c.name} that are not valid JSON`;
    }
    if (typeof args !== "object" || args === null || Array.isArray(args)) return `arguments for ${c.name} that are not an object`;
  }
  return undefined;
}
