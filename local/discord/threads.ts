// Threads: from a message (the thread id is the message id, as on Discord) or standalone.
import { ChannelType, GatewayDispatchEvents, MessageFlags, MessageType } from "discord-api-types/v10";
import type { GatewayThreadCreateDispatchData } from "discord-api-types/v10";
import type { ChannelRec, MessageRec } from "./store.ts";
import { channelPayload, threadMemberPayload } from "./payloads.ts";
import { invalidChannelType, threadAlreadyExists } from "./errors.ts";
import { Intents } from "./intents.ts";
import { createMessage, isThread, updateMessage } from "./messages.ts";
import type { Ctx } from "./messages.ts";

export interface ThreadSpec {
  name: string;
  type?: 10 | 11 | 12;
  auto_archive_duration?: 60 | 1440 | 4320 | 10080;
  rate_limit_per_user?: number | null;
  invitable?: boolean;
}

export function createThread(ctx: Ctx, parent: ChannelRec, spec: ThreadSpec, ownerId: string, from?: MessageRec): ChannelRec {
  if (!parent.guild_id || isThread(parent) || parent.type === ChannelType.GuildCategory) throw invalidChannelType();
  if (from?.thread || (from && ctx.store.channels.has(from.id))) throw threadAlreadyExists();
  const now = new Date().toISOString();
  const thread: ChannelRec = {
    id: from ? from.id : ctx.store.ids.next(),
    type: from ? ChannelType.PublicThread : (spec.type ?? ChannelType.PrivateThread),
    guild_id: parent.guild_id,
    name: spec.name,
    parent_id: parent.id,
    owner_id: ownerId,
    last_message_id: null,
    message_count: 0,
    rate_limit_per_user: spec.rate_limit_per_user ?? 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: spec.auto_archive_duration ?? 4320,
      archive_timestamp: now,
      locked: false,
      create_timestamp: now,
      ...(spec.type === ChannelType.PrivateThread || (!from && spec.type === undefined) ? { invitable: spec.invitable ?? true } : {}),
    },
  };
  ctx.store.channels.set(thread.id, thread);
  ctx.store.changed();
  const data: GatewayThreadCreateDispatchData = {
    ...(channelPayload(ctx.store, thread) as GatewayThreadCreateDispatchData),
    newly_created: true,
    ...(ownerId === ctx.store.botUserId ? { member: threadMemberPayload(thread, ownerId) } : {}),
  };
  ctx.gateway.dispatch({ t: GatewayDispatchEvents.ThreadCreate, guildId: thread.guild_id, intent: Intents.Guilds, data });
  if (from) {
    updateMessage(ctx, from, {
      thread: channelPayload(ctx.store, thread) as MessageRec["thread"],
      flags: (from.flags ?? 0) | MessageFlags.HasThread,
    });
  } else if (thread.type === ChannelType.PublicThread) {
    // A standalone public thread announces itself in the parent, as Discord's "started a thread" message.
    const owner = ctx.store.users.get(ownerId)!;
    createMessage(ctx, { channel: parent, author: owner, body: { content: spec.name }, type: MessageType.ThreadCreated });
  }
  ctx.store.emit("thread:create", thread);
  return thread;
}
