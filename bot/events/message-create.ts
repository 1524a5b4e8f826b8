// MessageCreate: plugin responders first (bot/plugin-host/plugins.ts); then mentions and
// DMs go to the conversation (or become a feature offer when they ask for a bot feature).
import { Events, type Message } from "discord.js";
import { defineEvent } from "./event.ts";
import { featureIntent } from "../conversation/feature-intent.ts";
import { offerFeature } from "../conversation/offer.ts";

export const event = defineEvent({
  name: Events.MessageCreate,
  async execute(ctx, message: Message) {
    if (message.author.bot || message.system) return;
    if (!ctx.handover.owns(message.id)) return; // the other release's process answers it
    try {
      // Plugin responders: the core matches their triggers; only a match reaches a plugin.
      const route = await ctx.plugins.message(message);
      if (route !== "none") {
        ctx.metrics.messages.inc({ route });
        return;
      }
      const me = ctx.client.user;
      if (!me) return;
      const isDm = !message.guildId;
      const mentioned = message.mentions.users.has(me.id);
      if (!isDm && !mentioned) return;
      if (!ctx.settings.conversationEnabled) return;
      const text = message.content.replace(new RegExp(`<@!?${me.id}>`, "g"), "").trim();
      if (!text) return;
      const feature = featureIntent(text);
      if (feature) {
        ctx.metrics.messages.inc({ route: "offer" });
        await offerFeature(message, ctx.memory, feature);
        return;
      }
      ctx.metrics.messages.inc({ route: ctx.conversation.hasModel ? "conversation" : "no-model" });
      await ctx.conversation.respond(message, text);
    } catch (err) {
      ctx.log.error({ err }, "message handling failed");
    }
  },
});
