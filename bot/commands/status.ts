// /status: what is deployed, how healthy it is, what is pending, breaker and stop state.
import { EmbedBuilder, SlashCommandBuilder, MessageFlags } from "discord.js";
import type { CoreCommand } from "../core/command.ts";
import { DEFER_AFTER_MS, deferIfSlow } from "../core/defer-if-slow.ts";

const fmtUptime = (ms: number) => {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400),
    h = Math.floor((s % 86400) / 3600),
    m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
};

export const data = new SlashCommandBuilder().setName("status").setDescription("Ouro's deployed version, health and pending changes");

export const command: CoreCommand = {
  data,
  async execute(interaction, ctx) {
    const embed = new EmbedBuilder().setTitle("Ouro status").setColor(0x5865f2);
    const pluginErrors = [...ctx.plugins.failures.errorCounts.values()].reduce((a, b) => a + b, 0);
    const stream = ctx.appLink.streaming?.();
    embed.addFields({
      name: "Bot",
      value: `up ${fmtUptime(Date.now() - ctx.startedAt)} · ${ctx.plugins.host.commands.size} plugin commands · ${pluginErrors} plugin errors${stream === undefined ? "" : ` · progress stream ${stream ? "connected" : "disconnected"}`}`,
      inline: false,
    });
    try {
      const s = await deferIfSlow(interaction, ctx.appLink.status(), DEFER_AFTER_MS, { ephemeral: true });
      embed.addFields(
        {
          name: "Deployed",
          value: `\`${s.version.commit.slice(0, 10)}\`${s.version.prUrl ? ` ([PR](${s.version.prUrl}))` : ""}`,
          inline: true,
        },
        { name: "Health", value: s.health, inline: true },
        { name: "Pending changes", value: String(s.pendingChanges), inline: true },
        {
          name: "Circuit breaker",
          value: s.circuitBreaker.state + (s.circuitBreaker.failures ? ` (${s.circuitBreaker.failures} failures)` : ""),
          inline: true,
        },
        {
          name: "Emergency stop",
          value: s.emergencyStop.stopped ? `🛑 stopped${s.emergencyStop.by ? ` by ${s.emergencyStop.by}` : ""}` : "running",
          inline: true,
        },
      );
    } catch (err) {
      embed.addFields({ name: "Control plane", value: `unreachable: ${(err as Error).message}` });
    }
    if (interaction.deferred) await interaction.editReply({ embeds: [embed] });
    else await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
  },
};
