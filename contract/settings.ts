// The bot's settings schema (core, protected). Values live in bot/plugins/settings.json —
// data, never code, since the core reads it — which self-edits may change; anything that
// fails this schema fails at start-up and in tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** Where the deployment's setting values live (in the plugin area: self-edits may change them). */
export const SETTINGS_FILE = fileURLToPath(new URL("../bot/plugins/settings.json", import.meta.url));

export const botSettingsSchema = z
  .object({
    /** How the bot phrases replies in conversation. */
    tone: z.enum(["friendly", "formal", "playful", "concise"]).default("friendly"),
    /** How eagerly messages are flagged for moderators. */
    moderationSensitivity: z.enum(["off", "low", "medium", "high"]).default("medium"),
    /** Whether mentions and DMs go to the model. */
    conversationEnabled: z.boolean().default(true),
    /** Max characters of a conversation reply. */
    maxReplyLength: z.number().int().min(100).max(2000).default(1500),
    /** Days of conversation history kept before it is deleted. */
    historyRetentionDays: z.number().int().min(1).max(365).default(30),
  })
  .strict();

export type BotSettings = z.infer<typeof botSettingsSchema>;
export const SETTING_KEYS = Object.keys(botSettingsSchema.shape) as (keyof BotSettings)[];

/** Applies defaults and validates; throws a readable error naming the bad key. */
export function resolveSettings(overrides: unknown): BotSettings {
  const parsed = botSettingsSchema.safeParse(overrides ?? {});
  if (!parsed.success) {
    throw new Error(`invalid bot settings in bot/plugins/settings.json:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Reads and validates bot/plugins/settings.json (a missing file means the defaults). */
export function loadSettings(file = SETTINGS_FILE): BotSettings {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return resolveSettings({});
    throw err;
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid bot settings in bot/plugins/settings.json: not JSON (${(err as Error).message})`, { cause: err });
  }
  return resolveSettings(values);
}
