// The single error-reply path: whatever state the interaction is in, the user gets an
// ephemeral message (a reply if nothing was sent yet, else a follow-up).
import { MessageFlags, type RepliableInteraction } from "discord.js";

export async function replyError(interaction: RepliableInteraction, message: string): Promise<void> {
  const payload = { content: message.slice(0, 2000), flags: MessageFlags.Ephemeral as const };
  try {
    if (interaction.replied || interaction.deferred) await interaction.followUp(payload);
    else await interaction.reply(payload);
  } catch {
    // The interaction expired or was answered concurrently (e.g. by a hung plugin waking up).
  }
}
