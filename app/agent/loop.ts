// The model's tool loop, bounded by turns, tokens and wall time. The model proposes;
// the checks (and above all the base policy) decide when it is done.
import type OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { Budgets } from "./budgets.ts";
import { fallbackReason, invalidToolOutput } from "./fallback.ts";
import { estimateTokens } from "./tokens.ts";
import { dispatch, toolDefinitions, type FinishArgs, type ToolContext } from "./tools/index.ts";
import { failureSummary, type Validation } from "./validate.ts";

export interface ModelConfig {
  client: OpenAI;
  model: string;
  /** Tried in order when the current model fails (429, 5xx, timeout, invalid tool calls); the next one keeps the turn and the rest of the run. */
  fallbacks?: string[];
}

export interface LoopInput {
  model: ModelConfig;
  messages: ChatCompletionMessageParam[];
  ctx: Omit<ToolContext, "runChecks">;
  budgets: Pick<Budgets, "maxTurns" | "maxTokens" | "wallTimeMs" | "fixRounds">;
  validate(): Promise<Validation>;
  /** Already spent (a follow-up counts from zero; tests may pre-spend). */
  startedAt?: number;
  /** Told when a model fails and the next one takes over. */
  onFallback?(from: string, to: string, reason: string): void;
}

interface LoopTally {
  turns: number;
  tokens: number;
  tried: string[];
  modelMs: number;
  /** The model that made the last turn (a fallback when the first one failed). */
  model: string;
  /** Each switch to a fallback model, in plain words. */
  fellBack: string[];
}

export type LoopResult =
  | ({ ok: true; finish: FinishArgs; validation: Validation } & LoopTally)
  | ({ ok: false; reason: string; validation?: Validation } & LoopTally);

export async function runModelLoop(input: LoopInput): Promise<LoopResult> {
  const { budgets, model } = input;
  const started = input.startedAt ?? performance.now();
  const messages = [...input.messages];
  const tools = toolDefinitions();
  const toolNames = new Set(tools.map((t) => t.function.name));
  const models = [model.model, ...(model.fallbacks ?? []).filter((m) => m !== model.model)];
  let current = 0;
  const fellBack: string[] = [];
  const failures: string[] = [];
  const tried: string[] = [];
  let turns = 0;
  let tokens = 0;
  let fixRounds = 0;
  let idle = 0;
  let modelMs = 0;
  let last: Validation | undefined;
  const ctx: ToolContext = {
    ...input.ctx,
    runChecks: async () => {
      last = await input.validate();
      return last.ok ? `all checks passed:\n${last.checks.map((c) => c.summary).join("\n")}` : `checks failed:\n${failureSummary(last)}`;
    },
  };
  const tally = (): LoopTally => ({ turns, tokens, tried, modelMs, model: models[current], fellBack });
  const stop = (reason: string): LoopResult => ({ ok: false, reason, validation: last, ...tally() });
  /** The current model failed: hand over to the next one (true), or there is none (false). */
  const fallBack = (why: string, turn: number): boolean => {
    failures.push(`\`${models[current]}\` (${why})`);
    if (current + 1 >= models.length) return false;
    const from = models[current];
    const to = models[++current];
    const note = `model ${from} failed (${why}); trying the fallback model ${to}`;
    fellBack.push(note);
    tried.push(`turn ${turn}: ${note}`);
    input.onFallback?.(from, to, why);
    return true;
  };
  const allFailed = () =>
    `every model failed, so the change was not written: ${failures.join("; ")}. Try again later, or configure other models in agent.fallbackModels.`;

  for (;;) {
    const elapsed = performance.now() - started;
    if (turns >= budgets.maxTurns) return stop(`budget exhausted: ${turns} model turns (max ${budgets.maxTurns}) without a passing finish`);
    if (tokens >= budgets.maxTokens) return stop(`budget exhausted: ${tokens} tokens used (max ${budgets.maxTokens})`);
    if (elapsed >= budgets.wallTimeMs)
      return stop(`budget exhausted: ${Math.round(elapsed / 1000)} s of wall time (max ${Math.round(budgets.wallTimeMs / 1000)} s)`);

    let completion;
    const t0 = performance.now();
    const hasNext = current + 1 < models.length;
    try {
      completion = await model.client.chat.completions.create(
        { model: models[current], messages, tools, tool_choice: "auto" },
        {
          signal: AbortSignal.timeout(Math.floor(Math.max(1000, budgets.wallTimeMs - elapsed))),
          // With a model to fall back to, a failure goes there at once instead of through the client's backoff.
          ...(hasNext ? { maxRetries: 0 } : {}),
        },
      );
    } catch (e) {
      modelMs += performance.now() - t0;
      const why = fallbackReason(e);
      if (why && fallBack(why, turns + 1)) continue;
      return stop(why && failures.length > 1 ? allFailed() : `the model call failed: ${(e as Error).message}`);
    }
    modelMs += performance.now() - t0;
    turns++;
    tokens +=
      completion.usage?.total_tokens ??
      estimateTokens(JSON.stringify(messages)) + estimateTokens(JSON.stringify(completion.choices[0]?.message ?? ""));
    const message = completion.choices[0]?.message;
    if (!message) return stop("the model returned no choice");
    // Invalid tool calls go to the next model when there is one; the last model hears the errors and may fix them.
    const invalid = hasNext ? invalidToolOutput(message.tool_calls ?? [], toolNames) : undefined;
    if (invalid && fallBack(`invalid tool output: ${invalid}`, turns)) continue;
    messages.push(message);
    const calls = (message.tool_calls ?? []).filter((c) => c.type === "function");
    if (calls.length === 0) {
      tried.push(`turn ${turns}: answered without a tool call`);
      if (++idle >= 2) return stop("the model stopped calling tools without finishing");
      messages.push({
        role: "user",
        content:
          "Use the tools to make the change, then call finish. If the request cannot be done within the rules, call finish with a summary saying why.",
      });
      continue;
    }
    idle = 0;
    let finished: LoopResult | undefined;
    for (const call of calls) {
      if (finished) {
        messages.push({ role: "tool", tool_call_id: call.id, content: "ignored: the run already finished" });
        continue;
      }
      const result = await dispatch(call.function.name, call.function.arguments, ctx);
      const argHint = shortArgs(call.function.arguments);
      if (!result.finish) {
        tried.push(`turn ${turns}: ${call.function.name}${argHint} → ${firstLine(result.content)}`);
        messages.push({ role: "tool", tool_call_id: call.id, content: result.content });
        continue;
      }
      last = await input.validate();
      if (last.ok) {
        tried.push(`turn ${turns}: finish → all checks passed`);
        messages.push({ role: "tool", tool_call_id: call.id, content: "accepted" });
        finished = { ok: true, finish: result.finish, validation: last, ...tally() };
        continue;
      }
      fixRounds++;
      tried.push(`turn ${turns}: finish → checks failed (fix round ${fixRounds}/${budgets.fixRounds}): ${firstLine(failureSummary(last))}`);
      if (fixRounds > budgets.fixRounds) {
        messages.push({ role: "tool", tool_call_id: call.id, content: "stopped" });
        finished = stop(
          last.problem
            ? `finish refused: ${last.problem}`
            : `the checks still failed after ${budgets.fixRounds} fix round(s): ${failureSummary(last)}`,
        );
        continue;
      }
      messages.push({
        role: "tool",
        tool_call_id: call.id,
        content: `Not accepted — the checks failed. Fix these and call finish again:\n${failureSummary(last)}`,
      });
    }
    if (finished) return finished;
  }
}

function firstLine(s: string): string {
  const line = s.split("\n")[0];
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function shortArgs(raw: string): string {
  try {
    const a = JSON.parse(raw) as { path?: unknown };
    return typeof a.path === "string" ? ` ${a.path}` : "";
  } catch {
    return " (malformed arguments)";
  }
}
