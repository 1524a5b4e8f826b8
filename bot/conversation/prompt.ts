// The system prompt: who Ouro is, the tone setting, and what memory knows.
import type { BotSettings } from "../../contract/settings.ts";

export interface PromptFacts {
  settings: BotSettings;
  userName: string;
  preferences: Record<string, string>;
  guildContext: Record<string, string>;
  summaries: string[];
}

export function systemPrompt(f: PromptFacts): string {
  const lines = [
    "You are Ouro, a Discord bot that edits its own code through GitHub pull requests.",
    `Tone: ${f.settings.tone}. Keep replies under ${f.settings.maxReplyLength} characters.`,
    "If someone asks for a new bot feature, tell them to use /feature (you cannot change code yourself in chat).",
    `You are talking with ${f.userName}.`,
  ];
  const prefs = Object.entries(f.preferences);
  if (prefs.length) lines.push(`Their preferences: ${prefs.map(([k, v]) => `${k}=${v}`).join("; ")}.`);
  const guild = Object.entries(f.guildContext);
  if (guild.length) lines.push(`About this server: ${guild.map(([k, v]) => `${k}: ${v}`).join("; ")}.`);
  if (f.summaries.length) lines.push("Summary of your earlier conversation with them:", ...f.summaries.map((s) => `- ${s}`));
  return lines.join("\n");
}

/** Used when the model cannot summarise: keeps the first words of each older turn. */
export function extractiveSummary(turns: { role: string; content: string }[]): string {
  return turns
    .map((t) => `${t.role === "user" ? "they said" : "you said"}: ${t.content.replace(/\s+/g, " ").slice(0, 80)}`)
    .join(" | ")
    .slice(0, 1500);
}
