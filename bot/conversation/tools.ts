// Plugin tools as OpenAI functions. Arguments from the model are untrusted: they are
// parsed and checked against the tool's JSON Schema before the tool runs (in the runner).
import { Ajv, type ValidateFunction } from "ajv";
import type { ChatCompletionTool } from "openai/resources/chat/completions";
import type { PluginRunner } from "../core/plugin-runner.ts";

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

export function toolDefinitions(runner: PluginRunner): ChatCompletionTool[] {
  return [...runner.tools.values()].map(({ tool }) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

/** Always resolves to the text the model sees as the tool result. */
export async function callTool(runner: PluginRunner, name: string, rawArgs: string): Promise<string> {
  const entry = runner.tools.get(name);
  if (!entry) return `error: there is no tool named "${name}"`;
  let args: unknown;
  try {
    args = rawArgs.trim() === "" ? {} : JSON.parse(rawArgs);
  } catch {
    return `error: the arguments for ${name} are not valid JSON`;
  }
  let validate = validators.get(name);
  if (!validate) {
    try {
      validate = ajv.compile(entry.tool.parameters);
    } catch (err) {
      return `error: tool ${name} has an invalid parameter schema (${(err as Error).message})`;
    }
    validators.set(name, validate);
  }
  if (!validate(args)) return `error: invalid arguments for ${name}: ${ajv.errorsText(validate.errors)}`;
  const r = await runner.run(entry.plugin, "tool", name, () => entry.tool.run(args));
  if (!r.ok) return `error: tool ${name} failed${r.timeout ? " (timed out)" : ""}: ${r.error.message}`;
  return String(r.value).slice(0, 8000);
}
