// What to create on Discord's side: the application and its bot, the privileged intents the
// bot asks for (read from bot/create-bot.ts, so this never drifts from the code), and the
// invite URL with the permissions the bot's features use.
import { readFileSync } from "node:fs";
import { PermissionFlagsBits } from "discord.js";

const CREATE_BOT = new URL("../../bot/create-bot.ts", import.meta.url);

/** Gateway intents the portal must switch on by hand, with the switch's name there. */
const PRIVILEGED: Record<string, string> = {
  GuildMembers: "Server Members Intent",
  GuildPresences: "Presence Intent",
  MessageContent: "Message Content Intent",
};

/** The `GatewayIntentBits.*` names in createBot's `intents: [...]`. */
export function botIntents(source = readFileSync(CREATE_BOT, "utf8")): string[] {
  const list = /intents:\s*\[([^\]]*)\]/.exec(source);
  if (!list) throw new Error("bot/create-bot.ts has no `intents: [...]` list");
  return [...list[1].matchAll(/GatewayIntentBits\.(\w+)/g)].map((m) => m[1]);
}

/** The privileged ones among them, as the developer portal names them. */
export function privilegedIntents(intents = botIntents()): string[] {
  return intents.filter((i) => i in PRIVILEGED).map((i) => PRIVILEGED[i]);
}

/** What the bot does in a server, and the permission each thing needs. */
export const BOT_PERMISSIONS: readonly { name: keyof typeof PermissionFlagsBits; why: string }[] = [
  { name: "ViewChannel", why: "see the channels it answers in" },
  { name: "SendMessages", why: "answer /feature and conversations" },
  { name: "ReadMessageHistory", why: "reply to a message (conversation, plugin replies)" },
  { name: "CreatePublicThreads", why: "open a progress thread on each change request" },
  { name: "SendMessagesInThreads", why: "post and update progress in that thread" },
  { name: "EmbedLinks", why: "/status, /help and progress cards are embeds" },
  { name: "AttachFiles", why: "/export sends your data as a file; plugins may send files" },
];

export function permissionsInteger(perms = BOT_PERMISSIONS): bigint {
  return perms.reduce((n, p) => n | PermissionFlagsBits[p.name], 0n);
}

export function inviteUrl(applicationId: string): string {
  const q = new URLSearchParams({
    client_id: applicationId,
    scope: "bot applications.commands",
    permissions: String(permissionsInteger()),
  });
  return `https://discord.com/oauth2/authorize?${q}`;
}

/** The Discord half of the set-up, as lines to print (and as the README says it). */
export function discordGuide(applicationId?: string): string[] {
  const privileged = privilegedIntents();
  return [
    "Discord:",
    '  1. https://discord.com/developers/applications → New Application (e.g. "Ouro").',
    `     Its Application ID goes in DISCORD_APPLICATION_ID${applicationId ? ` (${applicationId})` : ""}.`,
    "  2. Bot tab → Reset Token → copy it into DISCORD_TOKEN (the bot's environment only, never the app's).",
    `  3. Bot tab → Privileged Gateway Intents → switch on: ${privileged.length ? privileged.join(", ") : "none needed"}` +
      ` (the bot asks for ${botIntents().join(", ")}).`,
    "  4. Invite the bot to your server (scopes bot + applications.commands; permissions " +
      `${permissionsInteger()} = ${BOT_PERMISSIONS.map((p) => p.name).join(" + ")}):`,
    applicationId
      ? `     ${inviteUrl(applicationId)}`
      : "     run `npm run setup -- --discord-only --discord-app-id <Application ID>` to print the invite URL",
    "  5. In the server, create the roles named in policies/ouro.yml → roles (e.g. Ouro Maintainer: may /rollback).",
    "  6. `npm run register-commands` registers the slash commands (set DISCORD_GUILD_ID for one server, instantly).",
  ];
}
