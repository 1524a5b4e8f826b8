// What one chat page shows, read from the driver: the guild, who you are, the channel and its
// messages, the threads, the registered commands (and their version: what the page's poll
// compares to redraw the command form) and the interaction being followed. Bad
// references (an unknown person, channel or interaction) become plain-words problems.
import { createHash } from "node:crypto";
import { commandEntries, type CommandEntry } from "./commands.ts";
import type { DriverClient, GuildView, InteractionView, MessageView, ThreadView } from "./driver-client.ts";

export interface ChatView {
  guild: GuildView;
  threads: ThreadView[];
  /** Username, when it names a member of the guild. */
  viewer?: string;
  viewerId?: string;
  channelId: string;
  channelName: string;
  messages: MessageView[];
  entries: CommandEntry[];
  /** Changes whenever a command is registered, edited or removed (a hash of the definitions Discord holds). */
  commandsVersion: string;
  followed?: { interaction: InteractionView; original?: MessageView; followUps: MessageView[]; by: string };
  /** What was wrong with the address, in plain words. */
  problems: string[];
}

export interface ViewQuery {
  as?: string;
  channel?: string;
  interaction?: string;
}

/** The text channels first (by name), the threads after. */
export function channelName(guild: GuildView, threads: ThreadView[], id: string): string | undefined {
  return Object.entries(guild.channels).find(([, cid]) => cid === id)?.[0] ?? threads.find((t) => t.id === id)?.name;
}

/** Resolves a channel given by id or name (with or without "#"); undefined if the guild has none such. */
export function resolveChannel(guild: GuildView, threads: ThreadView[], ref: string): string | undefined {
  const name = ref.replace(/^#/, "");
  if (Object.values(guild.channels).includes(ref) || threads.some((t) => t.id === ref)) return ref;
  return guild.channels[name] ?? threads.find((t) => t.name === name)?.id;
}

export async function loadView(driver: DriverClient, guildId: string, q: ViewQuery): Promise<ChatView> {
  const problems: string[] = [];
  const [guild, allThreads, commands] = await Promise.all([driver.guild(guildId), driver.threads(), driver.commands(guildId)]);
  const threads = allThreads.filter((t) => t.guild_id === guild.id);
  let viewer: string | undefined;
  if (q.as) {
    if (guild.users[q.as]) viewer = q.as;
    else problems.push(`There is no one called “${q.as}” in ${guild.name}. Pick someone under “You are”.`);
  }
  const fallback = guild.channels.general ?? Object.values(guild.channels)[0];
  let channelId = q.channel ? resolveChannel(guild, threads, q.channel) : fallback;
  if (!channelId) {
    problems.push(`There is no channel “${q.channel}” in ${guild.name}; showing #${channelName(guild, threads, fallback)} instead.`);
    channelId = fallback;
  }
  const [messages, followed] = await Promise.all([
    driver.messages(channelId),
    q.interaction ? follow(driver, guild, q.interaction) : undefined,
  ]);
  if (q.interaction && !followed) problems.push(`There is no interaction ${q.interaction} to show.`);
  return {
    guild,
    threads,
    viewer,
    viewerId: viewer ? guild.users[viewer] : undefined,
    channelId,
    channelName: channelName(guild, threads, channelId) ?? channelId,
    messages,
    entries: commandEntries(commands),
    commandsVersion: createHash("sha1").update(JSON.stringify(commands)).digest("base64url").slice(0, 12),
    followed,
    problems,
  };
}

async function follow(driver: DriverClient, guild: GuildView, id: string): Promise<ChatView["followed"]> {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  const interaction = await driver.interaction(id);
  if (!interaction) return undefined;
  const [original, ...followUps] = await Promise.all([
    interaction.original_message_id ? driver.message(interaction.original_message_id) : undefined,
    ...interaction.followup_ids.map((f) => driver.message(f)),
  ]);
  const by = Object.entries(guild.users).find(([, uid]) => uid === interaction.user_id)?.[0] ?? interaction.user_id;
  return { interaction, original, followUps: followUps.filter((m): m is MessageView => !!m), by };
}
