// /help: every command (core and plugins) and how to talk to Ouro.
import { EmbedBuilder, MessageFlags, SlashCommandBuilder } from "discord.js";
import type { CoreCommand } from "../core/command.ts";
import { coreCommands } from "./registry.ts";

export const data = new SlashCommandBuilder().setName("help").setDescription("What Ouro can do");

export const command: CoreCommand = {
  data,
  async execute(interaction, ctx) {
    const line = (json: { name: string; description: string }) => `\`/${json.name}\` — ${json.description}`;
    const core = coreCommands().map((c) => line(c.data.toJSON()));
    const plugins = [...ctx.plugins.host.commands.values()].map(({ plugin, command }) => `${line(command)} *(plugin ${plugin})*`);
    const embed = new EmbedBuilder()
      .setTitle("Ouro — a bot that edits its own code")
      .setDescription(
        "Every change is a GitHub pull request: ask with `/feature`, follow it in its thread, vote when asked. " +
          (ctx.config.model ? "Mention me or DM me to chat." : "Chat is off: no language model is configured."),
      )
      .addFields({ name: "Commands", value: core.join("\n").slice(0, 1024) });
    if (plugins.length) embed.addFields({ name: "Plugin commands", value: plugins.join("\n").slice(0, 1024) });
    await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
  },
};
