// /rollback: privileged — the app redeploys the previous release and opens the revert PR.
import { SlashCommandBuilder } from "discord.js";
import type { CoreCommand } from "../core/command.ts";
import { actorOf } from "../core/actor.ts";
import { deferIfSlow } from "../core/defer-if-slow.ts";

export const data = new SlashCommandBuilder()
  .setName("rollback")
  .setDescription("Roll back a deployed change (privileged)")
  .addStringOption((o) => o.setName("change").setDescription("Change id, as in /changes").setRequired(true).setMaxLength(100));

export const command: CoreCommand = {
  data,
  capability: "rollback",
  async execute(interaction, ctx) {
    const id = interaction.options.getString("change", true);
    const r = await deferIfSlow(interaction, ctx.appLink.rollback(id, actorOf(interaction, ctx.config.rolesGuildId)));
    const answer = {
      content: `↩️ Rolling back \`${r.changeId}\` (requested by <@${interaction.user.id}>).${r.revertPrUrl ? ` Revert PR: <${r.revertPrUrl}>` : ""}${r.message ? `\n${r.message}` : ""}`,
      allowedMentions: { parse: [] as const },
    };
    if (interaction.deferred) await interaction.editReply(answer);
    else await interaction.reply(answer);
  },
};
