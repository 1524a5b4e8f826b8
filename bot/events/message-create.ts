// MessageCreate: plugin responders first; then mentions and DMs go to the conversation
// (or become a feature offer when they ask for a bot feature).
import { Events, type Message } from "discord.js";
import { defineEvent } from "./event.ts";
import type { BotContext } from "../core/context.ts";
import { featureIntent } from "../conversation/feature-intent.ts";
import { offerFeature } from "../conversation/offer.ts";

async function responders(message: Message, ctx: BotContext): Promise<boolean> {
  const incoming = { content: message.content, authorId: message.author.id, channelId: message.channelId, guildId: message.guildId ?? undefined };
  for (const { plugin, responder } of ctx.runner.responders) {
    responder.trigger.lastIndex = 0;
    if (!responder.trigger.test(message.content)) continue;
    const r = await ctx.runner.run(plugin, "responder", responder.name, () => responder.respond(incoming));
    ctx.metrics.messages.inc({ route: r.ok ? "responder" : "responder-error" });
    if (r.ok) {
      if (r.value) await message.reply({ content: String(r.value).slice(0, 2000), allowedMentions: { repliedUser: false, parse: [] } });
    } else {
      await message.reply({
        content: `⚠️ The auto-response **${responder.name}** (plugin ${plugin.name}) ${r.timeout ? "took too long" : "failed"}; it has been reported for repair.`,
        allowedMentions: { repliedUser: false },
      });
    }
    return true;
  }
  return false;
}

export const event = defineEvent({
  name: Events.MessageCreate,
  async execute(ctx, message: Message) {
    if (message.author.bot || message.system) return;
    if (!ctx.handover.owns(message.id)) return; // the other release's process answers it
    try {
      if (await responders(message, ctx)) return;
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
