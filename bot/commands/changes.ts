// /changes: recent changes and their state, or one change in detail.
import { EmbedBuilder, MessageFlags, SlashCommandBuilder } from "discord.js";
import type { CoreCommand } from "../core/command.ts";
import { replyError } from "../core/reply-error.ts";

const ICON: Record<string, string> = {
  queued: "🕓",
  working: "🛠️",
  pr: "📬",
  checks: "🧪",
  review: "👀",
  merged: "🔀",
  deployed: "✅",
  "rolled-back": "↩️",
  failed: "❌",
};

export const data = new SlashCommandBuilder()
  .setName("changes")
  .setDescription("Recent changes to Ouro and their state")
  .addStringOption((o) => o.setName("change").setDescription("Show one change by id").setMaxLength(100))
  .addIntegerOption((o) => o.setName("limit").setDescription("How many (default 10)").setMinValue(1).setMaxValue(25));

export const command: CoreCommand = {
  data,
  async execute(interaction, ctx) {
    const id = interaction.options.getString("change");
    const changes = await ctx.appLink.changes(id ? 50 : (interaction.options.getInteger("limit") ?? 10));
    if (id) {
      const c = changes.find((x) => x.changeId === id);
      if (!c) return replyError(interaction, `No recent change \`${id}\`.`);
      const embed = new EmbedBuilder()
        .setTitle(`Change ${c.changeId}`)
        .setDescription(c.title)
        .addFields(
          { name: "State", value: `${ICON[c.state] ?? ""} ${c.state}`, inline: true },
          ...(c.risk ? [{ name: "Risk", value: c.risk, inline: true }] : []),
          ...(c.requester ? [{ name: "Requested by", value: c.requester, inline: true }] : []),
          ...(c.prUrl ? [{ name: "Pull request", value: c.prUrl }] : []),
        )
        .setTimestamp(new Date(c.updatedAt));
      return interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
    }
    if (changes.length === 0)
      return interaction.reply({ content: "No changes yet. Ask for one with /feature.", flags: MessageFlags.Ephemeral });
    const lines = changes.map(
      (c) => `${ICON[c.state] ?? "•"} \`${c.changeId}\` **${c.state}** — ${c.title.slice(0, 80)}${c.prUrl ? ` ([PR](<${c.prUrl}>))` : ""}`,
    );
    return interaction.reply({ content: lines.join("\n").slice(0, 2000), flags: MessageFlags.Ephemeral });
  },
};
