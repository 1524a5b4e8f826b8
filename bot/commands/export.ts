// /export: everything stored about the caller, as a JSON file only they can see.
import { AttachmentBuilder, MessageFlags, SlashCommandBuilder } from "discord.js";
import type { CoreCommand } from "../core/command.ts";

export const data = new SlashCommandBuilder().setName("export").setDescription("Download everything Ouro stores about you (JSON)");

export const command: CoreCommand = {
  data,
  async execute(interaction, ctx) {
    const dump = ctx.memory.export(interaction.user.id);
    const file = new AttachmentBuilder(Buffer.from(JSON.stringify(dump, null, 2)), { name: `ouro-export-${interaction.user.id}.json` });
    await interaction.reply({ content: "Here is everything I store about you.", files: [file], flags: MessageFlags.Ephemeral });
  },
};
