// The bot's side of interactions: the callback (reply, defer, update, modal, autocomplete), then the
// app's webhook for the `@original` response and follow-ups, with Discord's rules (3 s window, once only,
// 15-minute token).
import { InteractionResponseType, InteractionType, MessageFlags, MessageType, ApplicationIntegrationType } from "discord-api-types/v10";
import type { APIMessageInteractionMetadata, RESTPostAPIInteractionCallbackWithResponseResult } from "discord-api-types/v10";
import type { InteractionRec, MessageRec } from "./store.ts";
import { userPayload } from "./payloads.ts";
import { DiscordHttpError, alreadyAcknowledged, invalidFormBody, unknownInteraction, unknownMessage, unknownWebhook } from "./errors.ts";
import { createMessage, deleteMessage, editMessage, stripGuild } from "./messages.ts";
import type { UploadedFile } from "./messages.ts";
import type { InteractionCtx } from "./interactions.ts";
import { autocompleteResult, messageBody, messageEditBody, modalData } from "./rest-schemas.ts";
import { parseBody } from "./validate.ts";

export function interactionByIdAndToken(ctx: InteractionCtx, id: string, token: string): InteractionRec {
  const rec = ctx.store.interactions.get(id);
  if (!rec || rec.token !== token) throw unknownInteraction();
  return rec;
}

function metadataFor(ctx: InteractionCtx, rec: InteractionRec): APIMessageInteractionMetadata {
  const user = userPayload(ctx.store.users.get(rec.user_id)!);
  return {
    id: rec.id,
    type: rec.type,
    user,
    authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: rec.guild_id ?? "0" },
    ...(rec.source_message_id ? { interacted_message_id: rec.source_message_id } : {}),
  } as APIMessageInteractionMetadata;
}

function commandName(_ctx: InteractionCtx, rec: InteractionRec): string {
  return rec.command_name ?? "";
}

export function handleCallback(
  ctx: InteractionCtx,
  rec: InteractionRec,
  body: { type: number; data?: Record<string, unknown> },
  files: UploadedFile[],
  withResponse: boolean,
): RESTPostAPIInteractionCallbackWithResponseResult | undefined {
  if (rec.callback_type !== undefined) throw alreadyAcknowledged();
  if (Date.now() - rec.created_at > ctx.callbackTimeoutMs) {
    rec.late_callback_at ??= Date.now();
    throw unknownInteraction();
  }
  const R = InteractionResponseType;
  const allowed: Record<number, number[]> = {
    [InteractionType.ApplicationCommand]: [R.ChannelMessageWithSource, R.DeferredChannelMessageWithSource, R.Modal],
    [InteractionType.MessageComponent]: [
      R.ChannelMessageWithSource,
      R.DeferredChannelMessageWithSource,
      R.DeferredMessageUpdate,
      R.UpdateMessage,
      R.Modal,
    ],
    [InteractionType.ModalSubmit]: [
      R.ChannelMessageWithSource,
      R.DeferredChannelMessageWithSource,
      R.DeferredMessageUpdate,
      R.UpdateMessage,
    ],
    [InteractionType.ApplicationCommandAutocomplete]: [R.ApplicationCommandAutocompleteResult],
  };
  if (
    !(allowed[rec.type] ?? []).includes(body.type) ||
    (rec.type === InteractionType.ModalSubmit && body.type >= 6 && !rec.source_message_id)
  )
    throw invalidFormBody([
      {
        path: ["type"],
        message: `Interaction response type ${body.type} is not valid for interaction type ${rec.type}.`,
        code: "BASE_TYPE_CHOICES",
      },
    ]);
  const channel = ctx.store.channels.get(rec.channel_id)!;
  const bot = ctx.store.users.get(ctx.store.botUserId)!;
  const interaction = { metadata: metadataFor(ctx, rec), name: commandName(ctx, rec), type: rec.type };
  const msgType = rec.type === InteractionType.ApplicationCommand ? MessageType.ChatInputCommand : MessageType.Default;
  let message: MessageRec | undefined;
  switch (body.type) {
    case R.ChannelMessageWithSource: {
      const data = parseBody(messageBody, body.data ?? {}, ["data"]);
      message = createMessage(ctx, {
        channel,
        author: bot,
        body: data,
        files,
        webhookId: ctx.store.applicationId,
        interaction,
        type: msgType,
      });
      rec.original_message_id = message.id;
      break;
    }
    case R.DeferredChannelMessageWithSource: {
      const flags = Number((body.data as { flags?: number } | undefined)?.flags ?? 0) & MessageFlags.Ephemeral;
      message = createMessage(ctx, {
        channel,
        author: bot,
        body: { flags },
        webhookId: ctx.store.applicationId,
        interaction,
        type: msgType,
        extraFlags: MessageFlags.Loading,
      });
      rec.original_message_id = message.id;
      break;
    }
    case R.DeferredMessageUpdate:
      rec.original_message_id = rec.source_message_id;
      message = rec.source_message_id ? ctx.store.messages.get(rec.source_message_id) : undefined;
      break;
    case R.UpdateMessage: {
      const source = rec.source_message_id ? ctx.store.messages.get(rec.source_message_id) : undefined;
      if (!source) throw unknownMessage();
      message = editMessage(ctx, source, parseBody(messageEditBody, body.data ?? {}, ["data"]), files);
      rec.original_message_id = source.id;
      break;
    }
    case R.ApplicationCommandAutocompleteResult:
      parseBody(autocompleteResult, body.data ?? {}, ["data"]);
      break;
    case R.Modal:
      rec.modal = parseBody(modalData, body.data ?? {}, ["data"]);
      break;
    default:
      break;
  }
  rec.callback_type = body.type;
  rec.callback_at = Date.now();
  ctx.store.changed();
  ctx.store.emit("interaction", rec, { kind: "callback", callbackType: body.type, message, data: body.data });
  if (!withResponse) return undefined;
  return {
    interaction: {
      id: rec.id,
      type: rec.type,
      ...(message
        ? {
            response_message_id: message.id,
            response_message_loading: ((message.flags ?? 0) & MessageFlags.Loading) !== 0,
            response_message_ephemeral: ((message.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
          }
        : {}),
    },
    resource: {
      type: body.type as InteractionResponseType,
      ...(message && body.type !== R.DeferredMessageUpdate ? { message: stripGuild(message) } : {}),
    },
  };
}

/** Interaction tokens are valid for 15 minutes. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;

export function interactionByWebhook(ctx: InteractionCtx, appId: string, token: string): InteractionRec {
  const rec = ctx.store.interactionsByToken.get(token);
  if (!rec || appId !== ctx.store.applicationId) throw unknownWebhook();
  if (Date.now() - rec.created_at > INTERACTION_TOKEN_TTL_MS) throw new DiscordHttpError(401, 50027, "Invalid Webhook Token");
  return rec;
}

/** The message `@original` or a follow-up id names, checked to belong to this interaction. */
export function webhookMessage(ctx: InteractionCtx, rec: InteractionRec, messageId: string): MessageRec {
  const id = messageId === "@original" ? rec.original_message_id : messageId;
  if (!id || (id !== rec.original_message_id && !rec.followup_ids.includes(id))) throw unknownMessage();
  const msg = ctx.store.messages.get(id);
  if (!msg) throw unknownMessage();
  return msg;
}

export function editWebhookMessage(
  ctx: InteractionCtx,
  rec: InteractionRec,
  messageId: string,
  body: unknown,
  files: UploadedFile[],
): MessageRec {
  const msg = webhookMessage(ctx, rec, messageId);
  const edited = editMessage(ctx, msg, parseBody(messageEditBody, body), files);
  const kind = msg.id === rec.original_message_id ? "original-edit" : "followup-edit";
  ctx.store.emit("interaction", rec, { kind, message: edited });
  return edited;
}

export function deleteWebhookMessage(ctx: InteractionCtx, rec: InteractionRec, messageId: string): void {
  const msg = webhookMessage(ctx, rec, messageId);
  deleteMessage(ctx, msg);
  if (msg.id === rec.original_message_id) ctx.store.emit("interaction", rec, { kind: "original-delete", message: msg });
}

export function createFollowup(ctx: InteractionCtx, rec: InteractionRec, body: unknown, files: UploadedFile[]): MessageRec {
  if (rec.callback_type === undefined) throw unknownWebhook();
  const data = parseBody(messageBody, body);
  const original = rec.original_message_id ? ctx.store.messages.get(rec.original_message_id) : undefined;
  let msg: MessageRec;
  if (
    rec.callback_type === InteractionResponseType.DeferredChannelMessageWithSource &&
    original &&
    (original.flags ?? 0) & MessageFlags.Loading
  ) {
    // After a deferred reply, the first follow-up fills the "thinking…" message (keeping its ephemerality).
    msg = editMessage(
      ctx,
      original,
      { content: data.content, embeds: data.embeds, components: data.components, attachments: data.attachments },
      files,
    );
  } else {
    const channel = ctx.store.channels.get(rec.channel_id)!;
    const bot = ctx.store.users.get(ctx.store.botUserId)!;
    msg = createMessage(ctx, {
      channel,
      author: bot,
      body: data,
      files,
      webhookId: ctx.store.applicationId,
      interaction: { metadata: metadataFor(ctx, rec), name: commandName(ctx, rec), type: rec.type },
    });
  }
  rec.followup_ids.push(msg.id);
  ctx.store.changed();
  ctx.store.emit("interaction", rec, { kind: "followup", message: msg });
  return msg;
}
