// Bot settings chosen for this deployment (validated against bot/core/settings.ts).
// Self-edits may change these values; keys must exist in the core schema.
import type { BotSettings } from "../core/settings.ts";

export const settings: Partial<BotSettings> = {
  tone: "friendly",
};
