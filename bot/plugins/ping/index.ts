import { SlashCommandBuilder } from "discord.js";
import { definePlugin } from "../../core/plugin.ts";

export const PONG = "Pong!";

export default definePlugin({
  name: "ping",
  description: "Answers /ping with Pong!",
  commands: [
    {
      data: new SlashCommandBuilder().setName("ping").setDescription("Check that Ouro is awake"),
      async execute(interaction) {
        await interaction.reply(PONG);
      },
    },
  ],
});
