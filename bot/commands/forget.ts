// /forget: delete every row stored about the caller (profile, preferences, history, summaries, offers).
import { MessageFlags, SlashCommandBuilder } from "discord.js";
import type { CoreCommand } from "../core/command.ts";

export const data = new SlashCommandBuilder().setName("forget").setDescription("Delete everything Ouro stores about you");

export const command: CoreCommand = {
  data,
  async execute(interaction, ctx) {
    const deleted = ctx.memory.forget(interaction.user.id);
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    const detail = Object.entries(deleted)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${t.replace(/_/g, " ")}: ${n}`)
      .join(", ");
    await interaction.reply({
      content:
        total === 0
          ? "I had nothing stored about you."
          : `🧹 Done — I deleted everything I stored about you (${total} records: ${detail}).`,
      flags: MessageFlags.Ephemeral,
    });
  },
};
