// /ouro stop | resume: the emergency stop (admins). While stopped the app starts no self-edits.
import { SlashCommandBuilder } from "discord.js";
import type { CoreCommand } from "../core/command.ts";
import { actorOf } from "../core/actor.ts";

export const data = new SlashCommandBuilder()
  .setName("ouro")
  .setDescription("Control Ouro itself (admins)")
  .addSubcommand((s) => s.setName("stop").setDescription("Emergency stop: no new self-edits until resumed"))
  .addSubcommand((s) => s.setName("resume").setDescription("Lift the emergency stop"));

export const command: CoreCommand = {
  data,
  capability: "stop",
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const actor = actorOf(interaction, ctx.config.rolesGuildId);
    const r = sub === "stop" ? await ctx.appLink.stop(actor) : await ctx.appLink.resume(actor);
    await interaction.reply({
      content: r.stopped
        ? `🛑 Ouro is stopped by <@${interaction.user.id}>: no new self-edits until \`/ouro resume\`.`
        : `▶️ Ouro resumed by <@${interaction.user.id}>.`,
      allowedMentions: { parse: [] },
    });
  },
};
