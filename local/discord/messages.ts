// Messages: create/edit/delete with the side effects Discord has (gateway dispatches, last_message_id,
// thread counters), shared by the REST routes and the driver.
import { GatewayDispatchEvents, MessageFlags, MessageType, ChannelType } from "discord-api-types/v10";
import type {
  TextChannelType,
  APIAttachment,
  APIMessage,
  GatewayMessageCreateDispatchData,
  APIMessageInteractionMetadata,
} from "discord-api-types/v10";
import type { ChannelRec, MessageRec, Store, UserRec } from "./store.ts";
import type { Gateway } from "./gateway.ts";
import { Intents } from "./intents.ts";
import { channelPayload, userPayload } from "./payloads.ts";
import { DiscordHttpError, emptyMessage, unknownChannel } from "./errors.ts";
import type { MessageBody, MessageEditBody } from "./rest-schemas.ts";

export interface Ctx {
  store: Store;
  gateway: Gateway;
  /** http://127.0.0.1:PORT — for attachment URLs. */
  baseUrl: () => string;
}

export interface UploadedFile {
  /** The `files[n]` index as given in the multipart form. */
  index: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export function isThread(c: ChannelRec): boolean {
  return c.type === ChannelType.PublicThread || c.type === ChannelType.PrivateThread || c.type === ChannelType.AnnouncementThread;
}

export function requireChannel(ctx: Ctx, id: string): ChannelRec {
  const c = ctx.store.channels.get(id);
  if (!c) throw unknownChannel();
  return c;
}

/** Turns uploaded files plus the body's `attachments` (which name them by index) into stored attachments. */
function attachmentsFor(
  ctx: Ctx,
  channelId: string,
  body: { attachments?: { id: string | number; filename?: string | null; description?: string | null }[] | null },
  files: UploadedFile[],
  keep: APIAttachment[] = [],
): APIAttachment[] {
  const out: APIAttachment[] = [];
  const declared = body.attachments ?? undefined;
  if (declared) {
    for (const a of declared) {
      const kept = keep.find((k) => k.id === String(a.id));
      if (kept) out.push(kept);
    }
  } else out.push(...keep);
  for (const f of files) {
    const meta = declared?.find((a) => String(a.id) === f.index);
    const id = ctx.store.ids.next();
    const filename = meta?.filename ?? f.filename;
    ctx.store.attachments.set(id, f.data);
    const url = `${ctx.baseUrl()}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    out.push({
      id,
      filename,
      size: f.data.length,
      url,
      proxy_url: url,
      content_type: f.contentType,
      ...(meta?.description ? { description: meta.description } : {}),
    });
  }
  return out;
}

function mentionsIn(ctx: Ctx, content: string): { users: UserRec[]; roles: string[]; everyone: boolean } {
  const users = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => ctx.store.users.get(m[1])).filter((u) => u !== undefined);
  const roles = [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]);
  return { users, roles, everyone: /@(everyone|here)/.test(content) };
}

export interface CreateMessageOpts {
  channel: ChannelRec;
  author: UserRec;
  body: MessageBody;
  files?: UploadedFile[];
  /** Set for interaction responses and follow-ups (the app's webhook). */
  webhookId?: string;
  interaction?: { metadata: APIMessageInteractionMetadata; name: string; type: number };
  type?: MessageType;
  /** Extra flags forced by the caller (e.g. LOADING for a deferred reply). */
  extraFlags?: number;
}

export function createMessage(ctx: Ctx, o: CreateMessageOpts): MessageRec {
  const { store } = ctx;
  const files = o.files ?? [];
  const hasContent =
    (o.body.content ?? "").length > 0 ||
    (o.body.embeds?.length ?? 0) > 0 ||
    files.length > 0 ||
    (o.body.components?.length ?? 0) > 0 ||
    (o.body.sticker_ids?.length ?? 0) > 0 ||
    o.body.poll !== undefined;
  if (!hasContent && !((o.extraFlags ?? 0) & MessageFlags.Loading)) throw emptyMessage();
  if (o.channel.type === ChannelType.GuildCategory) throw new DiscordHttpError(400, 50008, "Cannot send messages in a non-text channel");
  if (o.channel.thread_metadata?.archived && o.channel.thread_metadata.locked) throw new DiscordHttpError(400, 50083, "Thread is archived");
  const id = store.ids.next();
  const content = o.body.content ?? "";
  const m = mentionsIn(ctx, content);
  const ref = o.body.message_reference?.message_id ? store.messages.get(o.body.message_reference.message_id) : undefined;
  const flags =
    ((o.body.flags ?? 0) &
      (MessageFlags.Ephemeral | MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.IsComponentsV2)) |
    (o.extraFlags ?? 0);
  const msg: MessageRec = {
    id,
    channel_id: o.channel.id,
    author: userPayload(o.author),
    content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: o.body.tts ?? false,
    mention_everyone: m.everyone,
    mentions: m.users.map(userPayload),
    mention_roles: m.roles,
    attachments: attachmentsFor(ctx, o.channel.id, o.body, files),
    embeds: (o.body.embeds ?? []) as APIMessage["embeds"],
    components: (o.body.components ?? []) as unknown as APIMessage["components"],
    pinned: false,
    type: o.type ?? (ref ? MessageType.Reply : MessageType.Default),
    flags,
    ...(o.body.nonce !== undefined ? { nonce: o.body.nonce } : {}),
    ...(o.webhookId ? { webhook_id: o.webhookId, application_id: o.webhookId } : {}),
    ...(ref
      ? {
          message_reference: { type: 0, message_id: ref.id, channel_id: ref.channel_id, guild_id: ref.guild_id },
          referenced_message: stripGuild(ref),
        }
      : {}),
    ...(o.interaction
      ? {
          interaction_metadata: o.interaction.metadata,
          interaction: {
            id: o.interaction.metadata.id,
            type: o.interaction.type,
            name: o.interaction.name,
            user: o.interaction.metadata.user,
          },
        }
      : {}),
    ...(o.channel.guild_id ? { guild_id: o.channel.guild_id } : {}),
    ...(isThread(o.channel) ? { position: o.channel.message_count } : {}),
  };
  store.messages.set(id, msg);
  const ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
  if (!ephemeral) {
    let list = store.channelMessages.get(o.channel.id);
    if (!list) store.channelMessages.set(o.channel.id, (list = []));
    list.push(id);
    o.channel.last_message_id = id;
    if (isThread(o.channel)) o.channel.message_count++;
    const meta = o.channel.thread_metadata;
    if (meta?.archived && !meta.locked) {
      // Posting in an archived (unlocked) thread unarchives it, as on Discord.
      meta.archived = false;
      meta.archive_timestamp = new Date().toISOString();
      ctx.gateway.dispatch({
        t: GatewayDispatchEvents.ThreadUpdate,
        guildId: o.channel.guild_id,
        intent: Intents.Guilds,
        data: channelPayload(ctx.store, o.channel),
      });
    }
  }
  store.changed();
  if (!ephemeral) dispatchMessage(ctx, GatewayDispatchEvents.MessageCreate, msg);
  store.emit("message:create", msg);
  return msg;
}

export function editMessage(ctx: Ctx, msg: MessageRec, body: MessageEditBody, files: UploadedFile[] = []): MessageRec {
  const patch: Partial<MessageRec> = {};
  if (body.content !== undefined) patch.content = body.content ?? "";
  if (body.embeds !== undefined) patch.embeds = (body.embeds ?? []) as APIMessage["embeds"];
  if (body.components !== undefined) patch.components = (body.components ?? []) as unknown as APIMessage["components"];
  if (body.flags !== undefined && body.flags !== null) {
    const editable = MessageFlags.SuppressEmbeds;
    patch.flags = ((msg.flags ?? 0) & ~editable) | (body.flags & editable);
  }
  if (body.attachments !== undefined || files.length > 0)
    patch.attachments = attachmentsFor(ctx, msg.channel_id, body, files, msg.attachments);
  if (patch.content !== undefined) {
    const m = mentionsIn(ctx, patch.content);
    patch.mentions = m.users.map(userPayload);
    patch.mention_roles = m.roles;
  }
  return updateMessage(ctx, msg, { ...patch, edited_timestamp: new Date().toISOString() }, true);
}

/** Applies a patch, dispatches MESSAGE_UPDATE (unless ephemeral) and emits `message:update`. */
export function updateMessage(ctx: Ctx, msg: MessageRec, patch: Partial<MessageRec>, clearLoading = false): MessageRec {
  Object.assign(msg, patch);
  if (clearLoading && msg.flags) msg.flags &= ~MessageFlags.Loading;
  ctx.store.changed();
  if (!((msg.flags ?? 0) & MessageFlags.Ephemeral)) dispatchMessage(ctx, GatewayDispatchEvents.MessageUpdate, msg);
  ctx.store.emit("message:update", msg);
  return msg;
}

export function deleteMessage(ctx: Ctx, msg: MessageRec): void {
  const { store } = ctx;
  store.messages.delete(msg.id);
  const list = store.channelMessages.get(msg.channel_id);
  const i = list?.indexOf(msg.id) ?? -1;
  if (list && i >= 0) list.splice(i, 1);
  store.changed();
  if (!((msg.flags ?? 0) & MessageFlags.Ephemeral))
    ctx.gateway.dispatch({
      t: GatewayDispatchEvents.MessageDelete,
      guildId: msg.guild_id,
      intent: msg.guild_id ? Intents.GuildMessages : Intents.DirectMessages,
      data: { id: msg.id, channel_id: msg.channel_id, ...(msg.guild_id ? { guild_id: msg.guild_id } : {}) },
    });
  store.emit("message:delete", msg);
}

function dispatchMessage(ctx: Ctx, t: GatewayDispatchEvents.MessageCreate | GatewayDispatchEvents.MessageUpdate, msg: MessageRec): void {
  const guild = msg.guild_id ? ctx.store.guilds.get(msg.guild_id) : undefined;
  const member = guild?.members[msg.author.id];
  // `channel_type` is sent by Discord on message events; discord.js needs it to build an uncached DM channel.
  const channelType = ctx.store.channels.get(msg.channel_id)?.type;
  const data: GatewayMessageCreateDispatchData = {
    ...msg,
    ...(channelType !== undefined ? { channel_type: channelType as TextChannelType } : {}),
    ...(member && !msg.webhook_id
      ? {
          member: {
            roles: member.roles,
            joined_at: member.joined_at,
            nick: member.nick,
            deaf: false,
            mute: false,
            flags: 0 as never,
            avatar: null,
            banner: null,
          },
        }
      : {}),
  };
  // Without the MessageContent intent, content is empty except in DMs, for the bot's own messages and when it is mentioned.
  const botId = ctx.store.botUserId;
  const exempt = !msg.guild_id || msg.author.id === botId || msg.mentions.some((u) => u.id === botId);
  ctx.gateway.dispatch({
    t,
    guildId: msg.guild_id,
    intent: msg.guild_id ? Intents.GuildMessages : Intents.DirectMessages,
    data,
    withoutContent: exempt ? undefined : () => ({ ...data, content: "", embeds: [], attachments: [], components: [], poll: undefined }),
  });
}

export function stripGuild(m: MessageRec): APIMessage {
  const { guild_id: _g, ...rest } = m;
  return rest;
}
