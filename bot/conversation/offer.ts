// "please add X to the bot" → a message with a button that files it as a /feature request.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, type Message } from "discord.js";
import type { Memory } from "../memory/store.ts";

export const OFFER_BUTTON = /^offer:([0-9a-f-]{36})$/;

export async function offerFeature(message: Message, memory: Memory, feature: string): Promise<void> {
  const text = `Add ${feature} to the bot`;
  const id = memory.saveOffer(message.author.id, text);
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(`offer:${id}`).setStyle(ButtonStyle.Primary).setLabel("Request this feature"),
  );
  await message.reply({
    content: `That sounds like a feature request: **${feature.slice(0, 300)}**.\nI can file it as \`/feature\` — it becomes a pull request that humans review.`,
    components: [row],
    allowedMentions: { repliedUser: false },
  });
}
