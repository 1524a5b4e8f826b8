// The model's tool set: definitions for the API (JSON Schema from the zod schemas) and a
// dispatcher that validates arguments. A malformed call is answered with the error as
// the tool result; it never throws out of the loop.
import type { ChatCompletionFunctionTool } from "openai/resources/chat/completions";
import { z } from "zod";
import { PathRefused } from "../paths.ts";
import { tool, type AgentTool, type ToolContext } from "./context.ts";
import {
  addImport,
  appendToArray,
  EditRefused,
  insertStatement,
  replaceInFile,
  setObjectProperty,
  upsertClassMember,
  upsertFunction,
  writeFile,
} from "./edit.ts";
import { listFiles, outline, readFile, search } from "./read.ts";

export type { ToolContext } from "./context.ts";

export const finishSchema = z
  .object({
    title: z.string().min(3).max(100).describe("Short title of the change"),
    summary: z.string().min(1).max(4000).describe("What changed and why"),
  })
  .strict();
export type FinishArgs = z.infer<typeof finishSchema>;

const runChecks = tool({
  name: "run_checks",
  description: "Run the checks on the current state: typecheck, tests of the changed plugins, and the policy verdict. Returns diagnostics.",
  schema: z.object({}).strict(),
  run: (_args, ctx) => ctx.runChecks(),
});

const finish: AgentTool = {
  name: "finish",
  description: "Finish: the checks run once more; if they pass, the change is proposed as a pull request with this title and summary.",
  schema: finishSchema,
  run: () => "",
};

export const TOOLS: AgentTool[] = [
  listFiles,
  readFile,
  search,
  outline,
  addImport,
  upsertFunction,
  upsertClassMember,
  setObjectProperty,
  appendToArray,
  insertStatement,
  replaceInFile,
  writeFile,
  runChecks,
  finish,
];
const BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));

export function toolDefinitions(): ChatCompletionFunctionTool[] {
  return TOOLS.map((t) => {
    const { $schema: _s, ...parameters } = z.toJSONSchema(t.schema, { io: "input" }) as Record<string, unknown>;
    return { type: "function", function: { name: t.name, description: t.description, parameters } };
  });
}

export type Dispatched = { ok: boolean; content: string; finish?: FinishArgs };

export async function dispatch(name: string, rawArgs: string, ctx: ToolContext): Promise<Dispatched> {
  const t = BY_NAME.get(name);
  if (!t) return { ok: false, content: `error: there is no tool "${name}". Tools: ${TOOLS.map((x) => x.name).join(", ")}` };
  let json: unknown;
  try {
    json = rawArgs.trim() === "" ? {} : JSON.parse(rawArgs);
  } catch (e) {
    return {
      ok: false,
      content: `error: the arguments of ${name} are not valid JSON (${(e as Error).message}); nothing was done. Send a JSON object.`,
    };
  }
  const parsed = t.schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, content: `error: invalid arguments for ${name}; nothing was done:\n${z.prettifyError(parsed.error)}` };
  }
  if (name === "finish") return { ok: true, content: "", finish: parsed.data as FinishArgs };
  try {
    return { ok: true, content: await t.run(parsed.data as never, ctx) };
  } catch (e) {
    const prefix = e instanceof PathRefused || e instanceof EditRefused ? "refused" : "error";
    const msg = (e as Error).message.replace(/^refused: /, "");
    return { ok: false, content: `${prefix}: ${msg}` };
  }
}
