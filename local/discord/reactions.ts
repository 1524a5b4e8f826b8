// Reactions: who reacted with which emoji, the message's `reactions` summary (as the bot sees it),
// and MESSAGE_REACTION_ADD/REMOVE dispatches (GuildMessageReactions / DirectMessageReactions intents).
import { GatewayDispatchEvents, ReactionType } from "discord-api-types/v10";
import type { APIEmoji, APIReaction, GatewayMessageReactionAddDispatchData } from "discord-api-types/v10";
import type { MessageRec } from "./store.ts";
import type { Ctx } from "./messages.ts";
import { Intents } from "./intents.ts";
import { memberPayload } from "./payloads.ts";
import { DiscordHttpError } from "./errors.ts";

/** "👍" or "name:id" (custom emoji, as in the REST path) → the emoji object. */
export function parseEmoji(key: string): APIEmoji {
  const custom = /^<?a?:?([\w~-]{2,32}):(\d{1,20})>?$/.exec(key);
  if (custom) return { id: custom[2], name: custom[1] };
  if (!key || key.length > 64 || /[\s<>:]/.test(key)) throw new DiscordHttpError(400, 10014, "Unknown Emoji");
  return { id: null, name: key };
}
export function emojiKey(e: APIEmoji): string {
  return e.id ? `${e.name}:${e.id}` : (e.name ?? "");
}

function summarize(ctx: Ctx, byEmoji: Record<string, string[]>): APIReaction[] {
  return Object.entries(byEmoji)
    .filter(([, users]) => users.length > 0)
    .map(([key, users]) => ({
      count: users.length,
      count_details: { burst: 0, normal: users.length },
      me: users.includes(ctx.store.botUserId),
      me_burst: false,
      emoji: parseEmoji(key),
      burst_colors: [],
    }));
}

export function react(ctx: Ctx, msg: MessageRec, userId: string, key: string, add: boolean): boolean {
  const emoji = parseEmoji(key);
  const k = emojiKey(emoji);
  const byEmoji = ctx.store.reactions.get(msg.id) ?? {};
  const users = byEmoji[k] ?? [];
  const has = users.includes(userId);
  if (add === has) return false; // idempotent, as on Discord
  byEmoji[k] = add ? [...users, userId] : users.filter((u) => u !== userId);
  ctx.store.reactions.set(msg.id, byEmoji);
  const summary = summarize(ctx, byEmoji);
  if (summary.length) msg.reactions = summary;
  else delete msg.reactions;
  ctx.store.changed();
  const guild = msg.guild_id ? ctx.store.guilds.get(msg.guild_id) : undefined;
  const member = guild?.members[userId];
  const data: GatewayMessageReactionAddDispatchData = {
    user_id: userId,
    channel_id: msg.channel_id,
    message_id: msg.id,
    ...(msg.guild_id ? { guild_id: msg.guild_id } : {}),
    emoji,
    burst: false,
    type: ReactionType.Normal,
    ...(add && member ? { member: memberPayload(ctx.store, member), message_author_id: msg.author.id, burst_colors: [] } : {}),
  };
  ctx.gateway.dispatch({
    t: add ? GatewayDispatchEvents.MessageReactionAdd : GatewayDispatchEvents.MessageReactionRemove,
    guildId: msg.guild_id,
    intent: msg.guild_id ? Intents.GuildMessageReactions : Intents.DirectMessageReactions,
    data,
  });
  ctx.store.emit("reaction", { messageId: msg.id, userId, emoji: k, added: add });
  return true;
}

export function reactionUsers(ctx: Ctx, msg: MessageRec, key: string): string[] {
  return ctx.store.reactions.get(msg.id)?.[emojiKey(parseEmoji(key))] ?? [];
}
