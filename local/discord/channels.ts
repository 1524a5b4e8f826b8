// Channel edits (PATCH /channels/:id): rename, topic, slowmode; for threads archive/lock/unarchive.
// Dispatches THREAD_UPDATE or CHANNEL_UPDATE (Guilds intent).
import { GatewayDispatchEvents } from "discord-api-types/v10";
import { z } from "zod";
import type { ChannelRec } from "./store.ts";
import type { Ctx } from "./messages.ts";
import { isThread } from "./messages.ts";
import { channelPayload } from "./payloads.ts";
import { Intents } from "./intents.ts";
import { invalidFormBody } from "./errors.ts";

export const channelEditBody = z
  .object({
    name: z.string().min(1).max(100).optional(),
    topic: z.string().max(1024).nullable().optional(),
    rate_limit_per_user: z.number().int().min(0).max(21600).nullable().optional(),
    archived: z.boolean().optional(),
    locked: z.boolean().optional(),
    invitable: z.boolean().optional(),
    auto_archive_duration: z.union([z.literal(60), z.literal(1440), z.literal(4320), z.literal(10080)]).optional(),
  })
  .passthrough();

export function editChannel(ctx: Ctx, ch: ChannelRec, body: z.infer<typeof channelEditBody>): ChannelRec {
  const thread = isThread(ch);
  const threadOnly = (["archived", "locked", "invitable", "auto_archive_duration"] as const).filter((k) => body[k] !== undefined);
  if (!thread && threadOnly.length)
    throw invalidFormBody(threadOnly.map((k) => ({ path: [k], message: "This field is only valid for threads." })));
  if (body.name !== undefined) ch.name = body.name;
  if (body.topic !== undefined && !thread) ch.topic = body.topic;
  if (body.rate_limit_per_user !== undefined) ch.rate_limit_per_user = body.rate_limit_per_user ?? 0;
  if (thread && ch.thread_metadata) {
    const meta = ch.thread_metadata;
    if (body.archived !== undefined && body.archived !== meta.archived) {
      meta.archived = body.archived;
      meta.archive_timestamp = new Date().toISOString();
    }
    if (body.locked !== undefined) meta.locked = body.locked;
    if (body.invitable !== undefined) meta.invitable = body.invitable;
    if (body.auto_archive_duration !== undefined) meta.auto_archive_duration = body.auto_archive_duration;
  }
  ctx.store.changed();
  ctx.gateway.dispatch({
    t: thread ? GatewayDispatchEvents.ThreadUpdate : GatewayDispatchEvents.ChannelUpdate,
    guildId: ch.guild_id,
    intent: Intents.Guilds,
    data: channelPayload(ctx.store, ch),
  });
  ctx.store.emit("channel:update", ch);
  return ch;
}
