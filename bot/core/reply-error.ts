// The single error-reply path: whatever state the interaction is in, the user gets the
// message — an ephemeral reply if nothing was sent yet, the deferred reply's content if
// it was deferred (its visibility was chosen then), else an ephemeral follow-up.
import { MessageFlags, type RepliableInteraction } from "discord.js";

export async function replyError(interaction: RepliableInteraction, message: string): Promise<void> {
  const payload = { content: message.slice(0, 2000), flags: MessageFlags.Ephemeral as const };
  try {
    if (interaction.deferred && !interaction.replied) await interaction.editReply({ content: payload.content, embeds: [], components: [] });
    else if (interaction.replied) await interaction.followUp(payload);
    else await interaction.reply(payload);
  } catch {
    // The interaction expired or was answered concurrently (e.g. by a hung plugin waking up).
  }
}
