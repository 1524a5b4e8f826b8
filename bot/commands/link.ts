// /link github: link your Discord account to a GitHub login. The app issues a one-time code;
// posting it as `/ouro link <code>` from that GitHub account proves the login. Once linked,
// that login's approval never counts for your own requests. `remove:true` removes the link.
import { MessageFlags, SlashCommandBuilder } from "discord.js";
import { linkableLoginSchema } from "../../contract/app-link.ts";
import type { CoreCommand } from "../core/command.ts";
import { actorOf } from "../core/actor.ts";
import { DEFER_AFTER_MS, deferIfSlow } from "../core/defer-if-slow.ts";

export const data = new SlashCommandBuilder()
  .setName("link")
  .setDescription("Link your Discord account to another account")
  .addSubcommand((s) =>
    s
      .setName("github")
      .setDescription("Link your GitHub login (your approvals then never count for your own requests)")
      .addStringOption((o) => o.setName("login").setDescription("Your GitHub login").setMaxLength(39))
      .addBooleanOption((o) => o.setName("remove").setDescription("Remove the link instead")),
  );

export const command: CoreCommand = {
  data,
  async execute(interaction, ctx) {
    const actor = actorOf(interaction, ctx.config.rolesGuildId);
    const answer = async (content: string) => {
      if (interaction.deferred) await interaction.editReply({ content });
      else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    };
    if (interaction.options.getBoolean("remove")) {
      const r = await deferIfSlow(interaction, ctx.appLink.unlinkGithub(actor), DEFER_AFTER_MS, { ephemeral: true });
      return answer(
        r.removed
          ? `🔓 Your Discord account is no longer linked to GitHub \`${r.removed}\`.`
          : "Your Discord account was not linked to GitHub.",
      );
    }
    const given = interaction.options.getString("login")?.trim() ?? "";
    if (!given) return answer("Which GitHub account? Use `/link github login:<your GitHub login>`. Nothing was linked.");
    const login = given.replace(/^@/, "");
    const ok = linkableLoginSchema.safeParse(login);
    if (!ok.success) return answer(`\`${login.slice(0, 50).replace(/`/g, "'")}\` ${ok.error.issues[0].message}. Nothing was linked.`);
    const r = await deferIfSlow(interaction, ctx.appLink.linkGithub(actor, login), DEFER_AFTER_MS, { ephemeral: true });
    const minutes = Math.max(1, Math.round((Date.parse(r.expiresAt) - Date.now()) / 60_000));
    return answer(
      [
        `To link GitHub \`${r.login}\`, post this comment from that GitHub account within ${minutes} minutes:`,
        `\`/ouro link ${r.code}\``,
        `on <${r.postOn}> (or on any issue or pull request of Ouro's repository). The code works once, only from \`${r.login}\`; keep it to yourself.`,
      ].join("\n"),
    );
  },
};
