// Core model tools that write memory: the model may note a user's preference or a fact
// about the server when told one. Bounded, validated, and scoped to who is talking where.
import { z } from "zod";
import type { ChatCompletionTool } from "openai/resources/chat/completions";
import type { Memory } from "../memory/store.ts";

const MAX_PREFERENCES = 20;
const entry = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_ -]{0,39}$/i, "a short name (letters, digits, spaces, - or _; at most 40)"),
  value: z.string().min(1).max(200),
});

export interface Speaker {
  userId: string;
  guildId?: string;
}

export const MEMORY_TOOLS: ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "remember_preference",
      description: "Remember a preference the user stated about themselves (e.g. language, name to use, timezone).",
      parameters: {
        type: "object",
        properties: { key: { type: "string" }, value: { type: "string" } },
        required: ["key", "value"],
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: {
      name: "remember_server_fact",
      description: "Remember a fact about this Discord server that helps later conversations (e.g. its topic).",
      parameters: {
        type: "object",
        properties: { key: { type: "string" }, value: { type: "string" } },
        required: ["key", "value"],
        additionalProperties: false,
      },
    },
  },
];

export const isMemoryTool = (name: string) => MEMORY_TOOLS.some((t) => t.type === "function" && t.function.name === name);

/** Runs a memory tool; always resolves to the text the model sees. */
export function callMemoryTool(memory: Memory, speaker: Speaker, name: string, rawArgs: string): string {
  let parsed;
  try {
    parsed = entry.safeParse(JSON.parse(rawArgs || "{}"));
  } catch {
    return `error: the arguments for ${name} are not valid JSON`;
  }
  if (!parsed.success) return `error: invalid arguments for ${name}:\n${z.prettifyError(parsed.error)}`;
  const { key, value } = parsed.data;
  if (name === "remember_preference") {
    const prefs = memory.preferences(speaker.userId);
    if (!(key in prefs) && Object.keys(prefs).length >= MAX_PREFERENCES) return `error: at most ${MAX_PREFERENCES} preferences per user`;
    memory.setPreference(speaker.userId, key, value);
    return `remembered ${key} for this user`;
  }
  if (!speaker.guildId) return "error: server facts can only be remembered in a server, not in DMs";
  memory.setGuildContext(speaker.guildId, key, value);
  return `remembered ${key} for this server`;
}
